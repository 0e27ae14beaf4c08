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
  return *fleets_.back();
}

Fleet& Twin::fleet(std::size_t i) {
  if (i >= fleets_.size()) throw std::out_of_range("fleet index out of range");
  return *fleets_[i];
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

void Twin::evaluate(int64_t t_ns) {
  const JulianDate jd = epoch_.plus_ns(t_ns);
  const SunEphemeris sun = sun_ephemeris(jd);
  const double theta = gmst_rad(jd);
  kernels::Instant in{};
  in.t_s = static_cast<double>(t_ns) * 1e-9;
  in.dt_s = static_cast<double>(t_ns - t_ns_) * 1e-9;  // 0 when evaluating the start
  in.dt_limit_s = in.dt_s > 0.0 ? in.dt_s : static_cast<double>(step_ns_) * 1e-9;
  {
    const double au = sun.distance_m / kAstronomicalUnit;
    in.solar_flux_w_m2 = kSolarConstant / (au * au);
  }
  in.years = in.t_s / kJulianYear;
  in.sin_gmst = std::sin(theta);
  in.cos_gmst = std::cos(theta);
  for (int c = 0; c < 3; ++c) {
    in.sun_dir[c] = sun.direction[c];
    in.sun_m[c] = sun.direction[c] * sun.distance_m;
  }

  for (auto& fp : fleets_) {
    Fleet& f = *fp;
    kernels::Instant fin = in;
    const bool ephemeris = f.orbit_source() == OrbitSource::kEphemeris;
    if (ephemeris) fin.ephemeris_index = f.ephemeris_index(t_ns);
    const int kepler = ephemeris ? 0 : kernels::kepler_iterations_for(f.max_eccentricity);
    const std::size_t n = f.size();
    const long n_blocks = static_cast<long>((n + kernels::kBlock - 1) / kernels::kBlock);
    // Blocks are fixed slices of the fleet: which thread runs a block never
    // changes what is computed in it.
#ifdef ORBITWIN_OPENMP
#pragma omp parallel for schedule(static) num_threads(threads_) if (threads_ > 1 && n_blocks > 1)
#endif
    for (long blk = 0; blk < n_blocks; ++blk) {
      const std::size_t b0 = static_cast<std::size_t>(blk) * kernels::kBlock;
      const std::size_t b1 = std::min(n, b0 + kernels::kBlock);
      if (ephemeris) kernels::orbit_ephemeris(f, b0, b1, fin);
      else kernels::orbit_mean_elements(f, b0, b1, fin, kepler);
      kernels::geodetic(f, b0, b1, fin);
      kernels::sun_geometry(f, b0, b1, fin);
      kernels::attitude(f, b0, b1, fin);
      if (f.thermal_power) kernels::thermal_power(f, b0, b1, fin);
    }
  }
}

bool Twin::start() {
  if (started_) return true;
  if (!ephemeris_available(t_ns_)) return false;
  for (auto& f : fleets_) {
    f->validate_parameters();
    if (f->thermal_power) f->thermal_power->prepare();
  }
  evaluate(t_ns_);
  started_ = true;
  record_if_due();
  return true;
}

AdvanceResult Twin::advance(int64_t until_ns) {
  if (until_ns < t_ns_)
    throw std::invalid_argument("advance target " + std::to_string(until_ns) +
                                " ns is before the current time " + std::to_string(t_ns_) + " ns");
  AdvanceResult res{};
  if (!started_ && !start()) {
    res.time_ns = t_ns_;
    res.reason = StopReason::kEphemerisNeeded;
    return res;
  }
  for (auto& f : fleets_) {
    f->validate_parameters();
    if (f->thermal_power) f->thermal_power->prepare();
  }
  while (t_ns_ < until_ns) {
    // A frame is due at the end of the next step but there is no room for it.
    const int64_t next = std::min((t_ns_ / step_ns_ + 1) * step_ns_, until_ns);
    if (!rec_sinks_.empty() && next % rec_cadence_ns_ == 0 && rec_count_ >= rec_capacity_) {
      res.reason = StopReason::kRecorderFull;
      break;
    }
    if (!ephemeris_available(next)) {
      res.reason = StopReason::kEphemerisNeeded;
      break;
    }
    evaluate(next);
    t_ns_ = next;
    ++res.steps;
    record_if_due();
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
    resolved.push_back(ResolvedSink{&f, ch, static_cast<char*>(s.destination),
                                    f.size() * ch->bytes_per_satellite()});
  }
  rec_cadence_ns_ = cadence_ns;
  rec_capacity_ = capacity;
  rec_count_ = 0;
  rec_times_ = frame_times;
  rec_sinks_ = std::move(resolved);
  if (started_) record_if_due();
}

void Twin::detach_recorder() {
  rec_sinks_.clear();
  rec_times_ = nullptr;
  rec_capacity_ = rec_count_ = 0;
}

void Twin::record_if_due() {
  if (rec_sinks_.empty() || t_ns_ % rec_cadence_ns_ != 0 || t_ns_ == rec_last_ns_) return;
  if (rec_count_ >= rec_capacity_) return;  // advance() never lets this happen
  for (const ResolvedSink& s : rec_sinks_)
    std::memcpy(s.destination + rec_count_ * s.frame_bytes, s.channel->data, s.frame_bytes);
  rec_times_[rec_count_] = t_ns_;
  ++rec_count_;
  rec_last_ns_ = t_ns_;
}

}  // namespace orbitwin
