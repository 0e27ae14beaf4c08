// Thermal network and power system of one fleet, coupled, for every satellite.
//
// The topology (nodes, links, face -> node map, which node the array,
// battery, bus and payload sit on) is shared by the whole fleet; every value
// users or faults may change (heat capacities, conductances, face optics,
// array efficiency, battery capacity, load demands, ...) is a per-satellite
// writable parameter buffer registered as a Channel on the Fleet.
//
// Models (validated in tests/test_thermal_power.py):
//  * environment per face: direct sun S illum max(0, n.s) A alpha, Earth
//    albedo S a F(cos nadir angle, r/R_E) max(0, cos zeta_subsolar) A alpha
//    and Earth IR q_IR F A eps with F the closed-form view factor of a tilted
//    flat plate to a sphere; faces radiate eps sigma A T^4 to deep space.
//  * thermal network C dT/dt = Q - K T - sigma eps A T^4 with the step-mean
//    heat input, integrated with TR-BDF2 (L-stable, second order), radiation
//    linearised about the temperature at the start of the step so both
//    stages share one matrix (details in thermal_power_kernel.cpp).
//  * power: array, battery with efficiencies, power limits and a floor,
//    bus/payload/heater loads with SoC-threshold and deficit shedding by
//    priority, shunting of surplus (shunted power stays on the array as
//    heat); steps across an eclipse boundary are resolved in sub-intervals;
//    cumulative energy counters close the balance
//    generated = stored + consumed + shunted + battery losses.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "orbitwin/buffer.hpp"
#include "orbitwin/constants.hpp"
#include "orbitwin/inline.hpp"

namespace orbitwin {

// Environment constants.
inline constexpr double kSolarConstant = 1361.0;         //!< [W/m^2] at 1 AU (Kopp & Lean 2011)
inline constexpr double kEarthAlbedo = 0.30;             //!< [-] Bond albedo, orbit average
inline constexpr double kEarthInfrared = 237.0;          //!< [W/m^2] outgoing longwave at the surface
inline constexpr double kStefanBoltzmann = 5.670374419e-8;  //!< [W/(m^2 K^4)]
inline constexpr double kJulianYear = 365.25 * 86400.0;  //!< [s]

// Limits of the topology (fixed-size block scratch in the kernel).
inline constexpr int kMaxThermalNodes = 8;
inline constexpr int kMaxThermalLinks = 28;  //!< every pair of 8 nodes
inline constexpr int kMaxFaces = 16;
inline constexpr int kMaxHeaters = 8;

// What a face's normal follows.
enum class FaceMount : int32_t {
  kBody = 0,        //!< fixed body-frame normal
  kArrayFront = 1,  //!< the solar array's normal (follows its tracking)
  kArrayBack = 2,   //!< opposite the solar array's normal
};

// A fleet's thermal/power design as the core takes it: the topology, and the
// initial value of every per-satellite parameter and state (copied to every
// satellite on attach). SI units; the Python SatelliteDesign fills it.
struct ThermalPowerDesign {
  // nodes
  std::vector<double> node_capacity_j_k;            //!< [J/K] (n_node)
  std::vector<double> node_initial_temperature_k;   //!< [K] (n_node)
  // conductive links
  std::vector<int32_t> link_node_a, link_node_b;    //!< node indices (n_link)
  std::vector<double> link_conductance_w_k;         //!< [W/K] (n_link)
  // radiating faces
  std::vector<int32_t> face_node;                   //!< node index (n_face)
  std::vector<int32_t> face_mount;                  //!< FaceMount (n_face)
  std::vector<double> face_normal_body;             //!< [-] (n_face*3) unit, for kBody
  std::vector<double> face_area_m2;                 //!< [m^2] (n_face)
  std::vector<double> face_absorptivity;            //!< [-] (n_face) solar
  std::vector<double> face_emissivity;              //!< [-] (n_face) infrared
  std::vector<int32_t> face_radiator;               //!< 1: a radiator face (optional, empty = none)
  double radiator_emissivity = 0.0;                  //!< [-] shared by every radiator face
  // heaters with thermostats
  std::vector<int32_t> heater_node;                 //!< node index (n_heater)
  std::vector<double> heater_power_w;               //!< [W] (n_heater)
  std::vector<double> heater_on_below_k;            //!< [K] switches on below
  std::vector<double> heater_off_above_k;           //!< [K] switches off above
  // solar array
  double array_area_m2 = 0.0;                        //!< [m^2] cell area
  double array_efficiency = 0.0;                     //!< [-] at the reference temperature
  double array_temperature_coefficient = 0.0;        //!< [1/K] relative, e.g. -0.0035
  double array_reference_temperature_k = 301.15;     //!< [K]
  double array_degradation_per_year = 0.0;           //!< [1/yr] relative loss per year
  double array_age_years = 0.0;                      //!< [yr] age at the epoch
  int32_t array_node = 0;
  double array_normal_body[3] = {0.0, 0.0, -1.0};    //!< [-] fixed normal (or rest normal)
  int32_t array_tracking = 0;                        //!< 1: rotates about array_axis_body to face the Sun
  double array_axis_body[3] = {0.0, 1.0, 0.0};       //!< [-] drive axis for tracking arrays
  // battery
  double battery_capacity_j = 0.0;                   //!< [J]
  double battery_initial_soc = 1.0;                  //!< [-]
  double battery_charge_efficiency = 1.0;            //!< [-] stored / drawn
  double battery_discharge_efficiency = 1.0;         //!< [-] delivered / taken from store
  double battery_max_charge_w = 0.0;                 //!< [W] at the terminals
  double battery_max_discharge_w = 0.0;              //!< [W] at the terminals
  double battery_soc_floor = 0.0;                    //!< [-] never discharged below
  int32_t battery_node = 0;
  // loads
  double bus_power_w = 0.0;                          //!< [W] never shed by SoC
  int32_t bus_node = 0;
  double payload_power_w = 0.0;                      //!< [W] demand
  int32_t payload_node = 0;
  int32_t payload_priority = 2;   //!< deficit shedding: the larger number is shed first
  int32_t heater_priority = 1;
  double payload_shed_soc = 0.0;     //!< [-] payload switched off below
  double payload_restore_soc = 0.0;  //!< [-] and back on at or above
  double heater_shed_soc = 0.0;
  double heater_restore_soc = 0.0;

