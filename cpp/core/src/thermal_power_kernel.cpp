// Per-block kernel of the coupled thermal network and power system.
//
// For the step (t_n, t_n+1] that ends at the instant being evaluated, per
// satellite:
//  1. environment at t_n+1: absorbed direct sun (if fully lit), albedo and
//     Earth IR per face (normals follow body_axes; array faces follow the
//     array's tracking), summed per node;
//  2. the mean illumination over the step: exact when both ends are lit or
//     both dark; otherwise (an eclipse boundary inside the step) the mean of
//     the disc-overlap fraction at 16 sub-samples along the cubic Hermite
//     arc between the end states. Sampling only the step ends would misplace
//     eclipse entry and exit by up to a step: ~10 kJ of sunlight on a
//     kilowatt array, tenths of a kelvin;
//  3. thermostats and SoC shedding flags from the state at t_n;
//  4. power over the step: the array's fully-lit output is the trapezoidal
//     mean of t_n (at T_n) and t_n+1 (at T_n extrapolated with the last
//     step's rate) times the mean illumination; loads, battery (efficiency,
//     power limits, floor, full), deficit shedding by priority, shunt. A step
//     with an eclipse boundary is flown as 16 sub-intervals with their own
//     illumination, so shunting while full and discharging in the dark are
//     not netted against each other. Energy counters advance by the
//     intervals' energies, so their balance closes to rounding;
//  5. thermal network C dT/dt = Q - K T - sigma eps A T^4 with Q the step-mean
//     heat input (environment as in 2, internal dissipation from 4),
//     integrated with TR-BDF2 (Bank et al. 1985; gamma = 2 - sqrt 2): a
//     trapezoidal stage to t_n + gamma dt and a BDF2 stage to t_n+1. Both
//     stages weigh the implicit term by gamma/2 dt, so with the radiation
//     linearised about T_n (T^4 ~ 4 T_n^3 T - 3 T_n^4) they share one matrix
//     M = C/(gamma/2 dt) + K + diag(4 sigma eps A T_n^3), factored once
//     (symmetric, diagonally dominant: no pivoting) and solved twice. The
//     scheme is L-stable (stiff heat pipes are damped in one step instead of
//     ringing as with Crank-Nicolson), second order, and its fixed point is
//     the exact steady state. Explicit Euler would need steps below the
//     smallest C/(G + 4 sigma eps A T^3): milliseconds for a heat pipe on a
//     small node, minutes for the built-in designs' T^4 alone.
//
// Everything runs in block-local structure-of-arrays scratch ([quantity][k],
// k the satellite within the block) so the inner loops vectorise across
// satellites; (n, n_node)-shaped buffers are transposed in scalar passes and
// parameters are read from the transposed copies ThermalPower::prepare()
// makes before each advance.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>
#if defined(__AVX__)
#include <immintrin.h>
#endif

#include "kernels.hpp"
#include "orbitwin/constants.hpp"
#include "orbitwin/eclipse.hpp"
#include "orbitwin/thermal_power.hpp"

