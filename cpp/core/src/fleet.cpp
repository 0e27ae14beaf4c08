#include "orbitwin/fleet.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include "orbitwin/constants.hpp"

namespace orbitwin {

std::size_t dtype_size(DType t) {
  switch (t) {
    case DType::kFloat64: return 8;
    case DType::kInt32: return 4;
    case DType::kUInt32: return 4;
    case DType::kInt64: return 8;
  }
  return 0;
}

std::size_t Channel::values_per_satellite() const {
  std::size_t v = 1;
  for (std::size_t d : inner_shape) v *= d;
  return v;
}

namespace {

[[noreturn]] void bad_value(const std::string& fleet, const std::string& field, std::size_t index,
                            double value, const std::string& allowed) {
  std::ostringstream os;
  os.precision(10);
  os << "fleet '" << fleet << "': " << field << " of satellite " << index << " is " << value
     << "; allowed: " << allowed;
  throw std::invalid_argument(os.str());
}

}  // namespace

Fleet::Fleet(std::string name, std::size_t n_sat, OrbitSource source, std::size_t ephemeris_capacity)
    : name_(std::move(name)), n_(n_sat), source_(source), eph_capacity_(ephemeris_capacity) {
  if (n_ == 0) throw std::invalid_argument("fleet '" + name_ + "': n_sat is 0; allowed: at least 1");
  if (source_ == OrbitSource::kMeanElements) {
    semi_major_axis_m = Buffer<double>(n_);
    eccentricity = Buffer<double>(n_);
    inclination_rad = Buffer<double>(n_);
    raan_epoch_rad = Buffer<double>(n_);
    arg_perigee_epoch_rad = Buffer<double>(n_);
    mean_anomaly_epoch_rad = Buffer<double>(n_);
    mean_motion_rad_s = Buffer<double>(n_);
    raan_rate_rad_s = Buffer<double>(n_);
    arg_perigee_rate_rad_s = Buffer<double>(n_);
    cos_inclination = Buffer<double>(n_);
    sin_inclination = Buffer<double>(n_);
    semi_minor_ratio = Buffer<double>(n_);
  } else {
    if (eph_capacity_ == 0)
      throw std::invalid_argument("fleet '" + name_ +
                                  "': ephemeris_capacity is 0; allowed: at least 1");
    ephemeris_time_ns = Buffer<int64_t>(eph_capacity_);
    ephemeris_position_m = Buffer<double>(n_ * eph_capacity_ * 3);
    ephemeris_velocity_m_s = Buffer<double>(n_ * eph_capacity_ * 3);
  }
  attitude_mode = Buffer<int32_t>(n_);
  inertial_axes = Buffer<double>(n_ * 9);
  tumble_rate_rad_s = Buffer<double>(n_ * 3);
  tumble_start_s = Buffer<double>(n_);
  for (std::size_t i = 0; i < n_; ++i) {
    inertial_axes[9 * i + 0] = inertial_axes[9 * i + 4] = inertial_axes[9 * i + 8] = 1.0;
  }
  position_m = Buffer<double>(n_ * 3);
  velocity_m_s = Buffer<double>(n_ * 3);
  latitude_rad = Buffer<double>(n_);
  longitude_rad = Buffer<double>(n_);
  altitude_m = Buffer<double>(n_);
  illumination = Buffer<double>(n_);
  beta_angle_rad = Buffer<double>(n_);
  body_axes = Buffer<double>(n_ * 9);
  status = Buffer<uint32_t>(n_);
  register_channels();
}

void Fleet::add_channel(const std::string& name, const std::string& unit,
                        const std::string& description, DType dtype, void* data,
                        std::vector<std::size_t> inner, bool is_parameter, bool writable) {
  channels_.push_back(Channel{name, unit, description, dtype, data, std::move(inner), is_parameter,
                              writable});
}

void Fleet::register_channels() {
  if (source_ == OrbitSource::kMeanElements) {
    add_channel("orbit.semi_major_axis", "m", "mean semi-major axis", DType::kFloat64,
                semi_major_axis_m.data(), {}, true, false);
    add_channel("orbit.eccentricity", "1", "mean eccentricity", DType::kFloat64,
                eccentricity.data(), {}, true, false);
    add_channel("orbit.inclination", "rad", "mean inclination", DType::kFloat64,
                inclination_rad.data(), {}, true, false);
    add_channel("orbit.raan_epoch", "rad", "right ascension of the ascending node at epoch",
                DType::kFloat64, raan_epoch_rad.data(), {}, true, false);
    add_channel("orbit.arg_perigee_epoch", "rad", "argument of perigee at epoch", DType::kFloat64,
                arg_perigee_epoch_rad.data(), {}, true, false);
    add_channel("orbit.mean_anomaly_epoch", "rad", "mean anomaly at epoch", DType::kFloat64,
                mean_anomaly_epoch_rad.data(), {}, true, false);
  }
  add_channel("attitude.mode", "1", "attitude mode (0 nadir, 1 sun-pointing, 2 inertial, 3 tumbling)",
              DType::kInt32, attitude_mode.data(), {}, true, true);
  add_channel("attitude.inertial_axes", "1",
              "body axes in the inertial frame for inertial mode (rows X, Y, Z)", DType::kFloat64,
              inertial_axes.data(), {3, 3}, true, true);
  add_channel("attitude.tumble_rate", "rad s-1",
              "inertial angular velocity while tumbling (from inertial_axes at tumble_start)",
              DType::kFloat64, tumble_rate_rad_s.data(), {3}, true, true);
  add_channel("attitude.tumble_start", "s", "time since the epoch the tumble starts from",
              DType::kFloat64, tumble_start_s.data(), {}, true, true);
  add_channel("orbit.position", "m", "position in the inertial frame (TEME)", DType::kFloat64,
              position_m.data(), {3}, false, false);
  add_channel("orbit.velocity", "m s-1", "velocity in the inertial frame (TEME)",
              DType::kFloat64, velocity_m_s.data(), {3}, false, false);
  add_channel("orbit.latitude", "rad", "geodetic latitude (WGS-84)", DType::kFloat64,
              latitude_rad.data(), {}, false, false);
  add_channel("orbit.longitude", "rad", "east longitude", DType::kFloat64, longitude_rad.data(),
              {}, false, false);
  add_channel("orbit.altitude", "m", "height above the WGS-84 ellipsoid", DType::kFloat64,
              altitude_m.data(), {}, false, false);
  add_channel("sun.illumination", "1", "visible fraction of the solar disc", DType::kFloat64,
              illumination.data(), {}, false, false);
  add_channel("sun.beta_angle", "rad", "elevation of the Sun above the orbit plane",
              DType::kFloat64, beta_angle_rad.data(), {}, false, false);
  add_channel("attitude.body_axes", "1", "body axes in the inertial frame (rows X, Y, Z)",
              DType::kFloat64, body_axes.data(), {3, 3}, false, false);
  add_channel("status.flags", "1", "status bits (1: no valid orbit)", DType::kUInt32,
              status.data(), {}, false, false);
}

void Fleet::allocate_ground(std::size_t stations) {
  if (station_count != 0) throw std::invalid_argument("ground stations are already set");
  station_count = stations;
  station_elevation_rad = Buffer<double>(n_ * stations);
  station_visible = Buffer<int32_t>(n_ * stations);
  best_station = Buffer<int32_t>(n_);
  best_station.fill(-1);
  add_channel("ground.elevation", "rad", "elevation of the satellite seen from each station",
              DType::kFloat64, station_elevation_rad.data(), {stations}, false, false);
  add_channel("ground.visible", "1", "1 when above the station's elevation mask",
              DType::kInt32, station_visible.data(), {stations}, false, false);
  add_channel("ground.best_station", "1", "visible station of highest elevation (-1: none)",
              DType::kInt32, best_station.data(), {}, false, false);
}

const Channel* Fleet::find_channel(const std::string& name) const {
  for (const Channel& c : channels_)
    if (c.name == name) return &c;
  return nullptr;
}

void Fleet::set_mean_elements(const double* a, const double* e, const double* inc,
                              const double* raan, const double* argp, const double* m) {
  if (source_ != OrbitSource::kMeanElements)
    throw std::invalid_argument("fleet '" + name_ + "' takes its orbits from an ephemeris");
  const double allowed_angle = 1e6;
  for (std::size_t i = 0; i < n_; ++i) {
    if (!(e[i] >= 0.0 && e[i] < 1.0))
      bad_value(name_, "eccentricity", i, e[i], "0 <= e < 1");
    if (!(inc[i] >= 0.0 && inc[i] <= kPi))
      bad_value(name_, "inclination [deg]", i, inc[i] / kDegToRad, "0 to 180 deg");
    const double perigee_m = a[i] * (1.0 - e[i]);
    if (!(std::isfinite(a[i]) && perigee_m > kEarthRadiusEq))
      bad_value(name_, "perigee altitude [km]", i, (perigee_m - kEarthRadiusEq) / 1e3,
                "above the Earth's surface (> 0 km)");
    if (!(std::fabs(raan[i]) < allowed_angle))
      bad_value(name_, "raan [rad]", i, raan[i], "a finite angle");
    if (!(std::fabs(argp[i]) < allowed_angle))
      bad_value(name_, "arg_perigee [rad]", i, argp[i], "a finite angle");
    if (!(std::fabs(m[i]) < allowed_angle))
      bad_value(name_, "mean_anomaly [rad]", i, m[i], "a finite angle");
  }
  max_eccentricity = 0.0;
  for (std::size_t i = 0; i < n_; ++i) {
    semi_major_axis_m[i] = a[i];
    eccentricity[i] = e[i];
    inclination_rad[i] = inc[i];
    raan_epoch_rad[i] = raan[i];
    arg_perigee_epoch_rad[i] = argp[i];
    mean_anomaly_epoch_rad[i] = m[i];
    const SecularRates r = j2_secular_rates(MeanElements{a[i], e[i], inc[i], raan[i], argp[i], m[i]});
    mean_motion_rad_s[i] = r.mean_motion_rad_s;
    raan_rate_rad_s[i] = r.raan_rate_rad_s;
    arg_perigee_rate_rad_s[i] = r.arg_perigee_rate_rad_s;
    cos_inclination[i] = std::cos(inc[i]);
    sin_inclination[i] = std::sin(inc[i]);
    semi_minor_ratio[i] = std::sqrt(1.0 - e[i] * e[i]);
    if (e[i] > max_eccentricity) max_eccentricity = e[i];
  }
}

void Fleet::set_ephemeris_count(std::size_t count) {
  if (source_ != OrbitSource::kEphemeris)
    throw std::invalid_argument("fleet '" + name_ + "' has no ephemeris");
  if (count > eph_capacity_)
    throw std::invalid_argument("fleet '" + name_ + "': ephemeris count " + std::to_string(count) +
                                " exceeds its capacity " + std::to_string(eph_capacity_));
  for (std::size_t j = 1; j < count; ++j)
    if (ephemeris_time_ns[j] <= ephemeris_time_ns[j - 1])
      throw std::invalid_argument("fleet '" + name_ + "': ephemeris times must increase");
  eph_count_ = count;
}

long Fleet::ephemeris_index(int64_t t_ns) const {
  std::size_t lo = 0, hi = eph_count_;
  while (lo < hi) {
    const std::size_t mid = (lo + hi) / 2;
    if (ephemeris_time_ns[mid] < t_ns) lo = mid + 1; else hi = mid;
  }
  return (lo < eph_count_ && ephemeris_time_ns[lo] == t_ns) ? static_cast<long>(lo) : -1;
}

void Fleet::validate_parameters() const {
  for (std::size_t i = 0; i < n_; ++i) {
    const int32_t m = attitude_mode[i];
    if (m < 0 || m >= kAttitudeModeCount)
      bad_value(name_, "attitude.mode", i, m,
                "0 (nadir), 1 (sun-pointing), 2 (inertial) or 3 (tumbling)");
  }
  if (thermal_power) validate_thermal_power();
  if (radiation) radiation->validate_parameters(name_);
}

}  // namespace orbitwin
