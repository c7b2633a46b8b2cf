// What a workload run measured, and how it is printed: a human-readable
// block and one machine-readable line ("XSPERF key=value ...") that
// scripts/bench-compare.sh parses.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "latency.h"

namespace xsperf {

struct Report {
  std::string workload;
  std::string unit = "ops";  // what one counted operation is ("reads", "vms", ...)
  uint64_t ops = 0;
  double seconds = 0;
  LatencySummary latency;
  uint64_t eagain = 0;  // transaction commits refused with EAGAIN
  uint64_t errors = 0;  // any other failed request
  uint64_t lost = 0;    // updates or watch events that should exist and do not
  bool ok = true;       // false: a correctness check failed
  double daemon_cpu_seconds = -1;  // daemon CPU during the measured phase; -1 unknown
  std::vector<std::pair<std::string, std::string>> extra;  // workload-specific

  double ops_per_second() const { return seconds > 0 ? static_cast<double>(ops) / seconds : 0; }
  void add(std::string key, double value);
  void add(std::string key, std::string value) { extra.emplace_back(std::move(key), std::move(value)); }
};

// Prints both forms to stdout; `label` names the daemon under test.
void print_report(const Report& r, const std::string& label);

}  // namespace xsperf
