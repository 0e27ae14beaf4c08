// Thermal network and power system: design checks, per-satellite buffers and
// their channels. The per-step model is kernels::thermal_power
// (thermal_power_kernel.cpp).
#include "orbitwin/thermal_power.hpp"

#include <cmath>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <string>

#include "orbitwin/fleet.hpp"

namespace orbitwin {

namespace {

// Documented ranges (the same as python/orbitwin/design.py).
struct Range {
  double lo, hi;
};
constexpr Range kCapacityJK{10.0, 1e7};
constexpr Range kConductanceWK{0.0, 1e4};
constexpr Range kAreaM2{0.0, 200.0};
constexpr Range kUnit{0.0, 1.0};
constexpr Range kHeaterW{0.0, 1e4};
constexpr Range kTemperatureK{100.0, 400.0};
constexpr Range kArrayAreaM2{0.0, 500.0};
constexpr Range kCellEfficiency{0.0, 0.5};
constexpr Range kTempCoeff{-0.01, 0.0};
constexpr Range kRefTemperatureK{200.0, 400.0};
constexpr Range kDegradation{0.0, 0.2};
constexpr Range kAgeYears{0.0, 30.0};
constexpr Range kBatteryJ{3600.0, 3.6e9};
constexpr Range kBatteryEfficiency{0.5, 1.0};
constexpr Range kPowerW{0.0, 1e5};
constexpr Range kSocFloor{0.0, 0.9};

std::string range_text(Range r, const char* unit) {
  std::ostringstream os;
  os.precision(10);
  os << r.lo << " to " << r.hi << (unit[0] ? " " : "") << unit;
  return os.str();
}

[[noreturn]] void bad_design(const std::string& field, double value, const std::string& allowed) {
  std::ostringstream os;
  os.precision(10);
  os << "thermal/power design: " << field << " is " << value << "; allowed: " << allowed;
  throw std::invalid_argument(os.str());
}

void check_design(const std::string& field, double v, Range r, const char* unit) {
  if (!(v >= r.lo && v <= r.hi)) bad_design(field, v, range_text(r, unit));
}

void check_index(const std::string& field, int32_t v, int n) {
  if (v < 0 || v >= n) bad_design(field, v, "a node index 0 to " + std::to_string(n - 1));
}

// Per-satellite check of a parameter buffer of `per` values per satellite.
void check_buffer(const std::string& fleet, const char* channel, const Buffer<double>& b,
                  std::size_t per, Range r, const char* unit) {
  const std::size_t total = b.size();
  // A vectorised count first (runs before every advance); the scalar search
  // for the first offending value only when there is one.
  const double* __restrict x = b.data();
  const double lo = r.lo, hi = r.hi;
  double bad = 0.0;
#pragma omp simd reduction(+ : bad)
  for (std::size_t j = 0; j < total; ++j) bad += (x[j] >= lo) & (x[j] <= hi) ? 0.0 : 1.0;
  if (bad == 0.0) return;
  for (std::size_t j = 0; j < total; ++j) {
    const double v = b[j];
    if (!(v >= r.lo && v <= r.hi)) {
      std::ostringstream os;
      os.precision(10);
      os << "fleet '" << fleet << "': " << channel << " of satellite " << j / per;
      if (per > 1) os << " [" << j % per << "]";
      os << " is " << v << "; allowed: " << range_text(r, unit);
      throw std::invalid_argument(os.str());
    }
  }
}

double norm3(const double* v) { return std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]); }

}  // namespace

