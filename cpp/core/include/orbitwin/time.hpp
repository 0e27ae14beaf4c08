// Time scales: Julian dates and Greenwich mean sidereal time.
#pragma once

#include <cstdint>

namespace orbitwin {

// A Julian date split in two parts for precision: jd = whole + fraction [day].
struct JulianDate {
  double whole = 0.0;     //!< [day] usually ends in .5 (0h UTC)
  double fraction = 0.0;  //!< [day]

  // The date `t_ns` nanoseconds after this one.
  JulianDate plus_ns(int64_t t_ns) const;
  // Days since J2000.0 (2000-01-01T12:00) [day].
  double days_since_j2000() const;
};

// Greenwich mean sidereal time [rad] in [0, 2 pi) for a UT1 Julian date:
// IAU 1982 (Aoki et al.), the same expression SGP4 uses to rotate TEME into
// the Earth-fixed frame. Validated against sgp4's gstime and Vallado's
// example 3-5 (1992-08-20 12:14 UT1 -> 152.578787810 deg).
double gmst_rad(const JulianDate& jd_ut1);

}  // namespace orbitwin
