#include "orbitwin/time.hpp"

#include <cmath>

#include "orbitwin/constants.hpp"

namespace orbitwin {

JulianDate JulianDate::plus_ns(int64_t t_ns) const {
  // Whole days and the remainder are split in integers first: exact for any run length.
  const int64_t ns_per_day = static_cast<int64_t>(kSecondsPerDay) * kNsPerSecond;
  const int64_t days = t_ns / ns_per_day;
  const int64_t rem = t_ns - days * ns_per_day;
  return JulianDate{whole + static_cast<double>(days),
                    fraction + static_cast<double>(rem) / static_cast<double>(ns_per_day)};
}

double JulianDate::days_since_j2000() const { return (whole - kJulianDateJ2000) + fraction; }

double gmst_rad(const JulianDate& jd) {
  // Days since J2000 split into whole days and a fraction: the 876600 h * T
  // term is exactly one turn per day, so only the fraction of the day enters.
  const double d_whole_raw = jd.whole - kJulianDateJ2000;
  const double d_int = std::floor(d_whole_raw);
  const double day_fraction = (d_whole_raw - d_int) + jd.fraction;
  const double t = (d_whole_raw + jd.fraction) / 36525.0;  // Julian centuries UT1
  double seconds = 67310.54841 + kSecondsPerDay * day_fraction +
                   (8640184.812866 + (0.093104 - 6.2e-6 * t) * t) * t;
  seconds = std::fmod(seconds, kSecondsPerDay);
  if (seconds < 0.0) seconds += kSecondsPerDay;
  return seconds * (kTwoPi / kSecondsPerDay);
}

}  // namespace orbitwin
