// The compute payload, its workload and the data it turns into results.
//
// Per satellite and step (validated in tests/test_compute.py):
//  * clock fraction f from the junction temperature: 1 below throttle_start,
//    falling linearly to 0 (clock-gated, idle power only) at junction_limit;
//    further capped by compute.clock_cap (operations, faults);
//  * utilisation u = the workload's demand (constant per satellite, or a
//    latitude/longitude grid at the sub-satellite point, scaled by
//    compute.demand), limited by the raw data waiting when data-driven;
//  * power demand P = N_ok (P_idle + (P_peak - P_idle) u f^p); the power
//    system delivers it or sheds it (then no work is done and the payload is
//    off for the step);
//  * work rate N_ok R_peak u f [op/s] while powered and not rebooting;
//    energy per operation = (P_peak - P_idle) f^(p-1) / R_peak on top of idle;
//  * data: raw generated at a rate, processed at work rate / ops_per_bit,
//    reduced by a ratio into results, both held in storage of a capacity
//    (raw overflow is dropped and counted), results downlinked at a rate
//    while any ground station is in view.
#pragma once

#include <cstdint>
#include <vector>

#include "orbitwin/buffer.hpp"

namespace orbitwin {

enum class ComputeState : int32_t {
  kOff = 0,        //!< unpowered (shed by the power system or commanded off)
  kOn = 1,         //!< running at full clock
  kThrottled = 2,  //!< running with the clock reduced
  kRebooting = 3,  //!< functional interrupt: down until reboot ends
  kFailed = 4,     //!< no working accelerator left
};

// The fleet-wide payload description (SI units); Python's ComputePayload fills it.
struct ComputeDesign {
  int32_t accelerators = 1;               //!< [-] per satellite
  double idle_power_w = 0.0;              //!< [W] per accelerator
  double peak_power_w = 0.0;              //!< [W] per accelerator at full clock and load
  double peak_ops_per_s = 0.0;            //!< [op/s] per accelerator
  double throttle_start_k = 358.15;       //!< [K] junction temperature where throttling starts
  double junction_limit_k = 373.15;       //!< [K] clock gated (0) at this junction temperature
  double power_exponent = 2.0;            //!< [-] dynamic power ~ clock^p
  double junction_offset_k_per_w = 0.0;   //!< [K/W] junction above the payload node per watt
  double reboot_time_s = 60.0;            //!< [s] downtime after a functional interrupt
  double demand = 1.0;                    //!< [-] utilisation demanded, 0..1
  int32_t data_driven = 0;                //!< 1: utilisation limited by the raw data waiting
  double data_rate_bps = 0.0;             //!< [bit/s] raw data generated
  double ops_per_bit = 1.0;               //!< [op/bit] to process raw data
  double reduction_ratio = 1.0;           //!< [-] raw bits per result bit
  double storage_bits = 0.0;              //!< [bit] on-board storage
  double downlink_bps = 0.0;              //!< [bit/s] while a station is in view

  void validate() const;  // throws std::invalid_argument naming the field
};

// A latitude/longitude grid of demand factors (0..1), shared by a fleet:
// rows from -90 to 90 deg, columns from -180 to 180 deg, nearest cell.
struct DemandGrid {
  int32_t n_lat = 0, n_lon = 0;
  std::vector<double> values;  //!< (n_lat, n_lon)
};

struct Compute {
  Compute(const ComputeDesign& d, std::size_t n_sat);

  std::size_t n = 0;
  double power_exponent = 2.0;
  int32_t data_driven = 0;
  DemandGrid grid;  //!< empty: no geographic modulation

