#include "orbitwin/compute.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <type_traits>

#include "orbitwin/constants.hpp"
#include "orbitwin/fastmath.hpp"
#include "orbitwin/fleet.hpp"
#include "orbitwin/radiation.hpp"
#include "orbitwin/thermal_power.hpp"

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace orbitwin {

namespace {

void check(const char* field, double value, double lo, double hi) {
  if (!(value >= lo && value <= hi)) {
    std::ostringstream os;
    os << "compute payload: " << field << " is " << value << "; allowed: " << lo << " to " << hi;
    throw std::invalid_argument(os.str());
  }
}

// v for every satellite of a block.
constexpr std::array<double, 64> filled_block(double v) {
  std::array<double, 64> a{};
  for (std::size_t k = 0; k < a.size(); ++k) a[k] = v;
  return a;
}
// 1: the leakage factor and the workload's shaping where a fleet has none.
alignas(32) constexpr std::array<double, 64> kOnes = filled_block(1.0);
// +inf: no data-driven limit on the utilisation.
alignas(32) constexpr std::array<double, 64> kInfs = filled_block(std::numeric_limits<double>::infinity());

}  // namespace

void ComputeDesign::validate() const {
  check("accelerators", accelerators, 1, 1024);
  check("idle_power_w", idle_power_w, 0.0, 5000.0);
  check("peak_power_w", peak_power_w, idle_power_w, 5000.0);
  check("peak_ops_per_s", peak_ops_per_s, 1.0, 1e18);
  check("throttle_start_k", throttle_start_k, 250.0, 450.0);
  check("junction_limit_k", junction_limit_k, throttle_start_k + 0.1, 475.0);
  check("power_exponent", power_exponent, 1.0, 3.0);
  check("junction_offset_k_per_w", junction_offset_k_per_w, 0.0, 1.0);
  check("reboot_time_s", reboot_time_s, 0.0, 86400.0);
  check("demand", demand, 0.0, 1.0);
  check("data_rate_bps", data_rate_bps, 0.0, 1e12);
  check("ops_per_bit", ops_per_bit, 1e-6, 1e12);
  check("reduction_ratio", reduction_ratio, 1.0, 1e9);
  check("storage_bits", storage_bits, 0.0, 1e16);
  check("downlink_bps", downlink_bps, 0.0, 1e12);
}

Compute::Compute(const ComputeDesign& d, std::size_t n_sat)
    : n(n_sat), power_exponent(d.power_exponent), data_driven(d.data_driven) {
  d.validate();
  auto filled = [n_sat](double v) {
    Buffer<double> b(n_sat);
    b.fill(v);
    return b;
  };
  working = Buffer<int32_t>(n);
  working.fill(d.accelerators);
  idle_power_w = filled(d.idle_power_w);
  peak_power_w = filled(d.peak_power_w);
  peak_ops_per_s = filled(d.peak_ops_per_s);
  throttle_start_k = filled(d.throttle_start_k);
  junction_limit_k = filled(d.junction_limit_k);
  junction_offset = filled(d.junction_offset_k_per_w);
  clock_cap = filled(1.0);
  demand = filled(d.demand);
  enabled = Buffer<int32_t>(n);
  enabled.fill(1);
  reboot_time_s = filled(d.reboot_time_s);
  data_rate_bps = filled(d.data_rate_bps);
  ops_per_bit = filled(d.ops_per_bit);
  reduction_ratio = filled(d.reduction_ratio);
  storage_bits = filled(d.storage_bits);
  downlink_bps = filled(d.downlink_bps);
  reboot_until_s = filled(-1.0);
  state = Buffer<int32_t>(n);
  junction_k = Buffer<double>(n);
  clock = filled(1.0);
  utilisation = Buffer<double>(n);
  power_demand_w = Buffer<double>(n);
  idle_now_w = Buffer<double>(n);
  power_w = Buffer<double>(n);
  ops_rate = Buffer<double>(n);
  work_ops = Buffer<double>(n);
  energy_j = Buffer<double>(n);
  idle_energy_j = Buffer<double>(n);
  throttled_s = Buffer<double>(n);
  off_s = Buffer<double>(n);
  raw_bits = Buffer<double>(n);
  result_bits = Buffer<double>(n);
  generated_bits = Buffer<double>(n);
  processed_bits = Buffer<double>(n);
  dropped_bits = Buffer<double>(n);
  downlinked_bits = Buffer<double>(n);
  downlink_rate_bps = Buffer<double>(n);
}

void Fleet::attach_compute(const ComputeDesign& design) {
  if (!thermal_power)
    throw std::invalid_argument("fleet '" + name_ +
                                "': a compute payload needs a thermal/power design first");
  if (compute) throw std::invalid_argument("fleet '" + name_ + "' already has a compute payload");
  compute = std::make_shared<Compute>(design, n_);
  thermal_power->payload_demand_live = true;
  register_compute_channels();
}

void Fleet::register_compute_channels() {
  Compute& c = *compute;
  const DType f64 = DType::kFloat64, i32 = DType::kInt32;
  auto param = [&](const char* name, const char* unit, const char* desc, DType t, void* data) {
    add_channel(name, unit, desc, t, data, {}, true, true);
  };
  auto state = [&](const char* name, const char* unit, const char* desc, DType t, void* data) {
    add_channel(name, unit, desc, t, data, {}, false, false);
  };
  param("compute.working", "1", "accelerators working", i32, c.working.data());
  param("compute.enabled", "1", "1: payload commanded on", i32, c.enabled.data());
  param("compute.demand", "1", "utilisation demanded by the workload (0..1)", f64, c.demand.data());
  param("compute.clock_cap", "1", "commanded clock limit (0..1)", f64, c.clock_cap.data());
  param("compute.idle_power", "W", "idle power per accelerator", f64, c.idle_power_w.data());
  param("compute.peak_power", "W", "peak power per accelerator", f64, c.peak_power_w.data());
  param("compute.peak_throughput", "s-1", "peak operations per second per accelerator", f64,
        c.peak_ops_per_s.data());
  param("compute.throttle_start", "K", "junction temperature where throttling starts", f64,
        c.throttle_start_k.data());
  param("compute.junction_limit", "K", "junction temperature where the clock is gated", f64,
        c.junction_limit_k.data());
  param("compute.junction_offset", "K W-1", "junction above the payload node per watt", f64,
        c.junction_offset.data());
  param("compute.reboot_until", "s", "time since the epoch a reboot ends", f64, c.reboot_until_s.data());
  param("compute.reboot_time", "s", "downtime of a functional interrupt", f64, c.reboot_time_s.data());
  param("data.generation_rate", "bit s-1", "raw data generated", f64, c.data_rate_bps.data());
  param("data.ops_per_bit", "1", "operations to process one raw bit", f64, c.ops_per_bit.data());
  param("data.reduction_ratio", "1", "raw bits per result bit", f64, c.reduction_ratio.data());
  param("data.storage_capacity", "bit", "on-board storage", f64, c.storage_bits.data());
  param("data.downlink_rate", "bit s-1", "downlink rate while a station is in view", f64,
        c.downlink_bps.data());
  state("compute.state", "1", "0 off, 1 on, 2 throttled, 3 rebooting, 4 failed", i32, c.state.data());
  state("compute.junction_temperature", "K", "accelerator junction temperature", f64, c.junction_k.data());
  state("compute.clock", "1", "clock fraction", f64, c.clock.data());
  state("compute.utilisation", "1", "utilisation", f64, c.utilisation.data());
  state("compute.power_demand", "W", "payload power asked of the power system", f64,
        c.power_demand_w.data());
  state("compute.power", "W", "payload power delivered", f64, c.power_w.data());
  state("compute.throughput", "s-1", "operations per second over the last step", f64, c.ops_rate.data());
  state("compute.work_ops", "1", "operations delivered since the epoch", f64, c.work_ops.data());
  state("compute.energy", "J", "payload energy since the epoch", f64, c.energy_j.data());
  state("compute.idle_energy", "J", "idle part of the payload energy", f64, c.idle_energy_j.data());
  state("compute.throttled_time", "s", "time throttled since the epoch", f64, c.throttled_s.data());
  state("compute.off_time", "s", "time off, rebooting or failed since the epoch", f64, c.off_s.data());
  state("data.raw_stored", "bit", "raw data in storage", f64, c.raw_bits.data());
  state("data.results_stored", "bit", "results in storage", f64, c.result_bits.data());
  state("data.generated", "bit", "raw data generated since the epoch", f64, c.generated_bits.data());
  state("data.processed", "bit", "raw data processed since the epoch", f64, c.processed_bits.data());
  state("data.dropped", "bit", "raw data dropped for lack of storage since the epoch", f64,
        c.dropped_bits.data());
  state("data.downlinked", "bit", "results downlinked since the epoch", f64, c.downlinked_bits.data());
  state("data.downlink", "bit s-1", "downlink rate over the last step", f64, c.downlink_rate_bps.data());
}

namespace kernels {

namespace {

// compute_demand's junction temperatures [K] of satellites [s0, s1) (rows
// from s0: working counts as doubles, payload node temperatures), written to
// junction; returns > 0 where some satellite may throttle, 0 where every one
// is at or below its throttle start with a finite ramp span > 0: there
// t_limit - tj >= t_limit - t_start = span (rounding is monotone), so
// (t_limit - tj) / span >= 1 and the clamped clock is exactly 1.
// kPow2: every working count is a power of two 2^k (or the satellite has
// none): power / n = power * 2^-k exactly (one rounding of the same real
// number), 2^-k's bits being those of 2^k subtracted from 2^1023's doubled.
template <bool kPow2>
double junction_rows(std::size_t s0, std::size_t s1, const double* __restrict working_ok,
                     const double* __restrict node_temp, const double* __restrict power,
                     const double* __restrict offset, const double* __restrict t_limit,
                     const double* __restrict t_start, double* __restrict junction) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  // An integer count without an OpenMP reduction (which GCC keeps in memory
  // here, a store and a load per four satellites): integer sums vectorise
  // as they stand; ivdep for the rows, which do not overlap (GCC would
  // check at run time).
  int64_t hot = 0;
#pragma GCC ivdep
  for (std::size_t i = s0; i < s1; ++i) {
    const double n_ok = working_ok[i - s0];
    const double w = power[i];  // loaded for every satellite: no masked load
    const double per_acc_w =
        n_ok > 0.0 ? (kPow2 ? w * fastmath::detail::from_bits(0x7FE0000000000000ull - fastmath::detail::bits_of(n_ok))
                            : w / n_ok)
                   : 0.0;
    const double tj = node_temp[i - s0] + offset[i] * per_acc_w;
    junction[i] = tj;
    const double span = t_limit[i] - t_start[i];
    hot += (tj <= t_start[i]) & (span > 0.0) & (span < kInf) ? 0 : 1;
  }
  return static_cast<double>(hot);
}

}  // namespace

void compute_demand(Compute& c, std::size_t b0, std::size_t b1, double t_s, double dt_s,
                    const double* node_temp_k, std::size_t temp_stride,
                    const double* latitude_rad, const double* longitude_rad,
                    const uint32_t* status, const double* leakage_factor,
                    double* payload_demand_w, bool segment_last) {
  constexpr std::size_t kMaxBlock = 64;  // = kernels::kBlock
  constexpr double kInf = std::numeric_limits<double>::infinity();
  const double p = c.power_exponent;
  const bool grid = !c.grid.values.empty();
  const bool data_driven = c.data_driven;
  // 1: utilisation limited by the data this step (a double: a bool would
  // keep GCC from vectorising the loop below).
  const double planning = data_driven && dt_s > 0.0 ? 1.0 : 0.0;
  // Per-satellite arrays as restrict-qualified locals: the loop below then
  // vectorises across satellites (the struct members could alias otherwise).
  const int32_t* __restrict working = c.working.data();
  const int32_t* __restrict enabled = c.enabled.data();
  const double* __restrict idle_p = c.idle_power_w.data();
  const double* __restrict peak_p = c.peak_power_w.data();
  const double* __restrict peak_ops = c.peak_ops_per_s.data();
  const double* __restrict power = c.power_w.data();
  const double* __restrict offset = c.junction_offset.data();
  const double* __restrict t_limit = c.junction_limit_k.data();
  const double* __restrict t_start = c.throttle_start_k.data();
  const double* __restrict clock_cap = c.clock_cap.data();
  const double* __restrict demand = c.demand.data();
  const double* __restrict reboot_until = c.reboot_until_s.data();
  const double* __restrict raw_bits = c.raw_bits.data();
  const double* __restrict data_rate = c.data_rate_bps.data();
  const double* __restrict ops_per_bit = c.ops_per_bit.data();
  double* __restrict junction = c.junction_k.data();
  double* __restrict clock = c.clock.data();
  double* __restrict utilisation = c.utilisation.data();
  double* __restrict power_demand = c.power_demand_w.data();
  double* __restrict idle_now = c.idle_now_w.data();
  int32_t* __restrict state = c.state.data();
  double* __restrict payload_out = payload_demand_w;
  for (std::size_t s0 = b0; s0 < b1; s0 += kMaxBlock) {
    const std::size_t s1 = std::min(b1, s0 + kMaxBlock);
    // Workload shaping by the geographic grid (a table look-up, scalar).
    double grid_shape[kMaxBlock];
    if (grid) {
      for (std::size_t i = s0; i < s1; ++i) {
        const double lat_deg = latitude_rad[i] * (180.0 / kPi);
        const double lon_deg = longitude_rad[i] * (180.0 / kPi);
        int r = static_cast<int>(std::floor((lat_deg + 90.0) / 180.0 * c.grid.n_lat));
        int q = static_cast<int>(std::floor((lon_deg + 180.0) / 360.0 * c.grid.n_lon));
        r = r < 0 ? 0 : (r >= c.grid.n_lat ? c.grid.n_lat - 1 : r);
        q = q < 0 ? 0 : (q >= c.grid.n_lon ? c.grid.n_lon - 1 : q);
        grid_shape[i - s0] =
            std::isfinite(lat_deg + lon_deg) ? c.grid.values[static_cast<std::size_t>(r) * c.grid.n_lon + q] : 0.0;
      }
    }
    const double* __restrict shape = grid ? grid_shape : kOnes.data();
    // The payload node's temperature, gathered from its (n, nodes) row: with
    // a run-time stride in the loop below GCC would vectorise it only for a
    // stride of 1 and run the scalar version otherwise.
    double node_temp[kMaxBlock];
    std::size_t g = s0;
#if defined(__AVX2__)
    {  // four satellites per gather
      const long long st = static_cast<long long>(temp_stride);
      const __m256i next = _mm256_set1_epi64x(4 * st);
      __m256i idx = _mm256_setr_epi64x(0, st, 2 * st, 3 * st);
      const double* base = node_temp_k + s0 * temp_stride;
      for (; g + 4 <= s1; g += 4) {
        _mm256_storeu_pd(node_temp + (g - s0), _mm256_i64gather_pd(base, idx, 8));
        idx = _mm256_add_epi64(idx, next);
      }
    }
#endif
    for (; g < s1; ++g) node_temp[g - s0] = node_temp_k[g * temp_stride];
    const double* __restrict leak = leakage_factor != nullptr ? leakage_factor + s0 : kOnes.data();
    // The integer inputs as 0/1 doubles: GCC does not vectorise the loop
    // below where an int32 comparison meets a double one (it folds a
    // comparison of a converted integer back into an integer one).
    double working_ok[kMaxBlock], on_flag[kMaxBlock], see_flag[kMaxBlock];
    int32_t odd_count = 0;  // > 0: some satellite has a working count not a power of two
#pragma omp simd reduction(+ : odd_count)
    for (std::size_t i = s0; i < s1; ++i) {
      const bool tid_failed = (status[i] & kStatusTidFailed) != 0;
      const int32_t w = working[i];
      working_ok[i - s0] = tid_failed ? 0.0 : static_cast<double>(w);
      on_flag[i - s0] = enabled[i] != 0 ? 1.0 : 0.0;
      see_flag[i - s0] = (status[i] & kStatusSeeOutage) != 0 ? 1.0 : 0.0;
      // Counts below 1 (and failed satellites) take 0 W per accelerator, no division.
      const uint32_t uw = static_cast<uint32_t>(w);
      odd_count += (w > 0) & ((uw & (uw - 1u)) != 0u) & !tid_failed;
    }
    // The junction temperature, and whether every satellite of the block is
    // at or below its throttle start (where the clock is exactly 1, below).
    const double* __restrict temp_s = node_temp;
    const double* __restrict ok_s = working_ok;
    const double hot = odd_count == 0
                           ? junction_rows<true>(s0, s1, ok_s, temp_s, power, offset, t_limit, t_start, junction)
                           : junction_rows<false>(s0, s1, ok_s, temp_s, power, offset, t_limit, t_start, junction);
    // The two other divisions, each in a pass of its own and only where
    // needed: the throttle ramp f0 (clamped, before the commanded cap) where
    // some satellite of the block may throttle, else 1 for all (exact, as
    // above); the utilisation limit from the raw data under data-driven
    // planning, else +inf (no limit). The main pass reads both as rows: GCC
    // vectorises it so, where a known constant in their place turns its
    // selects into mask selects it does not vectorise.
    double f0_row[kMaxBlock], u_limit_row[kMaxBlock];
    const double* __restrict f0s = kOnes.data();
    if (hot > 0.0) {
#pragma omp simd
      for (std::size_t i = s0; i < s1; ++i) {
        const double f = (t_limit[i] - junction[i]) / (t_limit[i] - t_start[i]);
        f0_row[i - s0] = f > 1.0 ? 1.0 : (f < 0.0 ? 0.0 : f);
      }
      f0s = f0_row;
    }
    const double* __restrict u_limits = kInfs.data();
    if (planning > 0.0) {
#pragma omp simd
      for (std::size_t i = s0; i < s1; ++i) {
        const double f0 = f0s[i - s0], cap = clock_cap[i];
        const double f = f0 < cap ? f0 : cap;
        const double n_ok = working_ok[i - s0];
        const double data_ops = (raw_bits[i] + data_rate[i] * dt_s) * ops_per_bit[i];
        const double full_ops = n_ok * peak_ops[i] * f * dt_s;
        const double u_data = data_ops / full_ops;
        const double rebooting = (t_s < reboot_until[i]) | (see_flag[i - s0] > 0.0) ? 1.0 : 0.0;
        const double available = (on_flag[i - s0] > 0.0) & (n_ok > 0.0) & (rebooting == 0.0) ? 1.0 : 0.0;
        u_limit_row[i - s0] = (available > 0.0) & (f > 0.0) ? u_data : kInf;
      }
      u_limits = u_limit_row;
    }
    double clock_pow[kMaxBlock], partial[kMaxBlock], state_d[kMaxBlock];
    double any_partial = 0.0;
    // Flags as 0/1 doubles and the state as a double until its store.
#pragma omp simd reduction(+ : any_partial)
    for (std::size_t i = s0; i < s1; ++i) {
      const double n_ok = working_ok[i - s0];
      const double idle_w = idle_p[i] * leak[i - s0];
      // Throttle curve: 1 below throttle_start, linear to 0 at the junction limit.
      double f = f0s[i - s0];
      const double cap = clock_cap[i];
      f = f < cap ? f : cap;
      // Workload: per-satellite demand, optionally shaped by the geographic grid.
      double u = demand[i];
      const double sh = shape[i - s0];  // kOnes without a grid: no masked load
      u = grid ? u * sh : u;
      u = u < 0.0 ? 0.0 : (u > 1.0 ? 1.0 : u);
      const double rebooting = (t_s < reboot_until[i]) | (see_flag[i - s0] > 0.0) ? 1.0 : 0.0;
      const double on = on_flag[i - s0];
      const double powered_on = (on > 0.0) & (n_ok > 0.0) ? 1.0 : 0.0;
      const double available = (powered_on > 0.0) & (rebooting == 0.0) ? 1.0 : 0.0;
      // Data-driven: plan no more work than the raw data there will be this
      // step (u_limit < u is false for +inf and NaN, so u stands).
      const double u_limit = u_limits[i - s0];
      u = u_limit < u ? u_limit : u;
      clock[i] = available > 0.0 ? f : 0.0;
      utilisation[i] = available > 0.0 ? u : 0.0;
      // f^p: f is in [0, 1] and p >= 1, so f = 1 (unthrottled, the usual case)
      // and f = 0 give exactly 1 and 0; other clocks get pow in the pass below.
      const double is_partial = (f > 0.0) & (f < 1.0) ? 1.0 : 0.0;
      partial[i - s0] = is_partial;
      any_partial += is_partial;
      const double fp = f == 1.0 ? 1.0 : 0.0;
      clock_pow[i - s0] = f;
      const double dyn = (peak_p[i] - idle_p[i]) * u * fp;
      const double demand_w = powered_on > 0.0 ? n_ok * (idle_w + (available > 0.0 ? dyn : 0.0)) : 0.0;
      idle_now[i] = n_ok * idle_w;
      payload_out[i] = demand_w;
      // The state from 0/1 flags in exact small-integer arithmetic: failed
      // (4) without a working accelerator, else off (0) unless on, else
      // rebooting (3), throttled (2, f < 1) or on (1). (Nested selects here
      // become int32 selects, each mask narrowed from 64 bits.)
      static_assert(static_cast<int>(ComputeState::kOff) == 0 && static_cast<int>(ComputeState::kOn) == 1 &&
                        static_cast<int>(ComputeState::kThrottled) == 2 &&
                        static_cast<int>(ComputeState::kRebooting) == 3 &&
                        static_cast<int>(ComputeState::kFailed) == 4,
                    "the state arithmetic below");
      const double live = n_ok > 0.0 ? 1.0 : 0.0;
      const double slow = f < 1.0 ? 1.0 : 0.0;
      const double running_state = 1.0 + 2.0 * rebooting + (1.0 - rebooting) * slow;  // 1, 2 or 3
      const double st = 4.0 - live * (4.0 - on * running_state);
      state_d[i - s0] = st;
    }
    // The states as int32 in a pass of their own: with the int32 store above,
    // GCC runs the pass eight satellites wide, two registers per value, spilling.
#pragma omp simd
    for (std::size_t i = s0; i < s1; ++i) state[i] = static_cast<int32_t>(state_d[i - s0]);
    if (any_partial == 0.0) continue;
    // Throttled satellites (0 < f < 1): the dynamic power with pow, as above.
    for (std::size_t i = s0; i < s1; ++i) {
      if (partial[i - s0] == 0.0) continue;
      const bool tid_failed = (status[i] & kStatusTidFailed) != 0;
      const bool see_outage = (status[i] & kStatusSeeOutage) != 0;
      const double n_ok = tid_failed ? 0.0 : static_cast<double>(working[i]);
      const double idle_w = idle_p[i] * (leakage_factor != nullptr ? leakage_factor[i] : 1.0);
      const bool rebooting = t_s < reboot_until[i] || see_outage;
      const bool on = enabled[i] != 0;
      const bool available = n_ok > 0.0 && on && !rebooting;
      const double dyn = (peak_p[i] - idle_p[i]) * utilisation[i] * std::pow(clock_pow[i - s0], p);
      const double demand_w = (on && n_ok > 0.0) ? n_ok * (idle_w + (available ? dyn : 0.0)) : 0.0;
      payload_out[i] = demand_w;
    }
  }
  // The demand as the compute state holds it (compute_account() reads
  // payload_demand_w): for the frame and the caller only.
  if (segment_last)
    for (std::size_t i = b0; i < b1; ++i) power_demand[i] = payload_out[i];
}

void compute_account(Compute& c, std::size_t b0, std::size_t b1, double t_s, double dt_s,
                     const double* payload_demand_w, const double* payload_w, const int32_t* best_station,
                     bool segment_last) {
  (void)t_s;
  const bool data_driven = c.data_driven;
  const int32_t* __restrict working = c.working.data();
  const double* __restrict demand_w = payload_demand_w;
  const double* __restrict peak_ops = c.peak_ops_per_s.data();
  const double* __restrict utilisation = c.utilisation.data();
  const double* __restrict clock = c.clock.data();
  const double* __restrict data_rate = c.data_rate_bps.data();
  const double* __restrict ops_per_bit = c.ops_per_bit.data();
  const double* __restrict reduction = c.reduction_ratio.data();
  const double* __restrict downlink = c.downlink_bps.data();
  const double* __restrict storage = c.storage_bits.data();
  const double* __restrict idle_now = c.idle_now_w.data();
  const double* __restrict delivered_w = payload_w;
  double* __restrict power = c.power_w.data();
  int32_t* __restrict state = c.state.data();
  double* __restrict raw_bits = c.raw_bits.data();
  double* __restrict result_bits = c.result_bits.data();
  double* __restrict generated_bits = c.generated_bits.data();
  double* __restrict processed_bits = c.processed_bits.data();
  double* __restrict dropped_bits = c.dropped_bits.data();
  double* __restrict downlinked_bits = c.downlinked_bits.data();
  double* __restrict downlink_rate = c.downlink_rate_bps.data();
  double* __restrict ops_rate = c.ops_rate.data();
  double* __restrict work_ops = c.work_ops.data();
  double* __restrict energy = c.energy_j.data();
  double* __restrict idle_energy = c.idle_energy_j.data();
  double* __restrict throttled = c.throttled_s.data();
  double* __restrict off = c.off_s.data();
  const int32_t kOn = static_cast<int32_t>(ComputeState::kOn);
  const int32_t kThrottled = static_cast<int32_t>(ComputeState::kThrottled);
  const int32_t kFailed = static_cast<int32_t>(ComputeState::kFailed);
  const int32_t kRebooting = static_cast<int32_t>(ComputeState::kRebooting);
  const int32_t kOff = static_cast<int32_t>(ComputeState::kOff);
  constexpr std::size_t kMaxBlock = 64;  // = kernels::kBlock
  constexpr double kInf = std::numeric_limits<double>::infinity();
  // Two passes: power, state and work rate first; then the data, unless no
  // satellite of the block has any (see below).
  double rates[kMaxBlock];  // [op/s] before the data-driven limit
  // > 0: the data pass must run for some satellite. An integer count without
  // an OpenMP reduction (which GCC keeps in memory here, a store and a load
  // per vector): integer sums vectorise as they stand; ivdep for the
  // satellites' rows, which do not overlap (GCC would check at run time).
  int64_t has_data = 0;
#pragma GCC ivdep
  for (std::size_t i = b0; i < b1; ++i) {
    const double delivered = delivered_w[i];
    power[i] = delivered;
    const double n_ok = static_cast<double>(working[i]);
    // Flags as 0/1 doubles (GCC does not vectorise this loop with bools).
    // Shed (or partly shed) by the power system: no work this step.
    const double powered = (delivered > 0.0) & (delivered >= demand_w[i] * (1.0 - 1e-12)) ? 1.0 : 0.0;
    const int32_t st = state[i];
    const double active = (st == kOn) | (st == kThrottled) ? 1.0 : 0.0;
    const double running = powered * active;
    const double keeps = (st == kFailed) | (st == kRebooting) ? 1.0 : 0.0;
    state[i] = (powered == 0.0 && keeps == 0.0) ? kOff : st;
    // Loaded for every satellite: no masked loads.
    const double ops = peak_ops[i], u = utilisation[i], f = clock[i], idle_w = idle_now[i];
    const double rate = running > 0.0 ? n_ok * ops * u * f : 0.0;
    rates[i - b0] = rate;
    energy[i] += delivered * dt_s;
    idle_energy[i] += (powered > 0.0 ? idle_w : 0.0) * dt_s;
    // Times as dt_s times a 0/1 factor: GCC makes masked stores of "+= c ? dt : 0".
    throttled[i] += dt_s * (f < 1.0 ? running : 0.0);
    off[i] += dt_s * (1.0 - running);
    // No raw data generated or stored and no results stored: the data pass
    // below would process, drop and downlink exactly +0 and leave raw and
    // results at 0, for any work rate dt >= 0, ops_per_bit in (0, inf),
    // reduction_ratio > 0 and downlink_rate >= 0 (else it runs, NaN included).
    const double rate_dt = rate * dt_s;
    has_data += (data_rate[i] == 0.0) & (raw_bits[i] == 0.0) & (result_bits[i] == 0.0) & (rate_dt >= 0.0) &
                        (ops_per_bit[i] > 0.0) & (ops_per_bit[i] < kInf) & (reduction[i] > 0.0) &
                        (downlink[i] >= 0.0)
                    ? 0
                    : 1;
  }
  if (has_data == 0 && !data_driven) {
    // The rates are read by nothing in the step: written at the segment's
    // last step only.
#pragma omp simd
    for (std::size_t i = b0; i < b1; ++i) work_ops[i] += rates[i - b0] * dt_s;
    if (!segment_last) return;
#pragma omp simd
    for (std::size_t i = b0; i < b1; ++i) {
      downlink_rate[i] = 0.0;
      ops_rate[i] = rates[i - b0];
    }
    return;
  }
  // No stations: every satellite reads "no station in view" (-1).
  int32_t no_station[kMaxBlock];
  for (std::size_t k = 0; k < kMaxBlock; ++k) no_station[k] = -1;
  const int32_t* __restrict station = best_station != nullptr ? best_station + b0 : no_station;
#pragma omp simd
  for (std::size_t i = b0; i < b1; ++i) {
    double rate = rates[i - b0];
    // Data: generate raw, process what is there, reduce, store, downlink.
    const double generated = data_rate[i] * dt_s;
    double raw = raw_bits[i] + generated;
    double can_process = rate * dt_s / ops_per_bit[i];
    const double short_of_data = can_process > raw ? 1.0 : 0.0;
    // Data-driven: ran out of data part way, so only that work is done.
    rate = (data_driven && short_of_data > 0.0) ? rate * (raw / can_process) : rate;
    can_process = short_of_data > 0.0 ? raw : can_process;
    raw -= can_process;
    double results = result_bits[i] + can_process / reduction[i];
    double down = station[i - b0] >= 0 ? downlink[i] * dt_s : 0.0;
    down = down < results ? down : results;
    results -= down;
    const double over = raw + results - storage[i];
    const double dropped = over > 0.0 ? (over < raw ? over : raw) : 0.0;
    raw -= dropped;
    raw_bits[i] = raw;
    result_bits[i] = results;
    generated_bits[i] += generated;
    processed_bits[i] += can_process;
    dropped_bits[i] += dropped;
    downlinked_bits[i] += down;
    downlink_rate[i] = dt_s > 0.0 ? down / dt_s : 0.0;
    ops_rate[i] = rate;
    work_ops[i] += rate * dt_s;
  }
}

}  // namespace kernels
}  // namespace orbitwin
