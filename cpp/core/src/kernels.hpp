// Per-block model kernels: each processes satellites [b0, b1) of one fleet
// at one instant. Loops are written to vectorise across satellites.
#pragma once

#include <cstddef>

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
// rows (satellite b0 + k in column k): the orbit kernel writes them with the
// fleet's (n, 3) rows, and the kernels after it in the step read them instead
// of transposing those rows again. The caller keeps one per block it runs,
// made anew for each evaluation (no parameter changes during one): the
// kernels note there what they find in the block's parameters at its first
// step, -1 until then.
struct BlockKinematics {
  alignas(32) double r[3][kBlock];
  alignas(32) double v[3][kBlock];
  alignas(32) double h_norm[kBlock];   //!< [m^2/s] |r x v|: sun_geometry writes it for attitude
  alignas(32) double ecef[2][kBlock];  //!< [m] Earth-fixed x, y (z is r[2]): geodetic writes them for ground
  int circular = -1;        //!< 1: every orbit of the block has e = 0 (for a fast Kepler solve)
  SharedRuns node;          //!< the node at epoch and its rate
  SharedRuns perigee;       //!< the perigee at epoch and its rate
  int attitude_nadir = -1;  //!< 1: no satellite of the block points at the Sun, is held or tumbles
};

// Newton iterations that make the vectorised Kepler solve exact to 1e-16
// rad for every eccentricity up to e_max; 0 means use the robust solver.
int kepler_iterations_for(double e_max);

// The orbit kernels write the block's rows into kin; the kernels after them
// read the rows an orbit kernel wrote for the same block and instant.
void orbit_mean_elements(Fleet& f, std::size_t b0, std::size_t b1, const Instant& in, int kepler_iterations,
                         BlockKinematics& kin);
void orbit_ephemeris(Fleet& f, std::size_t b0, std::size_t b1, const Instant& in, BlockKinematics& kin);
void geodetic(Fleet& f, std::size_t b0, std::size_t b1, const Instant& in, BlockKinematics& kin);
// Writes the beta angles at the segment's last step only (nothing in the
// step reads them), the illumination at every step.
void sun_geometry(Fleet& f, std::size_t b0, std::size_t b1, const Instant& in, BlockKinematics& kin);
// Needs sun_geometry() for the same block and instant first (kin.h_norm).
void attitude(Fleet& f, std::size_t b0, std::size_t b1, const Instant& in, BlockKinematics& kin);
// Needs geodetic() for the same block and instant first (kin.ecef). Writes
// the elevations and visibilities at the segment's last step only (nothing in
// the step reads them), the best station at every step.
void ground_contacts(Fleet& f, std::size_t b0, std::size_t b1, const Instant& in,
                     const GroundStations& stations, const BlockKinematics& kin);
// Environment fluxes, power system and thermal network over the step that
// ends now (thermal_power_kernel.cpp); needs attitude() first.
void thermal_power(Fleet& f, std::size_t b0, std::size_t b1, const Instant& in);

}  // namespace orbitwin::kernels
