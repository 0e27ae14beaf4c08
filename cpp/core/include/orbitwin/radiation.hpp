// Radiation environment and effects per satellite: trapped protons and
// electrons (AE8/AP8 tables interpolated in log flux), galactic cosmic rays
// behind a dipole geomagnetic cutoff, solar particle events, total ionising
// dose behind a spherical aluminium shell, and single-event effects drawn from
// a counter-based generator.
//
// Everything that needs physics beyond a table look-up (AE8/AP8 through the
// aep8 package, Bethe-Bloch and Katz-Penfold responses, Bendel and Weibull
// cross-sections) is computed once at setup in Python
// (python/orbitwin/radiation.py); the core only interpolates, takes dot
// products and draws. Validation: tests/test_radiation.py.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "orbitwin/buffer.hpp"

namespace orbitwin {

class Fleet;

// Status bits owned by the radiation model (high bits, clear of the core's).
inline constexpr uint32_t kStatusSeeOutage = 1u << 8;  //!< functional interrupt / latch-up downtime
inline constexpr uint32_t kStatusTidFailed = 1u << 9;  //!< total dose past the device's tolerance

enum SeeEffect : int { kSeeUpset = 0, kSeeFunctionalInterrupt = 1, kSeeLatchup = 2 };
inline constexpr int kSeeEffects = 3;

// Everything the core needs for one fleet; built by Python at setup.
struct RadiationConfig {
  // Geographic grid (geodetic, WGS-84) of the trapped-particle tables.
  double lat0_deg = -90.0, dlat_deg = 5.0;  //!< [deg] first node, spacing
  std::size_t nlat = 0;
  double lon0_deg = -180.0, dlon_deg = 5.0;  //!< [deg] first node, spacing (spans -180..180)
  std::size_t nlon = 0;
  double alt0_m = 0.0, dalt_m = 1.0;  //!< [m] first shell, spacing
  std::size_t nalt = 0;
  std::size_t n_proton = 0;    //!< proton energies (integral thresholds)
  std::size_t n_electron = 0;  //!< electron energies
  //! [log10(m-2 s-1)] (nalt, nlat, nlon, n_proton + n_electron): log10(flux + tiny_flux)
  std::vector<double> log_flux;
  double tiny_flux = 10.0;                  //!< [m-2 s-1] floor added before the log
  std::vector<double> proton_energy_mev;    //!< [MeV] (n_proton) ascending
  // Shield-thickness grid of the response tables (log-uniform).
  double log_thickness0 = 0.0;   //!< [ln m] first node
  double dlog_thickness = 1.0;   //!< [-] spacing in ln(thickness)
  std::size_t n_thickness = 0;
  //! [Gy m2] (n_thickness, n_proton): dose = sum_k w_k * integral flux_k
  std::vector<double> proton_dose_weight;
  std::vector<double> electron_dose_weight;  //!< [Gy m2] (n_thickness, n_electron)
  //! [m2] (kSeeEffects, n_thickness, n_proton): event rate = sum_k w_k * integral flux_k
  std::vector<double> proton_see_weight;
  // Galactic cosmic rays: F(>Rc) = gcr_flux_free / (1 + Rc / R0)^2 * earth shadow.
  double gcr_flux_free = 0.0;            //!< [m-2 s-1] omnidirectional, free space
  double gcr_rigidity_scale_gv = 3.0;    //!< [GV] R0
  double gcr_dose_per_flux = 0.0;        //!< [Gy m2] per particle (unshielded, LET-averaged)
  double gcr_see_per_flux[kSeeEffects] = {0, 0, 0};  //!< [m2] per satellite
  double dipole_axis[3] = {0, 0, 1};     //!< [-] geomagnetic north dipole axis, Earth-fixed
  double see_downtime_s[kSeeEffects] = {0, 0, 0};  //!< [s] outage per event
  double uncorrectable_fraction = 0.0;   //!< [-] share of upsets that ECC cannot correct
  double tid_tolerance_gy = 1e300;       //!< [Gy] device fails past this dose
  double leakage_per_gy = 0.0;           //!< [Gy-1] leakage factor = 1 + leakage_per_gy * dose
  uint64_t seed = 0;

  // Throws std::invalid_argument naming the field on inconsistent sizes or values.
  void validate() const;
};

// Per-fleet radiation model: the configuration and the per-satellite arrays.
class Radiation {
 public:
  Radiation(Fleet& fleet, RadiationConfig config);  // registers the channels on `fleet`
  //! The configuration (validated, dipole axis normalised).
  const RadiationConfig& config() const { return cfg_; }