namespace orbitwin::kernels {

namespace {

constexpr int kN = kMaxThermalNodes;
static_assert(kBroadcastWidth == kBlock, "parameter broadcast rows must cover a block");
constexpr int kSubSamples = 16;  // illumination samples in a step with an eclipse transition
constexpr double kGamma = 0.58578643762690495119;  // 2 - sqrt(2)

// Block scratch, kept off the hot loops' pointer-aliasing analysis.
struct Scratch {
  alignas(64) double sun_b[3][kBlock];   // unit vector to the Sun, body frame
  alignas(64) double nadir_b[3][kBlock]; // unit vector to the Earth's centre, body frame
  alignas(64) double array_b[3][kBlock]; // array normal, body frame
  alignas(64) double inv_h[kBlock], inv_h2[kBlock], h2[kBlock], xh[kBlock];  // h = r / R_E; sqrt(h^2 - 1)
  alignas(64) double atan_x1[kBlock];    // atan2_first(xh, 1), for edge-on faces (see edge_on)
  alignas(64) double sun_flux[kBlock];   // [W/m^2] S (0 without a valid orbit), fully lit
  // [-] illumination (0 without a valid orbit): of illum0 and illum1 (at the
  // end of the scratch, which keeps the other rows' offsets), buffer cur at
  // t_n+1, the other at t_n within a segment (at a segment's first step
  // tp.prev_illumination holds t_n; its last step writes it).
  alignas(64) double illum0[kBlock];
  alignas(64) double illum_mean[kBlock]; // [-] mean illumination over the step
  alignas(64) double sub_illum[kSubSamples][kBlock];  // [-] at the sub-sample midpoints
  alignas(64) double transition[kBlock];  // 1 when the step crosses an eclipse boundary
  // Energies [J] of the power step (see Energies)
  alignas(64) double e_gen[kBlock], e_load[kBlock], e_bus[kBlock], e_pay[kBlock], e_heat[kBlock],
      e_shed[kBlock], e_unmet[kBlock], e_shunt[kBlock], e_batt[kBlock], e_stored[kBlock], e_loss[kBlock];
  alignas(64) double p_lit_prev[kBlock], p_lit_now[kBlock];  // [W] fully-lit array output at t_n, t_n+1
  alignas(64) double d_bus[kBlock], d_pay[kBlock], d_heat[kBlock];  // [W] demands after SoC shedding
  alignas(64) double albedo_flux[kBlock];  // [W/m^2] S * a * max(0, cos zeta)
  alignas(64) double ir_flux[kBlock];    // [W/m^2] q_IR (0 without a valid orbit)
  alignas(64) double array_cos[kBlock];  // max(0, n_array . s)
  alignas(64) double heater_demand[kMaxHeaters][kBlock];  // [W] thermostat-on power
  alignas(64) double payload_enable[kBlock], heater_enable[kBlock];
  alignas(64) double heater_frac[kBlock];  // delivered / demanded heater power
  alignas(64) double T[kN][kBlock];        // [K] at t_n (stage 2 solves for T_n+1 in place)
  // The rows of the thermal step's loops sit in different 512-byte slots
  // modulo 4 kB (the pads, a row each): a load whose address matches an
  // earlier store's in its low 12 bits waits for that store as if it
  // depended on it. With the T rows in slot 0: qs2 and qe2 in 1, q_int 2,
  // kt 3, q_mean 4, rad 5, x 6, M 7 (so every row of the pass that forms
  // M's diagonal, the stage-1 right-hand side and q_mean is offset alike).
  double pad_qs[kBlock];
  // [W] absorbed direct sun if fully lit (qs) and absorbed albedo + Earth IR
  // (qe): buffer cur at t_n+1, the other at t_n within a segment (at a
  // segment's first step tp.sun_heat_t / earth_heat_t hold t_n; its last step
  // writes them).
  alignas(64) double qs2[2][kN][kBlock];
  alignas(64) double qe2[2][kN][kBlock];
  double pad_qi[kBlock];
  alignas(64) double q_int[kN][kBlock];    // [W] internal heat over the step
  double pad_kt[kBlock];
  alignas(64) double kt[kN][kBlock];       // [W] K T_n (net conducted out)
  double pad_qm[kBlock];
  alignas(64) double q_mean[kN][kBlock];   // [W] environmental heat, mean over the step
  double pad_rad[kBlock];
  alignas(64) double rad[kN][kBlock];      // [W] sigma eps A T_n^4
  double pad_x[kBlock];
  alignas(64) double x[kN][kBlock];        // right-hand side / solution of stage 1
  double pad_m[kBlock];
  alignas(64) double M[kN][kN][kBlock];    // LU factors, inverse pivots on the diagonal
  alignas(64) double t_array_old[kBlock];  // [K] the array node's T_n (s.T gets T_n+1 in place)
  alignas(64) double face_cs[kMaxFaces][kBlock];  // cos(normal, Sun) of source faces
  alignas(64) double face_cn[kMaxFaces][kBlock];  // cos(normal, nadir)
  alignas(64) double face_F[kMaxFaces][kBlock];   // view factor to the Earth
  alignas(64) double illum1[kBlock];      // [-] see illum0
  // [m], [m/s] position and velocity at t_n within a segment (at a segment's
  // first step tp.prev_position_m / prev_velocity_m_s hold them; its last
  // step writes them).
  alignas(64) double prev_r[3][kBlock];
  alignas(64) double prev_v[3][kBlock];
  // [-] the thermostats (per heater), payload and heater enable flags of the
  // state as doubles within a segment (at a segment's first step
  // tp.heater_on / payload_on / heaters_enabled hold them; its last step
  // writes them).
  alignas(64) double heater_on_f[kMaxHeaters][kBlock];
  alignas(64) double payload_on_f[kBlock], heaters_enabled_f[kBlock];
  // Whether a source face's last block needed the horizon cut: the next
  // block then evaluates the cut in its first pass (a choice of passes
  // only: both give the same view factors).
  bool face_cut_hint[kMaxFaces] = {};
  int cur = 0;  // which of qs2, qe2 (illum0/1) holds t_n+1 (after the rows: they stay 512-byte aligned)
  // A structure (as ThermalPower::lu_nonzero) outside which every entry of M
  // is an exact zero now (the scratch starts zeroed: the empty structure).
  uint8_t m_zero_outside[kN][kN] = {};
};


// The index of the lowest set bit of b != 0.
inline std::size_t lowest_bit(uint64_t b) {
#if defined(__GNUC__)
  return static_cast<std::size_t>(__builtin_ctzll(b));
#else
  std::size_t k = 0;
  while (!(b & 1)) {
    b >>= 1;
    ++k;
  }
  return k;
#endif
}

// Bit k set where row[k] != 0, for k < len (the lanes past a partial
// block's end are read and masked off).
inline uint64_t nonzero_bits(const double (&row)[kBlock], std::size_t len) {
  uint64_t bits = 0;
#if defined(__AVX__)
  const __m256d zero = _mm256_setzero_pd();
  for (std::size_t k = 0; k < kBlock; k += 4) {
    const int m = _mm256_movemask_pd(_mm256_cmp_pd(_mm256_loadu_pd(row + k), zero, _CMP_NEQ_UQ));
    bits |= static_cast<uint64_t>(m) << k;
  }
#else
  for (std::size_t k = 0; k < kBlock; ++k)
    if (row[k] != 0.0) bits |= uint64_t{1} << k;
#endif
  return len < kBlock ? bits & ((uint64_t{1} << len) - 1) : bits;
}

// This thread's block scratch.
ORBITWIN_NOINLINE Scratch& thread_scratch() {
  static thread_local Scratch scratch;
  return scratch;
}

// Loops on scratch alone run over every lane of the block (a constant trip
// count the compiler unrolls): the lanes past a partial block's end hold
// stale or zero values that nothing reads back.
constexpr std::size_t kLanes = kBlock;

// A block row zeroed or copied with vector stores: a library call per
// 512-byte row costs several times more. The constant is hidden from the
// optimiser, which would otherwise turn the loops back into memset/memcpy.
inline double opaque(double v) {
#if defined(__GNUC__)
  __asm__("" : "+m"(v));
#endif
  return v;
}

inline void zero_row(double* __restrict row) {
  const double z = opaque(0.0);
#pragma omp simd
  for (std::size_t k = 0; k < kLanes; ++k) row[k] = z;
}

// dst = src exactly (x + -0 is x for every x, +0 and -0 included).
inline void copy_row(double* __restrict dst, const double* __restrict src) {
  const double z = opaque(-0.0);
#pragma omp simd
  for (std::size_t k = 0; k < kLanes; ++k) dst[k] = src[k] + z;
}

// In-place LU of M (no pivoting) for the block's satellites. Entries outside the
// structure nz (links and their fill-in) are exact zeros and are skipped:
// their multipliers and updates would change nothing. A pivot is inverted in
// the pass that makes it final (last_pivot, as ThermalPower::lu_last_pivot):
// the update by pivot last_pivot[p], or for last_pivot[p] < 0 the caller's
// pass that assembles the diagonal (a division there overlaps other work
// instead of a pass of its own).
inline void factor(Scratch& s, const uint8_t (*nz)[kN], const int8_t* last_pivot, int nn) {
  for (int p = 0; p < nn; ++p) {
    const double* __restrict mpp = s.M[p][p];
    for (int r = p + 1; r < nn; ++r) {
      if (!nz[r][p]) continue;
      double* __restrict mrp = s.M[r][p];
#pragma omp simd
      for (std::size_t k = 0; k < kLanes; ++k) mrp[k] *= mpp[k];
      for (int c = p + 1; c < nn; ++c) {
        if (!nz[p][c]) continue;
        double* __restrict mrc = s.M[r][c];
        const double* __restrict mpc = s.M[p][c];
        if (c == r && last_pivot[r] == p) {  // the pivot's last update: inverted
#pragma omp simd
          for (std::size_t k = 0; k < kLanes; ++k) mrc[k] = 1.0 / (mrc[k] - mrp[k] * mpc[k]);
        } else {
#pragma omp simd
          for (std::size_t k = 0; k < kLanes; ++k) mrc[k] -= mrp[k] * mpc[k];
        }
      }
    }
  }
}

// Solves M x = b in place in x (s.x or s.T).
inline void solve(Scratch& s, double (*x)[kBlock], const uint8_t (*nz)[kN], int nn) {
  for (int r = 1; r < nn; ++r)
    for (int p = 0; p < r; ++p) {
      if (!nz[r][p]) continue;
      double* __restrict xr = x[r];
      const double* __restrict xp = x[p];
      const double* __restrict m = s.M[r][p];
#pragma omp simd
      for (std::size_t k = 0; k < kLanes; ++k) xr[k] -= m[k] * xp[k];
    }
  for (int r = nn - 1; r >= 0; --r) {
    double* __restrict xr = x[r];
    for (int c = r + 1; c < nn; ++c) {
      if (!nz[r][c]) continue;
      const double* __restrict xc = x[c];
      const double* __restrict m = s.M[r][c];
#pragma omp simd
      for (std::size_t k = 0; k < kLanes; ++k) xr[k] -= m[k] * xc[k];
    }
    const double* __restrict inv = s.M[r][r];
#pragma omp simd
    for (std::size_t k = 0; k < kLanes; ++k) xr[k] *= inv[k];
  }
}

#if defined(__GNUC__) && defined(__AVX__)
#define ORBITWIN_STAGES_IN_REGISTERS 1
// Four satellites' values of one quantity (GCC/Clang vector extension, one AVX register).
typedef double V4 __attribute__((vector_size(32)));
inline V4 load4(const double* p) {
  V4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store4(double* p, V4 v) { std::memcpy(p, &v, sizeof v); }

// Solves M x = b for four satellites (lanes k..k+3) with the factors
// factor() leaves in s.M, x in registers. Dense but for the entries in Z
// (bits r * kN + c, a structure known at compile time; see
// ThermalPower::lu_zero_bits): the entries outside the structure are exact
// zeros (kept so by the caller), and an update by a zero factor leaves a
// finite x bit for bit as it is, so for finite values the results are those
// of solve(), operation for operation.
template <int NN, uint64_t Z>
inline void solve4(const Scratch& s, std::size_t k, V4 (&x)[NN]) {
  for (int r = 1; r < NN; ++r)
    for (int p = 0; p < r; ++p)
      if (!((Z >> (r * kN + p)) & 1)) x[r] -= load4(s.M[r][p] + k) * x[p];
  for (int r = NN - 1; r >= 0; --r) {
    for (int c = r + 1; c < NN; ++c)
      if (!((Z >> (r * kN + c)) & 1)) x[r] -= load4(s.M[r][c] + k) * x[c];
    x[r] *= load4(s.M[r][r] + k);
  }
}

// The structure (ThermalPower::lu_zero_bits) of the built-in compute node's
// five nodes (payload, radiator, bus, battery, array; the links a cycle
// through the first three and the battery and array on the bus): the
// battery and array rows and columns have no entries with the first two.
constexpr uint64_t kComputeNodeZeros = (uint64_t{1} << (0 * kN + 3)) | (uint64_t{1} << (0 * kN + 4)) |
                                       (uint64_t{1} << (1 * kN + 3)) | (uint64_t{1} << (1 * kN + 4)) |
                                       (uint64_t{1} << (3 * kN + 0)) | (uint64_t{1} << (3 * kN + 1)) |
                                       (uint64_t{1} << (4 * kN + 0)) | (uint64_t{1} << (4 * kN + 1));

// The solve of the stage-1 right-hand side s.x, the stage-2 right-hand side
// and its solve into s.T for NN nodes, four satellites at a time with both
// right-hand sides in registers (solve()'s row-by-row passes over the block
// scratch load and store a row at every update).
// (Out of line, as source_face: inlined into the block kernel its loops
// lose registers to the kernel's own and take more instructions.)
template <int NN, uint64_t Z = 0>
ORBITWIN_NOINLINE void stages_in_registers(Scratch& s, const double* const* cap, double c_g, double c_n, std::size_t len) {
  for (std::size_t k = 0; k < len; k += 4) {
    V4 x[NN];
    for (int r = 0; r < NN; ++r) x[r] = load4(s.x[r] + k);
    solve4<NN, Z>(s, k, x);
    for (int r = 0; r < NN; ++r)
      x[r] = load4(cap[r] + k) * (c_g * x[r] - c_n * load4(s.T[r] + k)) + load4(s.q_mean[r] + k) +
             load4(s.q_int[r] + k) + 3.0 * load4(s.rad[r] + k);
    solve4<NN, Z>(s, k, x);
    for (int r = 0; r < NN; ++r) store4(s.T[r] + k, x[r]);
  }
}
#endif

// Conduction through link (a, b) of conductance cond [W/K] for the block:
// -g into M[a][b] and M[b][a], the flow g (T_a - T_b) into kt[a] and out of
// kt[b]. A node's (pair's) first link assigns (to +0 + term, what adding to a
// zeroed row gives), later ones add.
template <bool FirstA, bool FirstB, bool FirstPair>
inline void conduction_link(Scratch& s, int a, int b, const double* __restrict cond, std::size_t len) {
  double* __restrict mab = s.M[a][b];
  double* __restrict mba = s.M[b][a];
  double* __restrict kta = s.kt[a];
  double* __restrict ktb = s.kt[b];
  const double* __restrict ta = s.T[a];
  const double* __restrict tb = s.T[b];
  const double z = 0.0;
#pragma omp simd
  for (std::size_t k = 0; k < len; ++k) {
    const double g = cond[k];
    mab[k] = (FirstPair ? z : mab[k]) - g;
    mba[k] = (FirstPair ? z : mba[k]) - g;
    const double flow = g * (ta[k] - tb[k]);
    kta[k] = (FirstA ? z : kta[k]) + flow;
    ktb[k] = (FirstB ? z : ktb[k]) - flow;
  }
}

// Environmental heat of the faces: a node's sums q are assigned by its first
// face (First) and added to by later ones.
inline void sum_into(double* q, std::size_t k, double v, std::true_type) { q[k] = v; }
inline void sum_into(double* q, std::size_t k, double v, std::false_type) { q[k] = q[k] + v; }

// Cosines of a face's normal (fx, fy, fz) + wa * array normal to the Sun (cs)
// and to the nadir (cn), satellite k of the block.
inline void face_cosines(const Scratch& s, std::size_t k, double fx, double fy, double fz, double wa,
                         double& cs, double& cn) {
  const double nx = fx + wa * s.array_b[0][k];
  const double ny = fy + wa * s.array_b[1][k];
  const double nz = fz + wa * s.array_b[2][k];
  cs = nx * s.sun_b[0][k] + ny * s.sun_b[1][k] + nz * s.sun_b[2][k];
  cn = nx * s.nadir_b[0][k] + ny * s.nadir_b[1][k] + nz * s.nadir_b[2][k];
}

// A face with its own geometry, normal fn (body mount) + wa * array normal:
// its cosines to the Sun and the nadir and its view factor into the scratch,
// its direct sun into qs. Without Cut the view factor is the form without a
// horizon cut (cos/h^2 or 0, what plate_view_factor selects too); with Cut it
// is plate_view_factor_pre (which gives that form's values wherever that form
// applies) and the face's albedo and Earth IR go into qe in the same pass, for
// a face whose view factor likely needs the cut. Returns whether any lane's
// plate sees the Earth's limb (the view factor then needs the horizon cut).
// With Axis (a body face, wa = 0, whose normal is sgn times body axis ax) the
// cosines are sgn times the Sun's and the nadir's ax components. For finite
// body-frame vectors (the array normal is then finite too) the general form's
// other products and its wa terms are zeros, so it gives the same values but
// for the sign of a zero cosine, which no result depends on. (The vectors are
// finite or NaN in every component together unless the body axes themselves
// are partly non-finite.)
// With Pair the pass also sums the next face, one of the same node that
// reuses this face's geometry with sign sign2 (see derived_face, whose
// operations it repeats): its terms are added after this face's, as there
// (without Cut only its direct sun; earth_face or cut_face adds its Earth term).
// With Edge (and Cut) every lane's plate is edge-on as edge_on() tells, and
// the view factor is plate_view_factor_edge, plate_view_factor_pre's value
// without its square root, divisions and polynomials (s.atan_x1 filled).
// Out of line: inlined, its loops compete for registers with the kernel's.
template <bool First, bool Cut, bool Axis, bool Pair = false, bool Edge = false>
ORBITWIN_NOINLINE bool source_face(Scratch& s, int fc, const double* fn, double wa, int ax, double sgn,
                        const double* __restrict aa, const double* __restrict ae, double* __restrict qs,
                        double* __restrict qe, std::size_t len, double sign2 = 1.0,
                        const double* __restrict aa2 = nullptr, const double* __restrict ae2 = nullptr) {
  using Tag = std::integral_constant<bool, First>;
  // A first face's terms are products >= +0: +0 + term is the term (and keeps
  // the product rounded on its own before the pair's term is added).
  const double z = opaque(0.0);
  const double w_opp2 = sign2 < 0.0 ? 1.0 : 0.0;
  const double one = opaque(1.0);
  double* __restrict fcs = s.face_cs[fc];
  double* __restrict fcn = s.face_cn[fc];
  double* __restrict fF = s.face_F[fc];
  const double* __restrict sun_ax = s.sun_b[ax];
  const double* __restrict nadir_ax = s.nadir_b[ax];
  const double fx = fn[0], fy = fn[1], fz = fn[2];
  int64_t cut = 0;
#pragma omp simd reduction(| : cut)
  for (std::size_t k = 0; k < len; ++k) {
    double cs, cn;
    if constexpr (Axis) {
      cs = sgn * sun_ax[k];
      cn = sgn * nadir_ax[k];
    } else {
      face_cosines(s, k, fx, fy, fz, wa, cs, cn);
    }
    fcs[k] = cs;
    fcn[k] = cn;
    if constexpr (Cut) {
      double F;
      if constexpr (Edge)
        F = detail::plate_view_factor_edge(cn, s.atan_x1[k], one, s.inv_h[k], s.inv_h2[k], s.xh[k]);
      else
        F = detail::plate_view_factor_pre(cn, s.inv_h[k], s.inv_h2[k], s.h2[k], s.xh[k]);
      fF[k] = F;
      cut |= std::fabs(cn) < s.inv_h[k] ? 1 : 0;  // -1/h < cn < 1/h
      const double ts = aa[k] * s.sun_flux[k] * (cs > 0.0 ? cs : 0.0);
      const double te = (aa[k] * s.albedo_flux[k] + ae[k] * s.ir_flux[k]) * F;
      if constexpr (Pair) {
        const double qs1 = (First ? z : qs[k]) + ts;
        const double qe1 = (First ? z : qe[k]) + te;
        const double cs2 = sign2 * cs;
        const double F0 = F - w_opp2 * cn * s.inv_h2[k];
        const double F2 = F0 > 0.0 ? F0 : 0.0;
        qs[k] = qs1 + aa2[k] * s.sun_flux[k] * (cs2 > 0.0 ? cs2 : 0.0);
        qe[k] = qe1 + (aa2[k] * s.albedo_flux[k] + ae2[k] * s.ir_flux[k]) * F2;
      } else {
        sum_into(qs, k, ts, Tag{});
        sum_into(qe, k, te, Tag{});
      }
    } else {
      // cos clamped at 1; below -1 F is 0 with or without the clamp (NaN: 0).
      // c >= 1/h > 0: c / h^2 > 0, no clamp at 0 needed.
      const double c = cn > 1.0 ? 1.0 : cn;
      fF[k] = c >= s.inv_h[k] ? c * s.inv_h2[k] : 0.0;
      cut |= std::fabs(cn) < s.inv_h[k] ? 1 : 0;  // -1/h < cn < 1/h
      const double ts = aa[k] * s.sun_flux[k] * (cs > 0.0 ? cs : 0.0);
      if constexpr (Pair) {  // the pair's direct sun here, its Earth term with this face's
        const double cs2 = sign2 * cs;
        qs[k] = ((First ? z : qs[k]) + ts) + aa2[k] * s.sun_flux[k] * (cs2 > 0.0 ? cs2 : 0.0);
      } else {
        sum_into(qs, k, ts, Tag{});
      }
    }
  }
  return cut != 0;
}

// Whether every lane's plate whose normal is +-1 along body axis ax is
// edge-on to the Earth's centre as detail::plate_edge_on tells (the side
// faces of a nadir-pointing bus: cosines of rounding size), so that
// source_face may take its Edge form.
inline bool edge_on(const Scratch& s, int ax, std::size_t len) {
  const double* __restrict nadir_ax = s.nadir_b[ax];
  double off = 0.0;  // a sum of 0/1 flags (a double: an integer flag packs and unpacks per vector)
#pragma omp simd reduction(+ : off)
  for (std::size_t k = 0; k < len; ++k) off += detail::plate_edge_on(nadir_ax[k], s.h2[k], s.xh[k]) ? 0.0 : 1.0;
  return off == 0.0;
}

// Albedo and Earth IR of a face whose view factor is in the scratch, into qe.
// With Pair also the Earth term of source_face's pair (the same arguments).
template <bool First, bool Pair = false>
inline void earth_face(Scratch& s, int fc, const double* __restrict aa, const double* __restrict ae,
                       double* __restrict qe, std::size_t len, double sign2 = 1.0,
                       const double* __restrict aa2 = nullptr, const double* __restrict ae2 = nullptr) {
  using Tag = std::integral_constant<bool, First>;
  const double* __restrict fF = s.face_F[fc];
  const double* __restrict fcn = s.face_cn[fc];
  const double z = opaque(0.0);
  const double w_opp2 = sign2 < 0.0 ? 1.0 : 0.0;
#pragma omp simd
  for (std::size_t k = 0; k < len; ++k) {
    const double F = fF[k];
    const double te = (aa[k] * s.albedo_flux[k] + ae[k] * s.ir_flux[k]) * F;
    if constexpr (Pair) {
      const double F0 = F - w_opp2 * fcn[k] * s.inv_h2[k];
      const double F2 = F0 > 0.0 ? F0 : 0.0;
      qe[k] = ((First ? z : qe[k]) + te) + (aa2[k] * s.albedo_flux[k] + ae2[k] * s.ir_flux[k]) * F2;
    } else {
      sum_into(qe, k, te, Tag{});
    }
  }
}

// The same with the view factor evaluated with the horizon cut (into the scratch).
template <bool First, bool Pair = false>
inline void cut_face(Scratch& s, int fc, const double* __restrict aa, const double* __restrict ae,
                     double* __restrict qe, std::size_t len, double sign2 = 1.0,
                     const double* __restrict aa2 = nullptr, const double* __restrict ae2 = nullptr) {
  using Tag = std::integral_constant<bool, First>;
  const double* __restrict fcn = s.face_cn[fc];
  double* __restrict fF = s.face_F[fc];
  const double z = opaque(0.0);
  const double w_opp2 = sign2 < 0.0 ? 1.0 : 0.0;
#pragma omp simd
  for (std::size_t k = 0; k < len; ++k) {
    const double cn = fcn[k];
    const double F = detail::plate_view_factor_pre(cn, s.inv_h[k], s.inv_h2[k], s.h2[k], s.xh[k]);
    fF[k] = F;
    const double te = (aa[k] * s.albedo_flux[k] + ae[k] * s.ir_flux[k]) * F;
    if constexpr (Pair) {
      const double F0 = F - w_opp2 * cn * s.inv_h2[k];
      const double F2 = F0 > 0.0 ? F0 : 0.0;
      qe[k] = ((First ? z : qe[k]) + te) + (aa2[k] * s.albedo_flux[k] + ae2[k] * s.ir_flux[k]) * F2;
    } else {
      sum_into(qe, k, te, Tag{});
    }
  }
}

// A face with the same (sign +1) or the opposite (-1) normal as face src:
// F(-c) = F(c) - c / h^2; its direct sun into qs, albedo and Earth IR into qe.
template <bool First>
inline void derived_face(Scratch& s, int src, double sign, const double* __restrict aa,
                         const double* __restrict ae, double* __restrict qs, double* __restrict qe,
                         std::size_t len) {
  using Tag = std::integral_constant<bool, First>;
  const double w_opp = sign < 0.0 ? 1.0 : 0.0;
  const double* __restrict scs = s.face_cs[src];
  const double* __restrict scn = s.face_cn[src];
  const double* __restrict sF = s.face_F[src];
#pragma omp simd
  for (std::size_t k = 0; k < len; ++k) {
    const double cs = sign * scs[k];
    const double F0 = sF[k] - w_opp * scn[k] * s.inv_h2[k];
    const double F = F0 > 0.0 ? F0 : 0.0;
    sum_into(qs, k, aa[k] * s.sun_flux[k] * (cs > 0.0 ? cs : 0.0), Tag{});
    sum_into(qe, k, (aa[k] * s.albedo_flux[k] + ae[k] * s.ir_flux[k]) * F, Tag{});
  }
}

// Energies [J] of one interval of the power step.
struct Energies {
  double gen, load, bus, pay, heat, shed, unmet, shunt, batt, stored, loss;
};

// The energies of one interval into the block scratch, satellite k.
inline void store_energies(Scratch& s, std::size_t k, const Energies& e) {
  s.e_gen[k] = e.gen;
  s.e_load[k] = e.load;
  s.e_bus[k] = e.bus;
  s.e_pay[k] = e.pay;
  s.e_heat[k] = e.heat;
  s.e_shed[k] = e.shed;
  s.e_unmet[k] = e.unmet;
  s.e_shunt[k] = e.shunt;
  s.e_batt[k] = e.batt;
  s.e_stored[k] = e.stored;
  s.e_loss[k] = e.loss;
}

// One interval of the power system, duration d [s] at constant generation
// gen [W] and demands [W]: charge the surplus (charger limit, room left) and
// shunt the rest, or cover the deficit from the battery (converter limit,
// energy above the floor), then shed by priority (w_pay_first: 1 when the
// payload goes first) and leave the rest of the bus unmet. Adds the
// interval's energies to e; returns the state of charge at its end (changed
// only when commit is 1). The balance gen = load + shunt + stored + loss holds
// term by term. inv_eta_d is 1 / eta_d (precomputed: a division fewer).
// Always inlined: its callers are vectorised loops (GCC leaves it out of line
// once it has several).
ORBITWIN_ALWAYS_INLINE inline double power_interval(double gen, double d_bus, double d_pay, double d_heat, double q, double c,
                             double eta_c, double eta_d, double inv_eta_d, double p_ch_max, double p_dis_max,
                             double floor_soc, double d, double dt_lim, double w_pay_first,
                             double commit, Energies& e) {
  const double dl = d > 1e-9 ? d : dt_lim;  // duration for the energy limits
  const double demand = d_bus + d_pay + d_heat;
  const double surplus = gen - demand;
  const double spare = surplus > 0.0 ? surplus : 0.0;
  const double deficit = surplus < 0.0 ? -surplus : 0.0;
  // Charging: limited by the charger and by the room left in the battery.
  const double room = (1.0 - q) * c / (eta_c * dl);
  double p_ch = spare < p_ch_max ? spare : p_ch_max;
  p_ch = p_ch < room ? p_ch : (room > 0.0 ? room : 0.0);
  const double shunt = spare - p_ch;
  // Discharging: limited by the converter and by the energy above the floor.
  const double above = (q - floor_soc) * c * eta_d / dl;
  double p_dis = deficit < p_dis_max ? deficit : p_dis_max;
  p_dis = p_dis < above ? p_dis : (above > 0.0 ? above : 0.0);
  // Whatever is still short is shed by priority, then left unmet on the bus.
  const double w_heat_first = 1.0 - w_pay_first;
  double short_w = deficit - p_dis;
  const double first = w_pay_first * d_pay + w_heat_first * d_heat;
  const double second = w_pay_first * d_heat + w_heat_first * d_pay;
  const double s1 = short_w < first ? short_w : first;
  short_w -= s1;
  const double s2 = short_w < second ? short_w : second;
  short_w -= s2;
  const double unmet = short_w < d_bus ? short_w : d_bus;
  const double shed_pay = w_pay_first * s1 + w_heat_first * s2;
  const double shed_heat = w_pay_first * s2 + w_heat_first * s1;
  const double got_bus = d_bus - unmet;
  const double got_pay = d_pay - shed_pay;
  const double got_heat = d_heat - shed_heat;
  const double stored = eta_c * p_ch - p_dis / eta_d;
  const double loss = (1.0 - eta_c) * p_ch + p_dis * (inv_eta_d - 1.0);
  e.gen += gen * d;
  e.load += (got_bus + got_pay + got_heat) * d;
  e.bus += got_bus * d;
  e.pay += got_pay * d;
  e.heat += got_heat * d;
  e.shed += (shed_pay + shed_heat) * d;
  e.unmet += unmet * d;
  e.shunt += shunt * d;
  e.batt += (p_ch - p_dis) * d;
  e.stored += stored * d;
  e.loss += loss * d;
  return q + commit * stored * d / c;
}

}  // namespace

namespace {

// The kernel for len = Len satellites (Len = kBlock: a full block, every
// loop a constant trip count) or, with Len = 0, for any len.
template <std::size_t Len>
void thermal_power_block(Fleet& f, std::size_t b0, std::size_t b1, const Instant& in, const BlockKinematics& kin) {
  ThermalPower& tp = *f.thermal_power;
  const int nn = tp.n_node, nl = tp.n_link, nf = tp.n_face, nh = tp.n_heater;
  const std::size_t snn = static_cast<std::size_t>(nn);
  const std::size_t len = Len ? Len : b1 - b0;
  const double dt = in.dt_s;
  const double dt_lim = in.dt_limit_s;
  // Block scratch (~100 kB) per thread, reused: no stack probing per call.
  // Fetched once through a non-inlined call: GCC otherwise rematerialises the
  // thread-local address (a __tls_get_addr call in a shared library) at every use.
  Scratch& s = thread_scratch();
  // The environment at t_n is the other buffer's after the segment's first step.
  const bool prev_in_scratch = !in.segment_first;
  if (prev_in_scratch) s.cur ^= 1;
  double(*__restrict qs)[kBlock] = s.qs2[s.cur];
  double(*__restrict qe)[kBlock] = s.qe2[s.cur];
  const double(*__restrict qs_prev)[kBlock] = s.qs2[s.cur ^ 1];
  const double(*__restrict qe_prev)[kBlock] = s.qe2[s.cur ^ 1];
  double* __restrict illum_now = s.cur ? s.illum1 : s.illum0;

  // ---- gather: body axes, temperatures, capacities, previous environment ----
  // The body axes, positions and velocities are kin's rows (attitude() and
  // the orbit kernel wrote them for this step; the fleet's interleaved rows
  // are written at a segment's last step only).
  const double(*__restrict axes)[kBlock] = kin.att;
  const double* __restrict kin_rx = kin.r[0];
  const double* __restrict kin_ry = kin.r[1];
  const double* __restrict kin_rz = kin.r[2];
  {
    // Later steps of a segment find the block's temperatures in the scratch,
    // where the last step left them (the same values it wrote to the state).
    if (in.segment_first) {
      const double* __restrict temp = tp.temperature_k.data();
      for (std::size_t k = 0; k < len; ++k)
        for (int j = 0; j < nn; ++j) s.T[j][k] = temp[(b0 + k) * snn + static_cast<std::size_t>(j)];
    }
  }

  // ---- geometry in the body frame ----
  {
    const double* __restrict illum = f.illumination.data();
    const double ux = in.sun_dir[0], uy = in.sun_dir[1], uz = in.sun_dir[2];
    const double S = in.solar_flux_w_m2;
    const double fnx = tp.array_normal_body[0], fny = tp.array_normal_body[1], fnz = tp.array_normal_body[2];
    const double ax = tp.array_axis_body[0], ay = tp.array_axis_body[1], az = tp.array_axis_body[2];
    const double w_track = tp.array_tracking ? 1.0 : 0.0;
#pragma omp simd
    for (std::size_t k = 0; k < len; ++k) {
      const std::size_t i = b0 + k;
      const double rx = kin_rx[k], ry = kin_ry[k], rz = kin_rz[k];
      const double rn = std::sqrt(rx * rx + ry * ry + rz * rz);
      // A satellite without a valid orbit (NaN position) sees no environment.
      const bool valid = rn > kEarthRadiusEq && rn < 1e12;
      const double ir = valid ? 1.0 / rn : 0.0;
      const double nx = -rx * ir, ny = -ry * ir, nz = -rz * ir;
      const double Xx = axes[0][k], Xy = axes[1][k], Xz = axes[2][k];
      const double Yx = axes[3][k], Yy = axes[4][k], Yz = axes[5][k];
      const double Zx = axes[6][k], Zy = axes[7][k], Zz = axes[8][k];
      const double sbx = Xx * ux + Xy * uy + Xz * uz;
      const double sby = Yx * ux + Yy * uy + Yz * uz;
      const double sbz = Zx * ux + Zy * uy + Zz * uz;
      s.sun_b[0][k] = sbx;
      s.sun_b[1][k] = sby;
      s.sun_b[2][k] = sbz;
      s.nadir_b[0][k] = Xx * nx + Xy * ny + Xz * nz;
      s.nadir_b[1][k] = Yx * nx + Yy * ny + Yz * nz;
      s.nadir_b[2][k] = Zx * nx + Zy * ny + Zz * nz;
      const double h = valid ? rn * (1.0 / kEarthRadiusEq) : 1e6;
      s.inv_h[k] = 1.0 / h;
      s.inv_h2[k] = 1.0 / (h * h);
      s.h2[k] = h * h;
      s.xh[k] = std::sqrt(h * h - 1.0);
      const double lit = illum[i];
      illum_now[k] = (valid && lit > 0.0) ? lit : 0.0;
      s.sun_flux[k] = valid ? S : 0.0;
      const double cos_zeta = -(nx * ux + ny * uy + nz * uz);  // sub-satellite solar zenith
      s.albedo_flux[k] = (valid && cos_zeta > 0.0) ? S * kEarthAlbedo * cos_zeta : 0.0;
      s.ir_flux[k] = valid ? kEarthInfrared : 0.0;
      // Tracking array: the Sun projected onto the plane normal to the drive axis.
      const double as = ax * sbx + ay * sby + az * sbz;
      double px = sbx - as * ax, py = sby - as * ay, pz = sbz - as * az;
      const double p2 = px * px + py * py + pz * pz;
      const bool track = w_track > 0.5 && p2 > 1e-18;
      const double ip = 1.0 / std::sqrt(p2 > 1e-18 ? p2 : 1.0);
      px = track ? px * ip : fnx;
      py = track ? py * ip : fny;
      pz = track ? pz * ip : fnz;
      s.array_b[0][k] = px;
      s.array_b[1][k] = py;
      s.array_b[2][k] = pz;
      const double ca = px * sbx + py * sby + pz * sbz;
      s.array_cos[k] = ca > 0.0 ? ca : 0.0;
    }
  }

  // ---- environmental heat per face, summed per node ----
  // A node's first face assigns its sums, later ones add (both terms are
  // >= +0, so assigning equals adding to +0). A face's sun term is summed in
  // the pass that finds its cosines, its Earth term once its view factor is
  // known; faces that reuse an earlier face's geometry do both in one pass
  // (or in their source's passes when they follow it on the same node).
  {
    bool seen[kN] = {};
    // Per body axis: 0 not checked yet, 1 edge-on in every lane, 2 not (see edge_on).
    int edge[3] = {0, 0, 0};
    bool atan_x1_ready = false;
    // Whether the faces along axis ax take source_face's Edge form (s.atan_x1
    // is then filled).
    auto edge_form = [&](int ax) {
      if (edge[ax] == 0) edge[ax] = edge_on(s, ax, len) ? 1 : 2;
      if (edge[ax] != 1) return false;
      if (!atan_x1_ready) {
        const double one = opaque(1.0);
#pragma omp simd
        for (std::size_t k = 0; k < len; ++k) s.atan_x1[k] = detail::atan2_first(s.xh[k], one);
        atan_x1_ready = true;
      }
      return true;
    };
    for (int fc = 0; fc < nf; ++fc) {
      const double* __restrict aa = tp.face_area_alpha_t.block(fc, b0);  // [m^2] A alpha
      const double* __restrict ae = tp.face_area_eps_t.block(fc, b0);    // [m^2] A eps
      const int node = tp.face_node[fc];
      const bool first = !seen[node];
      seen[node] = true;
      double* __restrict qsn = qs[node];
      double* __restrict qen = qe[node];
      const int src = tp.face_geometry_source[fc];
      if (src < 0) {
        const int32_t mount = tp.face_mount[fc];
        const double wb = mount == static_cast<int32_t>(FaceMount::kBody) ? 1.0 : 0.0;
        const double wa = mount == static_cast<int32_t>(FaceMount::kArrayFront)
                              ? 1.0
                              : (mount == static_cast<int32_t>(FaceMount::kArrayBack) ? -1.0 : 0.0);
        const double fn[3] = {wb * tp.face_normal_body[3 * fc], wb * tp.face_normal_body[3 * fc + 1],
                              wb * tp.face_normal_body[3 * fc + 2]};
        const int ax = tp.face_axis[fc];
        const double sgn = static_cast<double>(tp.face_axis_sign[fc]);
        // source_face for the face's kind (First, Cut as constants; Axis: an axis normal).
        auto source = [&](auto first_c, auto cut_c) {
          constexpr bool kFirst = decltype(first_c)::value, kCut = decltype(cut_c)::value;
          if constexpr (kCut)
            if (ax >= 0 && edge_form(ax))
              return source_face<kFirst, true, true, false, true>(s, fc, fn, wa, ax, sgn, aa, ae, qsn, qen, len);
          return ax >= 0 ? source_face<kFirst, kCut, true>(s, fc, fn, wa, ax, sgn, aa, ae, qsn, qen, len)
                         : source_face<kFirst, kCut, false>(s, fc, fn, wa, 0, 1.0, aa, ae, qsn, qen, len);
        };
        using T_ = std::true_type;
        using F_ = std::false_type;
        // The next face, when it is of the same node and reuses this face's
        // geometry, is summed in the same passes.
        const int nx = fc + 1;
        const bool pair = nx < nf && tp.face_geometry_source[nx] == fc && tp.face_node[nx] == node;
        // source_face for this face and the next (a pair) with the same constants.
        auto source_pair = [&](auto first_c, auto cut_c) {
          constexpr bool kFirst = decltype(first_c)::value, kCut = decltype(cut_c)::value;
          const double* __restrict aa2 = tp.face_area_alpha_t.block(nx, b0);
          const double* __restrict ae2 = tp.face_area_eps_t.block(nx, b0);
          const double sign2 = static_cast<double>(tp.face_geometry_sign[nx]);
          if constexpr (kCut)
            if (ax >= 0 && edge_form(ax))
              return source_face<kFirst, true, true, true, true>(s, fc, fn, wa, ax, sgn, aa, ae, qsn, qen, len,
                                                                 sign2, aa2, ae2);
          return ax >= 0 ? source_face<kFirst, kCut, true, true>(s, fc, fn, wa, ax, sgn, aa, ae, qsn, qen, len,
                                                                 sign2, aa2, ae2)
                         : source_face<kFirst, kCut, false, true>(s, fc, fn, wa, 0, 1.0, aa, ae, qsn, qen, len,
                                                                  sign2, aa2, ae2);
        };
        if (s.face_cut_hint[fc] && pair) {
          s.face_cut_hint[fc] = first ? source_pair(T_{}, T_{}) : source_pair(F_{}, T_{});
          ++fc;  // the pair's face is done
        } else if (s.face_cut_hint[fc]) {
          s.face_cut_hint[fc] = first ? source(T_{}, T_{}) : source(F_{}, T_{});
        } else if (pair) {
          const bool cut = first ? source_pair(T_{}, F_{}) : source_pair(F_{}, F_{});
          s.face_cut_hint[fc] = cut;
          const double* __restrict aa2 = tp.face_area_alpha_t.block(nx, b0);
          const double* __restrict ae2 = tp.face_area_eps_t.block(nx, b0);
          const double sign2 = static_cast<double>(tp.face_geometry_sign[nx]);
          if (cut) {
            if (first) cut_face<true, true>(s, fc, aa, ae, qen, len, sign2, aa2, ae2);
            else cut_face<false, true>(s, fc, aa, ae, qen, len, sign2, aa2, ae2);
          } else {
            if (first) earth_face<true, true>(s, fc, aa, ae, qen, len, sign2, aa2, ae2);
            else earth_face<false, true>(s, fc, aa, ae, qen, len, sign2, aa2, ae2);
          }
          ++fc;  // the pair's face is done
        } else {
          const bool cut = first ? source(T_{}, F_{}) : source(F_{}, F_{});
          s.face_cut_hint[fc] = cut;
          if (cut) {
            if (first) cut_face<true>(s, fc, aa, ae, qen, len);
            else cut_face<false>(s, fc, aa, ae, qen, len);
          } else {
            if (first) earth_face<true>(s, fc, aa, ae, qen, len);
            else earth_face<false>(s, fc, aa, ae, qen, len);
          }
        }
      } else {
        const double sign = static_cast<double>(tp.face_geometry_sign[fc]);
        if (first) derived_face<true>(s, src, sign, aa, ae, qsn, qen, len);
        else derived_face<false>(s, src, sign, aa, ae, qsn, qen, len);
      }
    }
    for (int j = 0; j < nn; ++j)
      if (!seen[j]) {
        zero_row(qs[j]);
        zero_row(qe[j]);
      }
  }

  // ---- mean illumination over the step ----
  // Illumination is a near-step function of time (the penumbra lasts ~10 s
  // in LEO), so sampling it at the step ends misplaces eclipse entry and exit
  // by up to a step. Steps whose ends differ (or are partly lit) get the mean
  // of the exact disc-overlap fraction at kSubSamples midpoints along the
  // cubic Hermite arc between the end states; other steps are all lit or all
  // dark. Sun fixed over the step (it moves 0.04 deg per minute).
  uint64_t transition_bits = 0;  // bit k: satellite k's step crosses an eclipse boundary
  {
    double* __restrict ppos = tp.prev_position_m.data();
    double* __restrict pvel = tp.prev_velocity_m_s.data();
    double* __restrict pill = tp.prev_illumination.data();
    // The state at t_n: the scratch's after the segment's first step.
    const double* __restrict ill0 = prev_in_scratch ? (s.cur ? s.illum0 : s.illum1) : pill + b0;
    double* __restrict out = tp.illumination_mean.data();
    const double sun[3] = {in.sun_m[0], in.sun_m[1], in.sun_m[2]};
    const double w = dt > 0.0 ? 0.5 : 0.0;
    const double stepping = dt > 0.0 ? 1.0 : 0.0;
    double any = 0.0;
#pragma omp simd reduction(+ : any)
    for (std::size_t k = 0; k < len; ++k) {
      const double i0 = ill0[k], i1 = illum_now[k];
      const double uniform = ((i0 == 1.0) & (i1 == 1.0)) | ((i0 == 0.0) & (i1 == 0.0)) ? 1.0 : 0.0;
      const double transition = stepping * (1.0 - uniform) * (s.sun_flux[k] > 0.0 ? 1.0 : 0.0);
      s.transition[k] = transition;
      any += transition;
      s.illum_mean[k] = w * i0 + (1.0 - w) * i1;  // exact unless a transition
    }
    // Steps with a transition (a few per orbit): sub-sample before the end
    // state becomes the previous one.
    if (any > 0.0) {
      transition_bits = nonzero_bits(s.transition, len);
      for (uint64_t b = transition_bits; b != 0; b &= b - 1) {
        const std::size_t k = lowest_bit(b);
        const std::size_t i = b0 + k;
        double p0[3], v0[3];
        for (int c = 0; c < 3; ++c) {
          p0[c] = prev_in_scratch ? s.prev_r[c][k] : ppos[3 * i + static_cast<std::size_t>(c)];
          v0[c] = prev_in_scratch ? s.prev_v[c][k] : pvel[3 * i + static_cast<std::size_t>(c)];
        }
        if (!std::isfinite(p0[0] + p0[1] + p0[2] + v0[0] + v0[1] + v0[2])) {
          // No valid previous state (orbit just became valid): hold the end value.
          s.illum_mean[k] = illum_now[k];
          for (int m = 0; m < kSubSamples; ++m) s.sub_illum[m][k] = illum_now[k];
          continue;
        }
        // The sub-samples placed and classified in one vectorised pass, the
        // penumbra fractions in a second one; the sum follows in sample order.
        double rs[3][kSubSamples], cls[kSubSamples];
        const double p1[3] = {kin_rx[k], kin_ry[k], kin_rz[k]};
        const double v1[3] = {kin.v[0][k], kin.v[1][k], kin.v[2][k]};
#pragma omp simd
        for (int m = 0; m < kSubSamples; ++m) {
          const double u = (m + 0.5) / kSubSamples;
          const double u2 = u * u, u3 = u2 * u;
          const double h00 = 2 * u3 - 3 * u2 + 1, h10 = (u3 - 2 * u2 + u) * dt;
          const double h01 = -2 * u3 + 3 * u2, h11 = (u3 - u2) * dt;
          const double rx = h00 * p0[0] + h10 * v0[0] + h01 * p1[0] + h11 * v1[0];
          const double ry = h00 * p0[1] + h10 * v0[1] + h01 * p1[1] + h11 * v1[1];
          const double rz = h00 * p0[2] + h10 * v0[2] + h01 * p1[2] + h11 * v1[2];
          rs[0][m] = rx;
          rs[1][m] = ry;
          rs[2][m] = rz;
          cls[m] = shadow_classify(rx, ry, rz, sun[0], sun[1], sun[2]);
        }
#pragma omp simd
        for (int m = 0; m < kSubSamples; ++m)
          cls[m] = cls[m] >= 0.0 ? cls[m]
                                 : illuminated_fraction(rs[0][m], rs[1][m], rs[2][m], sun[0], sun[1], sun[2]);
        double sum = 0.0;
        for (int m = 0; m < kSubSamples; ++m) {
          s.sub_illum[m][k] = cls[m];
          sum += cls[m];
        }
        s.illum_mean[k] = sum / kSubSamples;
      }
    }
    // The step's mean is read after the segment only (see the power passes).
    if (in.segment_last) {
#pragma omp simd
      for (std::size_t k = 0; k < len; ++k) out[b0 + k] = s.illum_mean[k];
    }
    // The end state becomes the next step's previous one: in the scratch
    // within a segment (the illumination's buffers swap at the next step),
    // in the state at its last step.
    if (in.segment_last) {
#pragma omp simd
      for (std::size_t k = 0; k < len; ++k) pill[b0 + k] = illum_now[k];
      interleave3(kin_rx, kin_ry, kin_rz, ppos + 3 * b0, len);
      interleave3(kin.v[0], kin.v[1], kin.v[2], pvel + 3 * b0, len);
    } else {
      for (int c = 0; c < 3; ++c) {
        copy_row(s.prev_r[c], kin.r[c]);
        copy_row(s.prev_v[c], kin.v[c]);
      }
    }
  }

  // ---- thermostats and SoC shedding flags (state at t_n; integer state) ----
  // The flags are carried as doubles in the scratch within a segment (int32
  // <-> double converts exactly): selecting int32 values by double compares
  // costs several packs per vector.
  {
    int32_t* __restrict hon = tp.heater_on.data();
    int32_t* __restrict pon = tp.payload_on.data();
    int32_t* __restrict hen = tp.heaters_enabled.data();
    const double* __restrict soc = tp.soc.data();
    const double* __restrict pshed = tp.scalars.block(kRowPayloadShedSoc, b0);
    const double* __restrict prest = tp.scalars.block(kRowPayloadRestoreSoc, b0);
    const double* __restrict hshed = tp.scalars.block(kRowHeaterShedSoc, b0);
    const double* __restrict hrest = tp.scalars.block(kRowHeaterRestoreSoc, b0);
    const std::size_t snh = static_cast<std::size_t>(nh);
    if (in.segment_first) {
      for (int h = 0; h < nh; ++h) {
        const int32_t* __restrict on = hon + b0 * snh + static_cast<std::size_t>(h);
        double* __restrict on_f = s.heater_on_f[h];
        for (std::size_t k = 0; k < len; ++k) on_f[k] = static_cast<double>(on[k * snh]);
      }
      for (std::size_t k = 0; k < len; ++k) {
        s.payload_on_f[k] = static_cast<double>(pon[b0 + k]);
        s.heaters_enabled_f[k] = static_cast<double>(hen[b0 + k]);
      }
    }
    // One pass per heater with its parameter rows looked up once.
    for (int h = 0; h < nh; ++h) {
      const std::size_t hr = static_cast<std::size_t>(h);
      const double* __restrict hp = tp.heater_t.block(hr, b0);
      const double* __restrict hlo = tp.heater_t.block(snh + hr, b0);
      const double* __restrict hhi = tp.heater_t.block(2 * snh + hr, b0);
      const double* __restrict tn = s.T[tp.heater_node[h]];
      double* __restrict demand = s.heater_demand[h];
      double* __restrict on = s.heater_on_f[h];
      // Every operand is loaded before the selects (a select's operands
      // read only under its condition become masked loads). Adding a hidden
      // +0 (exact: the flags are never -0) keeps GCC from folding the flag's
      // uses back into the selects.
      const double z = opaque(0.0);
#pragma omp simd
      for (std::size_t k = 0; k < len; ++k) {
        const double t = tn[k], lo = hlo[k], hi = hhi[k];
        const double was = on[k];
        const double o = (t < lo ? 1.0 : (t > hi ? 0.0 : was)) + z;
        on[k] = o;
        demand[k] = o != 0.0 ? hp[k] : 0.0;
      }
    }
    double* __restrict pen = s.payload_enable;
    double* __restrict hena = s.heater_enable;
    double* __restrict pon_f = s.payload_on_f;
    double* __restrict hen_f = s.heaters_enabled_f;
    // Operands loaded first and a hidden +0 added, as above.
    const double z = opaque(0.0);
#pragma omp simd
    for (std::size_t k = 0; k < len; ++k) {
      const std::size_t i = b0 + k;
      const double q = soc[i], ps = pshed[k], pr = prest[k], hs = hshed[k], hr = hrest[k];
      const double p_was = pon_f[k], h_was = hen_f[k];
      const double po = (q < ps ? 0.0 : (q >= pr ? 1.0 : p_was)) + z;
      const double ho = (q < hs ? 0.0 : (q >= hr ? 1.0 : h_was)) + z;
      pon_f[k] = po;
      hen_f[k] = ho;
      pen[k] = po != 0.0 ? 1.0 : 0.0;
      hena[k] = ho != 0.0 ? 1.0 : 0.0;
    }
    if (in.segment_last) {
      for (int h = 0; h < nh; ++h) {
        int32_t* __restrict on = hon + b0 * snh + static_cast<std::size_t>(h);
        const double* __restrict on_f = s.heater_on_f[h];
        for (std::size_t k = 0; k < len; ++k) on[k * snh] = static_cast<int32_t>(on_f[k]);
      }
#pragma omp simd
      for (std::size_t k = 0; k < len; ++k) {
        pon[b0 + k] = static_cast<int32_t>(pon_f[k]);
        hen[b0 + k] = static_cast<int32_t>(hen_f[k]);
      }
    }
  }

  // ---- power system over the step ----
  {
    double* __restrict avail = tp.array_available_w.data();
    double* __restrict p0 = tp.array_p0_w.data();
    const double* __restrict rate = tp.array_rate_k_s.data();
    // Parameters of this block's satellites, indexed by k.
    const double* __restrict a_area = tp.scalars.block(kRowArrayArea, b0);
    const double* __restrict a_eff = tp.scalars.block(kRowArrayEfficiency, b0);
    const double* __restrict a_kt = tp.scalars.block(kRowArrayTempCoeff, b0);
    const double* __restrict a_tref = tp.scalars.block(kRowArrayRefTemp, b0);
    const double* __restrict a_deg = tp.scalars.block(kRowArrayDegradation, b0);
    const double* __restrict a_age = tp.scalars.block(kRowArrayAge, b0);
    const double* __restrict cap = tp.scalars.block(kRowBatteryCapacity, b0);
    const double* __restrict eta_c = tp.scalars.block(kRowChargeEfficiency, b0);
    const double* __restrict eta_d = tp.scalars.block(kRowDischargeEfficiency, b0);
    const double* __restrict inv_eta_d = tp.scalars.block(kRowInvDischargeEfficiency, b0);
    const double* __restrict p_ch_max = tp.scalars.block(kRowMaxCharge, b0);
    const double* __restrict p_dis_max = tp.scalars.block(kRowMaxDischarge, b0);
    const double* __restrict floor_soc = tp.scalars.block(kRowSocFloor, b0);
    const double* __restrict bus = tp.scalars.block(kRowBusDemand, b0);
    // With a compute payload the demand changes every step (compute_demand writes
    // it before this kernel), so it is read live rather than from the per-advance copy.
    const double* __restrict payload = tp.payload_demand_live
                                           ? tp.payload_demand_w.data() + b0
                                           : tp.scalars.block(kRowPayloadDemand, b0);
    double* __restrict soc = tp.soc.data();
    double* __restrict o_array = tp.array_w.data();
    double* __restrict o_batt = tp.battery_w.data();
    double* __restrict o_load = tp.load_w.data();
    double* __restrict o_payload = tp.payload_w.data();
    double* __restrict o_heater = tp.heater_w.data();
    double* __restrict o_shed = tp.shed_w.data();
    double* __restrict o_unmet = tp.unmet_w.data();
    double* __restrict o_shunt = tp.shunt_w.data();
    double* __restrict o_loss = tp.battery_loss_w.data();
    double* __restrict e_gen = tp.e_generated_j.data();
    double* __restrict e_sto = tp.e_stored_j.data();
    double* __restrict e_con = tp.e_consumed_j.data();
    double* __restrict e_shu = tp.e_shunted_j.data();
    double* __restrict e_los = tp.e_battery_loss_j.data();
    double* __restrict e_she = tp.e_shed_j.data();
    double* __restrict e_unm = tp.e_unmet_j.data();
    const double* __restrict t_array = s.T[tp.array_node];
    const double years = in.years;
    // Generation over a step: mean illumination times the trapezoidal mean of
    // the fully-lit output at t_n (at T_n) and t_n+1 (at T_n extrapolated with
    // the last step's rate); the start instant has no step.
    const double w_prev = dt > 0.0 ? 0.5 : 0.0;
    // Invariant selects as 0/1 weights (GCC does not vectorise a select on an invariant bool).
    const double w_pay_first = tp.payload_shed_first ? 1.0 : 0.0;
    // The start instant has no step: flows are shown for a notional 1 s and
    // nothing is committed to the state of charge or the counters.
    const double dt_eff = dt > 0.0 ? dt : 1.0;
    const double inv_dt_eff = 1.0 / dt_eff;
    const double commit = dt > 0.0 ? 1.0 : 0.0;
    double heater_total[kBlock];
#pragma omp simd
    for (std::size_t k = 0; k < len; ++k) heater_total[k] = 0.0;
    for (int h = 0; h < nh; ++h) {
      const double* __restrict hd = s.heater_demand[h];
#pragma omp simd
      for (std::size_t k = 0; k < len; ++k) heater_total[k] += hd[k];
    }
    // Internal heat of the bus, payload, battery and array nodes: when they are
    // four different nodes, pass 3 writes it straight into their rows (as
    // +0 + term, what adding to a zeroed row gives); otherwise it goes through
    // the block rows below and is added node by node.
    const int32_t n_bus = tp.bus_node, n_pay = tp.payload_node, n_bat = tp.battery_node, n_arr = tp.array_node;
    const bool distinct = n_bus != n_pay && n_bus != n_bat && n_bus != n_arr && n_pay != n_bat &&
                          n_pay != n_arr && n_bat != n_arr;
    for (int j = 0; j < nn; ++j)
      if (!distinct || (j != n_bus && j != n_pay && j != n_bat && j != n_arr)) zero_row(s.q_int[j]);
    double served_bus[kBlock], served_payload[kBlock], battery_heat[kBlock], array_out[kBlock];
    double* __restrict w_bus = distinct ? s.q_int[n_bus] : served_bus;
    double* __restrict w_pay = distinct ? s.q_int[n_pay] : served_payload;
    double* __restrict w_bat = distinct ? s.q_int[n_bat] : battery_heat;
    double* __restrict w_arr = distinct ? s.q_int[n_arr] : array_out;
    // Written as z + term (distinct: z = +0, else -0, x + -0 being x) and, for
    // the array, z + sign * term (sign -1 when subtracted here, exact).
    const double z_add = distinct ? 0.0 : -0.0;
    const double arr_sign = distinct ? -1.0 : 1.0;
    // Pass 1: array output, demands; a step without an eclipse transition is
    // one interval at constant generation (its energies into e). Keep: the
    // step's lit outputs and demands into the scratch for pass 2. Last: the
    // step ends a segment and writes the channels that only the caller reads
    // (there, after the segment); within a segment only the state and what a
    // later kernel of the same step reads (power.payload) are written.
    auto pass1 = [&](std::size_t k, Energies& e, auto keep, auto last) ORBITWIN_ALWAYS_INLINE {
      const std::size_t i = b0 + k;
      // Array: area * eta * (1 + k_T (T - T_ref)) * cos * illum * S * (1 - d * age).
      const double age_factor = 1.0 - a_deg[k] * (a_age[k] + years);
      const double p0_now = a_area[k] * a_eff[k] * (age_factor > 0.0 ? age_factor : 0.0) *
                            s.array_cos[k] * s.sun_flux[k];
      const double tf_prev = 1.0 + a_kt[k] * (t_array[k] - a_tref[k]);
      const double tf_now = 1.0 + a_kt[k] * (t_array[k] + rate[i] * dt - a_tref[k]);
      const double pf_prev = p0[i] * (tf_prev > 0.0 ? tf_prev : 0.0);
      const double pf_now = p0_now * (tf_now > 0.0 ? tf_now : 0.0);
      if constexpr (decltype(keep)::value) {
        s.p_lit_prev[k] = pf_prev;
        s.p_lit_now[k] = pf_now;
      }
      if constexpr (decltype(last)::value) avail[i] = illum_now[k] * pf_now;
      p0[i] = p0_now;
      // Demands after SoC shedding.
      const double d_bus = bus[k];
      const double d_pay = payload[k] * s.payload_enable[k];
      const double d_heat = heater_total[k] * s.heater_enable[k];
      if constexpr (decltype(keep)::value) {
        s.d_bus[k] = d_bus;
        s.d_pay[k] = d_pay;
        s.d_heat[k] = d_heat;
      }
      // Transition steps get duration 0 here and their sub-intervals below.
      const double d = (1.0 - s.transition[k]) * dt_eff;
      const double gen = s.illum_mean[k] * (w_prev * pf_prev + (1.0 - w_prev) * pf_now);
      soc[i] = power_interval(gen, d_bus, d_pay, d_heat, soc[i], cap[k], eta_c[k], eta_d[k], inv_eta_d[k],
                              p_ch_max[k], p_dis_max[k], floor_soc[k], d, dt_lim, w_pay_first, commit, e);
    };
    // Pass 3: step means, counters, heat from the step's energies e.
    auto pass3 = [&](std::size_t k, const Energies& e, auto last) ORBITWIN_ALWAYS_INLINE {
      const std::size_t i = b0 + k;
      const double shed_soc = payload[k] * (1.0 - s.payload_enable[k]) +
                              heater_total[k] * (1.0 - s.heater_enable[k]);
      const double shed_e = e.shed + shed_soc * dt_eff;
      o_payload[i] = e.pay * inv_dt_eff;
      if constexpr (decltype(last)::value) {
        o_array[i] = e.gen * inv_dt_eff;
        o_batt[i] = e.batt * inv_dt_eff;
        o_load[i] = e.load * inv_dt_eff;
        o_heater[i] = e.heat * inv_dt_eff;
        o_shed[i] = shed_e * inv_dt_eff;
        o_unmet[i] = e.unmet * inv_dt_eff;
        o_shunt[i] = e.shunt * inv_dt_eff;
        o_loss[i] = e.loss * inv_dt_eff;
      }
      e_gen[i] += commit * e.gen;
      e_sto[i] += commit * e.stored;
      e_con[i] += commit * e.load;
      e_shu[i] += commit * e.shunt;
      e_los[i] += commit * e.loss;
      e_she[i] += commit * shed_e;
      e_unm[i] += commit * e.unmet;
      // Heat: loads dissipate where they sit, losses in the battery; the
      // array loses the electrical power it delivers (shunted power stays on
      // the array as heat).
      s.heater_frac[k] = heater_total[k] > 0.0 ? e.heat * inv_dt_eff / heater_total[k] : 0.0;
      const double served_b = e.bus * inv_dt_eff;
      const double served_p = e.pay * inv_dt_eff;
      const double heat_b = e.loss * inv_dt_eff;
      const double out_a = (e.gen - e.shunt) * inv_dt_eff;
      w_bus[k] = z_add + served_b;  // an FMA here rounds the same: the addend is a zero
      w_pay[k] = z_add + served_p;
      w_bat[k] = z_add + heat_b;
      w_arr[k] = z_add + arr_sign * out_a;
    };
    if (transition_bits == 0) {
      // No step of the block crosses an eclipse boundary: passes 1 and 3 in
      // one vectorised loop, the energies in registers (the same operations).
      if (in.segment_last) {
#pragma omp simd
        for (std::size_t k = 0; k < len; ++k) {
          Energies e{};
          pass1(k, e, std::false_type{}, std::true_type{});
          pass3(k, e, std::true_type{});
        }
      } else {
#pragma omp simd
        for (std::size_t k = 0; k < len; ++k) {
          Energies e{};
          pass1(k, e, std::false_type{}, std::false_type{});
          pass3(k, e, std::false_type{});
        }
      }
    } else {
      // (Rare: every channel is written, the segment's last step or not.)
#pragma omp simd
      for (std::size_t k = 0; k < len; ++k) {
        Energies e{};
        pass1(k, e, std::true_type{}, std::true_type{});
        store_energies(s, k, e);
      }
      // Pass 2 (rare, scalar): a step that crosses an eclipse boundary is flown
      // as kSubSamples intervals with their own illumination, so that shunting
      // while full and discharging in the dark or the penumbra are not netted
      // against each other.
      for (uint64_t b = transition_bits; b != 0; b &= b - 1) {
        const std::size_t k = lowest_bit(b);
        const std::size_t i = b0 + k;
        const double d = dt / kSubSamples;
        Energies e{};
        double q = soc[i];
        for (int m = 0; m < kSubSamples; ++m) {
          const double u = (m + 0.5) / kSubSamples;
          const double gen = s.sub_illum[m][k] * (s.p_lit_prev[k] + u * (s.p_lit_now[k] - s.p_lit_prev[k]));
          q = power_interval(gen, s.d_bus[k], s.d_pay[k], s.d_heat[k], q, cap[k], eta_c[k], eta_d[k],
                             inv_eta_d[k], p_ch_max[k], p_dis_max[k], floor_soc[k], d, d, w_pay_first, commit,
                             e);
        }
        soc[i] = q;
        store_energies(s, k, e);
      }
#pragma omp simd
      for (std::size_t k = 0; k < len; ++k) {
        const Energies e{s.e_gen[k],   s.e_load[k],  s.e_bus[k],  s.e_pay[k],    s.e_heat[k], s.e_shed[k],
                         s.e_unmet[k], s.e_shunt[k], s.e_batt[k], s.e_stored[k], s.e_loss[k]};
        pass3(k, e, std::true_type{});
      }
    }
    if (!distinct) {
      // Several of these are the same node: one pass each.
      double* q_bus = s.q_int[n_bus];
      double* q_pay = s.q_int[n_pay];
      double* q_bat = s.q_int[n_bat];
      double* q_arr = s.q_int[n_arr];
#pragma omp simd
      for (std::size_t k = 0; k < len; ++k) q_bus[k] += served_bus[k];
#pragma omp simd
      for (std::size_t k = 0; k < len; ++k) q_pay[k] += served_payload[k];
#pragma omp simd
      for (std::size_t k = 0; k < len; ++k) q_bat[k] += battery_heat[k];
#pragma omp simd
      for (std::size_t k = 0; k < len; ++k) q_arr[k] -= array_out[k];
    }
    for (int h = 0; h < nh; ++h) {
      double* qh = s.q_int[tp.heater_node[h]];
#pragma omp simd
      for (std::size_t k = 0; k < len; ++k) qh[k] += s.heater_demand[h][k] * s.heater_frac[k];
    }
  }

  // ---- thermal network: linearised TR-BDF2 ----
  if (dt > 0.0) {
    const double inv_dh = 2.0 / (kGamma * dt);  // 1 / (gamma/2 dt)
    // Only the structure is read by factor() and solve(): the fill-in is
    // zeroed, every other entry is assigned below.
    for (int a = 0; a < nn; ++a)
      for (int b = 0; b < nn; ++b)
        if (tp.lu_fill[a][b]) zero_row(s.M[a][b]);
    for (int a = 0; a < nn; ++a)
      if (!tp.node_linked[a]) zero_row(s.kt[a]);
    // Conduction: K T_n and the off-diagonal of K into M (a node's first
    // link assigns, later ones add; the diagonal, the links' conductances
    // summed in link order, is tp.node_conductance_t).
    for (int l = 0; l < nl; ++l) {
      const std::size_t sl = static_cast<std::size_t>(l);
      const double* __restrict cond = tp.conductance_t.block(sl, b0);
      const int a = tp.link_a[l], b = tp.link_b[l];
      const int first = (tp.link_first_a[sl] ? 1 : 0) | (tp.link_first_b[sl] ? 2 : 0) |
                        (tp.link_first_pair[sl] ? 4 : 0);
      switch (first) {
        case 0: conduction_link<false, false, false>(s, a, b, cond, len); break;
        case 1: conduction_link<true, false, false>(s, a, b, cond, len); break;
        case 2: conduction_link<false, true, false>(s, a, b, cond, len); break;
        case 3: conduction_link<true, true, false>(s, a, b, cond, len); break;
        case 4: conduction_link<false, false, true>(s, a, b, cond, len); break;
        case 5: conduction_link<true, false, true>(s, a, b, cond, len); break;
        case 6: conduction_link<false, true, true>(s, a, b, cond, len); break;
        default: conduction_link<true, true, true>(s, a, b, cond, len); break;
      }
    }
    // Environmental heat, mean over the step (into s.q_mean for stage 2):
    // illumination mean times the trapezoidal mean of the fully-lit solar
    // heat, plus the trapezoidal mean of albedo and Earth IR (both smooth in
    // time). Capacity, radiation and the stage-1 right-hand side in the same pass.
    const double w = 0.5;  // weight of t_n (a step: dt > 0)
    for (int a = 0; a < nn; ++a) {
      double* __restrict maa = s.M[a][a];
      double* __restrict x = s.x[a];
      double* __restrict rad = s.rad[a];
      double* __restrict qm = s.q_mean[a];
      const double* __restrict t = s.T[a];
      const double* __restrict c = tp.capacity_t.block(static_cast<std::size_t>(a), b0);
      const double* __restrict sea = tp.node_sigma_eps_area_t.block(static_cast<std::size_t>(a), b0);
      const double* __restrict gs = tp.node_conductance_t.block(static_cast<std::size_t>(a), b0);
      const std::size_t off = static_cast<std::size_t>(a) * tp.n + b0;
      const double* __restrict qsp = prev_in_scratch ? qs_prev[a] : tp.sun_heat_t.data() + off;  // at t_n
      const double* __restrict qep = prev_in_scratch ? qe_prev[a] : tp.earth_heat_t.data() + off;
      const double* __restrict qsn = qs[a];
      const double* __restrict qen = qe[a];
      const double* __restrict qi = s.q_int[a];
      const double* __restrict kt = s.kt[a];
      // Invert: the diagonal entry is a final pivot (see factor()).
      auto pass = [&](auto invert) ORBITWIN_ALWAYS_INLINE {
#pragma omp simd
        for (std::size_t k = 0; k < len; ++k) {
          const double q_env =
              s.illum_mean[k] * (w * qsp[k] + (1.0 - w) * qsn[k]) + w * qep[k] + (1.0 - w) * qen[k];
          qm[k] = q_env;
          const double t1 = t[k];
          const double st3 = sea[k] * (t1 * t1 * t1);  // sigma eps A T_n^3
          const double m = gs[k] + (c[k] * inv_dh + 4.0 * st3);  // 4 (sea T^3) rounds as (4 sea) T^3
          maa[k] = decltype(invert)::value ? 1.0 / m : m;
          rad[k] = st3 * t1;
          // C T_n/(dh) + f(T_n) + Q + 3 sigma eps A T_n^4, Q = step-mean heat input
          x[k] = c[k] * inv_dh * t1 + 2.0 * (q_env + qi[k]) - kt[k] + 2.0 * rad[k];
        }
      };
      if (tp.lu_last_pivot[a] < 0) pass(std::true_type{});
      else pass(std::false_type{});
    }
    // Stage 2 (BDF2): M T_n+1 = C (T_g / gamma - (1-gamma)^2/gamma T_n) / ((1-gamma) dt)
    //                           + Q(t_n+1) + 3 sigma eps A T_n^4.
    const double c_g = 1.0 / (kGamma * (1.0 - kGamma) * dt);
    const double c_n = (1.0 - kGamma) / (kGamma * dt);
    // The right-hand side replaces T_n in s.T, where the solve leaves T_n+1
    // (the array's T_n is kept for its rate).
    copy_row(s.t_array_old, s.T[tp.array_node]);
#if defined(ORBITWIN_STAGES_IN_REGISTERS)
    if (nn >= 1 && nn <= 6) {
      const double* cap[kN];
      for (int a = 0; a < nn; ++a) cap[a] = tp.capacity_t.block(static_cast<std::size_t>(a), b0);
      // Entries outside the structure read as exact zeros: zeroed when the
      // structure differs from the last one zeroed for (the kernel writes
      // only entries inside it).
      if (std::memcmp(s.m_zero_outside, tp.lu_nonzero, sizeof s.m_zero_outside) != 0) {
        for (int a = 0; a < kN; ++a)
          for (int b = 0; b < kN; ++b)
            if (!tp.lu_nonzero[a][b]) zero_row(s.M[a][b]);
        std::memcpy(s.m_zero_outside, tp.lu_nonzero, sizeof s.m_zero_outside);
      }
      factor(s, tp.lu_nonzero, tp.lu_last_pivot, nn);
      const std::size_t len4 = (len + 3) & ~std::size_t{3};
      switch (nn) {
        case 1: stages_in_registers<1>(s, cap, c_g, c_n, len4); break;
        case 2: stages_in_registers<2>(s, cap, c_g, c_n, len4); break;
        case 3: stages_in_registers<3>(s, cap, c_g, c_n, len4); break;
        case 4: stages_in_registers<4>(s, cap, c_g, c_n, len4); break;
        case 5:
          // The structure's zeros skipped for a known design (the others dense).
          if (tp.lu_zero_bits == kComputeNodeZeros) stages_in_registers<5, kComputeNodeZeros>(s, cap, c_g, c_n, len4);
          else stages_in_registers<5>(s, cap, c_g, c_n, len4);
          break;
        default: stages_in_registers<6>(s, cap, c_g, c_n, len4); break;
      }
    } else
#endif
    {
    factor(s, tp.lu_nonzero, tp.lu_last_pivot, nn);
    solve(s, s.x, tp.lu_nonzero, nn);
    for (int a = 0; a < nn; ++a) {
      const double* __restrict x = s.x[a];
      double* __restrict t = s.T[a];
      const double* __restrict c = tp.capacity_t.block(static_cast<std::size_t>(a), b0);
      const double* __restrict qm = s.q_mean[a];
      const double* __restrict qi = s.q_int[a];
      const double* __restrict rad = s.rad[a];
#pragma omp simd
      for (std::size_t k = 0; k < len; ++k)
        t[k] = c[k] * (c_g * x[k] - c_n * t[k]) + qm[k] + qi[k] + 3.0 * rad[k];
    }
    solve(s, s.T, tp.lu_nonzero, nn);
    }
    {
      double* __restrict r = tp.array_rate_k_s.data() + b0;
      const double* __restrict t_new = s.T[tp.array_node];
      const double* __restrict t_old = s.t_array_old;
      const double inv_dt = 1.0 / dt;
#pragma omp simd
      for (std::size_t k = 0; k < len; ++k) r[k] = (t_new[k] - t_old[k]) * inv_dt;
    }
  }

  // ---- scatter ----
  // The (n, n_node) state is written at the segment's last step, where the
  // caller reads it; within a segment only the payload temperature, which
  // the compute payload reads at every step.
  if (!in.segment_last && f.compute) {
    double* __restrict temp = tp.temperature_k.data() + tp.payload_node;
    const double* __restrict t = s.T[tp.payload_node];
    std::size_t k = 0;
#if defined(__AVX__)
    // Four satellites per load, stored by halves (a strided scatter).
    for (; k + 4 <= len; k += 4) {
      const __m256d v = _mm256_loadu_pd(t + k);
      const __m128d lo = _mm256_castpd256_pd128(v), hi = _mm256_extractf128_pd(v, 1);
      double* d = temp + (b0 + k) * snn;
      _mm_storel_pd(d, lo);
      _mm_storeh_pd(d + snn, lo);
      _mm_storel_pd(d + 2 * snn, hi);
      _mm_storeh_pd(d + 3 * snn, hi);
    }
    if (Len == 0)  // a full block's 64 satellites are all stored above
#endif
      for (; k < len; ++k) temp[(b0 + k) * snn] = t[k];
  }
  {
    double* __restrict temp = tp.temperature_k.data();
    double* __restrict env = tp.environment_w.data();
    double* __restrict diss = tp.dissipation_w.data();
    if (in.segment_last) {
      for (std::size_t k = 0; k < len; ++k)
        for (int j = 0; j < nn; ++j) {
          const std::size_t dst = (b0 + k) * snn + static_cast<std::size_t>(j);
          temp[dst] = s.T[j][k];
          env[dst] = illum_now[k] * qs[j][k] + qe[j][k];
          diss[dst] = s.q_int[j][k];
        }
      // The environment at the segment's end, for the next segment's first step.
      for (int j = 0; j < nn; ++j) {
        const std::size_t off = static_cast<std::size_t>(j) * tp.n + b0;
        double* __restrict sp = tp.sun_heat_t.data() + off;
        double* __restrict ep = tp.earth_heat_t.data() + off;
        const double* __restrict qsn = qs[j];
        const double* __restrict qen = qe[j];
#pragma omp simd
        for (std::size_t k = 0; k < len; ++k) {
          sp[k] = qsn[k];
          ep[k] = qen[k];
        }
      }
    }
  }
}

}  // namespace

void thermal_power(Fleet& f, std::size_t b0, std::size_t b1, const Instant& in, const BlockKinematics& kin) {
  if (b1 - b0 == kBlock) thermal_power_block<kBlock>(f, b0, b1, in, kin);
  else thermal_power_block<0>(f, b0, b1, in, kin);
}

}  // namespace orbitwin::kernels
