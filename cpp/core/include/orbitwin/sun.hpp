// Analytic solar ephemeris.
#pragma once

#include "orbitwin/time.hpp"

namespace orbitwin {

struct SunEphemeris {
  double direction[3];         //!< [-] unit vector Earth -> Sun, equatorial of date (TEME)
  double distance_m;           //!< [m] Earth-Sun distance
  double ecliptic_longitude;   //!< [rad] apparent ecliptic longitude
  double obliquity;            //!< [rad] obliquity of the ecliptic
};

// Sun position from the Astronomical Almanac's low-precision formulae
// (stated accuracy 0.01 deg, 1950-2050). Validated in tests against the
// published instants of equinoxes and solstices 2000-2050 (apparent
// longitude 0, 90, 180, 270 deg) and Meeus' example 25.a.
SunEphemeris sun_ephemeris(const JulianDate& jd);

}  // namespace orbitwin
