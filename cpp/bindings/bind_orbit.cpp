#include <cmath>

#include "bindings.hpp"
#include "orbitwin/fastmath.hpp"
#include "orbitwin/orbit.hpp"

namespace orbitwin::bindings {

using farray = py::array_t<double, py::array::c_style | py::array::forcecast>;

void bind_orbit(py::module_& m) {
  m.def(
      "solve_kepler",
      [](farray mean_anomaly_rad, farray eccentricity) {
        if (mean_anomaly_rad.size() != eccentricity.size())
          throw py::value_error("solve_kepler: mean_anomaly and eccentricity differ in size");
        py::array_t<double> out(mean_anomaly_rad.request().shape);
        const double* M = mean_anomaly_rad.data();
        const double* e = eccentricity.data();
        double* E = out.mutable_data();
        for (py::ssize_t i = 0; i < out.size(); ++i) {
          if (!(e[i] >= 0.0 && e[i] < 1.0))
            throw py::value_error("solve_kepler: eccentricity is " + std::to_string(e[i]) +
                                  "; allowed: 0 <= e < 1");
          E[i] = solve_kepler(M[i], e[i]);
        }
        return out;
      },
      py::arg("mean_anomaly_rad"), py::arg("eccentricity"),
      "Eccentric anomaly [rad] in [-pi, pi] solving M = E - e sin E (any 0 <= e < 1).");

  m.def(
      "j2_secular_rates",
      [](double a_m, double e, double inc_rad) {
        const SecularRates r = j2_secular_rates(MeanElements{a_m, e, inc_rad, 0, 0, 0});
        return py::make_tuple(r.mean_motion_rad_s, r.raan_rate_rad_s, r.arg_perigee_rate_rad_s);
      },
      py::arg("semi_major_axis_m"), py::arg("eccentricity"), py::arg("inclination_rad"),
      "J2 secular rates (dM/dt, dRAAN/dt, d(omega)/dt) [rad/s].");

  auto fm = m.def_submodule("fastmath", "The core's vectorisable elementary functions (for validation).");
  fm.def(
      "sincos",
      [](farray x) {
        py::array_t<double> s(x.request().shape), c(x.request().shape);
        const double* px = x.data();
        double* ps = s.mutable_data();
        double* pc = c.mutable_data();
        for (py::ssize_t i = 0; i < x.size(); ++i) fastmath::sincos(px[i], ps[i], pc[i]);
        return py::make_tuple(s, c);
      },
      py::arg("x"));
  fm.def(
      "atan2",
      [](farray y, farray x) {
        if (y.size() != x.size()) throw py::value_error("atan2: y and x differ in size");
        py::array_t<double> out(y.request().shape);
        const double* py_ = y.data();
        const double* px = x.data();
        double* po = out.mutable_data();
        for (py::ssize_t i = 0; i < y.size(); ++i) po[i] = fastmath::atan2(py_[i], px[i]);
        return out;
      },
      py::arg("y"), py::arg("x"));
  fm.def(
      "asin",
      [](farray x) {
        py::array_t<double> out(x.request().shape);
        const double* px = x.data();
        double* po = out.mutable_data();
        for (py::ssize_t i = 0; i < x.size(); ++i) po[i] = fastmath::asin(px[i]);
        return out;
      },
      py::arg("x"));
}

}  // namespace orbitwin::bindings
