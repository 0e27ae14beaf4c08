// Unit tests of the core alone (no Python): build with -DORBITWIN_CORE_TESTS=ON
// -DORBITWIN_PYTHON=OFF and run `ctest`.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "orbitwin/constants.hpp"
#include "orbitwin/fastmath.hpp"
#include "orbitwin/orbit.hpp"
#include "orbitwin/radiation.hpp"
#include "orbitwin/twin.hpp"

namespace {

int failures = 0;

void check(bool ok, const char* what, double value) {
  if (!ok) {
    std::printf("FAIL %s (%.17g)\n", what, value);
    ++failures;
  }
}

void test_fastmath() {
  double worst_s = 0, worst_a = 0;
  for (int k = -200000; k <= 200000; ++k) {
    const double x = k * 0.0123456789;
    double s, c;
    orbitwin::fastmath::sincos(x, s, c);
    worst_s = std::fmax(worst_s, std::fmax(std::fabs(s - std::sin(x)), std::fabs(c - std::cos(x))));
    const double y = std::sin(k * 0.37) * (1 + k % 7), xx = std::cos(k * 0.11) * (1 + k % 5);
    worst_a = std::fmax(worst_a, std::fabs(orbitwin::fastmath::atan2(y, xx) - std::atan2(y, xx)));
  }
  check(worst_s < 5e-16, "sincos error vs libm", worst_s);
  check(worst_a < 5e-16, "atan2 error vs libm", worst_a);
  // asin: relative error over [-1, 1], dense near 0.5 (the branch) and 1.
  double worst_as = 0;
  for (int k = -400000; k <= 400000; ++k) {
    for (const double x : {k * 2.5e-6, 0.5 + k * 1e-9, 1.0 - std::ldexp(1.0, -(std::abs(k) % 53))}) {
      const double ref = std::asin(x);
      const double got = orbitwin::fastmath::asin(x);
      worst_as = std::fmax(worst_as, ref == 0.0 ? std::fabs(got) : std::fabs((got - ref) / ref));
    }
  }
  check(worst_as < 5e-16, "asin relative error vs libm", worst_as);
  check(orbitwin::fastmath::asin(1.5) == std::asin(1.0) && std::signbit(orbitwin::fastmath::asin(-0.0)),
        "asin clamps and keeps -0", orbitwin::fastmath::asin(1.5));
}

void test_kepler() {
  double worst = 0;
  for (int ie = 0; ie < 1000; ++ie) {
    const double e = ie * 0.000999;
    for (int im = -50; im <= 50; ++im) {
      const double m = im * 0.0628;
      const double E = orbitwin::solve_kepler(m, e);
      worst = std::fmax(worst, std::fabs(E - e * std::sin(E) - orbitwin::fastmath::wrap_pi(m)));
    }
  }
  check(worst < 1e-14, "Kepler residual", worst);
}

std::vector<double> run(int threads, std::vector<int64_t> stops) {
  orbitwin::Twin twin({2460443.5, 0.0}, 10 * orbitwin::kNsPerSecond);
  twin.set_threads(threads);
  const std::size_t n = 1000;
  auto& f = twin.add_fleet("walker", n, orbitwin::OrbitSource::kMeanElements);
  std::vector<double> a(n, 6928137.0), e(n, 0.001), inc(n, 53 * orbitwin::kDegToRad), raan(n), w(n), m(n);
  for (std::size_t i = 0; i < n; ++i) {
    raan[i] = (i % 20) * 0.314;
    m[i] = i * 0.1;
  }
  f.set_mean_elements(a.data(), e.data(), inc.data(), raan.data(), w.data(), m.data());
  for (int64_t s : stops) twin.advance(s);
  std::vector<double> out(f.position_m.data(), f.position_m.data() + 3 * n);
  out.insert(out.end(), f.illumination.data(), f.illumination.data() + n);
  out.insert(out.end(), f.body_axes.data(), f.body_axes.data() + 9 * n);
  return out;
}

void test_determinism() {
  const int64_t s = orbitwin::kNsPerSecond;
  const auto one = run(1, {5400 * s});
  const auto two = run(2, {1000 * s, 2000 * s, 5400 * s});
  check(std::memcmp(one.data(), two.data(), one.size() * sizeof(double)) == 0,
        "1 thread, one advance == 2 threads, three advances", 0);
}

// The radiation model's exp2 (fluxes from log tables, Poisson probabilities)
// against libm over its whole range, densely over one period of the reduction.
void test_radiation_exp2() {
  double worst = 0, worst10 = 0;
  for (int k = -2000000; k <= 2000000; ++k) {
    for (const double x : {k * 4.99999e-4, k * 1.3e-7}) {
      const double ref = std::exp2(x);
      worst = std::fmax(worst, std::fabs(orbitwin::radiation::exp2(x) - ref) / ref);
    }
    const double v = k * 1.49999e-5;  // log10 of fluxes, -30 to 30
    const double ref10 = std::pow(10.0, v);
    worst10 = std::fmax(worst10, std::fabs(orbitwin::radiation::exp10(v) - ref10) / ref10);
  }
  check(worst < 1e-15, "radiation exp2 error vs libm", worst);
  check(worst10 < 2e-14, "radiation exp10 error vs libm", worst10);
}

}  // namespace

int main() {
  int passed = 0, failed = 0;
  for (void (*test)() : {test_fastmath, test_kepler, test_determinism, test_radiation_exp2}) {
    const int before = failures;
    test();
    (failures == before ? passed : failed) += 1;
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
