// Earth's shadow: conical umbra and penumbra.
#pragma once

#include <cmath>

#include "orbitwin/constants.hpp"
#include "orbitwin/fastmath.hpp"

namespace orbitwin {

// Cheap classification of a satellite at r [m] for a Sun at s [m] (both
// geocentric, same frame): returns 1 for surely fully lit, 0 for surely in
// the umbra, and -1 when the exact penumbra fraction must be computed.
// Uses the apparent radii of the Sun (a) and Earth (b) and their angular
// separation c as seen from the satellite, compared through cosines so that
// no inverse trigonometric function is evaluated.
// Scalars rather than arrays keep the caller's loop vectorisable.
inline double shadow_classify(double rx, double ry, double rz, double sx, double sy, double sz) {
  const double dx = sx - rx, dy = sy - ry, dz = sz - rz;
  const double d2 = dx * dx + dy * dy + dz * dz;
  const double r2 = rx * rx + ry * ry + rz * rz;
  // cos(c) = (-r . (s - r)) / (|r| |s - r|)
  const double cos_c = -(rx * dx + ry * dy + rz * dz) / std::sqrt(r2 * d2);
  const double sin_a = kSunRadius / std::sqrt(d2);
  const double sin_b = kEarthRadiusEq / std::sqrt(r2);
  const double cos_a = std::sqrt(1.0 - sin_a * sin_a);
  const double cos_b = std::sqrt(1.0 - sin_b * sin_b);
  // c >= a + b  <=>  cos c <= cos(a + b): fully lit.
  const double cos_apb = cos_a * cos_b - sin_a * sin_b;
  // c <= b - a  <=>  cos c >= cos(b - a): umbra (the LEO case b > a).
  const double cos_bma = cos_b * cos_a + sin_b * sin_a;
  return cos_c <= cos_apb ? 1.0 : (cos_c >= cos_bma ? 0.0 : -1.0);
}

// Fraction of the solar disc visible [0..1] from a satellite at r [m] with
// the Sun at s [m]: a spherical Earth (equatorial radius) occulting the
// solar disc, overlap of two discs (Montenbruck & Gill, Satellite Orbits,
// 3.4.2). Validated against the closed-form eclipse duration of circular
// orbits as a function of beta angle.
inline double illuminated_fraction(const double r[3], const double s[3]) {
  const double dx = s[0] - r[0], dy = s[1] - r[1], dz = s[2] - r[2];
  const double d = std::sqrt(dx * dx + dy * dy + dz * dz);
  const double rn = std::sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
  const double a = std::asin(kSunRadius / d);
  const double b = std::asin(kEarthRadiusEq / rn);
  const double c = std::acos(std::fmin(1.0, std::fmax(-1.0, -(r[0] * dx + r[1] * dy + r[2] * dz) / (rn * d))));
  if (c >= a + b) return 1.0;
  if (c <= b - a) return 0.0;             // umbra
  if (c <= a - b) return 1.0 - (b * b) / (a * a);  // annular (not reached in LEO)
  const double x = (c * c + a * a - b * b) / (2.0 * c);
  const double y = std::sqrt(std::fmax(0.0, a * a - x * x));
  const double area = a * a * std::acos(std::fmin(1.0, x / a)) +
                      b * b * std::acos(std::fmin(1.0, (c - x) / b)) - c * y;
  const double f = 1.0 - area / (kPi * a * a);
  return f < 0.0 ? 0.0 : (f > 1.0 ? 1.0 : f);
}

}  // namespace orbitwin
