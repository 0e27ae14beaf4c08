// Unit tests of the thermal network and power system in the core alone:
// the view factor's closed-form limits and two-sides identity, two-node
// conduction (RC time constant, energy conservation), single-node radiative
// cooling against its exact solution, the energy ledger and thread
// independence. Build with -DORBITWIN_CORE_TESTS=ON -DORBITWIN_PYTHON=OFF, run ctest.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "orbitwin/constants.hpp"
#include "orbitwin/thermal_power.hpp"
#include "orbitwin/twin.hpp"

namespace {

using namespace orbitwin;

int failures = 0;

void check(bool ok, const char* what, double value) {
  if (!ok) {
    std::printf("FAIL %s (%.17g)\n", what, value);
    ++failures;
  }
}

// One node (or two), no array output, lossless battery, bus load on node 0.
ThermalPowerDesign bare(std::vector<double> capacity, std::vector<double> t0) {
  ThermalPowerDesign d;
  d.node_capacity_j_k = std::move(capacity);
  d.node_initial_temperature_k = std::move(t0);
  d.battery_capacity_j = 3.6e8;
  d.battery_initial_soc = 1.0;
  d.battery_max_charge_w = d.battery_max_discharge_w = 1e5;
  return d;
}

Fleet& add(Twin& twin, std::size_t n, const ThermalPowerDesign& d) {
  Fleet& f = twin.add_fleet("f", n, OrbitSource::kMeanElements);
  std::vector<double> a(n, kEarthRadiusEq + 550e3), e(n, 0.0), inc(n, 53 * kDegToRad), raan(n), w(n), m(n);
  for (std::size_t i = 0; i < n; ++i) {
    raan[i] = (i % 17) * 0.37;
    m[i] = i * 0.29;
  }
  f.set_mean_elements(a.data(), e.data(), inc.data(), raan.data(), w.data(), m.data());
  f.attach_thermal_power(d);
  return f;
}

void test_view_factor() {
  double worst = 0.0;
  for (double h : {1.01, 1.086, 1.5, 4.0}) {
    check(std::fabs(plate_view_factor(1.0, h) - 1.0 / (h * h)) < 1e-15, "F facing the centre", h);
    check(plate_view_factor(-1.0, h) == 0.0, "F facing away", h);
    for (int k = -100; k <= 100; ++k) {
      const double c = k / 100.0;
      worst = std::fmax(worst, std::fabs(plate_view_factor(c, h) - plate_view_factor(-c, h) - c / (h * h)));
    }
  }
  check(worst < 1e-12, "F(c) - F(-c) = c / h^2", worst);
  // The edge-on form gives the general form's value bit for bit wherever
  // plate_edge_on allows it (1.0 hidden from the optimiser, as the kernel does).
  volatile double one_v = 1.0;
  const double one = one_v;
  int edge_cases = 0;
  for (double h : {1.0 + 1e-9, 1.01, 1.086, 1.5, 4.0, 1e3, 1e6}) {
    const double inv_h = 1.0 / h, inv_h2 = 1.0 / (h * h), h2 = h * h, x = std::sqrt(h * h - 1.0);
    const double a_x1 = detail::atan2_first(x, one);
    for (double m : {0.0, 1e-300, 1e-17, 3e-16, 1e-12, 1e-9, 3e-9, 1e-8, 1e-6}) {
      for (double c : {m, -m}) {
        if (!detail::plate_edge_on(c, h2, x)) continue;
        ++edge_cases;
        const double general = detail::plate_view_factor_pre(c, inv_h, inv_h2, h2, x);
        const double edge = detail::plate_view_factor_edge(c, a_x1, one, inv_h, inv_h2, x);
        check(std::memcmp(&general, &edge, sizeof general) == 0, "edge-on F bit for bit", c);
      }
    }
  }
  check(edge_cases > 50, "edge-on cases tried", edge_cases);
  check(!detail::plate_edge_on(std::nan(""), 1.2, 0.4), "NaN is not edge-on", 0.0);
}

void test_conduction() {
  ThermalPowerDesign d = bare({2000.0, 6000.0}, {320.0, 280.0});
  d.link_node_a = {0};
  d.link_node_b = {1};
  d.link_conductance_w_k = {5.0};
  Twin twin({2461119.5, 0.0}, 10 * kNsPerSecond);
  Fleet& f = add(twin, 3, d);
  twin.advance(600 * kNsPerSecond);
  const double* t = f.thermal_power->temperature_k.data();
  const double tau = 2000.0 * 6000.0 / (5.0 * 8000.0);
  const double diff = t[0] - t[1];
  check(std::fabs(diff - 40.0 * std::exp(-600.0 / tau)) < 1e-3, "RC decay", diff);
  const double energy = 2000.0 * t[0] + 6000.0 * t[1];
  check(std::fabs(energy / (2000.0 * 320.0 + 6000.0 * 280.0) - 1.0) < 1e-13, "conduction conserves energy", energy);
}

void test_radiative_cooling() {
  ThermalPowerDesign d = bare({4000.0}, {380.0});
  d.face_node = {0};
  d.face_mount = {0};
  d.face_normal_body = {0.0, 0.0, -1.0};  // zenith in nadir mode: no Earth
  d.face_area_m2 = {1.0};
  d.face_absorptivity = {0.0};
  d.face_emissivity = {0.9};
  Twin twin({2461119.5, 0.0}, 10 * kNsPerSecond);
  Fleet& f = add(twin, 1, d);
  twin.advance(3600 * kNsPerSecond);
  const double exact = std::pow(std::pow(380.0, -3) + 3 * 0.9 * kStefanBoltzmann * 3600.0 / 4000.0, -1.0 / 3);
  const double t = f.thermal_power->temperature_k[0];
  check(std::fabs(t - exact) < 2e-3, "radiative cooling vs exact", t - exact);
}

std::vector<double> ledger_run(int threads) {
  ThermalPowerDesign d = bare({5e4, 2e4}, {300.0, 300.0});
  d.link_node_a = {0};
  d.link_node_b = {1};
  d.link_conductance_w_k = {2.0};
  d.face_node = {0, 1, 1};
  d.face_mount = {0, 1, 2};
  d.face_normal_body = {0, 1, 0, 0, 0, -1, 0, 0, -1};
  d.face_area_m2 = {1.0, 4.0, 4.0};
  d.face_absorptivity = {0.2, 0.9, 0.5};
  d.face_emissivity = {0.85, 0.85, 0.85};
  d.array_area_m2 = 4.0;
  d.array_efficiency = 0.3;
  d.array_temperature_coefficient = -0.003;
  d.array_node = 1;
  d.array_tracking = 1;
  d.battery_capacity_j = 500 * 3600.0;
  d.battery_initial_soc = 0.6;
  d.battery_charge_efficiency = d.battery_discharge_efficiency = 0.95;
  d.battery_soc_floor = 0.2;
  d.bus_power_w = 150.0;
  d.payload_power_w = 400.0;
  d.payload_shed_soc = 0.3;
  d.payload_restore_soc = 0.4;
  Twin twin({2461119.5, 0.0}, 10 * kNsPerSecond);
  twin.set_threads(threads);
  Fleet& f = add(twin, 150, d);
  twin.advance(6000 * kNsPerSecond);
  const ThermalPower& tp = *f.thermal_power;
  double worst = 0.0;
  for (std::size_t i = 0; i < f.size(); ++i) {
    const double r = tp.e_generated_j[i] - (tp.e_stored_j[i] + tp.e_consumed_j[i] + tp.e_shunted_j[i] +
                                            tp.e_battery_loss_j[i]);
    worst = std::fmax(worst, std::fabs(r) / std::fmax(tp.e_generated_j[i], tp.e_consumed_j[i]));
  }
  check(worst < 1e-12, "energy ledger closes", worst);
  std::vector<double> out(tp.temperature_k.data(), tp.temperature_k.data() + tp.temperature_k.size());
  out.insert(out.end(), tp.soc.data(), tp.soc.data() + tp.soc.size());
  return out;
}

void test_ledger_and_threads() {
  const std::vector<double> one = ledger_run(1), two = ledger_run(2);
  check(one.size() == two.size() && std::memcmp(one.data(), two.data(), one.size() * sizeof(double)) == 0,
        "1 vs 2 threads bit-identical", 0.0);
}

}  // namespace

int main() {
  test_view_factor();
  test_conduction();
  test_radiative_cooling();
  test_ledger_and_threads();
  if (failures == 0) std::printf("all thermal/power core tests passed\n");
  return failures == 0 ? 0 : 1;
}
