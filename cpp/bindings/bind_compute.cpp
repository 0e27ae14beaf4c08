#include "bindings.hpp"
#include "orbitwin/compute.hpp"
#include "orbitwin/fleet.hpp"

namespace orbitwin::bindings {

void bind_compute(py::module_& m) {
  py::object fleet_cls = m.attr("Fleet");
  py::cast<py::class_<Fleet>>(fleet_cls)
      .def(
          "attach_compute",
          [](Fleet& f, const py::dict& fields) {
            ComputeDesign d;
            for (auto item : fields) {
              const auto key = item.first.cast<std::string>();
              py::handle v = item.second;
              if (key == "accelerators") d.accelerators = v.cast<int32_t>();
              else if (key == "idle_power_w") d.idle_power_w = v.cast<double>();
              else if (key == "peak_power_w") d.peak_power_w = v.cast<double>();
              else if (key == "peak_ops_per_s") d.peak_ops_per_s = v.cast<double>();
              else if (key == "throttle_start_k") d.throttle_start_k = v.cast<double>();
              else if (key == "junction_limit_k") d.junction_limit_k = v.cast<double>();
              else if (key == "power_exponent") d.power_exponent = v.cast<double>();
              else if (key == "junction_offset_k_per_w") d.junction_offset_k_per_w = v.cast<double>();
              else if (key == "reboot_time_s") d.reboot_time_s = v.cast<double>();
              else if (key == "demand") d.demand = v.cast<double>();
              else if (key == "data_driven") d.data_driven = v.cast<int32_t>();
              else if (key == "data_rate_bps") d.data_rate_bps = v.cast<double>();
              else if (key == "ops_per_bit") d.ops_per_bit = v.cast<double>();
              else if (key == "reduction_ratio") d.reduction_ratio = v.cast<double>();
              else if (key == "storage_bits") d.storage_bits = v.cast<double>();
              else if (key == "downlink_bps") d.downlink_bps = v.cast<double>();
              else throw py::value_error("compute payload: unknown field '" + key + "'");
            }
            f.attach_compute(d);
          },
          py::arg("fields"),
          "Attaches the compute payload (fields as ComputePayload.core_fields()); registers "
          "the compute.* and data.* channels. Needs the thermal/power design first.")
      .def_property_readonly("has_compute", [](const Fleet& f) { return static_cast<bool>(f.compute); })
      .def(
          "set_demand_grid",
          [](Fleet& f, py::array grid) {
            if (!f.compute) throw py::value_error("fleet '" + f.name() + "' has no compute payload");
            require_array<double>(grid, {-1, -1}, "float64", "demand grid");
            const auto* v = static_cast<const double*>(grid.data());
            const py::ssize_t size = grid.size();
            for (py::ssize_t k = 0; k < size; ++k)
              if (!(v[k] >= 0.0 && v[k] <= 1.0))
                throw py::value_error("demand grid value " + std::to_string(v[k]) +
                                      " at flat index " + std::to_string(k) + "; allowed: 0 to 1");
            f.compute->grid.n_lat = static_cast<int32_t>(grid.shape(0));
            f.compute->grid.n_lon = static_cast<int32_t>(grid.shape(1));
            f.compute->grid.values.assign(v, v + size);
          },
          py::arg("grid"),
          "Geographic demand factors (rows -90..90 deg latitude, columns -180..180 deg "
          "longitude, values 0..1) applied at the sub-satellite point.");
}

}  // namespace orbitwin::bindings