void ThermalPowerDesign::validate() const {
  const int nn = static_cast<int>(node_capacity_j_k.size());
  if (nn < 1 || nn > kMaxThermalNodes)
    bad_design("number of nodes", nn, "1 to " + std::to_string(kMaxThermalNodes));
  if (node_initial_temperature_k.size() != node_capacity_j_k.size())
    throw std::invalid_argument("thermal/power design: node arrays differ in length");
  for (int j = 0; j < nn; ++j) {
    check_design("node[" + std::to_string(j) + "].heat_capacity", node_capacity_j_k[j], kCapacityJK, "J/K");
    check_design("node[" + std::to_string(j) + "].initial_temperature", node_initial_temperature_k[j],
                 kTemperatureK, "K");
  }
  const int nl = static_cast<int>(link_conductance_w_k.size());
  if (nl > kMaxThermalLinks) bad_design("number of links", nl, "0 to " + std::to_string(kMaxThermalLinks));
  if (link_node_a.size() != link_conductance_w_k.size() || link_node_b.size() != link_conductance_w_k.size())
    throw std::invalid_argument("thermal/power design: link arrays differ in length");
  for (int l = 0; l < nl; ++l) {
    const std::string f = "link[" + std::to_string(l) + "]";
    check_index(f + ".node_a", link_node_a[l], nn);
    check_index(f + ".node_b", link_node_b[l], nn);
    if (link_node_a[l] == link_node_b[l]) bad_design(f + ".node_b", link_node_b[l], "a node other than node_a");
    check_design(f + ".conductance", link_conductance_w_k[l], kConductanceWK, "W/K");
  }
  const int nf = static_cast<int>(face_area_m2.size());
  if (nf > kMaxFaces) bad_design("number of faces", nf, "0 to " + std::to_string(kMaxFaces));
  if (face_node.size() != face_area_m2.size() || face_mount.size() != face_area_m2.size() ||
      face_absorptivity.size() != face_area_m2.size() || face_emissivity.size() != face_area_m2.size() ||
      face_normal_body.size() != 3 * face_area_m2.size())
    throw std::invalid_argument("thermal/power design: face arrays differ in length");
  for (int k = 0; k < nf; ++k) {
    const std::string f = "face[" + std::to_string(k) + "]";
    check_index(f + ".node", face_node[k], nn);
    if (face_mount[k] < 0 || face_mount[k] > 2) bad_design(f + ".mount", face_mount[k], "0 (body), 1 (array front), 2 (array back)");
    check_design(f + ".area", face_area_m2[k], kAreaM2, "m^2");
    check_design(f + ".absorptivity", face_absorptivity[k], kUnit, "");
    check_design(f + ".emissivity", face_emissivity[k], kUnit, "");
    if (!face_radiator.empty() && face_radiator[k] != 0)
      check_design(f + ".emissivity (radiator)", face_emissivity[k], Range{radiator_emissivity, radiator_emissivity},
                   "(every radiator face has the radiator emissivity)");
    const double nrm = norm3(&face_normal_body[3 * k]);
    if (!(std::fabs(nrm - 1.0) < 1e-6)) bad_design(f + ".normal |n|", nrm, "a unit vector");
  }
  if (!face_radiator.empty() && face_radiator.size() != face_area_m2.size())
    throw std::invalid_argument("thermal/power design: face arrays differ in length");
  check_design("radiator_emissivity", radiator_emissivity, kUnit, "");
  const int nh = static_cast<int>(heater_power_w.size());
  if (nh > kMaxHeaters) bad_design("number of heaters", nh, "0 to " + std::to_string(kMaxHeaters));
  if (heater_node.size() != heater_power_w.size() || heater_on_below_k.size() != heater_power_w.size() ||
      heater_off_above_k.size() != heater_power_w.size())
    throw std::invalid_argument("thermal/power design: heater arrays differ in length");
  for (int h = 0; h < nh; ++h) {
    const std::string f = "heater[" + std::to_string(h) + "]";
    check_index(f + ".node", heater_node[h], nn);
    check_design(f + ".power", heater_power_w[h], kHeaterW, "W");
    check_design(f + ".on_below", heater_on_below_k[h], kTemperatureK, "K");
    check_design(f + ".off_above", heater_off_above_k[h], Range{heater_on_below_k[h], kTemperatureK.hi}, "K");
  }
  check_design("array.area", array_area_m2, kArrayAreaM2, "m^2");
  check_design("array.efficiency", array_efficiency, kCellEfficiency, "");
  check_design("array.temperature_coefficient", array_temperature_coefficient, kTempCoeff, "1/K");
  check_design("array.reference_temperature", array_reference_temperature_k, kRefTemperatureK, "K");
  check_design("array.degradation_per_year", array_degradation_per_year, kDegradation, "1/yr");
  check_design("array.age", array_age_years, kAgeYears, "yr");
  check_index("array.node", array_node, nn);
  if (!(std::fabs(norm3(array_normal_body) - 1.0) < 1e-6)) bad_design("array.normal |n|", norm3(array_normal_body), "a unit vector");
  if (!(std::fabs(norm3(array_axis_body) - 1.0) < 1e-6)) bad_design("array.axis |a|", norm3(array_axis_body), "a unit vector");
  check_design("battery.capacity [J]", battery_capacity_j, kBatteryJ, "J");
  check_design("battery.soc_floor", battery_soc_floor, kSocFloor, "");
  check_design("battery.initial_soc", battery_initial_soc, Range{battery_soc_floor, 1.0}, "");
  check_design("battery.charge_efficiency", battery_charge_efficiency, kBatteryEfficiency, "");
  check_design("battery.discharge_efficiency", battery_discharge_efficiency, kBatteryEfficiency, "");
  check_design("battery.max_charge", battery_max_charge_w, kPowerW, "W");
  check_design("battery.max_discharge", battery_max_discharge_w, kPowerW, "W");
  check_index("battery.node", battery_node, nn);
  check_design("loads.bus_power", bus_power_w, kPowerW, "W");
  check_index("loads.bus_node", bus_node, nn);
  check_design("loads.payload_power", payload_power_w, kPowerW, "W");
  check_index("loads.payload_node", payload_node, nn);
  check_design("loads.payload_shed_soc", payload_shed_soc, kUnit, "");
  check_design("loads.payload_restore_soc", payload_restore_soc, Range{payload_shed_soc, 1.0}, "");
  check_design("loads.heater_shed_soc", heater_shed_soc, kUnit, "");
  check_design("loads.heater_restore_soc", heater_restore_soc, Range{heater_shed_soc, 1.0}, "");
}

