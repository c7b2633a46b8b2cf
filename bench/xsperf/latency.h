// Latency samples of one workload run and their summary.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

namespace xsperf {

using Clock = std::chrono::steady_clock;

struct LatencySummary {
  double p50_us = 0;
  double p90_us = 0;
  double p99_us = 0;
  double max_us = 0;
};

// Collects per-operation latencies (nanoseconds). One per thread; merge()
// the threads' recorders before summarising.
class LatencyRecorder {
 public:
  void reserve(size_t n) { samples_.reserve(n); }
  void add(Clock::duration d) {
    samples_.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count());
  }
  void merge(const LatencyRecorder& other) {
    samples_.insert(samples_.end(), other.samples_.begin(), other.samples_.end());
  }
  size_t count() const { return samples_.size(); }
  LatencySummary summarise() const;

 private:
  std::vector<int64_t> samples_;
};

inline double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

}  // namespace xsperf