  // Throws std::invalid_argument naming the field on a bad topology or value.
  void validate() const;
};

// Rows of per-satellite parameters as the kernel reads them. A row whose
// value is the same for every satellite (no fault has touched it) is held as
// kBroadcastWidth copies of that value, which stay in cache; only a row that
// differs between satellites is transposed to its own (n,) buffer, allocated
// the first time it is needed, so a block of satellites reads it
// contiguously. Filled by ThermalPower::prepare() before each advance.
inline constexpr std::size_t kBroadcastWidth = 64;  //!< = kernels::kBlock (checked there)

struct ParamRows {
  std::size_t n = 0, rows = 0;
  std::vector<Buffer<double>> data;  //!< (rows) of (n): empty until the row varies
  Buffer<double> broadcast;          //!< (rows, kBroadcastWidth)
  std::vector<char> uniform;         //!< (rows)
  //! Where block() finds row r: its broadcast copy (mask 0) or its own buffer
  //! (mask ~0, offset by the block's first satellite).
  struct Where {
    const double* base;
    std::size_t mask;
  };
  std::vector<Where> where;  //!< (rows)
  void allocate(std::size_t n_rows, std::size_t n_sat);
  // Sets row r to value(i) for satellite i: broadcast when every satellite
  // has bitwise the same value, else transposed into the row's own buffer.
  template <class Value>
  void set_row(std::size_t r, Value value) {
    if (n == 0) return;
    const double v0 = value(std::size_t{0});
    bool same = true;
    for (std::size_t i = 1; i < n && same; ++i) {
      const double v = value(i);
      same = std::memcmp(&v, &v0, sizeof(double)) == 0;
    }
    uniform[r] = same;
    for (std::size_t k = 0; k < kBroadcastWidth; ++k) broadcast[r * kBroadcastWidth + k] = v0;
    where[r] = {broadcast.data() + r * kBroadcastWidth, 0};
    if (same) return;
    if (data[r].size() != n) data[r] = Buffer<double>(n);
    for (std::size_t i = 0; i < n; ++i) data[r][i] = value(i);
    where[r] = {data[r].data(), ~std::size_t{0}};
  }
  // Sets row r to v for every satellite.
  void set_uniform(std::size_t r, double v) {
    uniform[r] = 1;
    for (std::size_t k = 0; k < kBroadcastWidth; ++k) broadcast[r * kBroadcastWidth + k] = v;
    where[r] = {broadcast.data() + r * kBroadcastWidth, 0};
  }
  // The values of satellites [b0, b0 + kBroadcastWidth) of a row.
  const double* block(std::size_t row, std::size_t b0) const {
    const Where& w = where[row];
    return w.base + (b0 & w.mask);
  }
};

// Rows of ThermalPower::scalars, the (n,) parameters the kernel reads.
enum ScalarRow : std::size_t {
  kRowArrayArea, kRowArrayEfficiency, kRowArrayTempCoeff, kRowArrayRefTemp, kRowArrayDegradation,
  kRowArrayAge, kRowBatteryCapacity, kRowChargeEfficiency, kRowDischargeEfficiency, kRowMaxCharge,
  kRowMaxDischarge, kRowSocFloor, kRowBusDemand, kRowPayloadDemand, kRowPayloadShedSoc,
  kRowPayloadRestoreSoc, kRowHeaterShedSoc, kRowHeaterRestoreSoc,
  kRowInvDischargeEfficiency,  //!< 1 / discharge_efficiency (derived: the kernel multiplies by it)
  kScalarRows
};

// The per-fleet topology and per-satellite buffers (owned by the Fleet).
struct ThermalPower {
  ThermalPower(const ThermalPowerDesign& design, std::size_t n_sat);

