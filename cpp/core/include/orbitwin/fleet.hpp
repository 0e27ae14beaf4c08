// A fleet: satellites that share one design, stored as a structure of arrays.
//
// Every per-satellite field is one contiguous Buffer shaped (n_sat,) or
// (n_sat, ...) and is registered as a named Channel with its unit, so the
// bindings can hand out zero-copy views and the recorder can copy frames
// without knowing the models.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "orbitwin/buffer.hpp"
#include "orbitwin/compute.hpp"
#include "orbitwin/orbit.hpp"
#include "orbitwin/radiation.hpp"

namespace orbitwin {

struct ThermalPower;
struct ThermalPowerDesign;

enum class DType : int { kFloat64 = 0, kInt32 = 1, kUInt32 = 2, kInt64 = 3 };
std::size_t dtype_size(DType t);

// A named per-satellite field.
struct Channel {
  std::string name;         //!< e.g. "orbit.position"
  std::string unit;         //!< UDUNITS string, "1" for dimensionless
  std::string description;  //!< long name
  DType dtype = DType::kFloat64;
  void* data = nullptr;
  std::vector<std::size_t> inner_shape;  //!< per-satellite shape, {} for scalars
  bool is_parameter = false;  //!< inputs users and faults may change between advances
  bool writable = false;      //!< whether Python views may write

  std::size_t values_per_satellite() const;
  std::size_t bytes_per_satellite() const { return values_per_satellite() * dtype_size(dtype); }
};

enum class OrbitSource : int {
  kMeanElements = 0,  //!< analytic J2 mean-element propagation in the core
  kEphemeris = 1,     //!< positions supplied per step (SGP4 through the sgp4 package)
};

// kTumble: uncontrolled rotation at attitude.tumble_rate (inertial angular
// velocity) from attitude.inertial_axes, held at attitude.tumble_start.
enum class AttitudeMode : int32_t { kNadir = 0, kSun = 1, kInertial = 2, kTumble = 3 };
inline constexpr int32_t kAttitudeModeCount = 4;

// Per-satellite status bits (a fault on one satellite is a flag, never an
// exception mid-batch).
enum StatusBit : uint32_t {
  kStatusOrbitInvalid = 1u << 0,  //!< no valid position (e.g. SGP4 decay error)
};

class Fleet {
 public:
  Fleet(std::string name, std::size_t n_sat, OrbitSource source, std::size_t ephemeris_capacity);

  const std::string& name() const { return name_; }
  std::size_t size() const { return n_; }
  OrbitSource orbit_source() const { return source_; }

  const std::vector<Channel>& channels() const { return channels_; }
  const Channel* find_channel(const std::string& name) const;

  // Sets the mean elements of every satellite (arrays of size()); throws
  // std::invalid_argument naming the field, satellite, value and allowed
  // range on bad input. Only for kMeanElements fleets.
  void set_mean_elements(const double* semi_major_axis_m, const double* eccentricity,
                         const double* inclination_rad, const double* raan_rad,
                         const double* arg_perigee_rad, const double* mean_anomaly_rad);

  // Ephemeris fleets: number of valid samples in the ephemeris buffers
  // (times ascending, at most ephemeris_capacity()).
  std::size_t ephemeris_capacity() const { return eph_capacity_; }
  std::size_t ephemeris_count() const { return eph_count_; }
  void set_ephemeris_count(std::size_t count);
  // Index of time t_ns in the ephemeris, or -1 when not present.
  long ephemeris_index(int64_t t_ns) const;

  // Checks parameters users may have changed through views; throws
  // std::invalid_argument naming the field, satellite and value.
  void validate_parameters() const;

  // Attaches the thermal network and power system (thermal_power.cpp): the
  // topology, every satellite's parameters at the design values, and their
  // channels. Once per fleet, before the twin starts.
  void attach_thermal_power(const ThermalPowerDesign& design);
  std::shared_ptr<ThermalPower> thermal_power;  //!< null when the fleet has no design

  // Attaches the compute payload (compute.cpp); needs the thermal/power design
  // (the payload heats its node and draws from the power system).
  void attach_compute(const ComputeDesign& design);
  std::shared_ptr<Compute> compute;  //!< null when the fleet has no compute payload

