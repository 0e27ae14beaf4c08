// The twin: fleets, the clock, fixed-step advancing and telemetry recording.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "orbitwin/fleet.hpp"
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
};

// Why advance() returned.
enum class StopReason : int {
  kReached = 0,          //!< landed on until_ns
  kRecorderFull = 1,     //!< the telemetry buffer must be drained first
  kEphemerisNeeded = 2,  //!< an ephemeris fleet has no sample for the next step
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
  std::size_t recorded_frames() const { return rec_count_; }
  void clear_recorded() { rec_count_ = 0; }
  int64_t recorder_cadence_ns() const { return rec_cadence_ns_; }

  SunEphemeris sun_at(int64_t t_ns) const;

 private:
  struct ResolvedSink {
    const Fleet* fleet;
    const Channel* channel;
    char* destination;
    std::size_t frame_bytes;
  };

  // Longest run of steps evaluated block by block between thread meetings.
  static constexpr std::size_t kMaxSegmentSteps = 64;

  bool ephemeris_available(int64_t t_ns) const;
  std::vector<kernels::Instant> instants(int64_t from_ns, const std::vector<int64_t>& times) const;
  // Steps every satellite through `times` (ascending, after now), block by block.
  void evaluate(const std::vector<int64_t>& times);
  void record_if_due();

  JulianDate epoch_;
  int64_t step_ns_;
  int64_t t_ns_ = 0;
  bool started_ = false;
  int threads_ = 1;
  std::vector<std::unique_ptr<Fleet>> fleets_;

  int64_t rec_cadence_ns_ = 0;
  std::size_t rec_capacity_ = 0;
  std::size_t rec_count_ = 0;
  int64_t rec_last_ns_ = -1;
  int64_t* rec_times_ = nullptr;
  std::vector<ResolvedSink> rec_sinks_;
};

}  // namespace orbitwin
