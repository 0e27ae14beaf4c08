// Shared helpers for the bind_<subsystem>.cpp files: array checks that name
// what was expected and what was given.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
// Every bind file sees the same STL casters (mixing TUs with and without
// stl.h is an ODR hazard, and Twin.plan_steps returns a std::vector).
#include <pybind11/stl.h>

#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace orbitwin::bindings {

namespace py = pybind11;

void bind_time(py::module_& m);
void bind_orbit(py::module_& m);
void bind_sun(py::module_& m);
void bind_fleet(py::module_& m);
void bind_twin(py::module_& m);
void bind_compute(py::module_& m);
void bind_thermal_power(py::module_& m);
void bind_radiation(py::module_& m);

inline std::string shape_text(const py::array& a) {
  std::ostringstream os;
  os << "(";
  for (py::ssize_t d = 0; d < a.ndim(); ++d) os << (d ? "," : "") << a.shape(d);
  if (a.ndim() == 1) os << ",";
  os << ") " << py::str(a.dtype()).cast<std::string>();
  return os.str();
}

inline std::string shape_text(const std::vector<py::ssize_t>& shape, const char* dtype) {
  std::ostringstream os;
  os << "(";
  for (std::size_t d = 0; d < shape.size(); ++d) os << (d ? "," : "") << shape[d];
  if (shape.size() == 1) os << ",";
  os << ") " << dtype;
  return os.str();
}

// Checks that `a` is a C-contiguous array of T shaped `shape` (-1: any).
template <class T>
void require_array(const py::array& a, const std::vector<py::ssize_t>& shape, const char* dtype_name,
                   const std::string& what) {
  bool ok = py::isinstance<py::array_t<T>>(a) && a.dtype().is(py::dtype::of<T>()) &&
            (a.flags() & py::array::c_style) && a.ndim() == static_cast<py::ssize_t>(shape.size());
  for (std::size_t d = 0; ok && d < shape.size(); ++d)
    ok = shape[d] < 0 || a.shape(d) == shape[d];
  if (!ok) {
    std::vector<py::ssize_t> shown(shape);
    std::ostringstream os;
    os << what << ": expected C-contiguous ";
    os << "(";
    for (std::size_t d = 0; d < shown.size(); ++d) {
      os << (d ? "," : "");
      if (shown[d] < 0) os << "N"; else os << shown[d];
    }
    if (shown.size() == 1) os << ",";
    os << ") " << dtype_name << ", got " << shape_text(a)
       << ((a.flags() & py::array::c_style) ? "" : " (not C-contiguous)");
    throw py::value_error(os.str());
  }
}

}  // namespace orbitwin::bindings
