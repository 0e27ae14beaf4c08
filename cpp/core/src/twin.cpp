#include "orbitwin/twin.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "kernels.hpp"
#include "orbitwin/constants.hpp"
#include "orbitwin/thermal_power.hpp"

#ifdef ORBITWIN_OPENMP
#include <omp.h>
#endif

namespace orbitwin {

namespace {

inline bool watch_condition(double v, WatchOp op, double threshold) {
  switch (op) {
    case WatchOp::kLess: return v < threshold;
    case WatchOp::kLessEqual: return v <= threshold;
    case WatchOp::kGreater: return v > threshold;
    case WatchOp::kGreaterEqual: return v >= threshold;
  }
  return false;
}

inline double channel_value(const Channel& c, std::size_t i) {
  switch (c.dtype) {
    case DType::kFloat64: return static_cast<const double*>(c.data)[i];
    case DType::kInt32: return static_cast<double>(static_cast<const int32_t*>(c.data)[i]);
    case DType::kUInt32: return static_cast<double>(static_cast<const uint32_t*>(c.data)[i]);
    case DType::kInt64: return static_cast<double>(static_cast<const int64_t*>(c.data)[i]);
  }
  return NAN;
}

}  // namespace

Twin::Twin(JulianDate epoch, int64_t step_ns) : epoch_(epoch), step_ns_(step_ns) {
  if (step_ns <= 0)
    throw std::invalid_argument("step is " + std::to_string(step_ns) +
                                " ns; allowed: a positive duration");
}

Fleet& Twin::add_fleet(const std::string& name, std::size_t n_sat, OrbitSource source,
                       std::size_t ephemeris_capacity) {
  if (started_) throw std::invalid_argument("fleets must be added before the twin starts");
  for (const auto& f : fleets_)
    if (f->name() == name) throw std::invalid_argument("fleet name '" + name + "' is already used");
  fleets_.push_back(std::make_unique<Fleet>(name, n_sat, source, ephemeris_capacity));
  if (stations_.count) fleets_.back()->allocate_ground(stations_.count);
  return *fleets_.back();
}

Fleet& Twin::fleet(std::size_t i) {
  if (i >= fleets_.size()) throw std::out_of_range("fleet index out of range");
  return *fleets_[i];
}

void Twin::set_ground_stations(const double* lat_rad, const double* lon_rad, const double* alt_m,
                               const double* min_elevation_rad, std::size_t count) {
  if (started_) throw std::invalid_argument("ground stations must be set before the twin starts");
  if (stations_.count) throw std::invalid_argument("ground stations are already set");
  if (count == 0) return;
  stations_.set(lat_rad, lon_rad, alt_m, min_elevation_rad, count);
  for (auto& f : fleets_) f->allocate_ground(count);
}

void Twin::set_threads(int n) {
  if (n < 1) throw std::invalid_argument("threads is " + std::to_string(n) + "; allowed: at least 1");
  threads_ = n;
}

std::vector<int64_t> Twin::plan_steps(int64_t until_ns, std::size_t max_steps) const {
  std::vector<int64_t> out;
  int64_t t = t_ns_;
  while (t < until_ns && out.size() < max_steps) {
    const int64_t grid = (t / step_ns_ + 1) * step_ns_;
    t = std::min(grid, until_ns);
    out.push_back(t);
  }
  return out;
}

SunEphemeris Twin::sun_at(int64_t t_ns) const { return sun_ephemeris(epoch_.plus_ns(t_ns)); }

bool Twin::ephemeris_available(int64_t t_ns) const {
  for (const auto& f : fleets_)
    if (f->orbit_source() == OrbitSource::kEphemeris && f->ephemeris_index(t_ns) < 0) return false;
  return true;
}

std::vector<kernels::Instant> Twin::instants(int64_t from_ns, const std::vector<int64_t>& times,
                                             const std::vector<long>& frame_slot) const {
  std::vector<kernels::Instant> out(times.size());
  int64_t prev = from_ns;
  for (std::size_t k = 0; k < times.size(); ++k) {
    const JulianDate jd = epoch_.plus_ns(times[k]);
    const SunEphemeris sun = sun_ephemeris(jd);
    const double theta = gmst_rad(jd);
    kernels::Instant& in = out[k];
    in.t_s = static_cast<double>(times[k]) * 1e-9;
    in.dt_s = static_cast<double>(times[k] - prev) * 1e-9;  // 0 when evaluating the start
    in.sin_gmst = std::sin(theta);
    in.cos_gmst = std::cos(theta);
    for (int c = 0; c < 3; ++c) {
      in.sun_dir[c] = sun.direction[c];
      in.sun_m[c] = sun.direction[c] * sun.distance_m;
    }
    in.sun_distance_m = sun.distance_m;
    in.dt_limit_s = in.dt_s > 0.0 ? in.dt_s : static_cast<double>(step_ns_) * 1e-9;
    const double au = sun.distance_m / kAstronomicalUnit;
    in.solar_flux_w_m2 = kSolarConstant / (au * au);
    in.years = in.t_s / kJulianYear;
    in.ephemeris_index = -1;
    // A recorded frame ends a segment: the kernels write back at its step
    // everything the frame copies.
    in.segment_first = k == 0 || frame_slot[k - 1] >= 0;
    in.segment_last = k + 1 == times.size() || frame_slot[k] >= 0;
    prev = times[k];
  }
  return out;
}

void Twin::evaluate(const std::vector<int64_t>& times, const std::vector<long>& frame_slot) {
  // Every step of the span for one block before the next block: a block's
  // state stays in cache, and threads meet once per span, not per step or
  // per frame. A block copies its rows into each frame it passes, while they
  // are still in cache.
  const std::vector<kernels::Instant> shared = instants(t_ns_, times, frame_slot);
  std::vector<const ResolvedSink*> sinks;
  for (auto& fp : fleets_) {
    Fleet& f = *fp;
    sinks.clear();
    for (const ResolvedSink& s : rec_sinks_)
      if (s.fleet == &f) sinks.push_back(&s);
    const ResolvedSink* const* sink_data = sinks.data();
    const std::size_t n_sinks = sinks.size();
    const long* slot = frame_slot.data();
    const bool ephemeris = f.orbit_source() == OrbitSource::kEphemeris;
    std::vector<kernels::Instant> steps = shared;
    if (ephemeris)
      for (std::size_t k = 0; k < times.size(); ++k) steps[k].ephemeris_index = f.ephemeris_index(times[k]);
    const int kepler = ephemeris ? 0 : kernels::kepler_iterations_for(f.max_eccentricity);
    const std::size_t n = f.size();
    const long n_blocks = static_cast<long>((n + kernels::kBlock - 1) / kernels::kBlock);
    const kernels::Instant* step_data = steps.data();
    const std::size_t n_steps = steps.size();
    // Blocks are fixed slices of the fleet and satellites are independent, so
    // which thread runs a block never changes what is computed in it. Blocks
    // are handed out as threads come free (guided): a thread slowed by other
    // work on the machine, or by blocks with more events, does not leave the
    // others waiting at the end of the segment.
#ifdef ORBITWIN_OPENMP
#pragma omp parallel for schedule(guided) num_threads(threads_) if (threads_ > 1 && n_blocks > 1)
#endif
    for (long blk = 0; blk < n_blocks; ++blk) {
      const std::size_t b0 = static_cast<std::size_t>(blk) * kernels::kBlock;
      const std::size_t b1 = std::min(n, b0 + kernels::kBlock);
      kernels::BlockKinematics kin;  // this block's rows at the step being evaluated
      for (std::size_t k = 0; k < n_steps; ++k) {
        const kernels::Instant& in = step_data[k];
        if (ephemeris) kernels::orbit_ephemeris(f, b0, b1, in, kin);
        else kernels::orbit_mean_elements(f, b0, b1, in, kepler, kin);
        kernels::geodetic(f, b0, b1, in, kin);
        if (f.radiation)
          f.radiation->step(f, b0, b1, in.t_s, in.dt_s, in.segment_last, kin.ecef[0], kin.ecef[1], kin.r[2]);
        kernels::sun_geometry(f, b0, b1, in, kin);
        kernels::attitude(f, b0, b1, in, kin);
        if (stations_.count) kernels::ground_contacts(f, b0, b1, in, stations_, kin);
        if (f.compute) {
          const ThermalPower& tp = *f.thermal_power;
          kernels::compute_demand(*f.compute, b0, b1, in.t_s, in.dt_s,
                                  tp.temperature_k.data() + tp.payload_node,
                                  static_cast<std::size_t>(tp.n_node), f.latitude_rad.data(),
                                  f.longitude_rad.data(), f.status.data(),
                                  f.radiation ? f.radiation->leakage_factor.data() : nullptr,
                                  f.thermal_power->payload_demand_w.data(), in.segment_last);
        }
        if (f.thermal_power) kernels::thermal_power(f, b0, b1, in, kin);
        if (f.compute)
          kernels::compute_account(*f.compute, b0, b1, in.t_s, in.dt_s,
                                   f.thermal_power->payload_demand_w.data(),
                                   f.thermal_power->payload_w.data(),
                                   stations_.count ? f.best_station.data() : nullptr, in.segment_last);
        if (slot[k] >= 0)
          for (std::size_t j = 0; j < n_sinks; ++j)
            sink_data[j]->copy(static_cast<std::size_t>(slot[k]), b0, b1);
      }
    }
  }
}

bool Twin::start() {
  if (started_) return true;
  if (!ephemeris_available(t_ns_)) return false;
  for (auto& f : fleets_) {
    f->validate_parameters();
    if (f->thermal_power) f->thermal_power->prepare();
    if (f->radiation) f->radiation->prepare();
  }
  evaluate({t_ns_}, {-1});
  started_ = true;
  record_if_due();
  for (Watch& w : watches_)  // the state at the start is every watch's reference
    for (std::size_t i = 0; i < w.fleet->size(); ++i)
      w.was_true[i] = watch_condition(channel_value(*w.channel, i), w.op, w.threshold);
  return true;
}

AdvanceResult Twin::advance(int64_t until_ns) {
  if (until_ns < t_ns_)
    throw std::invalid_argument("advance target " + std::to_string(until_ns) +
                                " ns is before the current time " + std::to_string(t_ns_) + " ns");
  AdvanceResult res{};
  watch_hits_.clear();
  if (!started_ && !start()) {
    res.time_ns = t_ns_;
    res.reason = StopReason::kEphemerisNeeded;
    return res;
  }
  for (auto& f : fleets_) {
    f->validate_parameters();
    if (f->thermal_power) f->thermal_power->prepare();
    if (f->radiation) f->radiation->prepare();
  }
  std::vector<int64_t> span;
  std::vector<long> frame_slot;  // per step of the span: its recorder frame, or -1
  while (t_ns_ < until_ns) {
    // A span: up to kMaxSegmentSteps steps, each with its ephemeris sample
    // available, the recorded frames among them each with room in the recorder.
    span.clear();
    frame_slot.clear();
    std::size_t frames = 0;
    int64_t t = t_ns_;
    const std::size_t max_steps = watches_.empty() ? kMaxSegmentSteps : 1;
    while (t < until_ns && span.size() < max_steps) {
      const int64_t next = std::min((t / step_ns_ + 1) * step_ns_, until_ns);
      const bool frame_due = !rec_sinks_.empty() && next % rec_cadence_ns_ == 0;
      // No room for the frame at the end of this step: stop before it.
      if (frame_due && rec_count_ + frames >= rec_capacity_) {
        res.reason = StopReason::kRecorderFull;
        break;
      }
      if (!ephemeris_available(next)) {
        res.reason = StopReason::kEphemerisNeeded;
        break;
      }
      span.push_back(next);
      frame_slot.push_back(frame_due ? static_cast<long>(rec_count_ + frames++) : -1);
      t = next;
    }
    if (span.empty()) break;
    evaluate(span, frame_slot);
    for (std::size_t k = 0; k < span.size(); ++k)
      if (frame_slot[k] >= 0) {
        rec_times_[rec_count_++] = span[k];
        rec_last_ns_ = span[k];
      }
    t_ns_ = span.back();
    res.steps += span.size();
    res.reason = StopReason::kReached;
    if (!watches_.empty() && check_watches()) {
      res.reason = StopReason::kWatch;
      break;
    }
  }
  res.time_ns = t_ns_;
  return res;
}

void Twin::attach_recorder(int64_t cadence_ns, std::size_t capacity, int64_t* frame_times,
                           std::vector<RecorderSink> sinks) {
  if (cadence_ns <= 0 || cadence_ns % step_ns_ != 0)
    throw std::invalid_argument("output cadence is " + std::to_string(cadence_ns) +
                                " ns; allowed: a positive multiple of the step (" +
                                std::to_string(step_ns_) + " ns)");
  if (capacity == 0) throw std::invalid_argument("recorder capacity is 0; allowed: at least 1");
  std::vector<ResolvedSink> resolved;
  for (const RecorderSink& s : sinks) {
    if (s.fleet >= fleets_.size()) throw std::invalid_argument("recorder: fleet index out of range");
    const Fleet& f = *fleets_[s.fleet];
    const Channel* ch = f.find_channel(s.channel);
    if (ch == nullptr)
      throw std::invalid_argument("recorder: fleet '" + f.name() + "' has no channel '" + s.channel + "'");
    if (s.single && ch->dtype != DType::kFloat64)
      throw std::invalid_argument("recorder: channel '" + s.channel + "' of fleet '" + f.name() +
                                  "' is not float64; allowed in single precision: float64 channels");
    const std::size_t per_sat = s.single ? ch->values_per_satellite() * sizeof(float) : ch->bytes_per_satellite();
    resolved.push_back(ResolvedSink{&f, ch, static_cast<char*>(s.destination), f.size() * per_sat, per_sat, s.single});
  }
  rec_cadence_ns_ = cadence_ns;
  rec_capacity_ = capacity;
  rec_count_ = 0;
  rec_times_ = frame_times;
  rec_sinks_ = std::move(resolved);
  if (started_) record_if_due();
}

void Twin::ResolvedSink::copy(std::size_t slot, std::size_t b0, std::size_t b1) const {
  char* dst = destination + slot * frame_bytes + b0 * satellite_bytes;
  if (!single) {
    std::memcpy(dst, static_cast<const char*>(channel->data) + b0 * satellite_bytes, (b1 - b0) * satellite_bytes);
    return;
  }
  const std::size_t per_sat = channel->values_per_satellite();
  const double* __restrict in = static_cast<const double*>(channel->data) + b0 * per_sat;
  float* __restrict out = reinterpret_cast<float*>(dst);
  const std::size_t n = (b1 - b0) * per_sat;
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<float>(in[i]);
}

void Twin::detach_recorder() {
  rec_sinks_.clear();
  rec_times_ = nullptr;
  rec_capacity_ = rec_count_ = 0;
}

void Twin::record_if_due() {
  if (rec_sinks_.empty() || t_ns_ % rec_cadence_ns_ != 0 || t_ns_ == rec_last_ns_) return;
  if (rec_count_ >= rec_capacity_) return;  // advance() never lets this happen
  for (const ResolvedSink& s : rec_sinks_) s.copy(rec_count_, 0, s.fleet->size());
  rec_times_[rec_count_] = t_ns_;
  ++rec_count_;
  rec_last_ns_ = t_ns_;
}

}  // namespace orbitwin

