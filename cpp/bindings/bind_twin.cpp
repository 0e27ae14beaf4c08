#include <algorithm>

#include "bindings.hpp"
#include "orbitwin/twin.hpp"

namespace orbitwin::bindings {

void bind_twin(py::module_& m) {
  py::enum_<StopReason>(m, "StopReason")
      .value("REACHED", StopReason::kReached)
      .value("RECORDER_FULL", StopReason::kRecorderFull)
      .value("EPHEMERIS_NEEDED", StopReason::kEphemerisNeeded)
      .value("WATCH", StopReason::kWatch);

  py::enum_<WatchOp>(m, "WatchOp")
      .value("LT", WatchOp::kLess)
      .value("LE", WatchOp::kLessEqual)
      .value("GT", WatchOp::kGreater)
      .value("GE", WatchOp::kGreaterEqual);

  py::class_<AdvanceResult>(m, "AdvanceResult")
      .def_readonly("time_ns", &AdvanceResult::time_ns)
      .def_readonly("reason", &AdvanceResult::reason)
      .def_readonly("steps", &AdvanceResult::steps)
      .def("__repr__", [](const AdvanceResult& r) {
        return "AdvanceResult(time_ns=" + std::to_string(r.time_ns) +
               ", reason=" + std::to_string(static_cast<int>(r.reason)) +
               ", steps=" + std::to_string(r.steps) + ")";
      });

  py::class_<Twin>(m, "Twin", py::dynamic_attr(),
                   "Fleets, the clock (int64 ns since epoch) and fixed-step advancing.")
      .def(py::init([](double jd_whole, double jd_fraction, int64_t step_ns) {
             return std::make_unique<Twin>(JulianDate{jd_whole, jd_fraction}, step_ns);
           }),
           py::arg("epoch_jd_whole"), py::arg("epoch_jd_fraction"), py::arg("step_ns"))
      .def("add_fleet", &Twin::add_fleet, py::arg("name"), py::arg("n_sat"), py::arg("source"),
           py::arg("ephemeris_capacity") = 0, py::return_value_policy::reference_internal)
      .def_property_readonly("fleet_count", &Twin::fleet_count)
      .def("fleet", &Twin::fleet, py::arg("index"), py::return_value_policy::reference_internal)
      .def_property_readonly("time_ns", &Twin::time_ns)
      .def_property_readonly("step_ns", &Twin::step_ns)
      .def_property_readonly("started", &Twin::started)
      .def_property("threads", &Twin::threads, &Twin::set_threads)
      .def(
          "plan_steps",
          [](const Twin& t, int64_t until_ns, std::size_t max_steps) {
            const std::vector<int64_t> steps = t.plan_steps(until_ns, max_steps);
            py::array_t<int64_t> out(static_cast<py::ssize_t>(steps.size()));
            std::copy(steps.begin(), steps.end(), out.mutable_data());
            return out;
          },
          py::arg("until_ns"), py::arg("max_steps"),
           "The next step end times [ns] towards until_ns, at most max_steps.")
      .def("start", &Twin::start, py::call_guard<py::gil_scoped_release>(),
           "Evaluates the models at the current time; False when an ephemeris lacks a sample.")
      .def("advance", &Twin::advance, py::arg("until_ns"), py::call_guard<py::gil_scoped_release>(),
           "Steps every satellite to until_ns; returns early when the recorder is full or an "
           "ephemeris runs out. Releases the GIL.")
      .def(
          "attach_recorder",
          [](py::object self_obj, int64_t cadence_ns, py::array frame_times, py::list sinks) {
            Twin& self = self_obj.cast<Twin&>();
            const py::ssize_t cap = frame_times.ndim() == 1 ? frame_times.shape(0) : -1;
            require_array<int64_t>(frame_times, {-1}, "int64", "frame_times");
            std::vector<RecorderSink> resolved;
            py::list keep;
            keep.append(frame_times);
            for (py::handle item : sinks) {
              auto tup = item.cast<py::tuple>();
              const auto fi = tup[0].cast<std::size_t>();
              const auto name = tup[1].cast<std::string>();
              py::array arr = tup[2].cast<py::array>();
              const bool single = tup.size() > 3 && tup[3].cast<bool>();
              const Fleet& f = self.fleet(fi);
              const Channel* c = f.find_channel(name);
              if (c == nullptr)
                throw py::value_error("recorder: fleet '" + f.name() + "' has no channel '" + name + "'");
              std::vector<py::ssize_t> shape{cap, static_cast<py::ssize_t>(f.size())};
              for (std::size_t d : c->inner_shape) shape.push_back(static_cast<py::ssize_t>(d));
              const std::string what = "recorder buffer for " + f.name() + "/" + name;
              if (single && c->dtype != DType::kFloat64)
                throw py::value_error(what + ": single is true for an integer channel; allowed: single "
                                      "precision for float64 channels only");
              switch (c->dtype) {
                case DType::kFloat64:
                  if (single) require_array<float>(arr, shape, "float32", what);
                  else require_array<double>(arr, shape, "float64", what);
                  break;
                case DType::kInt32: require_array<int32_t>(arr, shape, "int32", what); break;
                case DType::kUInt32: require_array<uint32_t>(arr, shape, "uint32", what); break;
                case DType::kInt64: require_array<int64_t>(arr, shape, "int64", what); break;
              }
              if (!arr.writeable()) throw py::value_error(what + ": array is read-only");
              resolved.push_back(RecorderSink{fi, name, arr.mutable_data(), single});
              keep.append(arr);
            }
            self.attach_recorder(cadence_ns, static_cast<std::size_t>(cap),
                                 static_cast<int64_t*>(frame_times.mutable_data()), resolved);
            self_obj.attr("_recorder_arrays") = keep;
          },
          py::arg("cadence_ns"), py::arg("frame_times"), py::arg("sinks"),
          "Records frames at multiples of cadence_ns into caller-owned arrays: frame_times "
          "(capacity,) int64 and sinks [(fleet_index, channel, array (capacity, n_sat, ...)[, single])]; "
          "with single true a float64 channel is recorded into a float32 array.")
      .def("detach_recorder", &Twin::detach_recorder)
      .def(
          "set_ground_stations",
          [](Twin& t, py::array lat, py::array lon, py::array alt, py::array min_el) {
            const py::ssize_t n = lat.ndim() == 1 ? lat.shape(0) : -1;
            require_array<double>(lat, {n}, "float64", "latitude_rad");
            require_array<double>(lon, {n}, "float64", "longitude_rad");
            require_array<double>(alt, {n}, "float64", "altitude_m");
            require_array<double>(min_el, {n}, "float64", "min_elevation_rad");
            t.set_ground_stations(static_cast<const double*>(lat.data()),
                                  static_cast<const double*>(lon.data()),
                                  static_cast<const double*>(alt.data()),
                                  static_cast<const double*>(min_el.data()),
                                  static_cast<std::size_t>(n));
          },
          py::arg("latitude_rad"), py::arg("longitude_rad"), py::arg("altitude_m"),
          py::arg("min_elevation_rad"),
          "Sets the ground stations (before start); every fleet gets ground.* channels.")
      .def("set_station_enabled", &Twin::set_station_enabled, py::arg("index"), py::arg("enabled"),
           "Takes ground station `index` out of service (no contacts) or back.")
      .def_property_readonly("station_count",
                             [](const Twin& t) { return t.ground_stations().count; })
      .def("add_watch", &Twin::add_watch, py::arg("fleet"), py::arg("channel"), py::arg("op"),
           py::arg("threshold"),
           "Arms a threshold watch on a scalar channel; returns its id. advance() returns "
           "early (reason WATCH) at the end of the first step where the condition turns true.")
      .def("remove_watch", &Twin::remove_watch, py::arg("id"))
      .def_property_readonly("watch_count", &Twin::watch_count)
      .def(
          "watch_hits",
          [](const Twin& t) {
            py::list out;
            for (const WatchHit& h : t.watch_hits()) {
              py::array_t<int64_t> sats(static_cast<py::ssize_t>(h.satellites.size()));
              std::copy(h.satellites.begin(), h.satellites.end(), sats.mutable_data());
              out.append(py::make_tuple(h.watch, sats));
            }
            return out;
          },
          "[(watch id, satellite indices)] that fired at the end of the last advance.")
      .def_property_readonly("recorded_frames", &Twin::recorded_frames)
      .def("clear_recorded", &Twin::clear_recorded)
      .def(
          "sun_direction",
          [](const Twin& t, int64_t t_ns) {
            const SunEphemeris s = t.sun_at(t_ns);
            return py::make_tuple(s.direction[0], s.direction[1], s.direction[2]);
          },
          py::arg("time_ns"), "Unit vector to the Sun (inertial) at time_ns.");
}

}  // namespace orbitwin::bindings