ThermalPower::ThermalPower(const ThermalPowerDesign& d, std::size_t n_sat) : n(n_sat) {
  d.validate();
  n_node = static_cast<int>(d.node_capacity_j_k.size());
  n_link = static_cast<int>(d.link_conductance_w_k.size());
  n_face = static_cast<int>(d.face_area_m2.size());
  n_heater = static_cast<int>(d.heater_power_w.size());
  link_a = d.link_node_a;
  link_b = d.link_node_b;
  face_node = d.face_node;
  face_mount = d.face_mount;
  face_normal_body = d.face_normal_body;
  heater_node = d.heater_node;
  array_node = d.array_node;
  battery_node = d.battery_node;
  bus_node = d.bus_node;
  payload_node = d.payload_node;
  for (int c = 0; c < 3; ++c) {
    array_normal_body[c] = d.array_normal_body[c];
    array_axis_body[c] = d.array_axis_body[c];
  }
  array_tracking = d.array_tracking != 0;
  face_radiator.assign(static_cast<std::size_t>(n_face), 0);
  for (std::size_t k = 0; k < d.face_radiator.size(); ++k) face_radiator[k] = d.face_radiator[k] != 0;
  for (int32_t r : face_radiator) has_radiator = has_radiator || r != 0;
  face_geometry_source.assign(static_cast<std::size_t>(n_face), -1);
  face_geometry_sign.assign(static_cast<std::size_t>(n_face), 1);
  for (int k = 0; k < n_face; ++k) {
    const bool body = face_mount[k] == static_cast<int32_t>(FaceMount::kBody);
    for (int j = 0; j < k && face_geometry_source[k] < 0; ++j) {
      if (face_geometry_source[j] >= 0) continue;
      const bool body_j = face_mount[j] == static_cast<int32_t>(FaceMount::kBody);
      if (body != body_j) continue;
      int sign = 0;
      if (!body) {
        sign = face_mount[j] == face_mount[k] ? 1 : -1;
      } else {
        const double* a = &face_normal_body[3 * k];
        const double* b = &face_normal_body[3 * j];
        if (a[0] == b[0] && a[1] == b[1] && a[2] == b[2]) sign = 1;
        if (a[0] == -b[0] && a[1] == -b[1] && a[2] == -b[2]) sign = -1;
      }
      if (sign != 0) {
        face_geometry_source[k] = j;
        face_geometry_sign[k] = sign;
      }
    }
  }
  face_axis.assign(static_cast<std::size_t>(n_face), -1);
  face_axis_sign.assign(static_cast<std::size_t>(n_face), 0);
  for (int k = 0; k < n_face; ++k) {
    if (face_mount[k] != static_cast<int32_t>(FaceMount::kBody)) continue;
    const double* a = &face_normal_body[3 * k];
    for (int c = 0; c < 3; ++c)
      if ((a[c] == 1.0 || a[c] == -1.0) && a[(c + 1) % 3] == 0.0 && a[(c + 2) % 3] == 0.0) {
        face_axis[k] = c;
        face_axis_sign[k] = a[c] > 0.0 ? 1 : -1;
      }
  }
  payload_shed_first = d.payload_priority >= d.heater_priority;
  for (int a = 0; a < n_node; ++a) lu_nonzero[a][a] = 1;
  for (int l = 0; l < n_link; ++l) lu_nonzero[link_a[l]][link_b[l]] = lu_nonzero[link_b[l]][link_a[l]] = 1;
  for (int p = 0; p < n_node; ++p)  // symbolic elimination: row r gets row p's pattern
    for (int r = p + 1; r < n_node; ++r)
      if (lu_nonzero[r][p])
        for (int c = p + 1; c < n_node; ++c)
          if (lu_nonzero[p][c]) lu_nonzero[r][c] = 1;
  for (int r = 0; r < n_node; ++r)
    for (int c = 0; c < n_node; ++c) lu_fill[r][c] = r != c && lu_nonzero[r][c];
  for (int p = 0; p < n_node; ++p) {
    lu_last_pivot[p] = -1;
    for (int q = 0; q < p; ++q)
      if (lu_nonzero[p][q] && lu_nonzero[q][p]) lu_last_pivot[p] = static_cast<int8_t>(q);
  }
  static_assert(kMaxThermalNodes * kMaxThermalNodes <= 64, "lu_zero_bits holds one bit per entry");
  lu_zero_bits = 0;
  for (int r = 0; r < n_node; ++r)
    for (int c = 0; c < n_node; ++c)
      if (r != c && !lu_nonzero[r][c]) lu_zero_bits |= uint64_t{1} << (r * kMaxThermalNodes + c);
  link_first_a.assign(static_cast<std::size_t>(n_link), 0);
  link_first_b.assign(static_cast<std::size_t>(n_link), 0);
  link_first_pair.assign(static_cast<std::size_t>(n_link), 0);
  for (int l = 0; l < n_link; ++l) {
    const int a = link_a[l], b = link_b[l];
    lu_fill[a][b] = lu_fill[b][a] = 0;
    link_first_a[l] = !node_linked[a];
    link_first_b[l] = !node_linked[b];
    node_linked[a] = node_linked[b] = true;
    bool pair_seen = false;
    for (int m = 0; m < l; ++m)
      pair_seen = pair_seen || (link_a[m] == a && link_b[m] == b) || (link_a[m] == b && link_b[m] == a);
    link_first_pair[l] = !pair_seen;
  }

  const std::size_t nn = static_cast<std::size_t>(n_node);
  auto per_sat = [&](Buffer<double>& b, std::size_t per, const std::vector<double>& v) {
    b = Buffer<double>(n * per);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < per; ++j) b[i * per + j] = v[j];
  };
  auto scalar = [&](Buffer<double>& b, double v) {
    b = Buffer<double>(n);
    b.fill(v);
  };
  per_sat(capacity_j_k, nn, d.node_capacity_j_k);
  per_sat(conductance_w_k, n_link, d.link_conductance_w_k);
  per_sat(face_area_m2, n_face, d.face_area_m2);
  per_sat(face_absorptivity, n_face, d.face_absorptivity);
  per_sat(face_emissivity, n_face, d.face_emissivity);
  per_sat(heater_power_w, n_heater, d.heater_power_w);
  per_sat(heater_on_below_k, n_heater, d.heater_on_below_k);
  per_sat(heater_off_above_k, n_heater, d.heater_off_above_k);
  scalar(radiator_emissivity, d.radiator_emissivity);
  scalar(array_area_m2, d.array_area_m2);
  scalar(array_efficiency, d.array_efficiency);
  scalar(array_temp_coeff, d.array_temperature_coefficient);
  scalar(array_ref_temp_k, d.array_reference_temperature_k);
  scalar(array_degradation, d.array_degradation_per_year);
  scalar(array_age_years, d.array_age_years);
  scalar(battery_capacity_j, d.battery_capacity_j);
  scalar(charge_efficiency, d.battery_charge_efficiency);
  scalar(discharge_efficiency, d.battery_discharge_efficiency);
  scalar(max_charge_w, d.battery_max_charge_w);
  scalar(max_discharge_w, d.battery_max_discharge_w);
  scalar(soc_floor, d.battery_soc_floor);
  scalar(bus_demand_w, d.bus_power_w);
  scalar(payload_demand_w, d.payload_power_w);
  scalar(payload_shed_soc, d.payload_shed_soc);
  scalar(payload_restore_soc, d.payload_restore_soc);
  scalar(heater_shed_soc, d.heater_shed_soc);
  scalar(heater_restore_soc, d.heater_restore_soc);

  per_sat(temperature_k, nn, d.node_initial_temperature_k);
  environment_w = Buffer<double>(n * nn);
  prev_position_m = Buffer<double>(n * 3);
  prev_velocity_m_s = Buffer<double>(n * 3);
  prev_illumination = Buffer<double>(n);
  sun_heat_t = Buffer<double>(n * nn);
  earth_heat_t = Buffer<double>(n * nn);
  array_p0_w = Buffer<double>(n);
  array_rate_k_s = Buffer<double>(n);
  illumination_mean = Buffer<double>(n);
  dissipation_w = Buffer<double>(n * nn);
  heater_on = Buffer<int32_t>(n * static_cast<std::size_t>(n_heater));
  payload_on = Buffer<int32_t>(n);
  payload_on.fill(1);
  heaters_enabled = Buffer<int32_t>(n);
  heaters_enabled.fill(1);
  scalar(soc, d.battery_initial_soc);
  capacity_t.allocate(nn, n);
  conductance_t.allocate(static_cast<std::size_t>(n_link), n);
  face_area_alpha_t.allocate(static_cast<std::size_t>(n_face), n);
  face_area_eps_t.allocate(static_cast<std::size_t>(n_face), n);
  heater_t.allocate(3 * static_cast<std::size_t>(n_heater), n);
  node_sigma_eps_area_t.allocate(nn, n);
  node_conductance_t.allocate(nn, n);
  scalars.allocate(kScalarRows, n);
  prepare();
  for (Buffer<double>* b : {&array_available_w, &array_w, &battery_w, &load_w, &payload_w, &heater_w,
                            &shed_w, &unmet_w, &shunt_w, &battery_loss_w, &e_generated_j, &e_stored_j,
                            &e_consumed_j, &e_shunted_j, &e_battery_loss_j, &e_shed_j, &e_unmet_j})
    *b = Buffer<double>(n);
}

