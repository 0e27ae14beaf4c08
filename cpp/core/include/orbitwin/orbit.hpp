// Orbits: Kepler's equation, J2 secular rates, element sets and their
// propagation to inertial position and velocity.
#pragma once

#include <cstddef>

namespace orbitwin {

// Classical mean elements at the scenario epoch.
struct MeanElements {
  double semi_major_axis_m;  //!< [m]
  double eccentricity;       //!< [-] 0 <= e < 1
  double inclination_rad;    //!< [rad] 0..pi
  double raan_rad;           //!< [rad] right ascension of the ascending node
  double arg_perigee_rad;    //!< [rad]
  double mean_anomaly_rad;   //!< [rad]
};

// Secular rates of the node, perigee and mean anomaly under J2
// (Vallado, Fundamentals of Astrodynamics, eq. 9-41): the mean motion
// includes the J2 correction. Validated against the closed-form nodal
// precession and the sun-synchronous inclination.
struct SecularRates {
  double mean_motion_rad_s;   //!< [rad/s] dM/dt
  double raan_rate_rad_s;     //!< [rad/s] dRAAN/dt
  double arg_perigee_rate_rad_s;  //!< [rad/s] d(omega)/dt
};
SecularRates j2_secular_rates(const MeanElements& el);

// Eccentric anomaly E [rad] solving M = E - e sin E for any 0 <= e < 1:
// Newton from Danby's starter with a bisection safeguard, to |residual| <
// 4 ulp of pi. Residuals are tested across e in [0, 0.999].
double solve_kepler(double mean_anomaly_rad, double eccentricity);

// Fixed-iteration Newton solve from E0 = M + e sin M that vectorises;
// accurate to 1e-15 rad for e <= kKeplerFastMaxEcc (tested).
inline constexpr double kKeplerFastMaxEcc = 0.1;
inline constexpr int kKeplerFastIterations = 4;

}  // namespace orbitwin
