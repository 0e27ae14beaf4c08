#include "bindings.hpp"
#include "orbitwin/fleet.hpp"

namespace orbitwin::bindings {

namespace {

py::dtype dtype_of(DType t) {
  switch (t) {
    case DType::kFloat64: return py::dtype::of<double>();
    case DType::kInt32: return py::dtype::of<int32_t>();
    case DType::kUInt32: return py::dtype::of<uint32_t>();
    case DType::kInt64: return py::dtype::of<int64_t>();
  }
  throw std::logic_error("unknown dtype");
}

// A zero-copy view of `count` satellites' worth of `c`, kept alive by `owner`.
py::array view_of(const Channel& c, std::size_t n_sat, py::handle owner) {
  std::vector<py::ssize_t> shape{static_cast<py::ssize_t>(n_sat)};
  for (std::size_t d : c.inner_shape) shape.push_back(static_cast<py::ssize_t>(d));
  py::array a(dtype_of(c.dtype), shape, c.data, owner);
  if (!c.writable) a.attr("setflags")(py::arg("write") = false);
  return a;
}

}  // namespace

void bind_fleet(py::module_& m) {
  py::enum_<OrbitSource>(m, "OrbitSource")
      .value("MEAN_ELEMENTS", OrbitSource::kMeanElements)
      .value("EPHEMERIS", OrbitSource::kEphemeris);

  py::class_<Fleet>(m, "Fleet", "Satellites sharing one design, stored as a structure of arrays.")
      .def_property_readonly("name", &Fleet::name)
      .def_property_readonly("size", &Fleet::size)
      .def_property_readonly("orbit_source", &Fleet::orbit_source)
      .def(
          "channels",
          [](const Fleet& f) {
            py::list out;
            for (const Channel& c : f.channels()) {
              py::dict d;
              d["name"] = c.name;
              d["unit"] = c.unit;
              d["description"] = c.description;
              d["dtype"] = dtype_of(c.dtype);
              py::tuple shape(c.inner_shape.size());
              for (std::size_t k = 0; k < c.inner_shape.size(); ++k) shape[k] = py::int_(c.inner_shape[k]);
              d["shape"] = shape;
              d["parameter"] = c.is_parameter;
              d["writable"] = c.writable;
              out.append(d);
            }
            return out;
          },
          "Every channel: name, unit, description, dtype, per-satellite shape, parameter, writable.")
      .def(
          "view",
          [](py::object self, const std::string& name) {
            const Fleet& f = self.cast<const Fleet&>();
            const Channel* c = f.find_channel(name);
            if (c == nullptr) {
              std::string names;
              for (const Channel& ch : f.channels()) names += (names.empty() ? "" : ", ") + ch.name;
              throw py::key_error("fleet '" + f.name() + "' has no channel '" + name +
                                  "'; channels: " + names);
            }
            return view_of(*c, f.size(), self);
          },
          py::arg("name"), "Zero-copy numpy view of a channel, shaped (n_sat, ...).")
      .def(
          "set_mean_elements",
          [](Fleet& f, py::array a, py::array e, py::array inc, py::array raan, py::array argp,
             py::array m) {
            const py::ssize_t n = static_cast<py::ssize_t>(f.size());
            require_array<double>(a, {n}, "float64", "semi_major_axis_m");
            require_array<double>(e, {n}, "float64", "eccentricity");
            require_array<double>(inc, {n}, "float64", "inclination_rad");
            require_array<double>(raan, {n}, "float64", "raan_rad");
            require_array<double>(argp, {n}, "float64", "arg_perigee_rad");
            require_array<double>(m, {n}, "float64", "mean_anomaly_rad");
            f.set_mean_elements(static_cast<const double*>(a.data()), static_cast<const double*>(e.data()),
                                static_cast<const double*>(inc.data()),
                                static_cast<const double*>(raan.data()),
                                static_cast<const double*>(argp.data()),
                                static_cast<const double*>(m.data()));
          },
          py::arg("semi_major_axis_m"), py::arg("eccentricity"), py::arg("inclination_rad"),
          py::arg("raan_rad"), py::arg("arg_perigee_rad"), py::arg("mean_anomaly_rad"),
          "Sets every satellite's mean elements at epoch; raises ValueError on bad values.")
      .def_property_readonly("ephemeris_capacity", &Fleet::ephemeris_capacity)
      .def_property_readonly("ephemeris_count", &Fleet::ephemeris_count)
      .def("set_ephemeris_count", &Fleet::set_ephemeris_count, py::arg("count"))
      .def(
          "ephemeris_buffers",
          [](py::object self) {
            Fleet& f = self.cast<Fleet&>();
            if (f.orbit_source() != OrbitSource::kEphemeris)
              throw py::value_error("fleet '" + f.name() + "' has no ephemeris");
            const auto n = static_cast<py::ssize_t>(f.size());
            const auto k = static_cast<py::ssize_t>(f.ephemeris_capacity());
            py::array t(py::dtype::of<int64_t>(), {k}, f.ephemeris_time_ns.data(), self);
            py::array r(py::dtype::of<double>(), {n, k, py::ssize_t{3}}, f.ephemeris_position_m.data(), self);
            py::array v(py::dtype::of<double>(), {n, k, py::ssize_t{3}}, f.ephemeris_velocity_m_s.data(), self);
            return py::make_tuple(t, r, v);
          },
          "Writable views (time_ns (K,), position_m (N,K,3), velocity_m_s (N,K,3)) of the ephemeris.")
      .def_readonly("max_eccentricity", &Fleet::max_eccentricity);
}

}  // namespace orbitwin::bindings