  // ---- parameters: orbit (mean elements at epoch, kMeanElements only) ----
  Buffer<double> semi_major_axis_m;  //!< [m] (n)
  Buffer<double> eccentricity;       //!< [-] (n)
  Buffer<double> inclination_rad;    //!< [rad] (n)
  Buffer<double> raan_epoch_rad;     //!< [rad] (n)
  Buffer<double> arg_perigee_epoch_rad;   //!< [rad] (n)
  Buffer<double> mean_anomaly_epoch_rad;  //!< [rad] (n)
  // derived once from the elements
  Buffer<double> mean_motion_rad_s;       //!< [rad/s] (n) including J2
  Buffer<double> raan_rate_rad_s;         //!< [rad/s] (n)
  Buffer<double> arg_perigee_rate_rad_s;  //!< [rad/s] (n)
  Buffer<double> cos_inclination;         //!< [-] (n)
  Buffer<double> sin_inclination;         //!< [-] (n)
  Buffer<double> semi_minor_ratio;        //!< [-] (n) sqrt(1 - e^2)
  double max_eccentricity = 0.0;          //!< [-] selects the Kepler solver

  // ---- parameters: attitude ----
  Buffer<int32_t> attitude_mode;          //!< [AttitudeMode] (n)
  Buffer<double> inertial_axes;           //!< [-] (n,3,3) rows: body X,Y,Z in ECI, for kInertial
  Buffer<double> tumble_rate_rad_s;       //!< [rad/s] (n,3) inertial angular velocity, for kTumble
  Buffer<double> tumble_start_s;          //!< [s] (n) time since epoch the tumble starts from

  // ---- optional models ----
  std::unique_ptr<Radiation> radiation;  //!< trapped/GCR/SPE environment, dose, SEEs (null: off)

  // ---- ephemeris (kEphemeris only), written by Python before advancing ----
  Buffer<int64_t> ephemeris_time_ns;      //!< [ns] (capacity)
  Buffer<double> ephemeris_position_m;    //!< [m] (n, capacity, 3) TEME
  Buffer<double> ephemeris_velocity_m_s;  //!< [m/s] (n, capacity, 3) TEME

  // ---- state ----
  Buffer<double> position_m;         //!< [m] (n,3) inertial (TEME)
  Buffer<double> velocity_m_s;       //!< [m/s] (n,3) inertial (TEME)
  Buffer<double> latitude_rad;       //!< [rad] (n) geodetic, WGS-84
  Buffer<double> longitude_rad;      //!< [rad] (n) east, in [-pi, pi]
  Buffer<double> altitude_m;         //!< [m] (n) above the WGS-84 ellipsoid
  Buffer<double> illumination;       //!< [-] (n) visible fraction of the solar disc
  Buffer<double> beta_angle_rad;     //!< [rad] (n) Sun elevation above the orbit plane
  Buffer<double> body_axes;          //!< [-] (n,3,3) rows: body X,Y,Z in ECI
  Buffer<uint32_t> status;           //!< [StatusBit] (n)

  // ---- ground contacts (allocated by allocate_ground for S stations) ----
  std::size_t station_count = 0;
  Buffer<double> station_elevation_rad;  //!< [rad] (n,S) elevation seen from each station
  Buffer<int32_t> station_visible;       //!< [-] (n,S) 1 above the station's mask
  Buffer<int32_t> best_station;          //!< [-] (n) visible station of highest elevation, -1 none

  // Allocates and registers the ground-contact channels for S stations.
  void allocate_ground(std::size_t stations);

 private:
  friend class Radiation;  // registers its channels
  void register_channels();
  void register_thermal_power_channels();
  void register_compute_channels();
  void validate_thermal_power() const;
  void add_channel(const std::string& name, const std::string& unit, const std::string& description,
                   DType dtype, void* data, std::vector<std::size_t> inner, bool is_parameter,
                   bool writable);

  std::string name_;
  std::size_t n_;
  OrbitSource source_;
  std::size_t eph_capacity_;
  std::size_t eph_count_ = 0;
  std::vector<Channel> channels_;
};

}  // namespace orbitwin
