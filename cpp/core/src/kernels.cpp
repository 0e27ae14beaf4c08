#include "kernels.hpp"

#include <cmath>
#include <cstring>
#include <type_traits>

#include "orbitwin/constants.hpp"
#include "orbitwin/eclipse.hpp"
#include "orbitwin/fastmath.hpp"
#include "orbitwin/orbit.hpp"

#if defined(__AVX__)
#include <immintrin.h>
#endif

namespace orbitwin::kernels {

namespace fm = orbitwin::fastmath;

namespace {

// sin and cos of x0 + rate t [rad] per satellite as rows: computed once per
// run of satellites that share x0 and rate (runs, found at the first call
// and noted there), the same values as the per-satellite pass. s and c hold
// len + 3 values (padding).
inline void sincos_rows(const double* __restrict x0, const double* __restrict rate, double t, std::size_t len,
                        double* __restrict s, double* __restrict c, SharedRuns& runs) {
  if (runs.count < 0) {
    int count = 0;
    for (std::size_t k = 0; k < len && count <= SharedRuns::kMax; ++k) {
      // Bit patterns: a run's values are the same double, signed zeros included.
      if (k > 0 && std::memcmp(x0 + k, x0 + k - 1, sizeof(double)) == 0 &&
          std::memcmp(rate + k, rate + k - 1, sizeof(double)) == 0)
        continue;
      if (count < SharedRuns::kMax) runs.start[count] = static_cast<unsigned char>(k);
      ++count;
    }
    runs.count = count <= SharedRuns::kMax ? count : 0;
    if (runs.count > 0) runs.start[runs.count] = static_cast<unsigned char>(len);
  }
  const int count = runs.count;
  if (count > 0) {
    // One run: a scalar sincos. More: the runs' angles gathered (and padded
    // with 0) for a vectorised sincos over four or eight lanes (GCC left a
    // loop over count scalar). The same arithmetic, so the same bits.
    static_assert(SharedRuns::kMax == 8, "four or eight lanes below");
    alignas(32) double angle[SharedRuns::kMax];
    alignas(32) double hs[SharedRuns::kMax], hc[SharedRuns::kMax];
    if (count == 1) {
      fm::sincos(x0[0] + rate[0] * t, hs[0], hc[0]);
    } else {
      for (int j = 0; j < count; ++j) {
        const std::size_t h = runs.start[j];
        angle[j] = x0[h] + rate[h] * t;
      }
      for (int j = count; j < SharedRuns::kMax; ++j) angle[j] = 0.0;
#pragma omp simd
      for (int j = 0; j < 4; ++j) fm::sincos(angle[j], hs[j], hc[j]);
      if (count > 4) {
#pragma omp simd
        for (int j = 4; j < 8; ++j) fm::sincos(angle[j], hs[j], hc[j]);
      }
    }
    // Four satellites per store, a run's last stores running over into the
    // next run (which then writes its own values there) or into the rows'
    // padding: no loop prologue or epilogue per run.
    for (int j = 0; j < count; ++j) {
      const double sj = hs[j], cj = hc[j];
      for (std::size_t k = runs.start[j]; k < runs.start[j + 1]; k += 4) {
        s[k] = sj;
        s[k + 1] = sj;
        s[k + 2] = sj;
        s[k + 3] = sj;
        c[k] = cj;
        c[k + 1] = cj;
        c[k + 2] = cj;
        c[k + 3] = cj;
      }
    }
    return;
  }
#pragma omp simd
  for (std::size_t k = 0; k < len; ++k) fm::sincos(x0[k] + rate[k] * t, s[k], c[k]);
}

}  // namespace

int kepler_iterations_for(double e_max) {
  if (e_max > kKeplerFastMaxEcc) return 0;
  if (e_max == 0.0) return 1;
  // Newton from E0 = M: |E - E0| <= e, then err' <= e / (2 (1 - e)) err^2.
  // The last correction is applied to sin/cos to first order, which is
  // exact to err_{k-1}^2 / 2, so both must be below 1e-16.
  const double c = e_max / (2.0 * (1.0 - e_max));
  double prev = e_max;
  for (int k = 1; k < 16; ++k) {
    const double next = c * prev * prev;
    if (next < 1e-16 && 0.5 * prev * prev < 1e-16) return k;
    prev = next;
  }
  return 0;
}

void orbit_mean_elements(Fleet& f, std::size_t b0, std::size_t b1, const Instant& in,
                         int kepler_iterations, BlockKinematics& kin) {
  const double t = in.t_s;
  const double* __restrict a = f.semi_major_axis_m.data();
  const double* __restrict ecc = f.eccentricity.data();
  const double* __restrict m0 = f.mean_anomaly_epoch_rad.data();
  const double* __restrict n = f.mean_motion_rad_s.data();
  const double* __restrict raan0 = f.raan_epoch_rad.data();
  const double* __restrict raan_dot = f.raan_rate_rad_s.data();
  const double* __restrict argp0 = f.arg_perigee_epoch_rad.data();
  const double* __restrict argp_dot = f.arg_perigee_rate_rad_s.data();
  const double* __restrict ci = f.cos_inclination.data();
  const double* __restrict si = f.sin_inclination.data();
  const double* __restrict eta = f.semi_minor_ratio.data();
  double* __restrict pos = f.position_m.data();
  double* __restrict vel = f.velocity_m_s.data();

  double sin_e[kBlock], cos_e[kBlock];
  const std::size_t len = b1 - b0;
  // The rows for the kernels after this one (and for the (n, 3) rows).
  double* __restrict krx = kin.r[0];
  double* __restrict kry = kin.r[1];
  double* __restrict krz = kin.r[2];
  double* __restrict kvx = kin.v[0];
  double* __restrict kvy = kin.v[1];
  double* __restrict kvz = kin.v[2];
  if (kepler_iterations > 0 && kin.circular < 0) {
    double eccentric = 0.0;  // > 0: some orbit in the block is not circular
#pragma omp simd reduction(+ : eccentric)
    for (std::size_t k = 0; k < len; ++k) eccentric += ecc[b0 + k] != 0.0 ? 1.0 : 0.0;
    kin.circular = eccentric == 0.0 ? 1 : 0;
  }
  if (kepler_iterations > 0 && kin.circular > 0) {
    // Circular orbits: E = M, where the Newton pass below gives d = +0 and
    // so the same sin and cos, bit for bit, without its division.
#pragma omp simd
    for (std::size_t k = 0; k < len; ++k) {
      const std::size_t i = b0 + k;
      fm::sincos(fm::wrap_pi(m0[i] + n[i] * t), sin_e[k], cos_e[k]);
    }
  } else if (kepler_iterations > 0) {
#pragma omp simd
    for (std::size_t k = 0; k < len; ++k) {
      const std::size_t i = b0 + k;
      const double m = fm::wrap_pi(m0[i] + n[i] * t);
      const double e = ecc[i];
      double E = m, s = 0.0, c = 1.0, d = 0.0;
      for (int it = 0; it < kepler_iterations; ++it) {
        E -= d;
        fm::sincos(E, s, c);
        d = (E - e * s - m) / (1.0 - e * c);
      }
      // E_final = E - d: rotate (s, c) by -d to first order.
      sin_e[k] = s - d * c;
      cos_e[k] = c + d * s;
    }
  } else {
    for (std::size_t k = 0; k < len; ++k) {
      const std::size_t i = b0 + k;
      const double E = solve_kepler(m0[i] + n[i] * t, ecc[i]);
      sin_e[k] = std::sin(E);
      cos_e[k] = std::cos(E);
    }
  }

  double node_s[kBlock + 3], node_c[kBlock + 3], peri_s[kBlock + 3], peri_c[kBlock + 3];  // + 3: sincos_rows
  sincos_rows(raan0 + b0, raan_dot + b0, t, len, node_s, node_c, kin.node);
  sincos_rows(argp0 + b0, argp_dot + b0, t, len, peri_s, peri_c, kin.perigee);
  // circular: e = 0, where 1 - e cos E = 1 and cos E - e = cos E exactly (cos
  // E is finite: the elements are), so dE/dt = n and x = a cos E, bit for bit.
  auto frame = [&](auto circular) {
#pragma omp simd
    for (std::size_t k = 0; k < len; ++k) {
      const std::size_t i = b0 + k;
      const double sO = node_s[k], cO = node_c[k], sw = peri_s[k], cw = peri_c[k];
      const double e = ecc[i];
      const double sE = sin_e[k], cE = cos_e[k];
      const double edot = circular ? n[i] : n[i] / (1.0 - e * cE);  // dE/dt [rad/s]
      const double x = circular ? a[i] * cE : a[i] * (cE - e);
      const double y = a[i] * eta[i] * sE;
      const double xd = -a[i] * sE * edot;
      const double yd = a[i] * eta[i] * cE * edot;
      const double px = cO * cw - sO * sw * ci[i];
      const double py = sO * cw + cO * sw * ci[i];
      const double pz = sw * si[i];
      const double qx = -cO * sw - sO * cw * ci[i];
      const double qy = -sO * sw + cO * cw * ci[i];
      const double qz = cw * si[i];
      const double rx = px * x + qx * y, ry = py * x + qy * y, rz = pz * x + qz * y;
      // Orbit normal h = P x Q; the secular rotations add w' (h x r) + W' (z x r).
      const double hx = sO * si[i], hy = -cO * si[i], hz = ci[i];
      const double wd = argp_dot[i], od = raan_dot[i];
      krx[k] = rx;
      kry[k] = ry;
      krz[k] = rz;
      kvx[k] = px * xd + qx * yd + wd * (hy * rz - hz * ry) - od * ry;
      kvy[k] = py * xd + qy * yd + wd * (hz * rx - hx * rz) + od * rx;
      kvz[k] = pz * xd + qz * yd + wd * (hx * ry - hy * rx);
    }
  };
  if (kepler_iterations > 0 && kin.circular > 0) frame(std::true_type{});
  else frame(std::false_type{});
  if (!in.segment_last) return;  // the kernels after this one read kin
  interleave3(krx, kry, krz, pos + 3 * b0, len);
  interleave3(kvx, kvy, kvz, vel + 3 * b0, len);
}

void orbit_ephemeris(Fleet& f, std::size_t b0, std::size_t b1, const Instant& in, BlockKinematics& kin) {
  const std::size_t cap = f.ephemeris_capacity();
  const std::size_t j = static_cast<std::size_t>(in.ephemeris_index);
  const double* __restrict er = f.ephemeris_position_m.data();
  const double* __restrict ev = f.ephemeris_velocity_m_s.data();
  double* __restrict pos = f.position_m.data();
  double* __restrict vel = f.velocity_m_s.data();
  uint32_t* __restrict status = f.status.data();
  for (std::size_t i = b0; i < b1; ++i) {
    const std::size_t src = 3 * (i * cap + j);
    bool ok = true;
    for (int c = 0; c < 3; ++c) {
      kin.r[c][i - b0] = er[src + c];
      kin.v[c][i - b0] = ev[src + c];
      ok = ok && std::isfinite(er[src + c]) && std::isfinite(ev[src + c]);
    }
    status[i] = ok ? (status[i] & ~kStatusOrbitInvalid) : (status[i] | kStatusOrbitInvalid);
  }
  if (!in.segment_last) return;  // the kernels after this one read kin
  const std::size_t len = b1 - b0;
  interleave3(kin.r[0], kin.r[1], kin.r[2], pos + 3 * b0, len);
  interleave3(kin.v[0], kin.v[1], kin.v[2], vel + 3 * b0, len);
}

namespace {

// One pass of Bowring's iteration: from the reduced latitude's (cos, sin)
// direction (unnormalised) to tan(geodetic latitude) = num / den.
inline void bowring_step(double cb, double sb, double p, double z, double& num, double& den) {
  constexpr double a = kEarthRadiusEq;
  constexpr double b = a * (1.0 - kEarthFlattening);
  constexpr double e2 = kEarthFlattening * (2.0 - kEarthFlattening);
  constexpr double ep2 = e2 / (1.0 - e2);
  const double inv = 1.0 / std::sqrt(cb * cb + sb * sb);
  const double cbn = cb * inv, sbn = sb * inv;
  num = z + ep2 * b * sbn * sbn * sbn;
  den = p - e2 * a * cbn * cbn * cbn;
}

// Writes the (len,3,3) rows of out from a block's (9,kBlock) scratch (one
// row per matrix element): with AVX, four satellites at a time as two 4x4
// transposes (elements 0-3 and 4-7) and element 8 alone; GCC does not
// vectorise the stride-9 stores of the plain loop.
inline void interleave9(const double (&sc)[9][kBlock], double* __restrict out, std::size_t len) {
  std::size_t k = 0;
#if defined(__AVX__)
  for (; k + 4 <= len; k += 4) {
    double* o = out + 9 * k;
    for (int h = 0; h < 2; ++h) {
      const __m256d r0 = _mm256_loadu_pd(&sc[4 * h + 0][k]);
      const __m256d r1 = _mm256_loadu_pd(&sc[4 * h + 1][k]);
      const __m256d r2 = _mm256_loadu_pd(&sc[4 * h + 2][k]);
      const __m256d r3 = _mm256_loadu_pd(&sc[4 * h + 3][k]);
      const __m256d t0 = _mm256_unpacklo_pd(r0, r1);  // r0[0] r1[0] r0[2] r1[2]
      const __m256d t1 = _mm256_unpackhi_pd(r0, r1);  // r0[1] r1[1] r0[3] r1[3]
      const __m256d t2 = _mm256_unpacklo_pd(r2, r3);
      const __m256d t3 = _mm256_unpackhi_pd(r2, r3);
      _mm256_storeu_pd(o + 0 + 4 * h, _mm256_permute2f128_pd(t0, t2, 0x20));   // satellite k
      _mm256_storeu_pd(o + 9 + 4 * h, _mm256_permute2f128_pd(t1, t3, 0x20));   // k + 1
      _mm256_storeu_pd(o + 18 + 4 * h, _mm256_permute2f128_pd(t0, t2, 0x31));  // k + 2
      _mm256_storeu_pd(o + 27 + 4 * h, _mm256_permute2f128_pd(t1, t3, 0x31));  // k + 3
    }
    const __m256d r8 = _mm256_loadu_pd(&sc[8][k]);
    const __m128d lo = _mm256_castpd256_pd128(r8), hi = _mm256_extractf128_pd(r8, 1);
    _mm_storel_pd(o + 8, lo);
    _mm_storeh_pd(o + 17, lo);
    _mm_storel_pd(o + 26, hi);
    _mm_storeh_pd(o + 35, hi);
  }
#endif
  for (; k < len; ++k)
    for (int c = 0; c < 9; ++c) out[9 * k + c] = sc[c][k];
}

}  // namespace

void geodetic(Fleet& f, std::size_t b0, std::size_t b1, const Instant& in, BlockKinematics& kin) {
  constexpr double a = kEarthRadiusEq;
  constexpr double b = a * (1.0 - kEarthFlattening);
  constexpr double e2 = kEarthFlattening * (2.0 - kEarthFlattening);
  const double* __restrict px = kin.r[0];
  const double* __restrict py = kin.r[1];
  const double* __restrict pz = kin.r[2];
  double* __restrict lat = f.latitude_rad.data();
  double* __restrict lon = f.longitude_rad.data();
  double* __restrict alt = f.altitude_m.data();
  const double sg = in.sin_gmst, cg = in.cos_gmst;
  const std::size_t len = b1 - b0;
  // Five passes over the block, the arithmetic of one: each pass's chain of
  // square roots and divisions is short enough for the out-of-order core to
  // overlap the next satellites' chains, where one long pass would wait.
  // The Earth-fixed x and y rows stay in kin for ground_contacts().
  double* __restrict xs = kin.ecef[0];
  double* __restrict ys = kin.ecef[1];
  double zs[kBlock], ps[kBlock], nums[kBlock], dens[kBlock];
#pragma omp simd
  for (std::size_t k = 0; k < len; ++k) {
    const double x = cg * px[k] + sg * py[k];
    const double y = -sg * px[k] + cg * py[k];
    const double z = pz[k];
    // Bowring's iteration in algebraic form (no trigonometry until the end):
    // two passes are exact to well below a millimetre at orbital heights.
    const double p = std::sqrt(x * x + y * y);
    double num, den;
    bowring_step(b * p, a * z, p, z, num, den);
    xs[k] = x;
    ys[k] = y;
    zs[k] = z;
    ps[k] = p;
    nums[k] = num;
    dens[k] = den;
  }
#pragma omp simd
  for (std::size_t k = 0; k < len; ++k) {
    double num, den;
    bowring_step(a * dens[k], b * nums[k], ps[k], zs[k], num, den);
    nums[k] = num;
    dens[k] = den;
  }
#pragma omp simd
  for (std::size_t k = 0; k < len; ++k) lon[b0 + k] = fm::atan2(ys[k], xs[k]);
#pragma omp simd
  for (std::size_t k = 0; k < len; ++k) lat[b0 + k] = fm::atan2(nums[k], dens[k]);
#pragma omp simd
  for (std::size_t k = 0; k < len; ++k) {
    const std::size_t i = b0 + k;
    const double num = nums[k], den = dens[k], p = ps[k], z = zs[k];
    const double inv = 1.0 / std::sqrt(num * num + den * den);
    const double cphi = den * inv, sphi = num * inv;
    alt[i] = p * cphi + z * sphi - a * std::sqrt(1.0 - e2 * sphi * sphi);
  }
}

namespace {

// shadow_classify() without square roots or divisions where the answer is
// clear: 1 (fully lit) or 0 (umbra) far from the shadow boundaries, -1 where
// the caller must ask shadow_classify() itself (near a boundary, within ~320 m
// of the equatorial radius, NaN positions). With d = s - r, u = -r.d and
// Q = sqrt((|d|^2 - Rs^2) (|r|^2 - Re^2)), shadow_classify's tests read
// c >= a + b <=> u + Rs Re <= Q and c <= b - a <=> u - Rs Re >= Q (both
// sides times |d| |r|); compared as squares with a relative margin of 1e-9,
// i.e. 5e-10 cos(a) cos(b) >= 5e-12 in cos(c), far above the rounding of
// either computation (<= 1e-13 for cos(b) >= 0.01), so the two always agree.
inline double shadow_classify_clear(double rx, double ry, double rz, double sx, double sy, double sz) {
  constexpr double kRe2 = kEarthRadiusEq * kEarthRadiusEq;
  constexpr double kRs2 = kSunRadius * kSunRadius;
  constexpr double kRsRe = kSunRadius * kEarthRadiusEq;
  const double dx = sx - rx, dy = sy - ry, dz = sz - rz;
  const double d2 = dx * dx + dy * dy + dz * dz;
  const double r2 = rx * rx + ry * ry + rz * rz;
  const double u = -(rx * dx + ry * dy + rz * dz);
  const double q2 = (d2 - kRs2) * (r2 - kRe2);
  const double lo = u + kRsRe, hi = u - kRsRe;
  const double lit = (lo <= 0.0) | (lo * lo <= q2 * (1.0 - 1e-9)) ? 1.0 : -1.0;
  const double shade = (hi > 0.0) & (hi * hi >= q2 * (1.0 + 1e-9)) ? 0.0 : -1.0;
  // cos(b) >= 0.01 (|r| > 1.00005 Re): a + b < pi / 2, Q well above 0.
  return r2 > 1.0001 * kRe2 ? (lit > 0.0 ? lit : shade) : -1.0;
}

}  // namespace

void sun_geometry(Fleet& f, std::size_t b0, std::size_t b1, const Instant& in, BlockKinematics& kin) {
  const double* __restrict krx = kin.r[0];
  const double* __restrict kry = kin.r[1];
  const double* __restrict krz = kin.r[2];
  const double* __restrict kvx = kin.v[0];
  const double* __restrict kvy = kin.v[1];
  const double* __restrict kvz = kin.v[2];
  double* __restrict illum = f.illumination.data();
  double* __restrict beta = f.beta_angle_rad.data();
  double* __restrict h_norm = kin.h_norm;
  double h_sun[kBlock];  // [m^2/s] h . (unit vector to the Sun)
  const std::size_t len = b1 - b0;
  const double s[3] = {in.sun_m[0], in.sun_m[1], in.sun_m[2]};
  const double ux = in.sun_dir[0], uy = in.sun_dir[1], uz = in.sun_dir[2];
  const double sx = s[0], sy = s[1], sz = s[2];
  double unclear = 0.0;  // > 0: some satellite is near a shadow boundary (or NaN)
#pragma omp simd reduction(+ : unclear)
  for (std::size_t i = b0; i < b1; ++i) {
    const std::size_t k = i - b0;
    const double rx = krx[k], ry = kry[k], rz = krz[k];
    const double vx = kvx[k], vy = kvy[k], vz = kvz[k];
    const double lit = shadow_classify_clear(rx, ry, rz, sx, sy, sz);
    illum[i] = lit;
    unclear += lit < 0.0 ? 1.0 : 0.0;
    const double hx = ry * vz - rz * vy;
    const double hy = rz * vx - rx * vz;
    const double hz = rx * vy - ry * vx;
    const double hn = std::sqrt(hx * hx + hy * hy + hz * hz);
    h_norm[k] = hn;  // for attitude()
    h_sun[k] = hx * ux + hy * uy + hz * uz;  // |h| sin(beta), to the pass below
  }
  // The arcsines in a pass of their own (shorter sqrt/div chains per pass),
  // at the segment's last step only: nothing reads beta before then.
  if (in.segment_last) {
#pragma omp simd
    for (std::size_t k = 0; k < len; ++k) beta[b0 + k] = fm::asin(h_sun[k] / h_norm[k]);
  }
  if (unclear == 0.0) return;
  // Near a boundary: shadow_classify() itself, and the penumbra (a few
  // seconds per orbit) gets the exact disc overlap.
  for (std::size_t i = b0; i < b1; ++i) {
    if (illum[i] < 0.0) {
      const double r[3] = {krx[i - b0], kry[i - b0], krz[i - b0]};
      const double lit = shadow_classify(r[0], r[1], r[2], sx, sy, sz);
      illum[i] = lit >= 0.0 ? lit : (std::isfinite(r[0] + r[1] + r[2]) ? illuminated_fraction(r, s) : NAN);
    }
  }
}

namespace {

// Writes the nadir axes (LVLH: Z to the Earth's centre, Y against the orbit
// normal, X = Y x Z, along track) of a block's satellites [0, len) into the
// rows of axes, from its position [m] and velocity [m/s] rows and |r x v|
// [m^2/s] (h_norm). kSunRows: also the unit orbit normal, the unit vector to
// the Sun at (sunx, suny, sunz) [m] and the unit radius into rows[0..8] (x,
// y, z each) for the sun-pointing axes. Without them, returns > 0 where a nadir axis has a zero or non-finite
// component or the direction to the Sun is undefined (else 0).
template <bool kSunRows>
double nadir_axes(std::size_t len, const double* __restrict krx, const double* __restrict kry,
                  const double* __restrict krz, const double* __restrict kvx, const double* __restrict kvy,
                  const double* __restrict kvz, const double* __restrict h_norm, double sunx, double suny,
                  double sunz, double (&axes)[9][kBlock], double* const* rows) {
  double* __restrict hxs = kSunRows ? rows[0] : nullptr;
  double* __restrict hys = kSunRows ? rows[1] : nullptr;
  double* __restrict hzs = kSunRows ? rows[2] : nullptr;
  double* __restrict szxs = kSunRows ? rows[3] : nullptr;
  double* __restrict szys = kSunRows ? rows[4] : nullptr;
  double* __restrict szzs = kSunRows ? rows[5] : nullptr;
  double* __restrict uxs = kSunRows ? rows[6] : nullptr;
  double* __restrict uys = kSunRows ? rows[7] : nullptr;
  double* __restrict uzs = kSunRows ? rows[8] : nullptr;
  double special = 0.0;
#pragma omp simd reduction(+ : special)
  for (std::size_t k = 0; k < len; ++k) {
    const double rx = krx[k], ry = kry[k], rz = krz[k];
    const double vx = kvx[k], vy = kvy[k], vz = kvz[k];
    const double ir = 1.0 / std::sqrt(rx * rx + ry * ry + rz * rz);
    double hx = ry * vz - rz * vy, hy = rz * vx - rx * vz, hz = rx * vy - ry * vx;
    const double ih = 1.0 / h_norm[k];  // |h| as sun_geometry() found it, bit for bit
    hx *= ih;
    hy *= ih;
    hz *= ih;
    const double nzx = -rx * ir, nzy = -ry * ir, nzz = -rz * ir;
    const double nyx = -hx, nyy = -hy, nyz = -hz;
    const double nxx = nyy * nzz - nyz * nzy, nxy = nyz * nzx - nyx * nzz, nxz = nyx * nzy - nyy * nzx;
    axes[0][k] = nxx;
    axes[1][k] = nxy;
    axes[2][k] = nxz;
    axes[3][k] = nyx;
    axes[4][k] = nyy;
    axes[5][k] = nyz;
    axes[6][k] = nzx;
    axes[7][k] = nzy;
    axes[8][k] = nzz;
    double szx = sunx - rx, szy = suny - ry, szz = sunz - rz;
    const double sz2 = szx * szx + szy * szy + szz * szz;
    if constexpr (kSunRows) {
      const double isz = 1.0 / std::sqrt(sz2);
      szx *= isz;
      szy *= isz;
      szz *= isz;
      hxs[k] = hx;
      hys[k] = hy;
      hzs[k] = hz;
      szxs[k] = szx;
      szys[k] = szy;
      szzs[k] = szz;
      uxs[k] = rx * ir;
      uys[k] = ry * ir;
      uzs[k] = rz * ir;
    } else {
      // |a| |b| = |a b| bit for bit: one fabs for the product of all nine.
      const double all = std::fabs(nxx * nxy * nxz * (nyx * nyy * nyz) * (nzx * nzy * nzz));
      special += (all > 0.0) & (sz2 > 0.0) & (sz2 < 1e300) ? 0.0 : 1.0;
    }
  }
  return special;
}

}  // namespace

void attitude(Fleet& f, std::size_t b0, std::size_t b1, const Instant& in, BlockKinematics& kin) {
  const double* __restrict krx = kin.r[0];
  const double* __restrict kry = kin.r[1];
  const double* __restrict krz = kin.r[2];
  const double* __restrict kvx = kin.v[0];
  const double* __restrict kvy = kin.v[1];
  const double* __restrict kvz = kin.v[2];
  const int32_t* __restrict mode = f.attitude_mode.data();
  const double* __restrict fixed = f.inertial_axes.data();
  double* __restrict axes = f.body_axes.data();
  const double s[3] = {in.sun_m[0], in.sun_m[1], in.sun_m[2]};
  const double sunx = s[0], suny = s[1], sunz = s[2];
  double(&scratch)[9][kBlock] = kin.att;  // the kernels after this one read the rows
  // The sun-pointing weight per satellite, set apart so that no int32 data
  // enters the loop below (GCC would run it 8 satellites wide, spilling).
  double sun_weight[kBlock];
  int32_t held = 0;  // > 0: some satellite is inertially held or tumbling
  int32_t sun_pointing = 0;  // > 0: some satellite points at the Sun
  // Known to be neither from an earlier step of this evaluation: no scan.
  if (kin.attitude_nadir != 1) {
#pragma omp simd reduction(+ : held, sun_pointing)
    for (std::size_t i = b0; i < b1; ++i) {
      const int32_t m = mode[i];
      sun_weight[i - b0] = m == static_cast<int32_t>(AttitudeMode::kSun) ? 1.0 : 0.0;
      sun_pointing += m == static_cast<int32_t>(AttitudeMode::kSun);
      held += (m == static_cast<int32_t>(AttitudeMode::kInertial)) | (m == static_cast<int32_t>(AttitudeMode::kTumble));
    }
    kin.attitude_nadir = held == 0 && sun_pointing == 0 ? 1 : 0;
  }
  // Two passes over the block, the arithmetic of one: each pass's chain of
  // square roots and divisions is short enough for the out-of-order core to
  // overlap the next satellites' chains. The first writes the nadir axes and
  // keeps what the sun-pointing axes need.
  const std::size_t len = b1 - b0;
  std::size_t len_sun = len;  // satellites the sun-pointing pass runs over
  double hxs[kBlock], hys[kBlock], hzs[kBlock];     // unit orbit normal
  double szxs[kBlock], szys[kBlock], szzs[kBlock];  // unit vector to the Sun
  double uxs[kBlock], uys[kBlock], uzs[kBlock];     // unit radius
  // No satellite pointing at the Sun: the blend below gives the nadir axes
  // bit for bit (1 n + 0 s = n for finite n != 0 and finite s), so they stand
  // unless a component is zero (0 s may flip the sign of a zero) or not finite.
  if (sun_pointing == 0 &&
      nadir_axes<false>(len, krx, kry, krz, kvx, kvy, kvz, kin.h_norm, sunx, suny, sunz, scratch, nullptr) == 0.0) {
    len_sun = 0;
  } else {
    if (sun_pointing == 0)  // the scan may not have run
      for (std::size_t k = 0; k < len; ++k) sun_weight[k] = 0.0;
    double* rows[9] = {hxs, hys, hzs, szxs, szys, szzs, uxs, uys, uzs};
    nadir_axes<true>(len, krx, kry, krz, kvx, kvy, kvz, kin.h_norm, sunx, suny, sunz, scratch, rows);
  }
#pragma omp simd
  for (std::size_t k = 0; k < len_sun; ++k) {
    const double hx = hxs[k], hy = hys[k], hz = hzs[k];
    const double szx = szxs[k], szy = szys[k], szz = szzs[k];
    // Sun-pointing: Z to the Sun, X = h x Z (in the orbit plane), Y = Z x X.
    double sxx = hy * szz - hz * szy, sxy = hz * szx - hx * szz, sxz = hx * szy - hy * szx;
    const double sx2 = sxx * sxx + sxy * sxy + sxz * sxz;
    // Sun along the orbit normal: take X along the radius instead.
    const bool degenerate = sx2 < 1e-20;
    sxx = degenerate ? uxs[k] : sxx;
    sxy = degenerate ? uys[k] : sxy;
    sxz = degenerate ? uzs[k] : sxz;
    const double isx = 1.0 / std::sqrt(degenerate ? 1.0 : sx2);
    sxx *= isx;
    sxy *= isx;
    sxz *= isx;
    const double syx = szy * sxz - szz * sxy, syy = szz * sxx - szx * sxz, syz = szx * sxy - szy * sxx;

    // Mode weights of exactly 0 or 1 blend the candidate axes without
    // branches (GCC turns selects here into masked stores it cannot vectorise).
    const double w_sun = sun_weight[k];
    const double w_nadir = 1.0 - w_sun;
#define ORBITWIN_PICK(c, sn) scratch[c][k] = w_nadir * scratch[c][k] + w_sun * (sn)
    ORBITWIN_PICK(0, sxx);
    ORBITWIN_PICK(1, sxy);
    ORBITWIN_PICK(2, sxz);
    ORBITWIN_PICK(3, syx);
    ORBITWIN_PICK(4, syy);
    ORBITWIN_PICK(5, syz);
    ORBITWIN_PICK(6, szx);
    ORBITWIN_PICK(7, szy);
    ORBITWIN_PICK(8, szz);
#undef ORBITWIN_PICK
  }
  if (held > 0) {
    // Inertially held and tumbling satellites (rare): a scalar pass. A tumble
    // rotates the held axes by |w| (t - t0) about w (Rodrigues' formula).
    const double* __restrict rate = f.tumble_rate_rad_s.data();
    const double* __restrict start = f.tumble_start_s.data();
    for (std::size_t i = b0; i < b1; ++i) {
      const int32_t m = mode[i];
      const std::size_t k = i - b0;
      if (m == static_cast<int32_t>(AttitudeMode::kInertial)) {
        for (int c = 0; c < 9; ++c) scratch[c][k] = fixed[9 * i + c];
      } else if (m == static_cast<int32_t>(AttitudeMode::kTumble)) {
        const double wx = rate[3 * i], wy = rate[3 * i + 1], wz = rate[3 * i + 2];
        const double w = std::sqrt(wx * wx + wy * wy + wz * wz);
        const double angle = w * (in.t_s - start[i]);
        const double ux = w > 0.0 ? wx / w : 0.0, uy = w > 0.0 ? wy / w : 0.0, uz = w > 0.0 ? wz / w : 1.0;
        const double sa = std::sin(angle), ca = std::cos(angle);
        for (int row = 0; row < 3; ++row) {
          const double* a = fixed + 9 * i + 3 * row;
          const double dot = ux * a[0] + uy * a[1] + uz * a[2];
          const double cx = uy * a[2] - uz * a[1], cy = uz * a[0] - ux * a[2], cz = ux * a[1] - uy * a[0];
          scratch[3 * row + 0][k] = a[0] * ca + cx * sa + ux * dot * (1.0 - ca);
          scratch[3 * row + 1][k] = a[1] * ca + cy * sa + uy * dot * (1.0 - ca);
          scratch[3 * row + 2][k] = a[2] * ca + cz * sa + uz * dot * (1.0 - ca);
        }
      }
    }
  }
  // Interleave into (n,3,3) at the segment's last step (GCC cannot vectorise
  // stride-9 stores above); the kernels after this one read kin.att.
  if (in.segment_last) interleave9(scratch, axes + 9 * b0, b1 - b0);
}

namespace {

#if defined(__AVX__)
// Eight 32-bit lanes from p, as bits.
inline __m256 load_ps(const int64_t* p) {
  return _mm256_castsi256_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}
#endif

// The sine of the elevation of the satellite at Earth-fixed (x, y, z) [m]
// seen from a station at st [m] with local vertical up: the one expression
// ground_block() and best_station_only() both evaluate, bit for bit.
inline double sin_elevation(double x, double y, double z, double sx, double sy, double sz, double ux, double uy,
                            double uz) {
  const double dx = x - sx, dy = y - sy, dz = z - sz;
  return (dx * ux + dy * uy + dz * uz) / std::sqrt(dx * dx + dy * dy + dz * dz);
}

// Before a segment's last step nothing reads the elevations and the
// visibilities (written at that step, for the frame and the caller): only the
// best station, for compute_account(), which this writes into best[0, len).
// Most satellites see no station, and the sine of the elevation, dot / |d|
// (dot = d . up), lies below the station's sine of its mask m, and the
// station out of view, where dot |dot| < m |m| |d|^2, the same test as
// squares (both sides monotonic): with a relative margin of 1e-9 (and 1 m^2)
// far above the rounding of either side (a few 1e-16), such a satellite and
// station need neither square root nor division. Only the satellites with a
// station not clearly out of view (a few per block; NaN positions among them)
// get the sines themselves, bit for bit ground_block()'s, and from them the
// best station as there. The arcsine increases, so the visible station of the
// highest sine of elevation is the one of the highest elevation, unless the
// two highest sines lie so close that their arcsines (each within 2.5 ulp,
// < 1e-15) could tie or swap: within 1e-12, where the arcsines decide.
template <std::size_t kS>
void best_station_only(std::size_t len, const double* __restrict ex, const double* __restrict ey,
                       const double* __restrict ez, const double (&st_x)[kS], const double (&st_y)[kS],
                       const double (&st_z)[kS], const double (&up_x)[kS], const double (&up_y)[kS],
                       const double (&up_z)[kS], const double (&st_mask)[kS], int32_t* __restrict best) {
  double mask2[kS];  // [-] m |m|
  for (std::size_t s = 0; s < kS; ++s) mask2[s] = st_mask[s] * std::fabs(st_mask[s]);
  alignas(32) double near[kBlock];  // > 0: some station not clearly out of view
#pragma omp simd
  for (std::size_t k = 0; k < len; ++k) {
    const double x = ex[k], y = ey[k], z = ez[k];
    double n = 0.0;
#pragma GCC unroll 8
    for (std::size_t s = 0; s < kS; ++s) {
      const double dx = x - st_x[s], dy = y - st_y[s], dz = z - st_z[s];
      const double dot = dx * up_x[s] + dy * up_y[s] + dz * up_z[s];  // [m]
      const double lim = mask2[s] * (dx * dx + dy * dy + dz * dz);   // [m^2]
      n += dot * std::fabs(dot) < lim - (1e-9 * std::fabs(lim) + 1.0) ? 0.0 : 1.0;  // NaN: 1
    }
    near[k] = n;
    best[k] = -1;
  }
  uint64_t todo = 0;
  std::size_t k0 = 0;
#if defined(__AVX__)
  for (; k0 + 4 <= len; k0 += 4) {
    const __m256d v = _mm256_cmp_pd(_mm256_load_pd(near + k0), _mm256_setzero_pd(), _CMP_NEQ_UQ);
    todo |= static_cast<uint64_t>(_mm256_movemask_pd(v)) << k0;
  }
#endif
  for (; k0 < len; ++k0) todo |= static_cast<uint64_t>(near[k0] != 0.0) << k0;
  for (; todo != 0; todo &= todo - 1) {
    const std::size_t k = static_cast<std::size_t>(__builtin_ctzll(todo));
    double sin_el[kS];
    for (std::size_t s = 0; s < kS; ++s)
      sin_el[s] = sin_elevation(ex[k], ey[k], ez[k], st_x[s], st_y[s], st_z[s], up_x[s], up_y[s], up_z[s]);
    double b1st = -10.0, b2nd = -20.0, bk = -1.0;  // the two highest visible sines
    for (std::size_t s = 0; s < kS; ++s) {
      const double v = sin_el[s] >= st_mask[s] ? sin_el[s] : -30.0;  // below both while not visible
      const double lower = v < b1st ? v : b1st;
      bk = v > b1st ? static_cast<double>(s) : bk;
      b2nd = lower > b2nd ? lower : b2nd;
      b1st = v > b1st ? v : b1st;
    }
    if (b1st - b2nd <= 1e-12) {  // as ground_block()'s exact pass
      double be = -10.0;
      bk = -1.0;
      for (std::size_t s = 0; s < kS; ++s) {
        const double e = fm::asin(sin_el[s]);
        const bool better = (sin_el[s] >= st_mask[s]) & (e > be);
        bk = better ? static_cast<double>(s) : bk;
        be = better ? e : be;
      }
    }
    best[k] = static_cast<int32_t>(bk);
  }
}

// kS > 0: the twin has exactly kS stations: passes over the satellites
// with the stations inside, and the (n, kS) rows are written after it as
// whole rows (GCC vectorises a constant-width interleave with in-register
// shuffles); kS = 0: any count, a station at a time, each station's column
// written as it is computed.
template <std::size_t kS>
void ground_block(Fleet& f, std::size_t b0, std::size_t b1, const Instant& in,
                  const GroundStations& stations, const BlockKinematics& kin) {
  constexpr bool kRows = kS > 0;
  constexpr std::size_t kCols = kRows ? kS : 1;
  const std::size_t S = kRows ? kS : stations.count;
  const double* __restrict pz = kin.r[2];
  // The Earth-fixed position as geodetic() computed it (bit for bit the
  // rotation by the sidereal angle that was done here).
  const double* __restrict ex = kin.ecef[0];
  const double* __restrict ey = kin.ecef[1];
  double* __restrict elev = f.station_elevation_rad.data();
  int32_t* __restrict vis = f.station_visible.data();
  int32_t* __restrict best = f.best_station.data();
  const std::size_t len = b1 - b0;
  // Block-local SoA scratch: the (n,S) outputs are interleaved afterwards.
  double best_k[kBlock];
  double el[kCols][kBlock];
  int64_t seen_mask[kRows ? kCols : 1][kBlock];  // kS > 0: -1 where the station sees the satellite, else 0
  if (kRows) {
    // A fixed station count: two passes over the satellites with the stations
    // inside, the sines of the elevations first (each satellite's
    // Earth-fixed position in registers), then the arcsines and the best
    // station so far (in registers): each pass's chains of square roots and
    // divisions are short enough for the out-of-order core to overlap the
    // next satellites' chains.
    double st_x[kCols], st_y[kCols], st_z[kCols], up_x[kCols], up_y[kCols], up_z[kCols], st_mask[kCols];
    for (std::size_t s = 0; s < kCols; ++s) {
      st_x[s] = stations.ecef_m[3 * s];
      st_y[s] = stations.ecef_m[3 * s + 1];
      st_z[s] = stations.ecef_m[3 * s + 2];
      up_x[s] = stations.up[3 * s];
      up_y[s] = stations.up[3 * s + 1];
      up_z[s] = stations.up[3 * s + 2];
      st_mask[s] = stations.sin_min_elevation[s];
    }
    if (!in.segment_last) {  // the best station alone
      best_station_only<kCols>(len, ex, ey, pz, st_x, st_y, st_z, up_x, up_y, up_z, st_mask, best + b0);
      return;
    }
#pragma omp simd
    for (std::size_t k = 0; k < len; ++k) {
      const double x = ex[k], y = ey[k], z = pz[k];
      // Unrolled: GCC vectorises the satellite loop only without an inner loop.
#pragma GCC unroll 8
      for (std::size_t s = 0; s < kCols; ++s)
        el[s][k] = sin_elevation(x, y, z, st_x[s], st_y[s], st_z[s], up_x[s], up_y[s], up_z[s]);
    }
#pragma omp simd
    for (std::size_t k = 0; k < len; ++k) {
      double be = -10.0, bk = -1.0;
#pragma GCC unroll 8
      for (std::size_t s = 0; s < kCols; ++s) {
        const double sin_el = el[s][k];
        const double e = fm::asin(sin_el);
        el[s][k] = e;
        seen_mask[s][k] = sin_el >= st_mask[s] ? -1 : 0;
        const bool better = (sin_el >= st_mask[s]) & (e > be);
        bk = better ? static_cast<double>(s) : bk;
        be = better ? e : be;
      }
      best_k[k] = bk;
    }
  } else {
    double xe[kBlock], ye[kBlock], ze[kBlock], best_el[kBlock];
#pragma omp simd
    for (std::size_t k = 0; k < len; ++k) {
      xe[k] = ex[k];
      ye[k] = ey[k];
      ze[k] = pz[k];
      best_el[k] = -10.0;
      best_k[k] = -1.0;
    }
    for (std::size_t s = 0; s < S; ++s) {
      const double sx = stations.ecef_m[3 * s], sy = stations.ecef_m[3 * s + 1], sz = stations.ecef_m[3 * s + 2];
      const double ux = stations.up[3 * s], uy = stations.up[3 * s + 1], uz = stations.up[3 * s + 2];
      const double mask = stations.sin_min_elevation[s];
      const double sd = static_cast<double>(s);
      double* __restrict el_s = el[0];
      double seen_s[kBlock];  // 0/1, converted when written
      // Two passes, the sines of the elevations first: each pass's chain of
      // square roots and divisions is short enough for the out-of-order core
      // to overlap the next satellites' chains.
#pragma omp simd
      for (std::size_t k = 0; k < len; ++k) {
        const double dx = xe[k] - sx, dy = ye[k] - sy, dz = ze[k] - sz;
        el_s[k] = (dx * ux + dy * uy + dz * uz) / std::sqrt(dx * dx + dy * dy + dz * dz);
      }
#pragma omp simd
      for (std::size_t k = 0; k < len; ++k) {
        const double sin_el = el_s[k];
        const double e = fm::asin(sin_el);
        el_s[k] = e;
        seen_s[k] = sin_el >= mask ? 1.0 : 0.0;
        // Both rows rewritten whole (a conditional update becomes masked stores).
        const double be = best_el[k], bk = best_k[k];
        const bool better = (sin_el >= mask) & (e > be);
        best_k[k] = better ? sd : bk;
        best_el[k] = better ? e : be;
      }
      for (std::size_t k = 0; k < len; ++k) {
        elev[(b0 + k) * S + s] = el_s[k];
        vis[(b0 + k) * S + s] = static_cast<int32_t>(seen_s[k]);
      }
    }
  }
  if (kRows) {
    std::size_t k0 = 0;
#if defined(__AVX__)
    if (kCols % 4 == 0) {  // 4x4 transposes: four satellites by four stations at a time
      for (; k0 + 4 <= len; k0 += 4) {
        for (std::size_t g = 0; g + 4 <= kCols; g += 4) {
          const __m256d r0 = _mm256_loadu_pd(&el[g + 0][k0]), r1 = _mm256_loadu_pd(&el[g + 1][k0]);
          const __m256d r2 = _mm256_loadu_pd(&el[g + 2][k0]), r3 = _mm256_loadu_pd(&el[g + 3][k0]);
          const __m256d t0 = _mm256_unpacklo_pd(r0, r1), t1 = _mm256_unpackhi_pd(r0, r1);
          const __m256d t2 = _mm256_unpacklo_pd(r2, r3), t3 = _mm256_unpackhi_pd(r2, r3);
          double* o = elev + (b0 + k0) * kCols + g;
          _mm256_storeu_pd(o, _mm256_permute2f128_pd(t0, t2, 0x20));
          _mm256_storeu_pd(o + kCols, _mm256_permute2f128_pd(t1, t3, 0x20));
          _mm256_storeu_pd(o + 2 * kCols, _mm256_permute2f128_pd(t0, t2, 0x31));
          _mm256_storeu_pd(o + 3 * kCols, _mm256_permute2f128_pd(t1, t3, 0x31));
          // The 64-bit masks as 32-bit 0/1: each mask's two halves are equal, so
          // a blend of two stations' rows reads as their pairs per satellite.
          const __m256 m0 = load_ps(&seen_mask[g + 0][k0]);
          const __m256 m1 = load_ps(&seen_mask[g + 1][k0]);
          const __m256 m2 = load_ps(&seen_mask[g + 2][k0]);
          const __m256 m3 = load_ps(&seen_mask[g + 3][k0]);
          const __m256d m01 = _mm256_castps_pd(_mm256_blend_ps(m0, m1, 0xAA));  // (s0 s1) per satellite
          const __m256d m23 = _mm256_castps_pd(_mm256_blend_ps(m2, m3, 0xAA));  // (s2 s3) per satellite
          const __m256d lo = _mm256_unpacklo_pd(m01, m23);  // satellites k0, k0 + 2
          const __m256d hi = _mm256_unpackhi_pd(m01, m23);  // satellites k0 + 1, k0 + 3
          const __m256 one = _mm256_castsi256_ps(_mm256_set1_epi32(1));
          const __m256 v01 = _mm256_and_ps(_mm256_castpd_ps(_mm256_permute2f128_pd(lo, hi, 0x20)), one);
          const __m256 v23 = _mm256_and_ps(_mm256_castpd_ps(_mm256_permute2f128_pd(lo, hi, 0x31)), one);
          float* v = reinterpret_cast<float*>(vis + (b0 + k0) * kCols + g);  // stored as bits
          if (kCols == 4) {  // the four satellites' rows are contiguous
            _mm256_storeu_ps(v, v01);
            _mm256_storeu_ps(v + 8, v23);
          } else {
            _mm_storeu_ps(v, _mm256_castps256_ps128(v01));
            _mm_storeu_ps(v + kCols, _mm256_extractf128_ps(v01, 1));
            _mm_storeu_ps(v + 2 * kCols, _mm256_castps256_ps128(v23));
            _mm_storeu_ps(v + 3 * kCols, _mm256_extractf128_ps(v23, 1));
          }
        }
      }
    }
#endif
    for (std::size_t k = k0; k < len; ++k)
      for (std::size_t s = 0; s < kCols; ++s) elev[(b0 + k) * kCols + s] = el[s][k];
    for (std::size_t k = k0; k < len; ++k)
      for (std::size_t s = 0; s < kCols; ++s) vis[(b0 + k) * kCols + s] = static_cast<int32_t>(seen_mask[s][k] & 1);
  }
  for (std::size_t k = 0; k < len; ++k) best[b0 + k] = static_cast<int32_t>(best_k[k]);
}

}  // namespace

void ground_contacts(Fleet& f, std::size_t b0, std::size_t b1, const Instant& in,
                     const GroundStations& stations, const BlockKinematics& kin) {
  switch (stations.count) {
    case 2: ground_block<2>(f, b0, b1, in, stations, kin); break;
    case 4: ground_block<4>(f, b0, b1, in, stations, kin); break;
    case 8: ground_block<8>(f, b0, b1, in, stations, kin); break;
    default: ground_block<0>(f, b0, b1, in, stations, kin); break;
  }
}

}  // namespace orbitwin::kernels
