// Physical and numerical constants used across the core. SI units throughout.
#pragma once

#include <cstdint>

namespace orbitwin {

inline constexpr double kPi = 3.141592653589793238462643383279502884;
inline constexpr double kTwoPi = 2.0 * kPi;
inline constexpr double kDegToRad = kPi / 180.0;

// Earth, WGS-84.
inline constexpr double kMuEarth = 3.986004418e14;                  //!< [m^3/s^2]
inline constexpr double kEarthRadiusEq = 6378137.0;                 //!< [m] equatorial
inline constexpr double kEarthFlattening = 1.0 / 298.257223563;     //!< [-]
inline constexpr double kEarthJ2 = 1.08262668e-3;                   //!< [-]
inline constexpr double kEarthRotationRate = 7.292115146706979e-5;  //!< [rad/s]

// Sun.
inline constexpr double kSunRadius = 6.957e8;       //!< [m] IAU 2015 nominal
inline constexpr double kAstronomicalUnit = 1.495978707e11;  //!< [m]

// Time.
inline constexpr int64_t kNsPerSecond = 1'000'000'000;
inline constexpr double kSecondsPerDay = 86400.0;
inline constexpr double kJulianDateJ2000 = 2451545.0;  //!< [day] 2000-01-01T12:00 TT

}  // namespace orbitwin
