// Per-block model kernels: each processes satellites [b0, b1) of one fleet
// at one instant. Loops are written to vectorise across satellites.
#pragma once

#include <cstddef>

#if defined(__AVX__)
#include <immintrin.h>
#endif

#include "orbitwin/fleet.hpp"
#include "orbitwin/ground.hpp"

namespace orbitwin::kernels {

inline constexpr std::size_t kBlock = 64;  //!< satellites per work item (fixed: determinism)

// What every kernel needs to know about the instant being evaluated.
struct Instant {
  double t_s;             //!< [s] since epoch
  double dt_s;            //!< [s] length of the step ending now (0 when starting)
  double sin_gmst, cos_gmst;  //!< Earth rotation angle
  double sun_m[3];        //!< [m] geocentric Sun position, inertial
  double sun_dir[3];      //!< [-] unit vector to the Sun
  double sun_distance_m;  //!< [m] Earth-Sun distance
  long ephemeris_index;   //!< sample index for ephemeris fleets
  double dt_limit_s;      //!< [s] step used for rate limits (the nominal step when dt_s is 0)
  double solar_flux_w_m2; //!< [W/m^2] solar constant scaled by (1 AU / r)^2
  double years;           //!< [yr] since epoch (Julian years)
  // Position in a segment of Twin::evaluate()'s span (the span's steps up to
  // and including each recorded frame), whose steps run back to back for a
  // block on one thread: kernels may keep a block's state in their scratch
  // from one step to the next and write what only the caller (or the frame)
  // reads at the segment's end.
  bool segment_first = true;  //!< first step of the segment
  bool segment_last = true;   //!< last step of the segment
};

// Runs of consecutive satellites of a block that share an angle at epoch and
// its rate, bit for bit (a Walker plane's node; the perigee of circular
// orbits): satellites [start[j], start[j + 1]) for j < count.
struct SharedRuns {
  static constexpr int kMax = 8;  //!< more runs than this: count 0 (a value per satellite)
  int count = -1;                 //!< -1: not looked at yet
  unsigned char start[kMax + 1];
};

// A block's positions [m] and velocities [m/s] at one instant as x, y and z
// rows (satellite b0 + k in column k), and its body axes: the orbit and
// attitude kernels write them here at every step, and the kernels after them
// in the step read them; the fleet's interleaved (n, 3) and (n, 3, 3) rows,
// which nothing reads during a segment, are written at the segment's last
// step only. The caller keeps one per block it runs, made anew for each
// evaluation (no parameter changes during one): the kernels note there what
// they find in the block's parameters at its first step, -1 until then.
struct BlockKinematics {
  alignas(32) double r[3][kBlock];
  alignas(32) double v[3][kBlock];
  alignas(32) double att[9][kBlock];   //!< [-] body X, Y, Z in ECI, one row per element (as body_axes)
  alignas(32) double h_norm[kBlock];   //!< [m^2/s] |r x v|: sun_geometry writes it for attitude
  alignas(32) double ecef[2][kBlock];  //!< [m] Earth-fixed x, y (z is r[2]): geodetic writes them for radiation and ground
  int circular = -1;        //!< 1: every orbit of the block has e = 0 (for a fast Kepler solve)
  SharedRuns node;          //!< the node at epoch and its rate
  SharedRuns perigee;       //!< the perigee at epoch and its rate
  int attitude_nadir = -1;  //!< 1: no satellite of the block points at the Sun, is held or tumbles
};

// Writes the (len, 3) rows of out from the rows x, y and z: with AVX four
// satellites at a time (three loads, six shuffles, three stores).
inline void interleave3(const double* __restrict x, const double* __restrict y, const double* __restrict z,
                        double* __restrict out, std::size_t len) {
  std::size_t k = 0;
#if defined(__AVX__)
  // To a multiple of 4 known up front: GCC then sees that the loop below
  // does not run for a constant len = kBlock (and warns otherwise).
  const std::size_t len4 = len & ~std::size_t{3};
  for (; k < len4; k += 4) {
    const __m256d vx = _mm256_loadu_pd(x + k), vy = _mm256_loadu_pd(y + k), vz = _mm256_loadu_pd(z + k);
    const __m256d t0 = _mm256_shuffle_pd(vx, vy, 0x0);  // x0 y0 x2 y2
    const __m256d t1 = _mm256_shuffle_pd(vz, vx, 0xA);  // z0 x1 z2 x3
    const __m256d t2 = _mm256_shuffle_pd(vy, vz, 0xF);  // y1 z1 y3 z3
    double* o = out + 3 * k;
    _mm256_storeu_pd(o, _mm256_permute2f128_pd(t0, t1, 0x20));      // x0 y0 z0 x1
    _mm256_storeu_pd(o + 4, _mm256_blend_pd(t2, t0, 0xC));          // y1 z1 x2 y2
    _mm256_storeu_pd(o + 8, _mm256_permute2f128_pd(t1, t2, 0x31));  // z2 x3 y3 z3
  }
#endif
  for (; k < len; ++k) {
    out[3 * k + 0] = x[k];
    out[3 * k + 1] = y[k];
    out[3 * k + 2] = z[k];
  }
}

// Newton iterations that make the vectorised Kepler solve exact to 1e-16
// rad for every eccentricity up to e_max; 0 means use the robust solver.
int kepler_iterations_for(double e_max);

// The orbit kernels write the block's rows into kin at every step, the
// fleet's (n, 3) position and velocity rows at the segment's last step only;
// the kernels after them read the rows an orbit kernel wrote for the same
// block and instant.
void orbit_mean_elements(Fleet& f, std::size_t b0, std::size_t b1, const Instant& in, int kepler_iterations,
                         BlockKinematics& kin);
void orbit_ephemeris(Fleet& f, std::size_t b0, std::size_t b1, const Instant& in, BlockKinematics& kin);
void geodetic(Fleet& f, std::size_t b0, std::size_t b1, const Instant& in, BlockKinematics& kin);
// Writes the beta angles at the segment's last step only (nothing in the
// step reads them), the illumination at every step.
void sun_geometry(Fleet& f, std::size_t b0, std::size_t b1, const Instant& in, BlockKinematics& kin);
// Needs sun_geometry() for the same block and instant first (kin.h_norm).
// Writes the axes into kin.att at every step, the fleet's body_axes at the
// segment's last step only.
void attitude(Fleet& f, std::size_t b0, std::size_t b1, const Instant& in, BlockKinematics& kin);
// Needs geodetic() for the same block and instant first (kin.ecef). Writes
// the elevations and visibilities at the segment's last step only (nothing in
// the step reads them), the best station at every step.
void ground_contacts(Fleet& f, std::size_t b0, std::size_t b1, const Instant& in,
                     const GroundStations& stations, const BlockKinematics& kin);
// Environment fluxes, power system and thermal network over the step that
// ends now (thermal_power_kernel.cpp); needs attitude() first (reads the
// block's rows in kin).
void thermal_power(Fleet& f, std::size_t b0, std::size_t b1, const Instant& in, const BlockKinematics& kin);

}  // namespace orbitwin::kernels