namespace orbitwin {


int Twin::add_watch(std::size_t fleet, const std::string& channel, WatchOp op, double threshold) {
  if (fleet >= fleets_.size()) throw std::invalid_argument("watch: fleet index out of range");
  const Fleet& f = *fleets_[fleet];
  const Channel* c = f.find_channel(channel);
  if (c == nullptr)
    throw std::invalid_argument("watch: fleet '" + f.name() + "' has no channel '" + channel + "'");
  if (!c->inner_shape.empty())
    throw std::invalid_argument("watch: channel '" + channel +
                                "' has several values per satellite; allowed: a scalar channel");
  if (std::isnan(threshold)) throw std::invalid_argument("watch: threshold is NaN; allowed: a number");
  Watch w{next_watch_id_++, &f, c, op, threshold, std::vector<unsigned char>(f.size(), 0)};
  if (started_)
    for (std::size_t i = 0; i < f.size(); ++i)
      w.was_true[i] = watch_condition(channel_value(*c, i), op, threshold);
  else
    w.was_true.assign(f.size(), 2);  // reference taken at start()
  watches_.push_back(std::move(w));
  return watches_.back().id;
}

void Twin::remove_watch(int id) {
  for (auto it = watches_.begin(); it != watches_.end(); ++it)
    if (it->id == id) {
      watches_.erase(it);
      return;
    }
  throw std::invalid_argument("watch " + std::to_string(id) + " does not exist");
}

bool Twin::check_watches() {
  bool fired = false;
  for (Watch& w : watches_) {
    WatchHit hit{w.id, {}};
    for (std::size_t i = 0; i < w.fleet->size(); ++i) {
      const bool now = watch_condition(channel_value(*w.channel, i), w.op, w.threshold);
      if (now && w.was_true[i] == 0) hit.satellites.push_back(i);
      w.was_true[i] = now;
    }
    if (!hit.satellites.empty()) {
      watch_hits_.push_back(std::move(hit));
      fired = true;
    }
  }
  return fired;
}

}  // namespace orbitwin