  std::size_t n = 0;
  int n_node = 0, n_link = 0, n_face = 0, n_heater = 0;
  // ---- topology (per fleet) ----
  std::vector<int32_t> link_a, link_b, face_node, face_mount, heater_node;
  std::vector<double> face_normal_body;  //!< [-] (n_face*3)
  int32_t array_node = 0, battery_node = 0, bus_node = 0, payload_node = 0;
  double array_normal_body[3];  //!< [-]
  double array_axis_body[3];    //!< [-]
  bool array_tracking = false;
  bool payload_shed_first = true;  //!< payload priority >= heater priority
  // Faces whose normal equals or opposes an earlier face's reuse its
  // geometry: source index (-1: none) and +1 (same normal) or -1 (opposite),
  // with F(-c) = F(c) - c / h^2 (the vector irradiance of a uniform sphere is
  // radial, so the two sides of a plate differ by its projection).
  std::vector<int32_t> face_geometry_source, face_geometry_sign;
  //! Per face: for a body face whose normal is +-1 along a body axis (the
  //! other two components exact zeros), the axis (0: X, 1: Y, 2: Z) and its
  //! sign; -1 and 0 otherwise. Its cosines are then +-(that component of the
  //! body-frame unit vector), what the general dot product gives for finite
  //! vectors (its other terms are zero products) but for the sign of a zero.
  std::vector<int32_t> face_axis, face_axis_sign;
  //! Structure of the thermal matrix after elimination in node order (links
  //! plus fill-in; 1 on the diagonal): LU entries outside it are exact zeros.
  uint8_t lu_nonzero[kMaxThermalNodes][kMaxThermalNodes] = {};
  //! Fill-in of that structure (nonzero after elimination, no link): zeroed
  //! before every factorisation; the other entries are assigned.
  uint8_t lu_fill[kMaxThermalNodes][kMaxThermalNodes] = {};
  //! Per node p: the last pivot q < p whose elimination updates the diagonal
  //! entry (p, p) (its row and column are in the structure), -1 for none: the
  //! pivot is final after that update (or once assembled) and is inverted there.
  int8_t lu_last_pivot[kMaxThermalNodes] = {};
  //! The entries outside that structure (off the diagonal) as bits r * 8 + c
  //! (kMaxThermalNodes = 8 columns a row).
  uint64_t lu_zero_bits = 0;
  //! Per link: 1 where it is the first link (in link order) to touch node_a,
  //! node_b, or the pair (node_a, node_b): its conduction terms are assigned,
  //! the later ones added.
  std::vector<uint8_t> link_first_a, link_first_b, link_first_pair;
  bool node_linked[kMaxThermalNodes] = {};  //!< the node has at least one link

