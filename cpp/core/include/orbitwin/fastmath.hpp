// Branch-free elementary functions that GCC and Clang vectorise across
// satellites (no libm calls inside the hot loops, no errno, no tables).
//
// Validated against the C library to a few ulp over the ranges the models use
// (cpp/core/tests/test_core.cpp and tests/test_fastmath.py): sincos for
// |x| <= 1e6 rad, atan2 over the whole plane, asin over [-1, 1].
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace orbitwin::fastmath {

namespace detail {

inline std::uint64_t bits_of(double x) {
  std::uint64_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}

inline double from_bits(std::uint64_t u) {
  double x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}

}  // namespace detail

// sin and cos of x [rad]: Cody-Waite reduction by pi/2 in three parts (exact
// for |x| < ~1e6), then the fdlibm minimax kernels on [-pi/4, pi/4].
inline void sincos(double x, double& s, double& c) {
  constexpr double kTwoOverPi = 6.36619772367581382433e-01;
  constexpr double kPio2_1 = 1.57079632673412561417e+00;
  constexpr double kPio2_2 = 6.07710050630396597660e-11;
  constexpr double kPio2_3 = 2.02226624871116645580e-21;
  const double q = std::nearbyint(x * kTwoOverPi);
  const double r = ((x - q * kPio2_1) - q * kPio2_2) - q * kPio2_3;
  const double z = r * r;
  const double ps =
      -1.66666666666666324348e-01 +
      z * (8.33333333332248946124e-03 +
           z * (-1.98412698298579493134e-04 +
                z * (2.75573137070700676789e-06 +
                     z * (-2.50507602534068634195e-08 + z * 1.58969099521155010221e-10))));
  const double pc =
      4.16666666666666019037e-02 +
      z * (-1.38888888888741095749e-03 +
           z * (2.48015872894767294178e-05 +
                z * (-2.75573143513906633035e-07 +
                     z * (2.08757232129817482790e-09 + z * -1.13596475577881948265e-11))));
  const double sr = r + r * z * ps;
  const double cr = 1.0 - 0.5 * z + z * z * pc;
  // Quadrant q mod 4 from the low bits of q + 1.5 2^52 (exact for |q| <
  // 2^51), 64-bit integer operations that vectorise: bit 0 swaps sin and
  // cos, bit 1 negates sin, bit 1 of q + 1 negates cos (as a sign-bit flip).
  const std::uint64_t qb = detail::bits_of(q + 6755399441055744.0);
  const bool swap = (qb & 1u) != 0;
  const double s0 = swap ? cr : sr;
  const double c0 = swap ? sr : cr;
  s = detail::from_bits(detail::bits_of(s0) ^ ((qb & 2u) << 62));
  s = x == 0.0 ? x : s;  // sin(-0.0) = -0.0, as the C library gives
  c = detail::from_bits(detail::bits_of(c0) ^ (((qb + 1u) & 2u) << 62));
}

namespace detail {

// y0 + atan(xr) for a reduced argument |xr| <= 0.66: the Cephes rational
// approximation, with extra the low part of y0.
inline double atan_reduced(double xr, double y0, double extra) {
  const double z = xr * xr;
  const double p =
      ((((-8.750608600031904122785e-01 * z - 1.615753718733365076637e+01) * z -
         7.500855792314704667340e+01) *
            z -
        1.228866684490136173410e+02) *
           z -
       6.485021904942025371773e+01);
  const double qd =
      (((((z + 2.485846490142306297962e+01) * z + 1.650270098316988542046e+02) * z +
         4.328810604912902668951e+02) *
            z +
        4.853903996359136964868e+02) *
           z +
       1.945506571482613964425e+02);
  return y0 + (xr + xr * z * p / qd + extra);
}

inline constexpr double kAtanMoreBits = 6.123233995736765886130e-17;
inline constexpr double kAtanPio4 = 0.78539816339744830962;

// atan(t) for t in [0, 1] (or NaN), bit for bit atan(t) below: the
// reduction by tan(3 pi / 8) never applies there and the sign is +.
inline double atan_unit(double t) {
  const bool mid = t > 0.66;
  const double xr = mid ? (t - 1.0) / (t + 1.0) : t;
  return atan_reduced(xr, mid ? kAtanPio4 : 0.0, mid ? 0.5 * kAtanMoreBits : 0.0);
}

}  // namespace detail

// atan(x) for any finite x [rad]: Cephes argument reduction and rational
// approximation (relative error ~1e-16).
inline double atan(double x) {
  constexpr double kPio2 = 1.57079632679489661923;
  const double ax = std::fabs(x);
  const bool big = ax > 2.41421356237309504880;   // tan(3 pi / 8)
  const bool mid = ax > 0.66;  // only used where !big
  const double xr = big ? (-1.0 / ax) : (mid ? (ax - 1.0) / (ax + 1.0) : ax);
  const double y0 = big ? kPio2 : (mid ? detail::kAtanPio4 : 0.0);
  const double extra = big ? detail::kAtanMoreBits : (mid ? 0.5 * detail::kAtanMoreBits : 0.0);
  const double r = detail::atan_reduced(xr, y0, extra);
  return x < 0.0 ? -r : r;
}

// atan2(y, x) [rad] in [-pi, pi], with the C library's quadrant rules for
// finite arguments, signed zeros included (atan2(0, 0) = 0).
inline double atan2(double y, double x) {
  constexpr double kPi = 3.141592653589793238462643383279502884;
  const double ax = std::fabs(x);
  const double ay = std::fabs(y);
  // Ratio in [0, 1] keeps the rational approximation in its best range.
  const bool y_larger = ay > ax;
  const double num = y_larger ? ax : ay;
  const double den = y_larger ? ay : ax;
  const double ratio = num / den;  // NaN for (0, 0) and for NaN arguments
  const double t = den == 0.0 ? 0.0 : ratio;  // NaN arguments stay NaN
  double a = detail::atan_unit(t);  // t in [0, 1]
  a = y_larger ? (0.5 * kPi - a) : a;
  // x < 0, and x = -0.0 as in the C library: the sign bit of x, tested as
  // copysign(1, x) < 0 (bit operations; no division, no signbit and no
  // mixing of boolean masks, which GCC does not vectorise).
  a = (std::copysign(1.0, x) < 0.0) ? (kPi - a) : a;
  return std::copysign(a, y);
}

// acos(x) [rad] for x in [-1, 1] (clamped).
inline double acos(double x) {
  const double xc = x > 1.0 ? 1.0 : (x < -1.0 ? -1.0 : x);
  return atan2(std::sqrt((1.0 - xc) * (1.0 + xc)), xc);
}

// asin(x) [rad] for x in [-1, 1] (clamped), within 2.5 ulp of the exact
// value (relative error < 5e-16): the fdlibm rational approximation
// asin(v) = v + v R(v^2) on |v| <= 0.5, with asin|x| = pi/2 - 2 asin(v),
// v = sqrt((1 - |x|) / 2) (1 - |x| is exact there) above 0.5. One square
// root and one division, both IEEE; signed zeros and NaN as the C library.
inline double asin(double x) {
  constexpr double kPio2Hi = 1.57079632679489655800e+00;
  constexpr double kPio2Lo = 6.12323399573676603587e-17;
  const double ax = std::fabs(x) > 1.0 ? 1.0 : std::fabs(x);  // |x| clamped (NaN stays NaN)
  const bool big = ax > 0.5;
  const double z = big ? 0.5 * (1.0 - ax) : ax * ax;  // v^2, in [0, 0.25]
  const double p =
      z * (1.66666666666666657415e-01 +
           z * (-3.25565818622400915405e-01 +
                z * (2.01212532134862925881e-01 +
                     z * (-4.00555345006794114027e-02 +
                          z * (7.91534994289814532176e-04 + z * 3.47933107596021167570e-05)))));
  const double q =
      1.0 + z * (-2.40339491173441421878e+00 +
                 z * (2.02094576023350569471e+00 +
                      z * (-6.88283971605453293030e-01 + z * 7.70381505559019352791e-02)));
  const double v = big ? std::sqrt(z) : ax;
  const double w = v + v * (p / q);  // asin(v)
  const double a = big ? kPio2Hi - (2.0 * w - kPio2Lo) : w;
  return std::copysign(a, x);
}

// x reduced to [-pi, pi) [rad], exact to ~1e-16 * |x| (two-part 2 pi).
inline double wrap_pi(double x) {
  constexpr double kInvTwoPi = 0.15915494309189533577;
  constexpr double kTwoPiHi = 6.28318530717958623200e+00;
  constexpr double kTwoPiLo = 2.44929359829470635445e-16;
  const double k = std::nearbyint(x * kInvTwoPi);
  return (x - k * kTwoPiHi) - k * kTwoPiLo;
}

}  // namespace orbitwin::fastmath
