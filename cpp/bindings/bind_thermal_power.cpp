// Thermal network and power system: the design the core takes, attaching it
// to a fleet, and the view-factor function (exposed for validation).
#include "bindings.hpp"
#include "orbitwin/fleet.hpp"
#include "orbitwin/thermal_power.hpp"

namespace orbitwin::bindings {

namespace {

template <class Get, class Set>
void vec3_property(py::class_<ThermalPowerDesign>& c, const char* name, Get get, Set set) {
  c.def_property(
      name, [get](const ThermalPowerDesign& d) { const double* v = get(d); return py::make_tuple(v[0], v[1], v[2]); },
      [set](ThermalPowerDesign& d, const std::vector<double>& v) {
        if (v.size() != 3) throw py::value_error("expected 3 components");
        double* dst = set(d);
        for (int k = 0; k < 3; ++k) dst[k] = v[k];
      });
}

}  // namespace

void bind_thermal_power(py::module_& m) {
  py::class_<ThermalPowerDesign> d(m, "ThermalPowerDesign",
                                   "A fleet's thermal network and power system as the core takes it "
                                   "(SI units; built by orbitwin.design.SatelliteDesign).");
  d.def(py::init<>())
#define ORBITWIN_RW(field) .def_readwrite(#field, &ThermalPowerDesign::field)
      ORBITWIN_RW(node_capacity_j_k) ORBITWIN_RW(node_initial_temperature_k)
      ORBITWIN_RW(link_node_a) ORBITWIN_RW(link_node_b) ORBITWIN_RW(link_conductance_w_k)
      ORBITWIN_RW(face_node) ORBITWIN_RW(face_mount) ORBITWIN_RW(face_normal_body)
      ORBITWIN_RW(face_area_m2) ORBITWIN_RW(face_absorptivity) ORBITWIN_RW(face_emissivity)
      ORBITWIN_RW(face_radiator) ORBITWIN_RW(radiator_emissivity)
      ORBITWIN_RW(heater_node) ORBITWIN_RW(heater_power_w) ORBITWIN_RW(heater_on_below_k)
      ORBITWIN_RW(heater_off_above_k) ORBITWIN_RW(array_area_m2) ORBITWIN_RW(array_efficiency)
      ORBITWIN_RW(array_temperature_coefficient) ORBITWIN_RW(array_reference_temperature_k)
      ORBITWIN_RW(array_degradation_per_year) ORBITWIN_RW(array_age_years) ORBITWIN_RW(array_node)
      ORBITWIN_RW(array_tracking) ORBITWIN_RW(battery_capacity_j) ORBITWIN_RW(battery_initial_soc)
      ORBITWIN_RW(battery_charge_efficiency) ORBITWIN_RW(battery_discharge_efficiency)
      ORBITWIN_RW(battery_max_charge_w) ORBITWIN_RW(battery_max_discharge_w)
      ORBITWIN_RW(battery_soc_floor) ORBITWIN_RW(battery_node) ORBITWIN_RW(bus_power_w)
      ORBITWIN_RW(bus_node) ORBITWIN_RW(payload_power_w) ORBITWIN_RW(payload_node)
      ORBITWIN_RW(payload_priority) ORBITWIN_RW(heater_priority) ORBITWIN_RW(payload_shed_soc)
      ORBITWIN_RW(payload_restore_soc) ORBITWIN_RW(heater_shed_soc) ORBITWIN_RW(heater_restore_soc)
#undef ORBITWIN_RW
      .def("validate", &ThermalPowerDesign::validate,
           "Raises ValueError naming the field on a bad topology or value.");
  vec3_property(d, "array_normal_body", [](const ThermalPowerDesign& x) { return x.array_normal_body; },
                [](ThermalPowerDesign& x) { return x.array_normal_body; });
  vec3_property(d, "array_axis_body", [](const ThermalPowerDesign& x) { return x.array_axis_body; },
                [](ThermalPowerDesign& x) { return x.array_axis_body; });

  // Attach to the existing Fleet class.
  py::object fleet_cls = m.attr("Fleet");
  py::cast<py::class_<Fleet>>(fleet_cls)
      .def("attach_thermal_power", &Fleet::attach_thermal_power, py::arg("design"),
           "Attaches the thermal network and power system; every satellite starts at the "
           "design values. Registers the thermal.* and power.* channels.")
      .def_property_readonly("has_thermal_power", [](const Fleet& f) { return static_cast<bool>(f.thermal_power); });

  m.def(
      "plate_view_factor",
      [](py::array cos_nadir, py::array h) {
        require_array<double>(cos_nadir, {-1}, "float64", "cos_nadir");
        const py::ssize_t n = cos_nadir.shape(0);
        require_array<double>(h, {n}, "float64", "h");
        py::array_t<double> out(n);
        const double* c = static_cast<const double*>(cos_nadir.data());
        const double* hh = static_cast<const double*>(h.data());
        double* o = out.mutable_data();
        {
          py::gil_scoped_release release;
          for (py::ssize_t i = 0; i < n; ++i) o[i] = plate_view_factor(c[i], hh[i]);
        }
        return out;
      },
      py::arg("cos_nadir"), py::arg("h"),
      "View factor from a one-sided flat plate to a sphere: cos_nadir = cosine of the angle "
      "between the plate normal and the direction to the centre, h = distance / radius (N,).");

  py::dict env;
  env["solar_constant_w_m2"] = kSolarConstant;
  env["earth_albedo"] = kEarthAlbedo;
  env["earth_infrared_w_m2"] = kEarthInfrared;
  env["stefan_boltzmann"] = kStefanBoltzmann;
  env["julian_year_s"] = kJulianYear;
  m.attr("environment") = env;
}

}  // namespace orbitwin::bindings
