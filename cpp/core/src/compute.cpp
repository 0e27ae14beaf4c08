#include "orbitwin/compute.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include "orbitwin/constants.hpp"
#include "orbitwin/fleet.hpp"
#include "orbitwin/radiation.hpp"
#include "orbitwin/thermal_power.hpp"

namespace orbitwin {

namespace {

void check(const char* field, double value, double lo, double hi) {
  if (!(value >= lo && value <= hi)) {
    std::ostringstream os;
    os << "compute payload: " << field << " is " << value << "; allowed: " << lo << " to " << hi;
    throw std::invalid_argument(os.str());
  }
}

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

void compute_demand(Compute& c, std::size_t b0, std::size_t b1, double t_s, double dt_s,
                    const double* node_temp_k, std::size_t temp_stride,
                    const double* latitude_rad, const double* longitude_rad,
                    const uint32_t* status, const double* leakage_factor,
                    double* payload_demand_w) {
  const double p = c.power_exponent;
  const bool grid = !c.grid.values.empty();
  for (std::size_t i = b0; i < b1; ++i) {
    const bool tid_failed = (status[i] & kStatusTidFailed) != 0;
    const bool see_outage = (status[i] & kStatusSeeOutage) != 0;
    const double n_ok = tid_failed ? 0.0 : static_cast<double>(c.working[i]);
    const double idle_w = c.idle_power_w[i] * (leakage_factor != nullptr ? leakage_factor[i] : 1.0);
    const double per_acc_w = n_ok > 0.0 ? c.power_w[i] / n_ok : 0.0;
    const double tj = node_temp_k[i * temp_stride] + c.junction_offset[i] * per_acc_w;
    c.junction_k[i] = tj;
    // Throttle curve: 1 below throttle_start, linear to 0 at the junction limit.
    const double span = c.junction_limit_k[i] - c.throttle_start_k[i];
    double f = (c.junction_limit_k[i] - tj) / span;
    f = f > 1.0 ? 1.0 : (f < 0.0 ? 0.0 : f);
    const double cap = c.clock_cap[i];
    f = f < cap ? f : cap;
    // Workload: per-satellite demand, optionally shaped by the geographic grid.
    double u = c.demand[i];
    if (grid) {
      const double lat_deg = latitude_rad[i] * (180.0 / kPi);
      const double lon_deg = longitude_rad[i] * (180.0 / kPi);
      int r = static_cast<int>(std::floor((lat_deg + 90.0) / 180.0 * c.grid.n_lat));
      int q = static_cast<int>(std::floor((lon_deg + 180.0) / 360.0 * c.grid.n_lon));
      r = r < 0 ? 0 : (r >= c.grid.n_lat ? c.grid.n_lat - 1 : r);
      q = q < 0 ? 0 : (q >= c.grid.n_lon ? c.grid.n_lon - 1 : q);
      u *= std::isfinite(lat_deg + lon_deg) ? c.grid.values[static_cast<std::size_t>(r) * c.grid.n_lon + q] : 0.0;
    }
    u = u < 0.0 ? 0.0 : (u > 1.0 ? 1.0 : u);
    const bool rebooting = t_s < c.reboot_until_s[i] || see_outage;
    const bool available = n_ok > 0.0 && c.enabled[i] != 0 && !rebooting;
    if (c.data_driven && available && dt_s > 0.0 && f > 0.0) {
      // Plan no more work than the raw data there will be this step.
      const double data_ops = (c.raw_bits[i] + c.data_rate_bps[i] * dt_s) * c.ops_per_bit[i];
      const double full_ops = n_ok * c.peak_ops_per_s[i] * f * dt_s;
      const double u_data = data_ops / full_ops;
      u = u < u_data ? u : u_data;
    }
    c.clock[i] = available ? f : 0.0;
    c.utilisation[i] = available ? u : 0.0;
    // f^p: f is clamped to [0, 1] and p >= 1, so f = 1 (unthrottled, the usual
    // case) and f = 0 give exactly 1 and 0 without calling pow.
    const double fp = f == 1.0 ? 1.0 : (f == 0.0 ? 0.0 : std::pow(f, p));
    const double dyn = (c.peak_power_w[i] - c.idle_power_w[i]) * u * fp;
    const double demand_w = (c.enabled[i] != 0 && n_ok > 0.0) ? n_ok * (idle_w + (available ? dyn : 0.0)) : 0.0;
    c.power_demand_w[i] = demand_w;
    c.idle_now_w[i] = n_ok * idle_w;
    payload_demand_w[i] = demand_w;
    const int32_t st = n_ok <= 0.0 ? static_cast<int32_t>(ComputeState::kFailed)
                       : (c.enabled[i] == 0 ? static_cast<int32_t>(ComputeState::kOff)
                       : (rebooting ? static_cast<int32_t>(ComputeState::kRebooting)
                       : (f < 1.0 ? static_cast<int32_t>(ComputeState::kThrottled)
                                  : static_cast<int32_t>(ComputeState::kOn))));
    c.state[i] = st;
  }
}

void compute_account(Compute& c, std::size_t b0, std::size_t b1, double t_s, double dt_s,
                     const double* payload_w, const int32_t* best_station) {
  (void)t_s;
  for (std::size_t i = b0; i < b1; ++i) {
    const double delivered = payload_w[i];
    c.power_w[i] = delivered;
    const double n_ok = static_cast<double>(c.working[i]);
    // Shed (or partly shed) by the power system: no work this step.
    const bool powered = delivered > 0.0 && delivered >= c.power_demand_w[i] * (1.0 - 1e-12);
    const bool running = powered && (c.state[i] == static_cast<int32_t>(ComputeState::kOn) ||
                                     c.state[i] == static_cast<int32_t>(ComputeState::kThrottled));
    if (!powered && c.state[i] != static_cast<int32_t>(ComputeState::kFailed) &&
        c.state[i] != static_cast<int32_t>(ComputeState::kRebooting))
      c.state[i] = static_cast<int32_t>(ComputeState::kOff);
    double rate = running ? n_ok * c.peak_ops_per_s[i] * c.utilisation[i] * c.clock[i] : 0.0;
    // Data: generate raw, process what is there, reduce, store, downlink.
    const double generated = c.data_rate_bps[i] * dt_s;
    double raw = c.raw_bits[i] + generated;
    double can_process = rate * dt_s / c.ops_per_bit[i];
    if (c.data_driven) {
      if (can_process > raw) {
        rate *= raw / can_process;  // ran out of data part way: only that work is done
        can_process = raw;
      }
    } else if (can_process > raw) {
      can_process = raw;
    }
    raw -= can_process;
    double results = c.result_bits[i] + can_process / c.reduction_ratio[i];
    const bool contact = best_station != nullptr && best_station[i] >= 0;
    double down = contact ? c.downlink_bps[i] * dt_s : 0.0;
    down = down < results ? down : results;
    results -= down;
    const double over = raw + results - c.storage_bits[i];
    const double dropped = over > 0.0 ? (over < raw ? over : raw) : 0.0;
    raw -= dropped;
    c.raw_bits[i] = raw;
    c.result_bits[i] = results;
    c.generated_bits[i] += generated;
    c.processed_bits[i] += can_process;
    c.dropped_bits[i] += dropped;
    c.downlinked_bits[i] += down;
    c.downlink_rate_bps[i] = dt_s > 0.0 ? down / dt_s : 0.0;
    c.ops_rate[i] = rate;
    c.work_ops[i] += rate * dt_s;
    c.energy_j[i] += delivered * dt_s;
    c.idle_energy_j[i] += (powered ? c.idle_now_w[i] : 0.0) * dt_s;
    c.throttled_s[i] += (running && c.clock[i] < 1.0) ? dt_s : 0.0;
    c.off_s[i] += running ? 0.0 : dt_s;
  }
}

}  // namespace kernels
}  // namespace orbitwin
