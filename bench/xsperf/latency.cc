#include "latency.h"

#include <algorithm>

namespace xsperf {

LatencySummary LatencyRecorder::summarise() const {
  LatencySummary s;
  if (samples_.empty()) return s;
  std::vector<int64_t> sorted = samples_;
  std::sort(sorted.begin(), sorted.end());
  // Nearest-rank percentile: the smallest sample with at least q of all
  // samples at or below it.
  auto at = [&](double q) {
    size_t rank = static_cast<size_t>(q * static_cast<double>(sorted.size()) + 0.999999);
    rank = std::clamp<size_t>(rank, 1, sorted.size());
    return static_cast<double>(sorted[rank - 1]) / 1000.0;
  };
  s.p50_us = at(0.50);
  s.p90_us = at(0.90);
  s.p99_us = at(0.99);
  s.max_us = static_cast<double>(sorted.back()) / 1000.0;
  return s;
}

}  // namespace xsperf