  // ---- parameters (per satellite, writable) ----
  Buffer<int32_t> working;          //!< [-] (n) accelerators working
  Buffer<double> idle_power_w;      //!< [W] (n) per accelerator
  Buffer<double> peak_power_w;      //!< [W] (n) per accelerator
  Buffer<double> peak_ops_per_s;    //!< [op/s] (n) per accelerator
  Buffer<double> throttle_start_k;  //!< [K] (n)
  Buffer<double> junction_limit_k;  //!< [K] (n)
  Buffer<double> junction_offset;   //!< [K/W] (n)
  Buffer<double> clock_cap;         //!< [-] (n) 0..1 commanded clock limit
  Buffer<double> demand;            //!< [-] (n) utilisation demanded
  Buffer<int32_t> enabled;          //!< [-] (n) 0: commanded off
  Buffer<double> reboot_time_s;     //!< [s] (n)
  Buffer<double> data_rate_bps;     //!< [bit/s] (n)
  Buffer<double> ops_per_bit;       //!< [op/bit] (n)
  Buffer<double> reduction_ratio;   //!< [-] (n)
  Buffer<double> storage_bits;      //!< [bit] (n)
  Buffer<double> downlink_bps;      //!< [bit/s] (n)
  Buffer<double> reboot_until_s;    //!< [s] (n) time since epoch a reboot ends (faults, SEFIs)

  // ---- state ----
  Buffer<int32_t> state;            //!< [ComputeState] (n)
  Buffer<double> junction_k;        //!< [K] (n) junction temperature
  Buffer<double> clock;             //!< [-] (n) clock fraction
  Buffer<double> utilisation;       //!< [-] (n)
  Buffer<double> power_demand_w;    //!< [W] (n) asked of the power system
  Buffer<double> idle_now_w;        //!< [W] (n) idle part of the demand (with leakage)
  Buffer<double> power_w;           //!< [W] (n) delivered
  Buffer<double> ops_rate;          //!< [op/s] (n) over the last step
  Buffer<double> work_ops;          //!< [op] (n) cumulative
  Buffer<double> energy_j;          //!< [J] (n) cumulative payload energy
  Buffer<double> idle_energy_j;     //!< [J] (n) cumulative idle part
  Buffer<double> throttled_s;       //!< [s] (n) cumulative time throttled
  Buffer<double> off_s;             //!< [s] (n) cumulative time off, rebooting or failed
  Buffer<double> raw_bits;          //!< [bit] (n) raw data stored
  Buffer<double> result_bits;       //!< [bit] (n) results stored
  Buffer<double> generated_bits;    //!< [bit] (n) cumulative raw generated
  Buffer<double> processed_bits;    //!< [bit] (n) cumulative raw processed
  Buffer<double> dropped_bits;      //!< [bit] (n) cumulative raw dropped (storage full)
  Buffer<double> downlinked_bits;   //!< [bit] (n) cumulative results downlinked
  Buffer<double> downlink_rate_bps; //!< [bit/s] (n) over the last step
};

namespace kernels {

// Before the power system runs: clock, utilisation and the power demanded
// (written to payload_demand_w [W], n). node_temp_k: the payload node's
// temperature [K] at the start of the step, stride `temp_stride`. The
// state's power_demand_w (read by nothing in the step: compute_account()
// reads payload_demand_w) is written at the segment's last step only
// (segment_last), the rest at every step.
void compute_demand(Compute& c, std::size_t b0, std::size_t b1, double t_s, double dt_s,
                    const double* node_temp_k, std::size_t temp_stride,
                    const double* latitude_rad, const double* longitude_rad,
                    const uint32_t* status, const double* leakage_factor,
                    double* payload_demand_w, bool segment_last);

// After the power system ran over dt_s: account work, energy and data.
// payload_demand_w: the demand compute_demand() wrote [W] (n); payload_w:
// delivered power [W] (n); best_station: visible station (n) or nullptr when
// the twin has none. Where the block has no data to account, the rates
// (read by nothing in the step) are written at the segment's last step only
// (segment_last).
void compute_account(Compute& c, std::size_t b0, std::size_t b1, double t_s, double dt_s,
                     const double* payload_demand_w, const double* payload_w, const int32_t* best_station,
                     bool segment_last);

}  // namespace kernels
}  // namespace orbitwin
