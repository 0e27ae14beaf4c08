#include "orbitwin/ground.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>

#include "orbitwin/constants.hpp"

namespace orbitwin {

namespace {

[[noreturn]] void bad_station(std::size_t k, const char* field, double value, const char* allowed) {
  std::ostringstream os;
  os << "ground station " << k << ": " << field << " is " << value << "; allowed: " << allowed;
  throw std::invalid_argument(os.str());
}

}  // namespace

void GroundStations::set(const double* lat, const double* lon, const double* alt,
                         const double* min_el, std::size_t n) {
  constexpr double a = kEarthRadiusEq;
  constexpr double e2 = kEarthFlattening * (2.0 - kEarthFlattening);
  for (std::size_t k = 0; k < n; ++k) {
    if (!(std::fabs(lat[k]) <= 0.5 * kPi)) bad_station(k, "latitude [deg]", lat[k] / kDegToRad, "-90 to 90");
    if (!(std::fabs(lon[k]) <= kTwoPi)) bad_station(k, "longitude [deg]", lon[k] / kDegToRad, "-360 to 360");
    if (!(alt[k] > -500.0 && alt[k] < 9000.0)) bad_station(k, "altitude [m]", alt[k], "-500 to 9000 m");
    if (!(min_el[k] >= -0.1 * kPi && min_el[k] < 0.5 * kPi))
      bad_station(k, "elevation mask [deg]", min_el[k] / kDegToRad, "-18 to 90 deg");
  }
  count = n;
  ecef_m.assign(3 * n, 0.0);
  up.assign(3 * n, 0.0);
  sin_min_elevation.assign(n, 0.0);
  for (std::size_t k = 0; k < n; ++k) {
    const double sl = std::sin(lat[k]), cl = std::cos(lat[k]);
    const double so = std::sin(lon[k]), co = std::cos(lon[k]);
    const double N = a / std::sqrt(1.0 - e2 * sl * sl);
    ecef_m[3 * k + 0] = (N + alt[k]) * cl * co;
    ecef_m[3 * k + 1] = (N + alt[k]) * cl * so;
    ecef_m[3 * k + 2] = (N * (1.0 - e2) + alt[k]) * sl;
    up[3 * k + 0] = cl * co;
    up[3 * k + 1] = cl * so;
    up[3 * k + 2] = sl;
    sin_min_elevation[k] = std::sin(min_el[k]);
  }
  sin_mask_nominal = sin_min_elevation;
}

void GroundStations::set_enabled(std::size_t k, bool enabled) {
  if (k >= count)
    throw std::invalid_argument("ground station " + std::to_string(k) + " does not exist; allowed: 0 to " +
                                std::to_string(count == 0 ? 0 : count - 1));
  sin_min_elevation[k] = enabled ? sin_mask_nominal[k] : 2.0;
}

}  // namespace orbitwin