  // Per-block kernel: satellites [b0, b1) at time t_s, dt_s after the previous one.
  // The trapped-flux rows (proton_flux, electron_flux), cutoff_rigidity,
  // gcr_flux, dose_rate and see_rate, which nothing else in a step reads, are
  // written only where `segment_last` (the step ends a segment of
  // Twin::evaluate: a recorded frame or the advance's end); the dose, events
  // and status use them at every step. ex, ey, ez: the satellites' Earth-fixed
  // positions [m] as rows (satellite b0 + k in column k), as kernels::geodetic
  // computed them (the fleet holds no Earth-fixed position).
  void step(Fleet& f, std::size_t b0, std::size_t b1, double t_s, double dt_s, bool segment_last,
            const double* ex, const double* ey, const double* ez);
  void validate_parameters(const std::string& fleet) const;
  //! Before each advance (and the start): finds the response-table rows of
  //! each satellite's shield thickness (parameters change only between
  //! advances), notes whether any satellite is in a solar particle event and
  //! whether all share one thickness row and fraction, and forgets which flux
  //! rows the kernel left at zero, as the state may have been written since.
  void prepare();

  // ---- parameters ----
  Buffer<double> shield_thickness_m;  //!< [m] (n) aluminium spherical shell
  Buffer<double> spe_flux;            //!< [m-2 s-1 sr-1] (n) >10 MeV SPE proton intensity outside the magnetosphere
  // ---- state ----
  Buffer<double> proton_flux;       //!< [m-2 s-1] (n, n_proton) trapped, integral above each energy
  Buffer<double> electron_flux;     //!< [m-2 s-1] (n, n_electron) trapped, integral
  Buffer<double> cutoff_rigidity;   //!< [GV] (n) vertical Stormer cutoff
  Buffer<double> gcr_flux;          //!< [m-2 s-1] (n) GCR above the cutoff, Earth shadow applied
  Buffer<double> dose_rate;         //!< [Gy s-1] (n) in silicon behind the shield
  Buffer<double> dose;              //!< [Gy] (n) total ionising dose
  Buffer<double> see_rate;          //!< [s-1] (n, 3) upsets, functional interrupts, latch-ups
  Buffer<int64_t> upsets;           //!< [-] (n) cumulative
  Buffer<int64_t> uncorrectable_upsets;  //!< [-] (n) cumulative, a subset of upsets
  Buffer<int64_t> functional_interrupts; //!< [-] (n) cumulative
  Buffer<int64_t> latchups;         //!< [-] (n) cumulative
  Buffer<double> outage_remaining;  //!< [s] (n) downtime left from interrupts / latch-ups
  Buffer<double> leakage_factor;    //!< [-] (n) leakage power relative to beginning of life

