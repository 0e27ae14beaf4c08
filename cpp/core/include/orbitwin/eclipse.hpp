// Earth's shadow: conical umbra and penumbra.
#pragma once

#include <cmath>

#include "orbitwin/constants.hpp"
#include "orbitwin/fastmath.hpp"
#include "orbitwin/inline.hpp"

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
// 3.4.2). Each disc's segment beyond the common chord is found from its
// half-angle as atan2(half chord, distance to the chord): acos(x / a) and
// acos((c - x) / b) of the textbook form take arguments near 1, where the
// rounding of the argument costs up to ~1e-9 in the fraction; this form is
// within ~1e-13 of an extended-precision evaluation. Every case is evaluated
// and one selected, with fastmath.hpp's inverse functions, so that a caller's
// loop over samples vectorises. NaN in, NaN out. Validated against ray
// casting of the two spheres, extended precision and the closed-form eclipse
// duration of circular orbits against beta angle (tests/test_sun_eclipse.py).
ORBITWIN_ALWAYS_INLINE inline double illuminated_fraction(double rx, double ry, double rz, double sx, double sy, double sz) {
  namespace fm = fastmath;
  const double dx = sx - rx, dy = sy - ry, dz = sz - rz;
  const double d = std::sqrt(dx * dx + dy * dy + dz * dz);
  const double rn = std::sqrt(rx * rx + ry * ry + rz * rz);
  const double a = fm::asin(kSunRadius / d);       // [rad] apparent radius of the Sun
  const double b = fm::asin(kEarthRadiusEq / rn);  // [rad] apparent radius of the Earth
  // [rad] their separation (fm::acos clamps its argument to [-1, 1])
  const double c = fm::acos(-(rx * dx + ry * dy + rz * dz) / (rn * d));
  const double a2 = a * a, b2 = b * b;
  // Partial overlap: the common chord at x [rad] from the Sun's centre and
  // c - x from the Earth's, half length y [rad].
  const double x = ((c - b) * (c + b) + a2) / (2.0 * c);
  const double y2 = (a - x) * (a + x);
  const double y = std::sqrt(y2 > 0.0 ? y2 : 0.0);
  const double area = a2 * fm::atan2(y, x) + b2 * fm::atan2(y, c - x) - c * y;  // [sr]
  const double f = 1.0 - area / (kPi * a2);
  const double partial = f < 0.0 ? 0.0 : (f > 1.0 ? 1.0 : f);
  const double annular = 1.0 - b2 / a2;  // the Earth inside the solar disc (not reached in LEO)
  return c >= a + b ? 1.0 : (c <= b - a ? 0.0 : (c <= a - b ? annular : partial));
}

inline double illuminated_fraction(const double r[3], const double s[3]) {
  return illuminated_fraction(r[0], r[1], r[2], s[0], s[1], s[2]);
}

}  // namespace orbitwin