  // ---- parameters (per satellite, writable) ----
  Buffer<double> capacity_j_k;           //!< [J/K] (n, n_node)
  Buffer<double> conductance_w_k;        //!< [W/K] (n, n_link)
  Buffer<double> face_area_m2;           //!< [m^2] (n, n_face)
  Buffer<double> face_absorptivity;      //!< [-] (n, n_face)
  Buffer<double> face_emissivity;        //!< [-] (n, n_face)
  Buffer<double> radiator_emissivity;    //!< [-] (n) of every radiator face (overrides theirs)
  bool has_radiator = false;
  std::vector<int32_t> face_radiator;    //!< 1 for radiator faces (per fleet)
  Buffer<double> heater_power_w;         //!< [W] (n, n_heater)
  Buffer<double> heater_on_below_k;      //!< [K] (n, n_heater)
  Buffer<double> heater_off_above_k;     //!< [K] (n, n_heater)
  Buffer<double> array_area_m2;          //!< [m^2] (n)
  Buffer<double> array_efficiency;       //!< [-] (n)
  Buffer<double> array_temp_coeff;       //!< [1/K] (n)
  Buffer<double> array_ref_temp_k;       //!< [K] (n)
  Buffer<double> array_degradation;      //!< [1/yr] (n)
  Buffer<double> array_age_years;        //!< [yr] (n) at epoch
  Buffer<double> battery_capacity_j;     //!< [J] (n)
  Buffer<double> charge_efficiency;      //!< [-] (n)
  Buffer<double> discharge_efficiency;   //!< [-] (n)
  Buffer<double> max_charge_w;           //!< [W] (n)
  Buffer<double> max_discharge_w;        //!< [W] (n)
  Buffer<double> soc_floor;              //!< [-] (n)
  Buffer<double> bus_demand_w;           //!< [W] (n)
  Buffer<double> payload_demand_w;       //!< [W] (n)
  Buffer<double> payload_shed_soc;       //!< [-] (n)
  Buffer<double> payload_restore_soc;    //!< [-] (n)
  Buffer<double> heater_shed_soc;        //!< [-] (n)
  Buffer<double> heater_restore_soc;     //!< [-] (n)

  // ---- the parameters above transposed to (count, n), refreshed by prepare() ----
  ParamRows capacity_t;         //!< [J/K] (n_node rows)
  ParamRows conductance_t;      //!< [W/K] (n_link rows)
  ParamRows face_area_alpha_t;  //!< [m^2] (n_face rows) area * absorptivity
  ParamRows face_area_eps_t;    //!< [m^2] (n_face rows) area * emissivity
  ParamRows heater_t;           //!< (3 n_heater rows) power [W], on below [K], off above [K]
  ParamRows node_sigma_eps_area_t;  //!< [W/K^4] (n_node rows) sigma times the sum of area * emissivity of a node's faces
  ParamRows node_conductance_t; //!< [W/K] (n_node rows) sum of the conductances of a node's links
  ParamRows scalars;            //!< (kScalarRows rows) the (n,) parameters, see ScalarRow
  bool payload_demand_live = false;  //!< payload_demand_w is set every step (compute payload)
  // Copies the (n, count) parameters users may have written into the
  // transposed buffers the kernel reads contiguously; Twin calls it before
  // every advance (parameters are constant during an advance).
  void prepare();

  // ---- integrator memory (internal, not channels) ----
  // (Within a segment the kernel keeps the previous position, velocity and
  // illumination, as the temperatures and the integer flags of the state, in
  // its block scratch; it writes them here at the segment's last step.)
  Buffer<double> prev_position_m;        //!< [m] (n,3) position at t_n
  Buffer<double> prev_velocity_m_s;      //!< [m/s] (n,3) velocity at t_n
  Buffer<double> prev_illumination;      //!< [-] (n) illumination at t_n
  Buffer<double> sun_heat_t;             //!< [W] (n_node, n) absorbed direct sun if fully lit, at t_n
  Buffer<double> earth_heat_t;           //!< [W] (n_node, n) absorbed albedo + Earth IR at t_n
  Buffer<double> array_p0_w;             //!< [W] (n) array output if fully lit at T_ref, at t_n
  Buffer<double> array_rate_k_s;         //!< [K/s] (n) array temperature rate over the last step

