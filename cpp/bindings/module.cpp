// orbitwin._core: the compiled core. This file only calls the per-subsystem binders.
#include "bindings.hpp"

PYBIND11_MODULE(_core, m) {
  m.doc() = "orbitwin's compiled core: structure-of-arrays fleets stepped in C++.";
  namespace b = orbitwin::bindings;
  b::bind_time(m);
  b::bind_orbit(m);
  b::bind_sun(m);
  b::bind_fleet(m);
  b::bind_twin(m);
  b::bind_thermal_power(m);
  b::bind_compute(m);
  b::bind_radiation(m);
#ifdef ORBITWIN_OPENMP
  m.attr("openmp") = true;
#else
  m.attr("openmp") = false;
#endif
}
