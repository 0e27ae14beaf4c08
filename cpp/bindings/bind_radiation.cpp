// Radiation: the per-fleet configuration (tables built in Python), enabling it
// on a fleet, and test hooks for the interpolation and the counter-based draws.
#include <array>

#include "bindings.hpp"
#include "orbitwin/fleet.hpp"
#include "orbitwin/radiation.hpp"

namespace orbitwin::bindings {

namespace {

std::vector<double> to_vector(const py::array& a, const char* what) {
  require_array<double>(a, std::vector<py::ssize_t>(static_cast<std::size_t>(a.ndim()), -1), "float64", what);
  const double* p = static_cast<const double*>(a.data());
  return std::vector<double>(p, p + a.size());
}

py::array_t<double> from_vector(const std::vector<double>& v) {
  py::array_t<double> out(static_cast<py::ssize_t>(v.size()));
  std::copy(v.begin(), v.end(), out.mutable_data());
  return out;
}

template <std::size_t N>
void set_fixed(double (&dst)[N], const std::vector<double>& v, const char* what) {
  if (v.size() != N)
    throw py::value_error(std::string(what) + ": expected " + std::to_string(N) + " values, got " +
                          std::to_string(v.size()));
  for (std::size_t k = 0; k < N; ++k) dst[k] = v[k];
}

}  // namespace

void bind_radiation(py::module_& m) {
  using C = RadiationConfig;
  py::class_<C>(m, "RadiationConfig",
                "Tables and device data of one fleet's radiation model (built by orbitwin.radiation).")
      .def(py::init<>())
      .def_readwrite("lat0_deg", &C::lat0_deg)
      .def_readwrite("dlat_deg", &C::dlat_deg)
      .def_readwrite("nlat", &C::nlat)
      .def_readwrite("lon0_deg", &C::lon0_deg)
      .def_readwrite("dlon_deg", &C::dlon_deg)
      .def_readwrite("nlon", &C::nlon)
      .def_readwrite("alt0_m", &C::alt0_m)
      .def_readwrite("dalt_m", &C::dalt_m)
      .def_readwrite("nalt", &C::nalt)
      .def_readwrite("n_proton", &C::n_proton)
      .def_readwrite("n_electron", &C::n_electron)
      .def_readwrite("tiny_flux", &C::tiny_flux)
      .def_readwrite("log_thickness0", &C::log_thickness0)
      .def_readwrite("dlog_thickness", &C::dlog_thickness)
      .def_readwrite("n_thickness", &C::n_thickness)
      .def_readwrite("gcr_flux_free", &C::gcr_flux_free)
      .def_readwrite("gcr_rigidity_scale_gv", &C::gcr_rigidity_scale_gv)
      .def_readwrite("gcr_dose_per_flux", &C::gcr_dose_per_flux)
      .def_readwrite("uncorrectable_fraction", &C::uncorrectable_fraction)
      .def_readwrite("tid_tolerance_gy", &C::tid_tolerance_gy)
      .def_readwrite("leakage_per_gy", &C::leakage_per_gy)
      .def_readwrite("seed", &C::seed)
#define ORBITWIN_VECTOR(field)                                                                  \
  def_property(                                                                                 \
      #field, [](const C& c) { return from_vector(c.field); },                                  \
      [](C& c, const py::array& a) { c.field = to_vector(a, #field); })
      .ORBITWIN_VECTOR(log_flux)
      .ORBITWIN_VECTOR(proton_energy_mev)
      .ORBITWIN_VECTOR(proton_dose_weight)
      .ORBITWIN_VECTOR(electron_dose_weight)
      .ORBITWIN_VECTOR(proton_see_weight)
#undef ORBITWIN_VECTOR
#define ORBITWIN_FIXED(field, n)                                                                \
  def_property(                                                                                 \
      #field, [](const C& c) { return from_vector(std::vector<double>(c.field, c.field + n)); }, \
      [](C& c, const py::array& a) { set_fixed(c.field, to_vector(a, #field), #field); })
      .ORBITWIN_FIXED(gcr_see_per_flux, kSeeEffects)
      .ORBITWIN_FIXED(dipole_axis, 3)
      .ORBITWIN_FIXED(see_downtime_s, kSeeEffects)
#undef ORBITWIN_FIXED
      .def("validate", [](const C& c) {
        try {
          c.validate();
        } catch (const std::invalid_argument& e) {
          throw py::value_error(e.what());
        }
      });

  m.def(
      "enable_radiation",
      [](Fleet& f, const RadiationConfig& c) {
        try {
          enable_radiation(f, c);
        } catch (const std::invalid_argument& e) {
          throw py::value_error(e.what());
        }
      },
      py::arg("fleet"), py::arg("config"),
      "Adds the radiation model and its channels to a fleet (before the twin starts).");

  m.def(
      "radiation_interpolate",
      [](const RadiationConfig& c, const py::array& lat_deg, const py::array& lon_deg,
         const py::array& alt_m) {
        c.validate();
        const py::ssize_t n = lat_deg.size();
        require_array<double>(lat_deg, {n}, "float64", "lat_deg");
        require_array<double>(lon_deg, {n}, "float64", "lon_deg");
        require_array<double>(alt_m, {n}, "float64", "alt_m");
        const auto ne = static_cast<py::ssize_t>(c.n_proton + c.n_electron);
        py::array_t<double> out({n, ne});
        const double* la = static_cast<const double*>(lat_deg.data());
        const double* lo = static_cast<const double*>(lon_deg.data());
        const double* al = static_cast<const double*>(alt_m.data());
        double* o = out.mutable_data();
        {
          py::gil_scoped_release release;
          for (py::ssize_t i = 0; i < n; ++i) radiation::interpolate(c, la[i], lo[i], al[i], o + i * ne);
        }
        return out;
      },
      py::arg("config"), py::arg("lat_deg"), py::arg("lon_deg"), py::arg("alt_m"),
      "Trapped integral fluxes [m-2 s-1] (N, n_proton + n_electron) as the core interpolates them.");

  m.def(
      "radiation_uniform",
      [](uint64_t seed, const std::string& fleet, const py::array& satellite, const py::array& t_s,
         uint64_t stream) {
        const py::ssize_t n = satellite.size();
        require_array<int64_t>(satellite, {n}, "int64", "satellite");
        require_array<double>(t_s, {n}, "float64", "t_s");
        const int64_t* sat = static_cast<const int64_t*>(satellite.data());
        const double* t = static_cast<const double*>(t_s.data());
        py::array_t<double> out(n);
        double* o = out.mutable_data();
        const uint64_t fk = radiation::name_key(fleet);
        for (py::ssize_t i = 0; i < n; ++i) {
          const uint64_t sk = radiation::satellite_key(seed, fk, static_cast<uint64_t>(sat[i]));
          o[i] = radiation::uniform(radiation::step_key(sk, t[i]), stream);
        }
        return out;
      },
      py::arg("seed"), py::arg("fleet"), py::arg("satellite"), py::arg("t_s"), py::arg("stream"),
      "The core's counter-based uniform draws in (0, 1) for (seed, fleet, satellite, step time, stream).");

  m.def(
      "radiation_exp10",
      [](const py::array& x) {
        const py::ssize_t n = x.size();
        require_array<double>(x, {n}, "float64", "x");
        const double* p = static_cast<const double*>(x.data());
        py::array_t<double> out(n);
        double* o = out.mutable_data();
        for (py::ssize_t i = 0; i < n; ++i) o[i] = radiation::exp10(p[i]);
        return out;
      },
      py::arg("x"), "The core's vectorisable 10**x (test hook).");

  m.attr("STATUS_SEE_OUTAGE") = kStatusSeeOutage;
  m.attr("STATUS_TID_FAILED") = kStatusTidFailed;
}

}  // namespace orbitwin::bindings
