// Radiation model: channels, configuration checks and the per-block kernel.
// The physics behind the tables is documented in python/orbitwin/radiation.py.
#include "orbitwin/radiation.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "orbitwin/constants.hpp"
#include "orbitwin/fleet.hpp"

// The kernel's flux rows and dot products with AVX2 and FMA intrinsics (sums
// kept in registers, same arithmetic and order as the plain loops below).
#if defined(__GNUC__) && defined(__AVX2__) && defined(__FMA__)
#define ORBITWIN_RADIATION_AVX2 1
#include <immintrin.h>
#endif

namespace orbitwin {

namespace {

constexpr std::size_t kMaxEnergies = 128;      //!< proton + electron energies per node
constexpr double kEarthRadiusMean = 6371.2e3;  //!< [m] reference radius of the dipole
constexpr double kProtonMassMev = 938.272088;  //!< [MeV]
constexpr double kSpeReferenceMev = 10.0;      //!< [MeV] SPE intensities are >10 MeV
constexpr double kRadToDeg = 180.0 / kPi;
//! Interpolated fluxes below this share of tiny_flux are 0 (the floor itself,
//! up to rounding, where every corner is empty).
constexpr double kZeroFluxFraction = 1e-9;
constexpr std::size_t kChunk = 64;  //!< satellites per vectorised pre-pass
//! [log10(m-2 s-1)] bound on |log_flux| (validated), so that exp10 of any
//! interpolated value stays in exp2_in_range's range.
constexpr double kMaxLogFlux = 300.0;

[[noreturn]] void bad_config(const std::string& field, const std::string& got,
                             const std::string& allowed) {
  throw std::invalid_argument("radiation config: " + field + " is " + got + "; allowed: " + allowed);
}

std::string num(double v) {
  std::ostringstream os;
  os.precision(10);
  os << v;
  return os.str();
}

// Grid coordinate of x on nodes x0 + k dx (k < n), clamped to the grid:
// lower node index and the fraction towards the next one.
inline void locate(double x, double x0, double dx, std::size_t n, std::size_t& i, double& frac) {
  double u = (x - x0) / dx;
  const double top = static_cast<double>(n - 1);
  u = u < 0.0 ? 0.0 : (u > top ? top : u);
  std::size_t k = static_cast<std::size_t>(u);
  if (k > n - 2) k = n - 2;
  i = k;
  frac = u - static_cast<double>(k);
}

// a / b, correctly rounded as a division, from inv_b = 1 / b (correctly
// rounded): with FMA, a product and Markstein's correction (Markstein 1990;
// exact for normal quotients: the residual a - q b is exact and one step from
// a quotient within an ulp gives the rounded one), cheaper than a division.
inline double quotient(double a, double b, double inv_b) {
#if defined(__FMA__)
  const double q = a * inv_b;
  return std::fma(std::fma(-q, b, a), inv_b, q);
#else
  (void)inv_b;
  return a / b;
#endif
}

// radiation::exp10 of an interpolated log flux (|v| <= kMaxLogFlux, so only
// the lower clamp can matter). The clamp also keeps x rounded to a double as
// exp10 rounds it: a product fused into exp2's additions would move the last bits.
inline double exp10_table(double v) {
  double x = v * radiation::kLog2Of10;
  x = x < -1000.0 ? -1000.0 : x;
  return radiation::exp2_in_range(x);
}

// Index of the lowest set bit of m != 0.
inline std::size_t lowest_bit(uint64_t m) {
#if defined(__GNUC__)
  return static_cast<std::size_t>(__builtin_ctzll(m));
#else
  std::size_t k = 0;
  while (!(m & 1u)) {
    m >>= 1;
    ++k;
  }
  return k;
#endif
}

//! Doubles per vector the kernel's interpolation rounds energy ranges up to
//! (AVX2); the private copy of the table carries this many spare values.
constexpr std::size_t kLanes = 4;

// The eight corners of a table cell: trilinear weights (a weight of exactly 0
// leaves node values exact) and the log-flux rows at the corners, from energy e0.
struct Trilinear {
  double w[8];
  const double* t[8];
};

// Strides [values] of a table of rows of `row` values per node (nalt, nlat, nlon, row).
struct Strides {
  std::size_t lon, lat, alt;
};
inline Strides strides(std::size_t row, const RadiationConfig& c) {
  return Strides{row, c.nlon * row, c.nlat * c.nlon * row};
}

inline Trilinear trilinear(const double* table, const Strides& s, const radiation::Cell& k, std::size_t e0) {
  const std::size_t s_lon = s.lon, s_lat = s.lat, s_alt = s.alt;
  const double* t = table + k.ia * s_alt + k.il * s_lat + k.io * s_lon + e0;
  const double fa = k.fa, fl = k.fl, fo = k.fo;
  return Trilinear{{(1 - fa) * (1 - fl) * (1 - fo), (1 - fa) * (1 - fl) * fo, (1 - fa) * fl * (1 - fo),
                    (1 - fa) * fl * fo, fa * (1 - fl) * (1 - fo), fa * (1 - fl) * fo,
                    fa * fl * (1 - fo), fa * fl * fo},
                   {t, t + s_lon, t + s_lat, t + s_lat + s_lon, t + s_alt, t + s_alt + s_lon,
                    t + s_alt + s_lat, t + s_alt + s_lat + s_lon}};
}

// The log-flux blends of radiation::interpolate_cell for the values
// [e0, e0 + n) of the kernel's table rows (Radiation::table_) in the cell of
// q (trilinear(..., 0)), times log2(10) as exp10_table rounds them, into v
// (log2 of flux + tiny), n rounded up to whole vectors of kLanes so the loop
// runs without a scalar remainder (the extra lanes read the rows' padding or
// the next energies); returns the values written.
inline std::size_t blend_cell_lanes(const Trilinear& q, std::size_t e0, std::size_t n, double* __restrict v) {
  const std::size_t padded = (n + kLanes - 1) / kLanes * kLanes;
  const double *t0 = q.t[0] + e0, *t1 = q.t[1] + e0, *t2 = q.t[2] + e0, *t3 = q.t[3] + e0;
  const double *t4 = q.t[4] + e0, *t5 = q.t[5] + e0, *t6 = q.t[6] + e0, *t7 = q.t[7] + e0;
#pragma omp simd
  for (std::size_t e = 0; e < padded; ++e)
    v[e] = (q.w[0] * t0[e] + q.w[1] * t1[e] + q.w[2] * t2[e] + q.w[3] * t3[e] + q.w[4] * t4[e] +
            q.w[5] * t5[e] + q.w[6] * t6[e] + q.w[7] * t7[e]) *
           radiation::kLog2Of10;
  return padded;
}

//! 0, 1, 2, ...: energy indices as doubles, for selects the compiler keeps
//! as selects (a select on the loop index it splits into a copy and a fill).
struct Ramp {
  double v[kMaxEnergies + kLanes];
  constexpr Ramp() : v() {
    for (std::size_t i = 0; i < kMaxEnergies + kLanes; ++i) v[i] = static_cast<double>(i);
  }
};
constexpr Ramp kRamp{};

// Log2 fluxes v[0..n) from blend_cell_lanes to fluxes in place, as
// radiation::interpolate_cell takes them (same bits: the products were
// rounded when stored, and |v| <= kMaxLogFlux log2(10) < 1000). n is a
// multiple of 2 kLanes: two vectors per iteration, half the loop control.
inline void fluxes_from_logs(double tiny, double* __restrict v, std::size_t n) {
  const double zero_below = kZeroFluxFraction * tiny;
  for (double* __restrict end = v + n; v < end; v += 2 * kLanes) {
#pragma omp simd
    for (std::size_t e = 0; e < 2 * kLanes; ++e) {
      const double f = radiation::exp2_in_range(v[e]) - tiny;
      v[e] = f > zero_below ? f : 0.0;
    }
  }
}

#if defined(ORBITWIN_RADIATION_AVX2)
// Mask of the energies e..e+3 below n (a double holding an index).
inline __m256d lanes_below(std::size_t e, __m256d n) {
  return _mm256_cmp_pd(_mm256_loadu_pd(kRamp.v + e), n, _CMP_LT_OQ);
}

// Energies e..e+3 of a row of n values, the vector past the last whole one
// (e + kLanes > n): masked (nothing written past the row) unless `spill`
// allows its spare lanes (zeros) in the next row.
inline void store_row_tail(double* __restrict dst, std::size_t e, std::size_t n, bool spill, __m256d x) {
  if (spill)
    _mm256_storeu_pd(dst + e, x);
  else
    _mm256_maskstore_pd(dst + e, _mm256_castpd_si256(lanes_below(e, _mm256_set1_pd(static_cast<double>(n)))), x);
}

// Four vectors' lanes each added up as an omp simd reduction from 0 adds
// them, in lane order (((0 + l0) + l1) + l2) + l3, all four at once: the
// vectors transposed, then three vector additions after the first.
inline void lane_sums(__m256d a, __m256d b, __m256d c, __m256d d, double& sa, double& sb, double& sc,
                      double& sd) {
  const __m256d ab_lo = _mm256_unpacklo_pd(a, b), ab_hi = _mm256_unpackhi_pd(a, b);  // a0 b0 a2 b2, a1 b1 a3 b3
  const __m256d cd_lo = _mm256_unpacklo_pd(c, d), cd_hi = _mm256_unpackhi_pd(c, d);
  const __m256d l0 = _mm256_permute2f128_pd(ab_lo, cd_lo, 0x20);  // a0 b0 c0 d0
  const __m256d l1 = _mm256_permute2f128_pd(ab_hi, cd_hi, 0x20);
  const __m256d l2 = _mm256_permute2f128_pd(ab_lo, cd_lo, 0x31);
  const __m256d l3 = _mm256_permute2f128_pd(ab_hi, cd_hi, 0x31);
  const __m256d sum =
      _mm256_add_pd(_mm256_add_pd(_mm256_add_pd(_mm256_add_pd(_mm256_setzero_pd(), l0), l1), l2), l3);
  alignas(32) double out[kLanes];
  _mm256_store_pd(out, sum);
  sa = out[0];
  sb = out[1];
  sc = out[2];
  sd = out[3];
}

// The four proton dot products (dose and three event rates) of a row's
// fluxes with the response rows wp, w0, w1, w2, one sum per lane.
struct ProtonDots {
  const double *wp, *w0, *w1, *w2;
  __m256d vd = _mm256_setzero_pd(), v0 = _mm256_setzero_pd(), v1 = _mm256_setzero_pd(),
          v2 = _mm256_setzero_pd();
  void add(std::size_t e, __m256d x) {
    vd = _mm256_fmadd_pd(x, _mm256_loadu_pd(wp + e), vd);
    v0 = _mm256_fmadd_pd(x, _mm256_loadu_pd(w0 + e), v0);
    v1 = _mm256_fmadd_pd(x, _mm256_loadu_pd(w1 + e), v1);
    v2 = _mm256_fmadd_pd(x, _mm256_loadu_pd(w2 + e), v2);
  }
  void sums(double& d, double& s0, double& s1, double& s2) const { lane_sums(vd, v0, v1, v2, d, s0, s1, s2); }
};

// An electron row's dose rate with the response row we: per lane the rounded
// products added up, then the lanes pairwise.
struct ElectronDose {
  const double* we;
  __m256d acc = _mm256_setzero_pd();
  void add(std::size_t e, __m256d x) {
    __m256d p = _mm256_mul_pd(x, _mm256_loadu_pd(we + e));
    asm("" : "+x"(p));  // the product rounded, not fused into the sum
    acc = _mm256_add_pd(acc, p);
  }
  double total() const {
    const __m128d lo = _mm256_castpd256_pd128(acc), hi = _mm256_extractf128_pd(acc, 1);
    return (_mm_cvtsd_f64(lo) + _mm_cvtsd_f64(_mm_unpackhi_pd(lo, lo))) +
           (_mm_cvtsd_f64(hi) + _mm_cvtsd_f64(_mm_unpackhi_pd(hi, hi)));
  }
};

// A row's fluxes src[0..used) and zeros up to n into dst (up to n_pad where
// `spill`, see store_row_tail), each vector also into sums (ProtonDots or
// ElectronDose) over n_pad energies (the response rows are zero-padded).
template <class Sums>
inline void copy_row_into(const double* __restrict src, double used, std::size_t n, std::size_t n_pad, bool spill,
                          double* __restrict dst, Sums& sums) {
  const __m256d u = _mm256_set1_pd(used);
  std::size_t e = 0;
  for (; e + kLanes <= n; e += kLanes) {  // whole vectors of the row
    const __m256d x = _mm256_and_pd(lanes_below(e, u), _mm256_loadu_pd(src + e));
    _mm256_storeu_pd(dst + e, x);
    sums.add(e, x);
  }
  if (e < n_pad) {  // the last, partial one (n_pad: n rounded up to whole vectors)
    const __m256d x = _mm256_and_pd(lanes_below(e, u), _mm256_loadu_pd(src + e));
    store_row_tail(dst, e, n, spill, x);
    sums.add(e, x);
  }
}

// copy_row_into's sums without the row, from energy e0 (a multiple of
// kLanes, src[0] its flux): the vectors up to the one across `used`, as
// they are, none past it. The lanes from `used` on hold +0 (the blends past
// the energies with flux, of the table's values there, at most 1e-12 above
// the empty value, or of its padding, the empty value: fluxes below
// kZeroFluxFraction tiny_flux, so +0 from fluxes_from_logs), as copy_row_into
// masks them: their products add nothing to a sum (never -0).
template <class Sums>
inline void add_row(const double* __restrict src, std::size_t e0, std::size_t used, Sums& sums) {
  for (std::size_t e = e0; e < used; e += kLanes) sums.add(e, _mm256_loadu_pd(src + (e - e0)));
}

// blend_cell_lanes with the eight corner rows p[0..7] (values from energy
// e0, n of them rounded up to whole vectors) and the broadcast weights w:
// the same arithmetic in the same order as GCC contracts that loop's sum
// (w1 t1, then w0 t0 and w2 t2 .. w7 t7 fused into it, then the product by
// log2(10)); returns the values written.
inline std::size_t blend_corners(const double* const* p, const __m256d* w, std::size_t e0, std::size_t n,
                                 double* __restrict v) {
  const std::size_t end = e0 + (n + kLanes - 1) / kLanes * kLanes;
  const double *t0 = p[0], *t1 = p[1], *t2 = p[2], *t3 = p[3], *t4 = p[4], *t5 = p[5], *t6 = p[6], *t7 = p[7];
  const __m256d l2 = _mm256_set1_pd(radiation::kLog2Of10);
  for (std::size_t e = e0; e < end; e += kLanes) {
    __m256d x = _mm256_mul_pd(w[1], _mm256_loadu_pd(t1 + e));
    x = _mm256_fmadd_pd(w[0], _mm256_loadu_pd(t0 + e), x);
    x = _mm256_fmadd_pd(w[2], _mm256_loadu_pd(t2 + e), x);
    x = _mm256_fmadd_pd(w[3], _mm256_loadu_pd(t3 + e), x);
    x = _mm256_fmadd_pd(w[4], _mm256_loadu_pd(t4 + e), x);
    x = _mm256_fmadd_pd(w[5], _mm256_loadu_pd(t5 + e), x);
    x = _mm256_fmadd_pd(w[6], _mm256_loadu_pd(t6 + e), x);
    x = _mm256_fmadd_pd(w[7], _mm256_loadu_pd(t7 + e), x);
    _mm256_store_pd(v + (e - e0), _mm256_mul_pd(x, l2));
  }
  return end - e0;
}
#endif

}  // namespace

void RadiationConfig::validate() const {
  if (nlat < 2 || nlon < 2 || nalt < 2)
    bad_config("grid size", num(nlat) + " x " + num(nlon) + " x " + num(nalt),
               "at least 2 nodes along latitude, longitude and altitude");
  if (!(dlat_deg > 0 && dlon_deg > 0 && dalt_m > 0))
    bad_config("grid spacing", num(dlat_deg) + " deg, " + num(dlon_deg) + " deg, " + num(dalt_m) + " m",
               "positive");
  const std::size_t ne = n_proton + n_electron;
  if (n_proton < 1 || n_electron < 1 || ne > kMaxEnergies)
    bad_config("energy count", num(n_proton) + " protons, " + num(n_electron) + " electrons",
               "at least 1 of each, at most " + num(kMaxEnergies) + " in all");
  if (log_flux.size() != nalt * nlat * nlon * ne)
    bad_config("log_flux size", num(log_flux.size()), "nalt * nlat * nlon * (n_proton + n_electron)");
  for (double v : log_flux)
    if (!(v >= -kMaxLogFlux && v <= kMaxLogFlux))
      bad_config("log_flux value", num(v), "finite, -300 to 300 (log10 of a flux in m-2 s-1)");
  if (proton_energy_mev.size() != n_proton) bad_config("proton_energy_mev size", num(proton_energy_mev.size()), "n_proton");
  if (n_thickness < 2 || !(dlog_thickness > 0))
    bad_config("thickness grid", num(n_thickness) + " nodes", "at least 2 nodes, increasing");
  if (proton_dose_weight.size() != n_thickness * n_proton)
    bad_config("proton_dose_weight size", num(proton_dose_weight.size()), "n_thickness * n_proton");
  if (electron_dose_weight.size() != n_thickness * n_electron)
    bad_config("electron_dose_weight size", num(electron_dose_weight.size()), "n_thickness * n_electron");
  if (proton_see_weight.size() != kSeeEffects * n_thickness * n_proton)
    bad_config("proton_see_weight size", num(proton_see_weight.size()), "3 * n_thickness * n_proton");
  if (!(tiny_flux > 0)) bad_config("tiny_flux", num(tiny_flux), "> 0");
  if (!(uncorrectable_fraction >= 0 && uncorrectable_fraction <= 1))
    bad_config("uncorrectable_fraction", num(uncorrectable_fraction), "0 to 1");
  if (!(tid_tolerance_gy > 0)) bad_config("tid_tolerance_gy", num(tid_tolerance_gy), "> 0");
  for (int e = 0; e < kSeeEffects; ++e)
    if (!(see_downtime_s[e] >= 0)) bad_config("see_downtime_s", num(see_downtime_s[e]), ">= 0");
}

namespace radiation {

Cell locate_cell(const RadiationConfig& c, double lat_deg, double lon_deg, double alt_m) {
  Cell k;
  locate(alt_m, c.alt0_m, c.dalt_m, c.nalt, k.ia, k.fa);
  locate(lat_deg, c.lat0_deg, c.dlat_deg, c.nlat, k.il, k.fl);
  locate(lon_deg, c.lon0_deg, c.dlon_deg, c.nlon, k.io, k.fo);
  return k;
}

void interpolate_cell(const RadiationConfig& c, const Cell& k, std::size_t e0, std::size_t e1,
                      double* out) {
  const Trilinear q = trilinear(c.log_flux.data(), strides(c.n_proton + c.n_electron, c), k, 0);
  const double tiny = c.tiny_flux, zero_below = kZeroFluxFraction * c.tiny_flux;
#pragma omp simd
  for (std::size_t e = e0; e < e1; ++e) {
    const double v = q.w[0] * q.t[0][e] + q.w[1] * q.t[1][e] + q.w[2] * q.t[2][e] +
                     q.w[3] * q.t[3][e] + q.w[4] * q.t[4][e] + q.w[5] * q.t[5][e] +
                     q.w[6] * q.t[6][e] + q.w[7] * q.t[7][e];
    const double f = exp10_table(v) - tiny;
    out[e - e0] = f > zero_below ? f : 0.0;
  }
}

void interpolate(const RadiationConfig& c, double lat_deg, double lon_deg, double alt_m, double* out) {
  interpolate_cell(c, locate_cell(c, lat_deg, lon_deg, alt_m), 0, c.n_proton + c.n_electron, out);
}

}  // namespace radiation

Radiation::Radiation(Fleet& f, RadiationConfig config) : cfg_(std::move(config)), n_(f.size()) {
  static std::atomic<uint64_t> next_model_id{1};
  model_id_ = next_model_id++;
  cfg_.validate();
  const double len = std::sqrt(cfg_.dipole_axis[0] * cfg_.dipole_axis[0] +
                               cfg_.dipole_axis[1] * cfg_.dipole_axis[1] +
                               cfg_.dipole_axis[2] * cfg_.dipole_axis[2]);
  if (!(len > 0)) bad_config("dipole_axis", "zero", "a non-zero vector");
  for (double& a : cfg_.dipole_axis) a /= len;
  const std::size_t np = cfg_.n_proton, ne = cfg_.n_electron;
  shield_thickness_m = Buffer<double>(n_);
  shield_thickness_m.fill(std::exp(cfg_.log_thickness0 + cfg_.dlog_thickness));
  spe_flux = Buffer<double>(n_);
  proton_flux = Buffer<double>(n_ * np);
  electron_flux = Buffer<double>(n_ * ne);
  cutoff_rigidity = Buffer<double>(n_);
  gcr_flux = Buffer<double>(n_);
  dose_rate = Buffer<double>(n_);
  dose = Buffer<double>(n_);
  see_rate = Buffer<double>(n_ * kSeeEffects);
  upsets = Buffer<int64_t>(n_);
  uncorrectable_upsets = Buffer<int64_t>(n_);
  functional_interrupts = Buffer<int64_t>(n_);
  latchups = Buffer<int64_t>(n_);
  outage_remaining = Buffer<double>(n_);
  leakage_factor = Buffer<double>(n_);
  leakage_factor.fill(1.0);
  fleet_key_ = radiation::name_key(f.name());
  sat_key_ = Buffer<uint64_t>(n_);
  for (std::size_t i = 0; i < n_; ++i) sat_key_[i] = radiation::satellite_key(cfg_.seed, fleet_key_, i);
  cached_thickness_ = Buffer<double>(n_);
  cached_thickness_.fill(NAN);
  // Energies at which no corner of a cell holds flux (most of the globe at
  // low altitude, and the high energies elsewhere) interpolate to exact
  // zeros: the kernel blends only the energies up to the last one with flux.
  {
    const std::size_t nE = np + ne, nodes = cfg_.nalt * cfg_.nlat * cfg_.nlon;
    const double empty = std::log10(cfg_.tiny_flux) + 1e-12;
    std::vector<unsigned char> node(2 * nodes, 0);
    for (std::size_t q = 0; q < nodes; ++q)
      for (std::size_t e = 0; e < nE; ++e)
        if (cfg_.log_flux[q * nE + e] > empty) {
          if (e < np) node[2 * q] = static_cast<unsigned char>(e + 1);
          else node[2 * q + 1] = static_cast<unsigned char>(e - np + 1);
        }
    // (2 spare bytes: the kernel gathers 32 bits from a cell's pair)
    cell_energies_.assign(2 * (cfg_.nalt - 1) * (cfg_.nlat - 1) * (cfg_.nlon - 1) + 2, 0);
    for (std::size_t a = 0; a + 1 < cfg_.nalt; ++a)
      for (std::size_t l = 0; l + 1 < cfg_.nlat; ++l)
        for (std::size_t o = 0; o + 1 < cfg_.nlon; ++o) {
          unsigned char* cell = &cell_energies_[2 * ((a * (cfg_.nlat - 1) + l) * (cfg_.nlon - 1) + o)];
          for (std::size_t da = 0; da < 2; ++da)
            for (std::size_t dl = 0; dl < 2; ++dl)
              for (std::size_t dn = 0; dn < 2; ++dn) {
                const std::size_t q = ((a + da) * cfg_.nlat + l + dl) * cfg_.nlon + o + dn;
                cell[0] = std::max(cell[0], node[2 * q]);
                cell[1] = std::max(cell[1], node[2 * q + 1]);
              }
        }
  }
  // The kernel's copy of the table: each species' energies padded to whole
  // cache lines (with the empty value), so that rows and both species' first
  // energies are 64-byte aligned: a range of energies touches as few lines as it can.
  {
    const std::size_t nE = np + ne, nodes = cfg_.nalt * cfg_.nlat * cfg_.nlon;
    constexpr std::size_t kLine = 8;  // doubles per 64-byte cache line
    np_pad_ = (np + kLanes - 1) / kLanes * kLanes;
    ne_pad_ = (ne + kLanes - 1) / kLanes * kLanes;
    e_off_ = (np + kLine - 1) / kLine * kLine;
    row_ = e_off_ + (ne + kLine - 1) / kLine * kLine;
    empty_log_ = std::log10(cfg_.tiny_flux);
    table_ = Buffer<double>(nodes * row_ + kLanes);
    table_.fill(empty_log_);
    for (std::size_t q = 0; q < nodes; ++q) {
      for (std::size_t e = 0; e < np; ++e) table_[q * row_ + e] = cfg_.log_flux[q * nE + e];
      for (std::size_t e = 0; e < ne; ++e) table_[q * row_ + e_off_ + e] = cfg_.log_flux[q * nE + np + e];
    }
  }
  zero_rows_ = Buffer<uint8_t>(n_);
  zero_rows_.fill(0);
  thickness_row_ = Buffer<int32_t>(n_);
  thickness_frac_ = Buffer<double>(n_);
  weighted_from_ = Buffer<uint8_t>(2 * n_);
  weighted_from_.fill(0);

  const auto np_s = std::vector<std::size_t>{np};
  f.add_channel("radiation.shield_thickness", "m",
                "aluminium spherical-shell shield thickness around the electronics", DType::kFloat64,
                shield_thickness_m.data(), {}, true, true);
  f.add_channel("radiation.spe_flux", "m-2 s-1 sr-1",
                "solar particle event >10 MeV proton intensity outside the magnetosphere (1 pfu = 1e4)",
                DType::kFloat64, spe_flux.data(), {}, true, true);
  f.add_channel("radiation.proton_flux", "m-2 s-1",
                "trapped proton omnidirectional integral flux above each table energy (AP8)",
                DType::kFloat64, proton_flux.data(), {np}, false, false);
  f.add_channel("radiation.electron_flux", "m-2 s-1",
                "trapped electron omnidirectional integral flux above each table energy (AE8)",
                DType::kFloat64, electron_flux.data(), {ne}, false, false);
  f.add_channel("radiation.cutoff_rigidity", "GV", "vertical geomagnetic cutoff rigidity (dipole)",
                DType::kFloat64, cutoff_rigidity.data(), {}, false, false);
  f.add_channel("radiation.gcr_flux", "m-2 s-1",
                "galactic cosmic ray flux above the cutoff, Earth shadow applied", DType::kFloat64,
                gcr_flux.data(), {}, false, false);
  f.add_channel("radiation.dose_rate", "Gy s-1", "ionising dose rate in silicon behind the shield",
                DType::kFloat64, dose_rate.data(), {}, false, false);
  f.add_channel("radiation.dose", "Gy", "total ionising dose in silicon behind the shield",
                DType::kFloat64, dose.data(), {}, false, false);
  f.add_channel("radiation.see_rate", "s-1",
                "single-event rates: upsets, functional interrupts, latch-ups", DType::kFloat64,
                see_rate.data(), {static_cast<std::size_t>(kSeeEffects)}, false, false);
  f.add_channel("radiation.upsets", "1", "single-event upsets (cumulative)", DType::kInt64,
                upsets.data(), {}, false, false);
  f.add_channel("radiation.uncorrectable_upsets", "1",
                "upsets that error correction cannot correct (cumulative)", DType::kInt64,
                uncorrectable_upsets.data(), {}, false, false);
  f.add_channel("radiation.functional_interrupts", "1", "single-event functional interrupts (cumulative)",
                DType::kInt64, functional_interrupts.data(), {}, false, false);
  f.add_channel("radiation.latchups", "1", "single-event latch-ups (cumulative)", DType::kInt64,
                latchups.data(), {}, false, false);
  f.add_channel("radiation.outage_remaining", "s",
                "accelerator downtime left from functional interrupts and latch-ups", DType::kFloat64,
                outage_remaining.data(), {}, false, false);
  f.add_channel("radiation.leakage_factor", "1", "leakage power relative to beginning of life",
                DType::kFloat64, leakage_factor.data(), {}, false, false);
}

void Radiation::validate_parameters(const std::string& fleet) const {
  const double lo = std::exp(cfg_.log_thickness0);
  const double hi = std::exp(cfg_.log_thickness0 + cfg_.dlog_thickness * (cfg_.n_thickness - 1));
  for (std::size_t i = 0; i < n_; ++i) {
    const double t = shield_thickness_m[i];
    if (!(t >= lo * (1 - 1e-12) && t <= hi * (1 + 1e-12)))
      throw std::invalid_argument("fleet '" + fleet + "': radiation.shield_thickness [mm] of satellite " +
                                  std::to_string(i) + " is " + num(t * 1e3) + "; allowed: " +
                                  num(lo * 1e3) + " to " + num(hi * 1e3) + " mm");
    if (!(spe_flux[i] >= 0 && std::isfinite(spe_flux[i])))
      throw std::invalid_argument("fleet '" + fleet + "': radiation.spe_flux of satellite " +
                                  std::to_string(i) + " is " + num(spe_flux[i]) +
                                  "; allowed: a finite value >= 0");
  }
}

void Radiation::prepare() {
  const RadiationConfig& c = cfg_;
  const std::size_t nt = c.n_thickness;
  // Response rows follow the shield thickness (parameters change only between
  // advances, so once per advance rather than per block and step).
#if defined(ORBITWIN_RADIATION_AVX2)
  const std::size_t np_pad = np_pad_, ne_pad = ne_pad_;
  std::unique_ptr<Weights> w;  // the rows of the last thickness blended here
#endif
  for (std::size_t i = 0; i < n_; ++i) {
    const double th = shield_thickness_m[i];
    if (th == cached_thickness_[i]) continue;
    double u = (std::log(th) - c.log_thickness0) / c.dlog_thickness;
    const double top = static_cast<double>(nt - 1);
    u = u < 0.0 ? 0.0 : (u > top ? top : u);
    std::size_t k = static_cast<std::size_t>(u);
    if (k > nt - 2) k = nt - 2;
    thickness_row_[i] = static_cast<int32_t>(k);
    thickness_frac_[i] = u - static_cast<double>(k);
    cached_thickness_[i] = th;
#if defined(ORBITWIN_RADIATION_AVX2)
    // The leading vectors of zero weights (the same blend as the kernel's).
    if (!w) w = std::make_unique<Weights>();
    if (w->row != thickness_row_[i] || !(w->frac == thickness_frac_[i]))
      blend_weights(k, thickness_frac_[i], *w);
    auto zero = [](const double* row, std::size_t e) {
      return row[e] == 0.0 && row[e + 1] == 0.0 && row[e + 2] == 0.0 && row[e + 3] == 0.0;
    };
    std::size_t p0 = 0, e0 = 0;
    while (p0 < np_pad && zero(w->proton_dose, p0) && zero(w->proton_see[0], p0) &&
           zero(w->proton_see[1], p0) && zero(w->proton_see[2], p0))
      p0 += kLanes;
    while (e0 < ne_pad && zero(w->electron_dose, e0)) e0 += kLanes;
    weighted_from_[2 * i] = static_cast<uint8_t>(p0);
    weighted_from_[2 * i + 1] = static_cast<uint8_t>(e0);
#endif
  }
  zero_rows_.fill(0);
  any_spe_ = false;
  one_thickness_ = true;
  for (std::size_t i = 0; i < n_; ++i) {
    any_spe_ |= spe_flux[i] > 0.0;
    one_thickness_ &= thickness_row_[i] == thickness_row_[0] && thickness_frac_[i] == thickness_frac_[0];
  }
}

void Radiation::step(Fleet& f, std::size_t b0, std::size_t b1, double t_s, double dt_s, bool segment_last,
                     const double* ex, const double* ey, const double* ez) {
  // The response rows this thread blended last, kept across blocks and steps
  // for this model (another model, even at the same address, has another id).
  thread_local Weights w;
  thread_local uint64_t w_model = 0;
  if (w_model != model_id_) {
    w.row = -1;
    w_model = model_id_;
  }
  // One thickness row and fraction for the whole fleet (prepare()): its
  // response rows blended here, not looked up per satellite.
  if (one_thickness_ && b0 < b1 && (thickness_row_[b0] != w.row || thickness_frac_[b0] != w.frac))
    blend_weights(static_cast<std::size_t>(thickness_row_[b0]), thickness_frac_[b0], w);
  for (std::size_t c0 = b0; c0 < b1; c0 += kChunk) {
    const std::size_t c1 = std::min(b1, c0 + kChunk);
    step_chunk(f, c0, c1, t_s, dt_s, segment_last, ex + (c0 - b0), ey + (c0 - b0), ez + (c0 - b0), w);
  }
}

void Radiation::blend_weights(std::size_t row, double fr, Weights& w) const {
  // The response rows interpolated in log thickness, once per (row, fraction)
  // rather than once per satellite: same arithmetic as blending in the dot product.
  const RadiationConfig& c = cfg_;
  const std::size_t np = c.n_proton, ne = c.n_electron, nt = c.n_thickness;
  const double fl = 1.0 - fr;
  const double* __restrict wp = c.proton_dose_weight.data() + row * np;
  const double* __restrict we = c.electron_dose_weight.data() + row * ne;
  // Zeros past the energies, up to whole vectors (step_chunk's dot products).
  const std::size_t np_pad = (np + 3) / 4 * 4, ne_pad = (ne + 3) / 4 * 4;
  for (std::size_t e = 0; e < np; ++e) w.proton_dose[e] = fl * wp[e] + fr * wp[np + e];
  for (std::size_t e = np; e < np_pad; ++e) w.proton_dose[e] = 0.0;
  for (std::size_t e = 0; e < ne; ++e) w.electron_dose[e] = fl * we[e] + fr * we[ne + e];
  for (std::size_t e = ne; e < ne_pad; ++e) w.electron_dose[e] = 0.0;
  for (int k = 0; k < kSeeEffects; ++k) {
    const double* __restrict ws = c.proton_see_weight.data() + (k * nt + row) * np;
    for (std::size_t e = 0; e < np; ++e) w.proton_see[k][e] = fl * ws[e] + fr * ws[np + e];
    for (std::size_t e = np; e < np_pad; ++e) w.proton_see[k][e] = 0.0;
  }
  w.row = static_cast<int32_t>(row);
  w.frac = fr;
}

void Radiation::step_chunk(Fleet& f, std::size_t b0, std::size_t b1, double t_s, double dt_s,
                           bool segment_last, const double* ex, const double* ey, const double* ez,
                           Weights& w) {
  const RadiationConfig& c = cfg_;
  const std::size_t np = c.n_proton, ne = c.n_electron;
  const double* __restrict lat = f.latitude_rad.data();
  const double* __restrict lon = f.longitude_rad.data();
  const double* __restrict alt = f.altitude_m.data();
  const double* __restrict pex = ex;
  const double* __restrict pey = ey;
  const double* __restrict pez = ez;
  uint32_t* __restrict status = f.status.data();
  const double* __restrict energy = c.proton_energy_mev.data();
  const uint64_t time_key = radiation::time_key(t_s);  // step_key's part common to all satellites
  // Dipole cutoff, Earth shadow, GCR and the table cell: vectorised across
  // satellites (NaN positions give NaN, handled below); the SPE cutoff energy
  // only for satellites in an SPE (pass 2).
  // The step's cutoffs and GCR fluxes (and rates, pass 3) are kept here and
  // written to the state at a segment's last step only (nothing else reads them).
  alignas(64) double rc_k[kChunk], gcr_k[kChunk];
  double spe_omni[kChunk];
  double valid[kChunk], fa[kChunk], fl[kChunk], fo[kChunk];
  int32_t cell[kChunk];
#if defined(ORBITWIN_RADIATION_AVX2)
  int32_t node[kChunk];  //!< the cell's first node (table_ row)
#else
  int32_t ia[kChunk], il[kChunk], io[kChunk];  //!< the cell's first node
#endif
  {
    const double ax = c.dipole_axis[0], ay = c.dipole_axis[1], az = c.dipole_axis[2];
    const double inv_r0 = 1.0 / c.gcr_rigidity_scale_gv, f0 = c.gcr_flux_free;
#pragma omp simd
    for (std::size_t i = b0; i < b1; ++i) {
      const double x = pex[i - b0], y = pey[i - b0], z = pez[i - b0];
      const double r = std::sqrt(x * x + y * y + z * z);
      const double inv_r = 1.0 / r;
      const double sin_mlat = (x * ax + y * ay + z * az) * inv_r;
      const double re_r = kEarthRadiusMean * inv_r;
      const double rc = radiation::stormer_cutoff_gv(sin_mlat, 1.0) * re_r * re_r;
      const double open = 1.0 - re_r * re_r;
      const double shadow = 0.5 * (1.0 + std::sqrt(open > 0.0 ? open : 0.0));
      const double q = 1.0 + rc * inv_r0;
      rc_k[i - b0] = rc;
      gcr_k[i - b0] = f0 / (q * q) * shadow;
      spe_omni[i - b0] = shadow;  // times the SPE intensity below
    }
  }
  // No satellite in a solar particle event during this advance (the usual
  // case): the SPE terms below are skipped (their spe_omni would be 0).
  const bool any_spe = any_spe_;
  if (any_spe) {
    const double* __restrict spe_in = spe_flux.data();
#pragma omp simd
    for (std::size_t i = b0; i < b1; ++i) spe_omni[i - b0] = 4.0 * kPi * spe_in[i] * spe_omni[i - b0];
  }
  {
    // locate() for the whole chunk (same arithmetic, so the same cells and fractions).
    const double a0 = c.alt0_m, da = c.dalt_m, l0 = c.lat0_deg, dl = c.dlat_deg;
    const double o0 = c.lon0_deg, dlo = c.dlon_deg;
    const double top_a = static_cast<double>(c.nalt - 1), top_l = static_cast<double>(c.nlat - 1);
    const double top_o = static_cast<double>(c.nlon - 1);
    const int32_t last_a = static_cast<int32_t>(c.nalt - 2), last_l = static_cast<int32_t>(c.nlat - 2);
    const int32_t last_o = static_cast<int32_t>(c.nlon - 2);
    const int32_t cells_l = static_cast<int32_t>(c.nlat - 1), cells_o = static_cast<int32_t>(c.nlon - 1);
#if defined(ORBITWIN_RADIATION_AVX2)
    const int32_t nodes_l = static_cast<int32_t>(c.nlat), nodes_o = static_cast<int32_t>(c.nlon);
#endif
    const double inv_da = 1.0 / da, inv_dl = 1.0 / dl, inv_dlo = 1.0 / dlo;
#pragma omp simd
    for (std::size_t i = b0; i < b1; ++i) {
      const std::size_t k = i - b0;
      const double la = lat[i] * kRadToDeg, lo = lon[i] * kRadToDeg, al = alt[i];
      // (& rather than &&: every row is read, with no masked loads)
      const bool ok = std::isfinite(la) & std::isfinite(lo) & std::isfinite(al);
      valid[k] = ok ? 1.0 : 0.0;
      double ua = ok ? quotient(al - a0, da, inv_da) : 0.0;
      double ul = ok ? quotient(la - l0, dl, inv_dl) : 0.0;
      double uo = ok ? quotient(lo - o0, dlo, inv_dlo) : 0.0;
      // Clamped as locate() does, one bound at a time (a max and a min).
      ua = ua < 0.0 ? 0.0 : ua;
      ul = ul < 0.0 ? 0.0 : ul;
      uo = uo < 0.0 ? 0.0 : uo;
      ua = ua > top_a ? top_a : ua;
      ul = ul > top_l ? top_l : ul;
      uo = uo > top_o ? top_o : uo;
      int32_t ka = static_cast<int32_t>(ua), kl = static_cast<int32_t>(ul), ko = static_cast<int32_t>(uo);
      ka = ka > last_a ? last_a : ka;
      kl = kl > last_l ? last_l : kl;
      ko = ko > last_o ? last_o : ko;
#if !defined(ORBITWIN_RADIATION_AVX2)
      ia[k] = ka;
      il[k] = kl;
      io[k] = ko;
#endif
      fa[k] = ua - static_cast<double>(ka);
      fl[k] = ul - static_cast<double>(kl);
      fo[k] = uo - static_cast<double>(ko);
      cell[k] = (ka * cells_l + kl) * cells_o + ko;  // cell_energies_[2 cell .. 2 cell + 1]
#if defined(ORBITWIN_RADIATION_AVX2)
      node[k] = (ka * nodes_l + kl) * nodes_o + ko;
#endif
    }
  }
  // Pass 1, per satellite: the log-flux blends of the species present in
  // each satellite's cell, one after the other in `logs`; before a segment's
  // last step (the flux rows are not written) only from the first energies
  // with a nonzero response weight (weighted_from_). Satellites outside the
  // belts (or, before the segment's last step, with flux only at energies
  // the shield stops) with no solar protons, whose flux rows already hold
  // zeros (most of them at low altitude) or are not written at this step,
  // are marked quiet beforehand and skipped.
  alignas(64) double dsum[kChunk], ssum[kSeeEffects][kChunk];
  alignas(64) double logs[kChunk * (kMaxEnergies + 2 * kLanes) + kMaxEnergies + 3 * kLanes];
  //! start in logs of a satellite's proton blends (energy skip[k][0]) and
  //! electron blends (energy skip[k][1])
  uint32_t at_p[kChunk], at_e[kChunk];
  //! energies not blended, from the first: protons, electrons (multiples of kLanes)
  alignas(8) unsigned char skip[kChunk][2];
  //! energies blended, from the first: protons, electrons (cell_energies_'s pair)
  unsigned char used[kChunk][2];
  unsigned char busy[kChunk];          //!< satellites (k) with trapped particles or solar protons
  std::size_t n_busy = 0, top = 0;
#pragma omp simd
  for (std::size_t k = 0; k < kChunk; ++k) {
    dsum[k] = 0.0;
    ssum[0][k] = ssum[1][k] = ssum[2][k] = 0.0;
  }
  alignas(32) unsigned char quiet[kChunk] = {};
#if defined(ORBITWIN_RADIATION_AVX2)
  {
    // Each satellite's pair of cell_energies_, eight at a time: a gather of
    // the 32 bits from the pair (cell_energies_ carries 2 spare bytes), the
    // low 16 kept (satellites past the chunk's end gather nothing).
    static_assert(kChunk % 8 == 0, "whole vectors of cells");
    const int* ce = reinterpret_cast<const int*>(cell_energies_.data());
    const __m256i n_sat = _mm256_set1_epi32(static_cast<int>(b1 - b0));
    const __m256i low16 = _mm256_set1_epi32(0xFFFF);
    for (std::size_t k = 0; k < b1 - b0; k += 8) {
      const __m256i lane = _mm256_add_epi32(_mm256_set1_epi32(static_cast<int>(k)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
      const __m256i in = _mm256_cmpgt_epi32(n_sat, lane);
      const __m256i idx = _mm256_and_si256(in, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(cell + k)));
      const __m256i pairs =
          _mm256_and_si256(_mm256_mask_i32gather_epi32(_mm256_setzero_si256(), ce, idx, in, 2), low16);
      const __m128i packed = _mm_packus_epi32(_mm256_castsi256_si128(pairs), _mm256_extracti128_si256(pairs, 1));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(used[k]), packed);
    }
  }
#else
  for (std::size_t k = 0; k < b1 - b0; ++k)
    std::memcpy(used[k], &cell_energies_[2 * static_cast<std::size_t>(cell[k])], 2);
#endif
  if (segment_last) std::memset(skip, 0, sizeof skip);
  else std::memcpy(skip, weighted_from_.data() + 2 * b0, 2 * (b1 - b0));
  {
    const uint8_t* __restrict zr = zero_rows_.data() + b0;
    const uint8_t rows = segment_last ? 3u : 0u;  // the zero rows that must be in place
#pragma omp simd
    for (std::size_t k = 0; k < b1 - b0; ++k) {
      const bool none = (used[k][0] <= skip[k][0]) & (used[k][1] <= skip[k][1]);  // no weighted flux
      quiet[k] = (valid[k] != 0.0) & none & ((zr[k] & rows) == rows) & !(any_spe && spe_omni[k] > 0.0);
    }
  }
  // The other satellites as bits, visited in order: no branch per satellite
  // on which of them are quiet (scattered over the chunk).
  uint64_t todo = 0;
#if defined(ORBITWIN_RADIATION_AVX2)
  static_assert(kChunk == 64, "two vectors of 32 marks");
  for (std::size_t k = 0; k < kChunk; k += 32) {
    const __m256i q = _mm256_load_si256(reinterpret_cast<const __m256i*>(quiet + k));
    const __m256i not_quiet = _mm256_cmpeq_epi8(q, _mm256_setzero_si256());
    const uint32_t busy_bits = static_cast<uint32_t>(_mm256_movemask_epi8(not_quiet));
    todo |= static_cast<uint64_t>(busy_bits) << k;
  }
  if (b1 - b0 < kChunk) todo &= (uint64_t{1} << (b1 - b0)) - 1;
#else
  for (std::size_t k = 0; k < b1 - b0; ++k) todo |= static_cast<uint64_t>(quiet[k] == 0) << k;
#endif
  // Read once here (the stores below could alias the configuration's fields).
  const double* const table = table_.data();
  const Strides table_strides = strides(row_, c);
  const std::size_t np_pad = np_pad_, ne_pad = ne_pad_;
  const bool one_thickness = one_thickness_;  // w holds its rows (step())
#if defined(ORBITWIN_RADIATION_AVX2)
  // The corners' rows [bytes] from the cell's first (the protons'; the
  // electrons' from e_off_ on).
  const int64_t s_lon = static_cast<int64_t>(8 * table_strides.lon), s_lat = static_cast<int64_t>(8 * table_strides.lat);
  const int64_t s_alt = static_cast<int64_t>(8 * table_strides.alt), s_e = static_cast<int64_t>(8 * e_off_);
  const __m256i corner_lo = _mm256_setr_epi64x(0, s_lon, s_lat, s_lat + s_lon);
  const __m256i corner_hi = _mm256_add_epi64(corner_lo, _mm256_set1_epi64x(s_alt));
  const std::size_t row = row_;
#else
  (void)ne_pad;
#endif
  for (; todo != 0; todo &= todo - 1) {
    const std::size_t k = lowest_bit(todo), i = b0 + k;
    if (valid[k] == 0.0) {
      if (segment_last) {
        double* __restrict pf = proton_flux.data() + i * np;
        double* __restrict ef = electron_flux.data() + i * ne;
        for (std::size_t e = 0; e < np; ++e) pf[e] = NAN;
        for (std::size_t e = 0; e < ne; ++e) ef[e] = NAN;
        zero_rows_[i] = 0;
      }
      rc_k[k] = gcr_k[k] = NAN;
      continue;  // no valid position: pass 3 writes NaN rates and accumulates nothing
    }
    // Cells with no flux of a species give exact zeros: the kernel writes the
    // zeros once (a row it zeroed at an earlier segment's end of this advance
    // is left alone) and skips the species' dot products, which would add +0.
    const unsigned char occupied = (used[k][0] ? 1u : 0u) | (used[k][1] ? 2u : 0u);
    const bool solar = any_spe && spe_omni[k] > 0.0;
    if (segment_last) {
      const uint8_t zero = zero_rows_[i];
      if (!(occupied & 1u) && !(zero & 1u))
        for (std::size_t e = 0; e < np; ++e) proton_flux[i * np + e] = 0.0;
      if (!(occupied & 2u) && !(zero & 2u))
        for (std::size_t e = 0; e < ne; ++e) electron_flux[i * ne + e] = 0.0;
      zero_rows_[i] = static_cast<uint8_t>(~occupied & 3u);
    }
    // The energies blended per species: from the first with a weight (from
    // 0 at a segment's last step and for the solar protons' row) to the last
    // with flux; none where that range is empty.
    if (solar) skip[k][0] = 0;
    const std::size_t sp = skip[k][0], se = skip[k][1], up = used[k][0], ue = used[k][1];
    const bool protons = up > sp, electrons = ue > se;
    if (!protons && !electrons && !solar) continue;
    at_p[k] = at_e[k] = static_cast<uint32_t>(top);
    if (protons || electrons) {
#if defined(ORBITWIN_RADIATION_AVX2)
      // Trilinear weights as trilinear() forms them ((a l) o, a = 1 - fa or
      // fa, ...), four at a time, then each broadcast.
      const __m256d one = _mm256_set1_pd(1.0);
      const __m256d a1 = _mm256_broadcast_sd(fa + k), l1 = _mm256_broadcast_sd(fl + k);
      const __m256d o1 = _mm256_broadcast_sd(fo + k);
      const __m256d ll = _mm256_blend_pd(_mm256_sub_pd(one, l1), l1, 0b1100);  // l0 l0 l1 l1
      const __m256d oo = _mm256_blend_pd(_mm256_sub_pd(one, o1), o1, 0b1010);  // o0 o1 o0 o1
      const __m256d w_lo = _mm256_mul_pd(_mm256_mul_pd(_mm256_sub_pd(one, a1), ll), oo);
      const __m256d w_hi = _mm256_mul_pd(_mm256_mul_pd(a1, ll), oo);
      const __m256d wv[8] = {_mm256_permute4x64_pd(w_lo, 0x00), _mm256_permute4x64_pd(w_lo, 0x55),
                             _mm256_permute4x64_pd(w_lo, 0xAA), _mm256_permute4x64_pd(w_lo, 0xFF),
                             _mm256_permute4x64_pd(w_hi, 0x00), _mm256_permute4x64_pd(w_hi, 0x55),
                             _mm256_permute4x64_pd(w_hi, 0xAA), _mm256_permute4x64_pd(w_hi, 0xFF)};
      // The corners' rows.
      const __m256i first = _mm256_set1_epi64x(
          reinterpret_cast<int64_t>(table + static_cast<std::size_t>(node[k]) * row));
      const __m256i rows_lo = _mm256_add_epi64(first, corner_lo), rows_hi = _mm256_add_epi64(first, corner_hi);
      alignas(32) const double* pc[8];
      if (protons) {
        _mm256_store_si256(reinterpret_cast<__m256i*>(pc), rows_lo);
        _mm256_store_si256(reinterpret_cast<__m256i*>(pc + 4), rows_hi);
        top += blend_corners(pc, wv, sp, up - sp, logs + top);
      }
      at_e[k] = static_cast<uint32_t>(top);
      if (electrons) {
        const __m256i se_b = _mm256_set1_epi64x(s_e);
        _mm256_store_si256(reinterpret_cast<__m256i*>(pc), _mm256_add_epi64(rows_lo, se_b));
        _mm256_store_si256(reinterpret_cast<__m256i*>(pc + 4), _mm256_add_epi64(rows_hi, se_b));
        top += blend_corners(pc, wv, se, ue - se, logs + top);
      }
#else
      const radiation::Cell cl{static_cast<std::size_t>(ia[k]), static_cast<std::size_t>(il[k]),
                               static_cast<std::size_t>(io[k]), fa[k], fl[k], fo[k]};
      const Trilinear q = trilinear(table, table_strides, cl, 0);
      if (protons) top += blend_cell_lanes(q, sp, up - sp, logs + top);
      at_e[k] = static_cast<uint32_t>(top);
      if (electrons) top += blend_cell_lanes(q, e_off_ + se, ue - se, logs + top);
#endif
    }
    busy[n_busy++] = static_cast<unsigned char>(k);
  }
  // Pass 2: the blends to fluxes (one vectorised loop for the chunk), into
  // the flux rows at a segment's last step; the proton and electron parts of
  // the dose rate and event rates (dsum, ssum): dot products with the
  // response rows.
  {
    // Whole pairs of vectors: the values past the blends set (to any finite
    // value: they are overwritten with zeros below).
    const std::size_t top2 = (top + 2 * kLanes - 1) / (2 * kLanes) * (2 * kLanes);
    for (std::size_t e = top; e < top2; ++e) logs[e] = 0.0;
    fluxes_from_logs(c.tiny_flux, logs, top2);
  }
  // The rows' energies past those blended are zeros: the loops below read
  // whole rows from a satellite's start in logs and select; past the end the
  // values read are set.
  for (std::size_t e = 0; e < np_pad_ + ne_pad_ + kLanes; ++e) logs[top + e] = 0.0;
  for (std::size_t b = 0; b < n_busy; ++b) {
    const std::size_t k = busy[b], i = b0 + k;
    double* __restrict pf = proton_flux.data() + i * np;
    double* __restrict ef = electron_flux.data() + i * ne;
    const std::size_t up = used[k][0], ue = used[k][1];
    const double upd = static_cast<double>(up);
    // Rows are copied in whole vectors where the spare lanes (zeros: past the
    // energies with flux) fall in the rows of the next satellite of this
    // chunk, one with a valid position: pass 1 has left zeros in its rows or
    // it is rewritten below.
    const bool spill = segment_last && k + 1 < b1 - b0 && valid[k + 1] != 0.0;
    const std::size_t np_copy = spill ? np_pad : np;
    // Energies [sp, up) of the protons and [se, ue) of the electrons
    // (pass 1's ranges; sp = se = 0 at a segment's last step).
    const std::size_t sp = skip[k][0], se = skip[k][1];
    const bool protons = up > sp, electrons = ue > se;
    const double* __restrict src = logs + at_p[k];  // from energy sp
    if (!one_thickness && (thickness_row_[i] != w.row || thickness_frac_[i] != w.frac))
      blend_weights(static_cast<std::size_t>(thickness_row_[i]), thickness_frac_[i], w);
    const double* __restrict wp = w.proton_dose;
    const double* __restrict w0 = w.proton_see[0];
    const double* __restrict w1 = w.proton_see[1];
    const double* __restrict w2 = w.proton_see[2];
    double d = 0.0, s0 = 0.0, s1 = 0.0, s2 = 0.0;
    const double spe = any_spe ? spe_omni[k] : 0.0;
    // The response rows are zero past the energies (Weights), so the dot
    // products run over whole vectors: the spare lanes add +0.
    alignas(64) double row[kMaxEnergies + kLanes];
    if (spe > 0.0) {
      // Solar protons: integral power law of index 2 above 10 MeV (from 1 MeV),
      // only above the cutoff energy, over the unshadowed sky.
      if (protons && segment_last)
        for (std::size_t e = 0; e < np_copy; ++e) pf[e] = kRamp.v[e] < upd ? src[e] : 0.0;
      // The proton kinetic energy at the cutoff rigidity [MeV].
      const double pc_mev = 1000.0 * rc_k[k];
      const double e_cut = std::sqrt(pc_mev * pc_mev + kProtonMassMev * kProtonMassMev) - kProtonMassMev;
      for (std::size_t e = 0; e < np; ++e) {
        double em = energy[e] > e_cut ? energy[e] : e_cut;
        em = em > 1.0 ? em : 1.0;
        const double ratio = kSpeReferenceMev / em;
        row[e] = (kRamp.v[e] < upd ? src[e] : 0.0) + spe * ratio * ratio;
      }
      for (std::size_t e = np; e < np_pad; ++e) row[e] = 0.0;
#pragma omp simd reduction(+ : d, s0, s1, s2)
      for (std::size_t e = 0; e < np_pad; ++e) {
        d += row[e] * wp[e];
        s0 += row[e] * w0[e];
        s1 += row[e] * w1[e];
        s2 += row[e] * w2[e];
      }
    } else if (protons) {
#if defined(ORBITWIN_RADIATION_AVX2)
      ProtonDots sums{wp, w0, w1, w2};
      if (segment_last) copy_row_into(src, upd, np, np_pad, spill, pf, sums);
      else add_row(src, sp, up, sums);
      sums.sums(d, s0, s1, s2);
#else
      // Selected into the flux row (or a local row copied to it, or only
      // into the local row before a segment's last step), with the dot
      // products in the same loop.
      double* __restrict dst = segment_last && spill ? pf : row;
#pragma omp simd reduction(+ : d, s0, s1, s2)
      for (std::size_t e = 0; e < np_pad; ++e) {
        const double x = kRamp.v[e] < upd ? src[e] : 0.0;
        dst[e] = x;
        d += x * wp[e];
        s0 += x * w0[e];
        s1 += x * w1[e];
        s2 += x * w2[e];
      }
      if (segment_last && !spill)
        for (std::size_t e = 0; e < np; ++e) pf[e] = row[e];
#endif
    }
    if (electrons) {
      src = logs + at_e[k];  // from energy se
#if defined(ORBITWIN_RADIATION_AVX2)
      ElectronDose dose{w.electron_dose};
      if (segment_last) copy_row_into(src, static_cast<double>(ue), ne, ne_pad, spill, ef, dose);
      else add_row(src, se, ue, dose);
      d += dose.total();
#else
      const double* __restrict we = w.electron_dose;
      const double ued = static_cast<double>(ue);
      double* __restrict dst = segment_last && spill ? ef : row;
      // One sum per lane, added up at the end (kept in a register, unlike
      // an omp simd reduction here).
      double de[kLanes] = {};
      for (std::size_t e = 0; e < ne_pad; e += kLanes)
        for (std::size_t j = 0; j < kLanes; ++j) {
          const double s = src[e + j];
          const double x = kRamp.v[e + j] < ued ? s : 0.0;
          dst[e + j] = x;
          de[j] += x * we[e + j];
        }
      if (segment_last && !spill)
        for (std::size_t e = 0; e < ne; ++e) ef[e] = row[e];
      d += (de[0] + de[1]) + (de[2] + de[3]);
#endif
    }
    dsum[k] = d;
    ssum[0][k] = s0;
    ssum[1][k] = s1;
    ssum[2][k] = s2;
  }

  // Pass 3, vectorised across satellites: the GCR terms, rates, accumulation
  // over the step (rates held at the step's end value) and status.
  // Satellites without a valid position get NaN rates and keep their dose,
  // leakage, outage and status.
  alignas(64) double lam_tot[kChunk], dose_rate_k[kChunk], see_rate_k[kSeeEffects][kChunk];
  {
    double* __restrict dose_io = dose.data();
    double* __restrict leak_out = leakage_factor.data();
    double* __restrict outage_io = outage_remaining.data();
    const double gd = c.gcr_dose_per_flux, g0 = c.gcr_see_per_flux[0], g1 = c.gcr_see_per_flux[1];
    const double g2 = c.gcr_see_per_flux[2], leak = c.leakage_per_gy, tol = c.tid_tolerance_gy;
#pragma omp simd
    for (std::size_t i = b0; i < b1; ++i) {
      const std::size_t k = i - b0;
      const bool ok = valid[k] != 0.0;
      const double gcr = gcr_k[k];
      const double d = dsum[k] + gcr * gd;
      const double s0 = ssum[0][k] + gcr * g0, s1 = ssum[1][k] + gcr * g1, s2 = ssum[2][k] + gcr * g2;
      dose_rate_k[k] = ok ? d : NAN;
      see_rate_k[0][k] = ok ? s0 : NAN;
      see_rate_k[1][k] = ok ? s1 : NAN;
      see_rate_k[2][k] = ok ? s2 : NAN;
      const double lt = s0 * dt_s + s1 * dt_s + s2 * dt_s;  // mean events over the step
      lam_tot[k] = ok ? lt : 0.0;
      const double dz = dose_io[i] + d * dt_s;
      double outage = outage_io[i] - dt_s;
      outage = outage > 0.0 ? outage : 0.0;
      uint32_t st = status[i] & ~(kStatusSeeOutage | kStatusTidFailed);
      st |= outage > 0.0 ? kStatusSeeOutage : 0u;
      st |= dz >= tol ? kStatusTidFailed : 0u;
      leak_out[i] = ok ? 1.0 + leak * dz : leak_out[i];
      dose_io[i] = ok ? dz : dose_io[i];
      outage_io[i] = ok ? outage : outage_io[i];
      status[i] = ok ? st : status[i];
    }
  }
  if (segment_last) {
    double* __restrict rc_out = cutoff_rigidity.data();
    double* __restrict gcr_out = gcr_flux.data();
    double* __restrict dose_rate_out = dose_rate.data();
    double* __restrict rate_out = see_rate.data();
#pragma omp simd
    for (std::size_t i = b0; i < b1; ++i) {
      const std::size_t k = i - b0;
      rc_out[i] = rc_k[k];
      gcr_out[i] = gcr_k[k];
      dose_rate_out[i] = dose_rate_k[k];
      rate_out[3 * i] = see_rate_k[0][k];
      rate_out[3 * i + 1] = see_rate_k[1][k];
      rate_out[3 * i + 2] = see_rate_k[2][k];
    }
  }

  // Pass 4: single events. Independent Poisson counts = a Poisson total split
  // multinomially; u0 below the probability of none, exp(-lam_tot), draws
  // none. That holds (nearly always) where u0 < 1 - lam_tot - 1e-12, below
  // exp(-lam_tot) by more than radiation::exp2's error: only the other
  // satellites, marked across the chunk and found eight marks at a time
  // (they are rare), need the probability itself.
  alignas(64) double u0s[kChunk];
  alignas(8) unsigned char draws[kChunk] = {};
  {
    const uint64_t* __restrict keys = sat_key_.data();
#pragma omp simd
    for (std::size_t i = b0; i < b1; ++i) {
      const std::size_t k = i - b0;
      const double u0 = radiation::uniform(radiation::step_key_of(keys[i], time_key), 0);
      u0s[k] = u0;
      draws[k] = (lam_tot[k] > 0.0) & (u0 >= (1.0 - lam_tot[k]) - 1e-12);
    }
  }
  for (std::size_t k8 = 0; k8 < b1 - b0; k8 += 8) {
    uint64_t any;
    std::memcpy(&any, draws + k8, sizeof any);
    if (any == 0) continue;
    for (std::size_t k = k8; k < k8 + 8 && k < b1 - b0; ++k) {
      if (!draws[k]) continue;
      const double p_none = radiation::exp2(-lam_tot[k] * 1.44269504088896340736);
      if (u0s[k] >= p_none)
        draw_events(b0 + k, radiation::step_key_of(sat_key_[b0 + k], time_key), u0s[k], lam_tot[k], p_none,
                    see_rate_k[0][k], see_rate_k[1][k], dt_s, status[b0 + k]);
    }
  }
}

void Radiation::draw_events(std::size_t i, uint64_t key, double u0, double lam_tot, double p,
                            double rate0, double rate1, double dt_s, uint32_t& status) {
  const RadiationConfig& c = cfg_;
  int64_t n_events = 0;
  uint64_t stream = 1;
  if (lam_tot < 64.0) {  // inversion
    double cdf = p;
    while (u0 >= cdf && n_events < 100000) {
      ++n_events;
      p *= lam_tot / static_cast<double>(n_events);
      cdf += p;
      if (p == 0.0) break;
    }
  } else {  // normal approximation (Box-Muller), large means only
    const double u1 = radiation::uniform(key, stream++);
    const double u2 = radiation::uniform(key, stream++);
    const double g = std::sqrt(-2.0 * std::log(u1)) * std::cos(kTwoPi * u2);
    n_events = static_cast<int64_t>(std::max(0.0, std::floor(lam_tot + std::sqrt(lam_tot) * g + 0.5)));
  }
  int64_t counts[kSeeEffects] = {0, 0, 0}, uncorrectable = 0;
  const double lam0 = rate0 * dt_s, lam1 = rate1 * dt_s;
  const double c0 = lam0 / lam_tot, c1 = (lam0 + lam1) / lam_tot;
  for (int64_t k = 0; k < n_events; ++k) {
    const double u = radiation::uniform(key, stream++);
    const int eff = u < c0 ? 0 : (u < c1 ? 1 : 2);
    ++counts[eff];
    if (eff == kSeeUpset && radiation::uniform(key, stream++) < c.uncorrectable_fraction) ++uncorrectable;
  }
  upsets[i] += counts[kSeeUpset];
  uncorrectable_upsets[i] += uncorrectable;
  functional_interrupts[i] += counts[kSeeFunctionalInterrupt];
  latchups[i] += counts[kSeeLatchup];
  double outage = outage_remaining[i];
  if (counts[kSeeFunctionalInterrupt] > 0) outage = std::max(outage, c.see_downtime_s[kSeeFunctionalInterrupt]);
  if (counts[kSeeLatchup] > 0) outage = std::max(outage, c.see_downtime_s[kSeeLatchup]);
  outage_remaining[i] = outage;
  if (outage > 0.0) status |= kStatusSeeOutage;
}

Radiation& enable_radiation(Fleet& f, RadiationConfig config) {
  if (f.radiation) throw std::invalid_argument("fleet '" + f.name() + "' already has radiation enabled");
  f.radiation = std::make_unique<Radiation>(f, std::move(config));
  return *f.radiation;
}

}  // namespace orbitwin