void ThermalPower::prepare() {
  // Radiator faces take the satellite's radiator emissivity (what faults change).
  if (has_radiator) {
    const std::size_t nf = static_cast<std::size_t>(n_face);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < nf; ++j)
        if (face_radiator[j]) face_emissivity[i * nf + j] = radiator_emissivity[i];
  }
  auto transpose = [this](const Buffer<double>& src, ParamRows& dst, std::size_t row0, int per) {
    const std::size_t p = static_cast<std::size_t>(per);
    const double* v = src.data();
    for (std::size_t j = 0; j < p; ++j) dst.set_row(row0 + j, [v, p, j](std::size_t i) { return v[i * p + j]; });
  };
  transpose(capacity_j_k, capacity_t, 0, n_node);
  transpose(conductance_w_k, conductance_t, 0, n_link);
  const std::size_t nf = static_cast<std::size_t>(n_face);
  const double* area = face_area_m2.data();
  const double* alpha = face_absorptivity.data();
  const double* eps = face_emissivity.data();
  for (std::size_t j = 0; j < nf; ++j) {
    face_area_alpha_t.set_row(j, [=](std::size_t i) { return area[i * nf + j] * alpha[i * nf + j]; });
    face_area_eps_t.set_row(j, [=](std::size_t i) { return area[i * nf + j] * eps[i * nf + j]; });
  }
  // A node's sigma eps A: sigma times its faces' eps A rows summed in face
  // order (as the kernel summed them); the sum of uniform rows is uniform.
  for (std::size_t a = 0; a < static_cast<std::size_t>(n_node); ++a) {
    const ParamRows& fe = face_area_eps_t;
    const int32_t* fnode = face_node.data();
    auto sum = [&fe, fnode, nf, a](std::size_t i) {
      double v = 0.0;
      for (std::size_t j = 0; j < nf; ++j)
        if (static_cast<std::size_t>(fnode[j]) == a)
          v += fe.uniform[j] ? fe.broadcast[j * kBroadcastWidth] : fe.data[j][i];
      return v;
    };
    bool same = true;
    for (std::size_t j = 0; j < nf; ++j) same = same && (static_cast<std::size_t>(fnode[j]) != a || fe.uniform[j]);
    auto sigma_sum = [&sum](std::size_t i) { return kStefanBoltzmann * sum(i); };
    if (same) node_sigma_eps_area_t.set_uniform(a, sigma_sum(0));
    else node_sigma_eps_area_t.set_row(a, sigma_sum);
  }
  // A node's conductance sum: its links' rows summed in link order (as the
  // kernel summed them into the matrix diagonal).
  for (std::size_t a = 0; a < static_cast<std::size_t>(n_node); ++a) {
    const ParamRows& g = conductance_t;
    const int32_t* la = link_a.data();
    const int32_t* lb = link_b.data();
    const std::size_t nl = static_cast<std::size_t>(n_link);
    auto touches = [la, lb, a](std::size_t l) {
      return static_cast<std::size_t>(la[l]) == a || static_cast<std::size_t>(lb[l]) == a;
    };
    auto sum = [&g, &touches, nl](std::size_t i) {
      double v = 0.0;
      for (std::size_t l = 0; l < nl; ++l)
        if (touches(l)) v += g.uniform[l] ? g.broadcast[l * kBroadcastWidth] : g.data[l][i];
      return v;
    };
    bool same = true;
    for (std::size_t l = 0; l < nl; ++l) same = same && (!touches(l) || g.uniform[l]);
    if (same) node_conductance_t.set_uniform(a, sum(0));
    else node_conductance_t.set_row(a, sum);
  }
  const std::size_t nh = static_cast<std::size_t>(n_heater);
  transpose(heater_power_w, heater_t, 0, n_heater);
  transpose(heater_on_below_k, heater_t, nh, n_heater);
  transpose(heater_off_above_k, heater_t, 2 * nh, n_heater);
  const Buffer<double>* rows[kRowInvDischargeEfficiency] = {
      &array_area_m2,       &array_efficiency,  &array_temp_coeff,     &array_ref_temp_k,
      &array_degradation,   &array_age_years,   &battery_capacity_j,   &charge_efficiency,
      &discharge_efficiency, &max_charge_w,     &max_discharge_w,      &soc_floor,
      &bus_demand_w,        &payload_demand_w,  &payload_shed_soc,     &payload_restore_soc,
      &heater_shed_soc,     &heater_restore_soc};
  for (std::size_t r = 0; r < kRowInvDischargeEfficiency; ++r) transpose(*rows[r], scalars, r, 1);
  const double* eta_d = discharge_efficiency.data();
  scalars.set_row(kRowInvDischargeEfficiency, [eta_d](std::size_t i) { return 1.0 / eta_d[i]; });
}