  // ---- state ----
  Buffer<double> temperature_k;          //!< [K] (n, n_node)
  Buffer<double> environment_w;          //!< [W] (n, n_node) absorbed sun, albedo, Earth IR now
  Buffer<double> illumination_mean;      //!< [-] (n) mean illumination over the last step
  Buffer<double> dissipation_w;          //!< [W] (n, n_node) internal heat over the last step
  Buffer<int32_t> heater_on;             //!< [-] (n, n_heater) thermostat closed
  Buffer<int32_t> payload_on;            //!< [-] (n) not shed by SoC
  Buffer<int32_t> heaters_enabled;       //!< [-] (n) not shed by SoC
  Buffer<double> soc;                    //!< [-] (n) battery state of charge
  Buffer<double> array_available_w;      //!< [W] (n) array output now (at the predicted temperature)
  Buffer<double> array_w;                //!< [W] (n) generated, mean over the last step
  Buffer<double> battery_w;              //!< [W] (n) at the terminals, positive charging
  Buffer<double> load_w;                 //!< [W] (n) delivered to all loads
  Buffer<double> payload_w;              //!< [W] (n) delivered to the payload
  Buffer<double> heater_w;               //!< [W] (n) delivered to heaters
  Buffer<double> shed_w;                 //!< [W] (n) demand of shed loads
  Buffer<double> unmet_w;                //!< [W] (n) bus demand not met
  Buffer<double> shunt_w;                //!< [W] (n) surplus shunted
  Buffer<double> battery_loss_w;         //!< [W] (n) charge/discharge losses
  Buffer<double> e_generated_j;          //!< [J] (n) cumulative since epoch
  Buffer<double> e_stored_j;             //!< [J] (n) change of stored energy
  Buffer<double> e_consumed_j;           //!< [J] (n) delivered to loads
  Buffer<double> e_shunted_j;            //!< [J] (n)
  Buffer<double> e_battery_loss_j;       //!< [J] (n)
  Buffer<double> e_shed_j;               //!< [J] (n) demand not served by shedding
  Buffer<double> e_unmet_j;              //!< [J] (n) bus demand not served
};

namespace detail {

// The view factor's helpers are always inlined (see inline.hpp).

// atan2(y, x) [rad] for y >= +0 and x >= 0 (the first quadrant),
// branch-free: one division and a degree-23 odd minimax polynomial for atan
// on [0, 1] (|error| < 3e-11 rad). Enough for view factors; vectorises.
inline constexpr double kAtanC1 = 0.9999999994302199;  //!< atan2_first's coefficient of r

ORBITWIN_ALWAYS_INLINE inline double atan2_first(double y, double x) {
  const bool big = y > x;
  const double num = big ? x : y;
  const double den = big ? y : x;
  const double r = den > 0.0 ? num / den : 0.0;
  const double z = r * r;
  const double p =
      r * (kAtanC1 +
           z * (-0.33333327040695726 +
                z * (0.1999979353923656 +
                     z * (-0.1428255138077597 +
                          z * (0.11083671031753634 +
                               z * (-0.08941118126697295 +
                                    z * (0.07143073738694279 +
                                         z * (-0.05251454014121655 +
                                              z * (0.032232545878440155 +
                                                   z * (-0.014721200127594689 +
                                                        z * (0.004293639325862859 +
                                                             z * -0.0005876986055299988)))))))))));
  return big ? 0.5 * kPi - p : p;  // >= +0
}

// atan2(y, x) [rad] for x >= 0 (the right half-plane): atan2_first of |y|
// with y's sign.
ORBITWIN_ALWAYS_INLINE inline double atan2_right(double y, double x) { return std::copysign(atan2_first(std::fabs(y), x), y); }

// The end of plate_view_factor_pre: c the clamped cosine, w = sqrt(1 - h^2 c^2),
// a_xw = atan2_first(x, w), a_xcw = atan2_right(x c, w).
ORBITWIN_ALWAYS_INLINE inline double plate_view_factor_from(double c, double a_xw, double a_xcw, double inv_h, double inv_h2,
                                                 double x, double w) {
  const double cut = 0.5 - a_xw * (1.0 / kPi) + (c * (0.5 * kPi + a_xcw) - x * w) * (inv_h2 * (1.0 / kPi));
  const double f = c >= inv_h ? c * inv_h2 : (c <= -inv_h ? 0.0 : cut);
  return f > 0.0 ? f : 0.0;
}

// plate_view_factor with the per-satellite quantities precomputed:
// inv_h = 1/h, inv_h2 = 1/h^2, h2 = h^2, x = sqrt(h^2 - 1).
ORBITWIN_ALWAYS_INLINE inline double plate_view_factor_pre(double cos_nadir, double inv_h, double inv_h2, double h2,
                                                double x) {
  // Clamped at 1; below -1 the result is 0 with or without a clamp (as for NaN).
  const double c = cos_nadir > 1.0 ? 1.0 : cos_nadir;
  const double rad = 1.0 - h2 * c * c;
  const double w = std::sqrt(rad > 0.0 ? rad : 0.0);
  // asin(x / (h sin l)) = atan2(x, w); acos(-x cot l) = pi/2 + atan2(x c, w).
  // x = sqrt(h^2 - 1) >= +0: atan2_first(x, w) = atan2_right(x, w).
  return plate_view_factor_from(c, atan2_first(x, w), atan2_right(x * c, w), inv_h, inv_h2, x, w);
}

// Whether plate_view_factor_edge gives plate_view_factor_pre's value for the
// cosine c: h^2 c^2 < 2^-56 and |x c| < 2^-27 (false for NaN).
ORBITWIN_ALWAYS_INLINE inline bool plate_edge_on(double c, double h2, double x) {
  return h2 * c * c < 0x1p-56 && std::fabs(x * c) < 0x1p-27;
}

// plate_view_factor_pre for a plate edge-on to the sphere's centre as far as
// the arithmetic can tell (plate_edge_on(cos_nadir, h2, x)): 1 - h^2 c^2 then
// rounds to 1 (h^2 c^2 < 2^-55 whatever the rounding of its products), so
// w = 1; atan2_first(x, 1) is a per-satellite value (a_x1); and for
// y = |x c| < 2^-27, atan2_first(y, 1) has r = y, r^2 < 2^-54, so its
// polynomial's first coefficient plus r^2 times the rest (< 2^-55 in size)
// rounds to that coefficient: the value is y * kAtanC1, rounded once. The
// same operations as plate_view_factor_pre from there on, bit for bit; one
// is 1.0 hidden from the optimiser (x * w stays a product, so the
// expression contracts to FMAs as there).
ORBITWIN_ALWAYS_INLINE inline double plate_view_factor_edge(double cos_nadir, double a_x1, double one, double inv_h,
                                                 double inv_h2, double x) {
  const double c = cos_nadir > 1.0 ? 1.0 : cos_nadir;
  const double xc = x * c;
  return plate_view_factor_from(c, a_x1, std::copysign(std::fabs(xc) * kAtanC1, xc), inv_h, inv_h2, x, one);
}

}  // namespace detail

// Closed-form view factor from a one-sided flat plate to a sphere [-]:
// cos_nadir is the cosine of the angle l between the plate normal and the
// direction to the sphere's centre, h = (distance to centre) / radius > 1.
// Howell's catalogue C-34 (plane element of any tilt to a sphere):
//   F = cos(l) / h^2                                 if l <= acos(1/h)
//   F = 1/2 - asin(x / (h sin l)) / pi
//       + (cos(l) acos(-x cot l) - x sqrt(1 - h^2 cos^2 l)) / (pi h^2)  (horizon cut)
//   F = 0                                            if l >= pi - acos(1/h)
// with x = sqrt(h^2 - 1); evaluated without divisions by sin l through
// asin(x / (h sin l)) = atan2(x, w), acos(-x cot l) = pi/2 + atan2(x cos l, w),
// w = sqrt(1 - h^2 cos^2 l). Absolute error < 1e-10; validated against a
// Monte Carlo integration over the sphere in tests.
inline double plate_view_factor(double cos_nadir, double h) {
  const double inv_h = 1.0 / h;
  return detail::plate_view_factor_pre(cos_nadir, inv_h, inv_h * inv_h, h * h, std::sqrt(h * h - 1.0));
}

}  // namespace orbitwin
