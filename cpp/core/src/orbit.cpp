#include "orbitwin/orbit.hpp"

#include <cmath>

#include "orbitwin/constants.hpp"
#include "orbitwin/fastmath.hpp"

namespace orbitwin {

SecularRates j2_secular_rates(const MeanElements& el) {
  const double a = el.semi_major_axis_m;
  const double e = el.eccentricity;
  const double n0 = std::sqrt(kMuEarth / (a * a * a));
  const double p = a * (1.0 - e * e);
  const double k = kEarthJ2 * (kEarthRadiusEq / p) * (kEarthRadiusEq / p);
  const double ci = std::cos(el.inclination_rad);
  const double eta = std::sqrt(1.0 - e * e);
  SecularRates r{};
  r.raan_rate_rad_s = -1.5 * n0 * k * ci;
  r.arg_perigee_rate_rad_s = 0.75 * n0 * k * (5.0 * ci * ci - 1.0);
  r.mean_motion_rad_s = n0 * (1.0 + 0.75 * k * eta * (3.0 * ci * ci - 1.0));
  return r;
}

double solve_kepler(double mean_anomaly_rad, double e) {
  const double m = fastmath::wrap_pi(mean_anomaly_rad);
  if (e == 0.0) return m;
  // f(E) = E - e sin E - M is increasing on [-pi, pi] and brackets the root.
  double lo = -kPi, hi = kPi;
  double E = m + 0.85 * e * (std::sin(m) >= 0.0 ? 1.0 : -1.0);  // Danby's starter
  if (E > hi) E = hi;
  if (E < lo) E = lo;
  for (int it = 0; it < 200; ++it) {
    const double f = E - e * std::sin(E) - m;
    if (f == 0.0) break;
    if (f > 0.0) hi = E; else lo = E;
    const double fp = 1.0 - e * std::cos(E);
    double next = E - f / fp;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);  // bisection safeguard
    if (std::fabs(next - E) <= 4.0 * 2.220446049250313e-16 * kPi) {
      E = next;
      break;
    }
    E = next;
  }
  return E;
}

}  // namespace orbitwin