void ParamRows::allocate(std::size_t n_rows, std::size_t n_sat) {
  n = n_sat;
  rows = n_rows;
  data.clear();
  data.resize(rows);  // a row's buffer is allocated when the row first varies
  broadcast = Buffer<double>(rows * kBroadcastWidth);
  uniform.assign(rows, 1);
  where.resize(rows);
  for (std::size_t r = 0; r < rows; ++r) where[r] = {broadcast.data() + r * kBroadcastWidth, 0};
}

void Fleet::attach_thermal_power(const ThermalPowerDesign& design) {
  if (thermal_power)
    throw std::invalid_argument("fleet '" + name_ + "' already has a thermal/power design");
  thermal_power = std::make_shared<ThermalPower>(design, n_);
  register_thermal_power_channels();
}

void Fleet::register_thermal_power_channels() {
  ThermalPower& tp = *thermal_power;
  const std::size_t nn = static_cast<std::size_t>(tp.n_node);
  const std::size_t nl = static_cast<std::size_t>(tp.n_link);
  const std::size_t nf = static_cast<std::size_t>(tp.n_face);
  const std::size_t nh = static_cast<std::size_t>(tp.n_heater);
  const DType f64 = DType::kFloat64;
  auto param = [&](const char* name, const char* unit, const char* desc, Buffer<double>& b,
                   std::vector<std::size_t> inner) {
    add_channel(name, unit, desc, f64, b.data(), std::move(inner), true, true);
  };
  auto state = [&](const char* name, const char* unit, const char* desc, Buffer<double>& b,
                   std::vector<std::size_t> inner) {
    add_channel(name, unit, desc, f64, b.data(), std::move(inner), false, false);
  };
  // parameters
  param("thermal.capacity", "J K-1", "heat capacity of each node", tp.capacity_j_k, {nn});
  param("thermal.conductance", "W K-1", "conductance of each link (mounts, heat pipes)",
        tp.conductance_w_k, {nl});
  param("thermal.face_area", "m2", "area of each radiating face", tp.face_area_m2, {nf});
  param("thermal.face_absorptivity", "1", "solar absorptivity of each face", tp.face_absorptivity, {nf});
  param("thermal.face_emissivity", "1", "infrared emissivity of each face", tp.face_emissivity, {nf});
  if (tp.has_radiator)
    param("radiator.emissivity", "1",
          "infrared emissivity of every radiator face (copied into thermal.face_emissivity)",
          tp.radiator_emissivity, {});
  param("thermal.heater_power", "W", "power of each heater when on", tp.heater_power_w, {nh});
  param("thermal.heater_on_below", "K", "thermostat: heater switches on below", tp.heater_on_below_k, {nh});
  param("thermal.heater_off_above", "K", "thermostat: heater switches off above", tp.heater_off_above_k, {nh});
  param("power.array_area", "m2", "solar cell area", tp.array_area_m2, {});
  param("power.array_efficiency", "1", "cell efficiency at the reference temperature", tp.array_efficiency, {});
  param("power.array_temperature_coefficient", "K-1", "relative change of efficiency per kelvin",
        tp.array_temp_coeff, {});
  param("power.array_reference_temperature", "K", "temperature of the rated efficiency",
        tp.array_ref_temp_k, {});
  param("power.array_degradation", "yr-1", "relative loss of array output per year",
        tp.array_degradation, {});
  param("power.array_age", "yr", "array age at the epoch", tp.array_age_years, {});
  param("power.battery_capacity", "J", "usable battery capacity at SoC 1", tp.battery_capacity_j, {});
  param("power.charge_efficiency", "1", "battery charge efficiency (stored / drawn)", tp.charge_efficiency, {});
  param("power.discharge_efficiency", "1", "battery discharge efficiency (delivered / taken)",
        tp.discharge_efficiency, {});
  param("power.max_charge", "W", "battery charge power limit at the terminals", tp.max_charge_w, {});
  param("power.max_discharge", "W", "battery discharge power limit at the terminals", tp.max_discharge_w, {});
  param("power.soc_floor", "1", "state of charge the battery is never discharged below", tp.soc_floor, {});
  param("power.bus_demand", "W", "bus (platform) power demand, never shed by SoC", tp.bus_demand_w, {});
  param("power.payload_demand", "W", "payload power demand", tp.payload_demand_w, {});
  param("power.payload_shed_soc", "1", "payload switched off below this state of charge",
        tp.payload_shed_soc, {});
  param("power.payload_restore_soc", "1", "payload switched back on at this state of charge",
        tp.payload_restore_soc, {});
  param("power.heater_shed_soc", "1", "heaters disabled below this state of charge", tp.heater_shed_soc, {});
  param("power.heater_restore_soc", "1", "heaters re-enabled at this state of charge", tp.heater_restore_soc, {});
  // state
  state("thermal.temperature", "K", "node temperature", tp.temperature_k, {nn});
  state("thermal.environment_heat", "W", "absorbed sunlight, albedo and Earth IR per node now",
        tp.environment_w, {nn});
  state("thermal.dissipation", "W",
        "internal heat per node over the last step (loads, heaters, battery losses, minus array output)",
        tp.dissipation_w, {nn});
  add_channel("thermal.heater_on", "1", "heater thermostat closed (1) or open (0)", DType::kInt32,
              tp.heater_on.data(), {nh}, false, false);
  add_channel("power.payload_on", "1", "payload enabled (1) or shed by state of charge (0)", DType::kInt32,
              tp.payload_on.data(), {}, false, false);
  add_channel("power.heaters_enabled", "1", "heaters enabled (1) or shed by state of charge (0)",
              DType::kInt32, tp.heaters_enabled.data(), {}, false, false);
  state("sun.illumination_mean", "1", "mean visible fraction of the solar disc over the last step",
        tp.illumination_mean, {});
  state("power.battery_soc", "1", "battery state of charge", tp.soc, {});
  state("power.array_available", "W", "array output available now",
        tp.array_available_w, {});
  state("power.array", "W", "array power generated, mean over the last step", tp.array_w, {});
  state("power.battery", "W", "battery power at the terminals (positive charging), mean over the last step",
        tp.battery_w, {});
  state("power.load", "W", "power delivered to all loads, mean over the last step", tp.load_w, {});
  state("power.payload", "W", "power delivered to the payload, mean over the last step", tp.payload_w, {});
  state("power.heater", "W", "power delivered to heaters, mean over the last step", tp.heater_w, {});
  state("power.shed", "W", "demand of shed loads, mean over the last step", tp.shed_w, {});
  state("power.unmet", "W", "bus demand not met, mean over the last step", tp.unmet_w, {});
  state("power.shunt", "W", "surplus array power shunted, mean over the last step", tp.shunt_w, {});
  state("power.battery_loss", "W", "battery charge/discharge losses, mean over the last step",
        tp.battery_loss_w, {});
  state("power.energy_generated", "J", "array energy generated since the epoch", tp.e_generated_j, {});
  state("power.energy_stored", "J", "change of battery stored energy since the epoch", tp.e_stored_j, {});
  state("power.energy_consumed", "J", "energy delivered to loads since the epoch", tp.e_consumed_j, {});
  state("power.energy_shunted", "J", "energy shunted since the epoch", tp.e_shunted_j, {});
  state("power.energy_battery_loss", "J", "battery losses since the epoch", tp.e_battery_loss_j, {});
  state("power.energy_shed", "J", "demand energy of shed loads since the epoch", tp.e_shed_j, {});
  state("power.energy_unmet", "J", "bus demand energy not met since the epoch", tp.e_unmet_j, {});
}