 private:
  //! Response rows blended for one shield thickness (row, fraction of the next row).
  struct Weights {
    //! Energies per species, at most, rounded up to whole vectors of 4 (the
    //! rows hold zeros past the energies).
    static constexpr std::size_t kMax = 128;
    int32_t row = -1;
    double frac = NAN;
    alignas(64) double proton_dose[kMax];               //!< [Gy m2]
    alignas(64) double electron_dose[kMax];             //!< [Gy m2]
    alignas(64) double proton_see[kSeeEffects][kMax];   //!< [m2]
  };
  void blend_weights(std::size_t row, double frac, Weights& w) const;
  //! Satellites [b0, b1) of a block, at most 64 of them (positions [m]: rows
  //! ex, ey, ez from satellite b0, Earth-fixed).
  void step_chunk(Fleet& f, std::size_t b0, std::size_t b1, double t_s, double dt_s, bool segment_last,
                  const double* ex, const double* ey, const double* ez, Weights& w);
  //! Satellite i drew u0 >= p (the probability of no event, lam_tot events
  //! expected; rate0, rate1 [s-1]: its upset and functional-interrupt rates):
  //! counts the events of the step and their outage into `status`.
  void draw_events(std::size_t i, uint64_t key, double u0, double lam_tot, double p, double rate0,
                   double rate1, double dt_s, uint32_t& status);
  RadiationConfig cfg_;
  std::size_t n_;
  uint64_t fleet_key_;
  uint64_t model_id_;  //!< unique per model (never 0): whose blended Weights a thread holds
  Buffer<uint64_t> sat_key_;      //!< (n) hashed (seed, fleet, satellite)
  Buffer<double> cached_thickness_;  //!< [m] (n) thickness the row/weight below belong to
  Buffer<int32_t> thickness_row_;    //!< (n) lower row of the response tables
  Buffer<double> thickness_frac_;    //!< [-] (n) weight of the upper row
  //! (n, 2) per satellite, from its blended response rows: the first proton
  //! energy of a whole vector (kLanes) with a nonzero weight in the dose or
  //! an event rate (n_proton rounded up where none), the same for the
  //! electrons' dose. The energies below (those the shield stops) add only
  //! zeros to the sums: between a segment's last steps the kernel skips them.
  //! Zeros in the portable build.
  Buffer<uint8_t> weighted_from_;
  //! (nalt-1, nlat-1, nlon-1, 2) per cell: 1 + the last proton energy index
  //! at which some corner has flux (0: none), the same for electrons; then
  //! 2 spare bytes
  std::vector<unsigned char> cell_energies_;
  //! (nalt, nlat, nlon, row_) [log10(m-2 s-1)] the kernel's copy of log_flux:
  //! per node the proton values from 0 and the electron values from e_off_,
  //! each species' segment padded with empty_log_ to whole 64-byte cache
  //! lines (8 values), so that a row and both segments start on a line
  Buffer<double> table_;
  std::size_t np_pad_ = 0;  //!< n_proton rounded up to whole vectors of 4
  std::size_t ne_pad_ = 0;  //!< n_electron rounded up to whole vectors of 4
  std::size_t e_off_ = 0;   //!< electron segment's offset in a table row (n_proton rounded up to 8)
  std::size_t row_ = 0;     //!< values per table row
  //! [log10(m-2 s-1)] log10(tiny_flux): the table's value where a node has
  //! no flux (log10(0 + tiny_flux)), and its padding, whose blends so give
  //! fluxes of +0
  double empty_log_ = 0.0;
  //! (n) bit 0: the satellite's proton flux row holds zeros the kernel wrote
  //! (within this advance, at the end of a segment), bit 1: its electron
  //! row; such rows are not refilled.
  Buffer<uint8_t> zero_rows_;
  //! Some satellite has solar particle event flux (spe_flux > 0) in this
  //! advance (prepare()); without one the kernel skips the SPE terms.
  bool any_spe_ = true;
  //! Every satellite has the same response rows and fraction (prepare()):
  //! step() blends them once rather than checking per satellite.
  bool one_thickness_ = false;
};

// Adds the radiation model to a fleet (before the twin starts and before any
// recorder is attached: it registers new channels).
Radiation& enable_radiation(Fleet& fleet, RadiationConfig config);

namespace radiation {

// splitmix64's finaliser (Steele, Lea & Flood 2014): a bijective 64-bit mix.
inline uint64_t mix64(uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Counter-based draws: a uniform in (0, 1) from (seed, fleet, satellite,
// step, stream) with no state, so a draw never depends on thread count or on
// how a run is split into advances. `step` is the bit pattern of the step's
// time [s] (unique per step end, identical for any split).
inline uint64_t satellite_key(uint64_t seed, uint64_t fleet_key, uint64_t sat) {
  return mix64(mix64(seed ^ mix64(fleet_key)) ^ sat);
}
inline uint64_t time_key(double t_s) {  //!< the step's part, the same for every satellite
  uint64_t bits;
  std::memcpy(&bits, &t_s, sizeof bits);
  return mix64(bits);
}
inline uint64_t step_key_of(uint64_t sat_key, uint64_t time_key) { return mix64(sat_key ^ time_key); }
inline uint64_t step_key(uint64_t sat_key, double t_s) { return step_key_of(sat_key, time_key(t_s)); }
// The top 53 bits of h + 1/2, times 2^-53; vectorises: the 53-bit integer is
// converted exactly in two parts through the bits of 2^52 + part (AVX2 has no
// 64-bit integer conversion).
inline double uniform(uint64_t step_key, uint64_t stream) {
  const uint64_t h = mix64(step_key + 0xD1B54A32D192ED03ull * (stream + 1));
  const uint64_t hi_bits = 0x4330000000000000ull | (h >> 32);               // 2^52 + top 32 bits
  const uint64_t lo_bits = 0x4330000000000000ull | ((h >> 11) & 0x1FFFFFull);  // 2^52 + next 21 bits
  double hi, lo;
  std::memcpy(&hi, &hi_bits, sizeof hi);
  std::memcpy(&lo, &lo_bits, sizeof lo);
  const double m = (hi - 0x1.0p52) * 0x1.0p21 + (lo - 0x1.0p52);  // h >> 11, exactly
  return (m + 0.5) * 0x1.0p-53;
}

// FNV-1a of a fleet name: the fleet's key.
inline uint64_t name_key(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

// 2^x for |x| <= 1000 (the caller keeps x in range), relative error < 1e-15
// (the polynomial's 2.2e-16 and the rounding of its evaluation, 4.7e-16 seen
// on a dense grid; the tests hold it to 1e-13 with exp10's rounding of x);
// vectorises (no libm, no int conversion instructions beyond AVX2: the
// exponent is built by integer shifts and adds on the bit pattern of a
// rounding "magic number").
inline double exp2_in_range(double x) {
  const double magic = 6755399441055744.0;  // 1.5 * 2^52
  const double nm = x + magic;
  const double n = nm - magic;  // round to nearest
  const double r = x - n;       // exact, |r| <= 1/2
  // Minimax polynomial of degree 10 for 2^r on [-1/2, 1/2] (relative error
  // 2.2e-16, Remez exchange in 120-bit arithmetic; constant term exactly 1)
  // in Horner's scheme: 10 fused multiply-adds, fewer instructions than a
  // split (Estrin) scheme; the loops that call it have independent
  // iterations to overlap the long chain.
  double p = 0x1.e3991e644e6abp-28;
  p = 0x1.b6740fc28f781p-24 + r * p;
  p = 0x1.62c157ee59177p-20 + r * p;
  p = 0x1.ffcb55e82f22cp-17 + r * p;
  p = 0x1.4309126056718p-13 + r * p;
  p = 0x1.5d87fe9cc5d6fp-10 + r * p;
  p = 0x1.3b2ab6fbde0f7p-7 + r * p;
  p = 0x1.c6b08d703d48ap-5 + r * p;
  p = 0x1.ebfbdff82c3b9p-3 + r * p;
  p = 0x1.62e42fefa3a17p-1 + r * p;
  p = 1.0 + r * p;
  // p * 2^n by adding n to p's exponent field (p is in [0.7, 1.42], so the
  // result stays normal and equals the product exactly): the low bits of nm
  // hold n (two's complement), and the shift drops the rest.
  uint64_t n_bits, p_bits;
  std::memcpy(&n_bits, &nm, sizeof n_bits);
  std::memcpy(&p_bits, &p, sizeof p_bits);
  p_bits += n_bits << 52;
  double out;
  std::memcpy(&out, &p_bits, sizeof out);
  return out;
}

// 2^x for any x: exp2_in_range with x clamped to [-1000, 1000] (NaN stays NaN).
inline double exp2(double x) {
  x = x < -1000.0 ? -1000.0 : x;
  x = x > 1000.0 ? 1000.0 : x;
  return exp2_in_range(x);
}

inline constexpr double kLog2Of10 = 3.32192809488736234787;
// 10^x; rounding x log2(10) adds a relative error of ~2.6e-16 |x|.
inline double exp10(double x) { return exp2(x * kLog2Of10); }

// Vertical Stormer cutoff rigidity [GV] of a centred dipole:
// 14.9 cos^4(magnetic latitude) / (r / R_E)^2, from sin(magnetic latitude).
inline double stormer_cutoff_gv(double sin_mlat, double r_over_re) {
  const double c2 = 1.0 - sin_mlat * sin_mlat;
  return 14.9 * c2 * c2 / (r_over_re * r_over_re);
}

// Interpolates the trapped tables at one point: out[n_proton + n_electron] [m-2 s-1].
void interpolate(const RadiationConfig& c, double lat_deg, double lon_deg, double alt_m, double* out);

// The grid cell of a point (lower node indices) and the fractions within it.
struct Cell {
  std::size_t ia, il, io;
  double fa, fl, fo;
};
Cell locate_cell(const RadiationConfig& c, double lat_deg, double lon_deg, double alt_m);
// Interpolates energies [e0, e1) of the combined spectrum in a cell into out[0..e1-e0).
void interpolate_cell(const RadiationConfig& c, const Cell& cell, std::size_t e0, std::size_t e1,
                      double* out);

}  // namespace radiation

}  // namespace orbitwin
