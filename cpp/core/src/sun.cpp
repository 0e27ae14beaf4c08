#include "orbitwin/sun.hpp"

#include <cmath>

#include "orbitwin/constants.hpp"

namespace orbitwin {

SunEphemeris sun_ephemeris(const JulianDate& jd) {
  // Astronomical Almanac, section C (low-precision formulae for the Sun).
  const double n = jd.days_since_j2000();
  const double mean_longitude_deg = std::fmod(280.460 + 0.9856474 * n, 360.0);
  const double mean_anomaly = std::fmod(357.528 + 0.9856003 * n, 360.0) * kDegToRad;
  const double lambda =
      (mean_longitude_deg + 1.915 * std::sin(mean_anomaly) + 0.020 * std::sin(2.0 * mean_anomaly)) *
      kDegToRad;
  const double epsilon = (23.439 - 0.0000004 * n) * kDegToRad;
  const double r_au =
      1.00014 - 0.01671 * std::cos(mean_anomaly) - 0.00014 * std::cos(2.0 * mean_anomaly);

  SunEphemeris out{};
  out.direction[0] = std::cos(lambda);
  out.direction[1] = std::cos(epsilon) * std::sin(lambda);
  out.direction[2] = std::sin(epsilon) * std::sin(lambda);
  out.distance_m = r_au * kAstronomicalUnit;
  double lam = std::fmod(lambda, kTwoPi);
  if (lam < 0.0) lam += kTwoPi;
  out.ecliptic_longitude = lam;
  out.obliquity = epsilon;
  return out;
}

}  // namespace orbitwin
