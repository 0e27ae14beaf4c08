#include "bindings.hpp"
#include "orbitwin/eclipse.hpp"
#include "orbitwin/sun.hpp"

namespace orbitwin::bindings {

void bind_sun(py::module_& m) {
  m.def(
      "sun_ephemeris",
      [](double jd_whole, double jd_fraction) {
        const SunEphemeris s = sun_ephemeris(JulianDate{jd_whole, jd_fraction});
        py::dict d;
        d["direction"] = py::make_tuple(s.direction[0], s.direction[1], s.direction[2]);
        d["distance_m"] = s.distance_m;
        d["ecliptic_longitude_rad"] = s.ecliptic_longitude;
        d["obliquity_rad"] = s.obliquity;
        return d;
      },
      py::arg("jd_whole"), py::arg("jd_fraction") = 0.0,
      "Apparent Sun (Astronomical Almanac low-precision formulae): unit direction, distance [m],"
      " ecliptic longitude [rad], obliquity [rad].");

  m.def(
      "illuminated_fraction",
      [](py::array position_m, py::array_t<double, py::array::c_style | py::array::forcecast> sun_m) {
        require_array<double>(position_m, {-1, 3}, "float64", "position_m");
        if (sun_m.size() != 3) throw py::value_error("sun_m: expected 3 values");
        const py::ssize_t n = position_m.shape(0);
        py::array_t<double> out(n);
        const double* r = static_cast<const double*>(position_m.data());
        const double* s = sun_m.data();
        double* o = out.mutable_data();
        {
          py::gil_scoped_release release;
          for (py::ssize_t i = 0; i < n; ++i) o[i] = illuminated_fraction(r + 3 * i, s);
        }
        return out;
      },
      py::arg("position_m"), py::arg("sun_m"),
      "Visible fraction of the solar disc [0..1] for geocentric positions (N,3) [m] and a Sun position (3,) [m].");
}

}  // namespace orbitwin::bindings
