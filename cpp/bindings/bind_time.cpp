#include "bindings.hpp"
#include "orbitwin/time.hpp"

namespace orbitwin::bindings {

void bind_time(py::module_& m) {
  m.def(
      "gmst",
      [](py::array_t<double, py::array::c_style | py::array::forcecast> jd_whole,
         py::array_t<double, py::array::c_style | py::array::forcecast> jd_fraction) {
        if (jd_whole.size() != jd_fraction.size())
          throw py::value_error("gmst: jd_whole and jd_fraction must have the same size");
        py::array_t<double> out(jd_whole.request().shape);
        const double* pw = jd_whole.data();
        const double* pf = jd_fraction.data();
        double* po = out.mutable_data();
        for (py::ssize_t i = 0; i < jd_whole.size(); ++i) po[i] = gmst_rad(JulianDate{pw[i], pf[i]});
        return out;
      },
      py::arg("jd_whole"), py::arg("jd_fraction"),
      "Greenwich mean sidereal time [rad] (IAU 1982) for UT1 Julian dates given in two parts.");
}

}  // namespace orbitwin::bindings