void Fleet::validate_thermal_power() const {
  const ThermalPower& tp = *thermal_power;
  const std::size_t nn = static_cast<std::size_t>(tp.n_node);
  const std::size_t nl = static_cast<std::size_t>(tp.n_link);
  const std::size_t nf = static_cast<std::size_t>(tp.n_face);
  const std::size_t nh = static_cast<std::size_t>(tp.n_heater);
  check_buffer(name_, "thermal.capacity", tp.capacity_j_k, nn, kCapacityJK, "J K-1");
  check_buffer(name_, "thermal.conductance", tp.conductance_w_k, nl, kConductanceWK, "W K-1");
  check_buffer(name_, "thermal.face_area", tp.face_area_m2, nf, kAreaM2, "m2");
  check_buffer(name_, "thermal.face_absorptivity", tp.face_absorptivity, nf, kUnit, "");
  check_buffer(name_, "thermal.face_emissivity", tp.face_emissivity, nf, kUnit, "");
  if (tp.has_radiator) check_buffer(name_, "radiator.emissivity", tp.radiator_emissivity, 1, kUnit, "");
  check_buffer(name_, "thermal.heater_power", tp.heater_power_w, nh, kHeaterW, "W");
  check_buffer(name_, "thermal.heater_on_below", tp.heater_on_below_k, nh, kTemperatureK, "K");
  check_buffer(name_, "thermal.heater_off_above", tp.heater_off_above_k, nh, kTemperatureK, "K");
  for (std::size_t j = 0; j < tp.heater_on_below_k.size(); ++j)
    if (!(tp.heater_off_above_k[j] >= tp.heater_on_below_k[j]))
      throw std::invalid_argument("fleet '" + name_ + "': thermal.heater_off_above of satellite " +
                                  std::to_string(j / nh) + " is below thermal.heater_on_below; allowed: >=");
  check_buffer(name_, "power.array_area", tp.array_area_m2, 1, kArrayAreaM2, "m2");
  check_buffer(name_, "power.array_efficiency", tp.array_efficiency, 1, kCellEfficiency, "");
  check_buffer(name_, "power.array_temperature_coefficient", tp.array_temp_coeff, 1, kTempCoeff, "K-1");
  check_buffer(name_, "power.array_reference_temperature", tp.array_ref_temp_k, 1, kRefTemperatureK, "K");
  check_buffer(name_, "power.array_degradation", tp.array_degradation, 1, kDegradation, "yr-1");
  check_buffer(name_, "power.array_age", tp.array_age_years, 1, kAgeYears, "yr");
  check_buffer(name_, "power.battery_capacity", tp.battery_capacity_j, 1, kBatteryJ, "J");
  check_buffer(name_, "power.charge_efficiency", tp.charge_efficiency, 1, kBatteryEfficiency, "");
  check_buffer(name_, "power.discharge_efficiency", tp.discharge_efficiency, 1, kBatteryEfficiency, "");
  check_buffer(name_, "power.max_charge", tp.max_charge_w, 1, kPowerW, "W");
  check_buffer(name_, "power.max_discharge", tp.max_discharge_w, 1, kPowerW, "W");
  check_buffer(name_, "power.soc_floor", tp.soc_floor, 1, kSocFloor, "");
  check_buffer(name_, "power.bus_demand", tp.bus_demand_w, 1, kPowerW, "W");
  check_buffer(name_, "power.payload_demand", tp.payload_demand_w, 1, kPowerW, "W");
  check_buffer(name_, "power.payload_shed_soc", tp.payload_shed_soc, 1, kUnit, "");
  check_buffer(name_, "power.payload_restore_soc", tp.payload_restore_soc, 1, kUnit, "");
  check_buffer(name_, "power.heater_shed_soc", tp.heater_shed_soc, 1, kUnit, "");
  check_buffer(name_, "power.heater_restore_soc", tp.heater_restore_soc, 1, kUnit, "");
}

}  // namespace orbitwin
