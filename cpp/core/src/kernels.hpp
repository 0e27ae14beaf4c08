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
  // Position in Twin::evaluate()'s segment, whose steps run back to back for a
  // block on one thread: kernels may keep a block's state in their scratch
  // from one step to the next and write what only the caller reads at the end.
  bool segment_first = true;  //!< first step of the segment
  bool segment_last = true;   //!< last step of the segment
};

// Newton iterations that make the vectorised Kepler solve exact to 1e-16
// rad for every eccentricity up to e_max; 0 means use the robust solver.
int kepler_iterations_for(double e_max);

void orbit_mean_elements(Fleet& f, std::size_t b0, std::size_t b1, const Instant& in, int kepler_iterations);
void orbit_ephemeris(Fleet& f, std::size_t b0, std::size_t b1, const Instant& in);
void geodetic(Fleet& f, std::size_t b0, std::size_t b1, const Instant& in);
void sun_geometry(Fleet& f, std::size_t b0, std::size_t b1, const Instant& in);
void attitude(Fleet& f, std::size_t b0, std::size_t b1, const Instant& in);
void ground_contacts(Fleet& f, std::size_t b0, std::size_t b1, const Instant& in,
                     const GroundStations& stations);
// Environment fluxes, power system and thermal network over the step that
// ends now (thermal_power_kernel.cpp); needs attitude() first.
void thermal_power(Fleet& f, std::size_t b0, std::size_t b1, const Instant& in);

}  // namespace orbitwin::kernels
