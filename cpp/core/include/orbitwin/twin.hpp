// The twin: fleets, the clock, fixed-step advancing and telemetry recording.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "orbitwin/fleet.hpp"
#include "orbitwin/ground.hpp"
#include "orbitwin/sun.hpp"
#include "orbitwin/time.hpp"

namespace orbitwin::kernels {
struct Instant;
}

namespace orbitwin {

// Where one recorded channel goes: a caller-owned array shaped
// (capacity, n_sat, ...) of the channel's dtype.
struct RecorderSink {
  std::size_t fleet = 0;
  std::string channel;
  void* destination = nullptr;
  // A float64 channel recorded as float32 (rounded to nearest, as numpy's
  // astype): the frame copy converts, halving the bytes it writes.
  bool single = false;
};

// Why advance() returned.
enum class StopReason : int {
  kReached = 0,          //!< landed on until_ns
  kRecorderFull = 1,     //!< the telemetry buffer must be drained first
  kEphemerisNeeded = 2,  //!< an ephemeris fleet has no sample for the next step
  kWatch = 3,            //!< a watch's condition became true for some satellite
};

enum class WatchOp : int { kLess = 0, kLessEqual = 1, kGreater = 2, kGreaterEqual = 3 };

// A threshold condition on one scalar channel of one fleet. It fires at the
// end of the first step where the condition turns from false to true for any
// satellite (satellites whose value is NaN never satisfy it).
struct WatchHit {
  int watch = 0;                    //!< watch id
  std::vector<std::size_t> satellites;  //!< indices within the fleet that crossed
};

struct AdvanceResult {
  int64_t time_ns = 0;
  StopReason reason = StopReason::kReached;
  std::size_t steps = 0;
};

class Twin {
 public:
  // epoch: UTC Julian date of t = 0 (UT1 = UTC is assumed, |dUT1| < 0.9 s);
  // step_ns: the fixed step, > 0.
  Twin(JulianDate epoch, int64_t step_ns);

  Fleet& add_fleet(const std::string& name, std::size_t n_sat, OrbitSource source,
                   std::size_t ephemeris_capacity = 0);
  std::size_t fleet_count() const { return fleets_.size(); }
  Fleet& fleet(std::size_t i);

  const JulianDate& epoch() const { return epoch_; }
  int64_t time_ns() const { return t_ns_; }
  int64_t step_ns() const { return step_ns_; }
  bool started() const { return started_; }
  int threads() const { return threads_; }
  void set_threads(int n);

  // The next step end times from now towards until_ns, at most max_steps.
  // Steps end on multiples of step_ns from the epoch, and on until_ns: a
  // run split into advances at grid times is identical to one advance.
  std::vector<int64_t> plan_steps(int64_t until_ns, std::size_t max_steps) const;

  // Evaluates every model at the current time (idempotent; advance() calls it).
  // Returns false when an ephemeris fleet lacks a sample for now.
  bool start();

  // Steps every satellite to until_ns (>= now) with the fixed step, the
  // last one shortened; returns early when the recorder is full or an
  // ephemeris runs out. Thread count never changes the result.
  AdvanceResult advance(int64_t until_ns);

  // Telemetry: a frame of every sink is copied whenever the clock lands on
  // a multiple of cadence_ns (itself a multiple of the step).
  void attach_recorder(int64_t cadence_ns, std::size_t capacity, int64_t* frame_times,
                       std::vector<RecorderSink> sinks);
  void detach_recorder();

  // Watches: add returns an id; the condition's current value is the
  // reference, so only later crossings fire. While any watch is armed the
  // core steps one step per segment, so it can stop at the first crossing.
  int add_watch(std::size_t fleet, const std::string& channel, WatchOp op, double threshold);
  void remove_watch(int id);
  std::size_t watch_count() const { return watches_.size(); }
  // What fired at the end of the last advance (empty unless it returned kWatch).
  const std::vector<WatchHit>& watch_hits() const { return watch_hits_; }
  std::size_t recorded_frames() const { return rec_count_; }
  void clear_recorded() { rec_count_ = 0; }
  int64_t recorder_cadence_ns() const { return rec_cadence_ns_; }

  SunEphemeris sun_at(int64_t t_ns) const;

  // Ground stations (before start): geodetic lat/lon [rad], height [m],
  // elevation mask [rad]. Every fleet gets ground.* channels.
  void set_ground_stations(const double* lat_rad, const double* lon_rad, const double* alt_m,
                           const double* min_elevation_rad, std::size_t count);
  const GroundStations& ground_stations() const { return stations_; }
  // Takes a station out of service (no contacts) or back, between advances.
  void set_station_enabled(std::size_t k, bool enabled) { stations_.set_enabled(k, enabled); }

 private:
  struct ResolvedSink {
    const Fleet* fleet;
    const Channel* channel;
    char* destination;
    std::size_t frame_bytes;      // the fleet's rows of the channel, as recorded
    std::size_t satellite_bytes;  // one satellite's row, as recorded
    bool single;                  // float64 values recorded as float32
    // Satellites [b0, b1) of the channel into frame slot `slot`.
    void copy(std::size_t slot, std::size_t b0, std::size_t b1) const;
  };

  // Longest run of steps (a span) evaluated block by block between thread meetings.
  static constexpr std::size_t kMaxSegmentSteps = 64;

  bool ephemeris_available(int64_t t_ns) const;
  // The instants of `times`; a step with a frame (frame_slot >= 0) ends a segment.
  std::vector<kernels::Instant> instants(int64_t from_ns, const std::vector<int64_t>& times,
                                         const std::vector<long>& frame_slot) const;
  // Steps every satellite through `times` (ascending, after now), block by
  // block; after step k each block copies its rows of the recorded channels
  // into frame frame_slot[k] (none where it is -1).
  void evaluate(const std::vector<int64_t>& times, const std::vector<long>& frame_slot);
  // Records the current state as a frame when one is due (at attach).
  void record_if_due();

  JulianDate epoch_;
  int64_t step_ns_;
  int64_t t_ns_ = 0;
  bool started_ = false;
  int threads_ = 1;
  std::vector<std::unique_ptr<Fleet>> fleets_;
  GroundStations stations_;

  int64_t rec_cadence_ns_ = 0;
  std::size_t rec_capacity_ = 0;
  std::size_t rec_count_ = 0;
  int64_t rec_last_ns_ = -1;
  int64_t* rec_times_ = nullptr;
  std::vector<ResolvedSink> rec_sinks_;

  struct Watch {
    int id;
    const Fleet* fleet;
    const Channel* channel;
    WatchOp op;
    double threshold;
    std::vector<unsigned char> was_true;  //!< (n_sat) condition at the last check
  };
  // Re-evaluates every watch; records hits and returns true when any fired.
  bool check_watches();
  std::vector<Watch> watches_;
  std::vector<WatchHit> watch_hits_;
  int next_watch_id_ = 1;
};

}  // namespace orbitwin
