// Running a workload on many client threads at once: one connection per
// thread, all released together, with per-thread results merged afterwards.
#pragma once

#include <latch>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "daemon_cpu.h"
#include "options.h"
#include "report.h"
#include "xs_client.h"

namespace xsperf {

struct ThreadOutcome {
  uint64_t ops = 0;
  uint64_t eagain = 0;
  LatencyRecorder latency;
  std::optional<Error> failure;
};

struct PhaseTiming {
  double seconds = 0;      // wall time from release to the last thread's end
  double daemon_cpu = -1;  // daemon CPU seconds meanwhile (-1: unknown)
};

// Runs `per_thread(index, connection, outcome, deadline)` on one thread per
// connection, all released at once.
template <class PerThread>
Result<PhaseTiming> run_threads(const Options& o, std::vector<Connection>& conns, std::vector<ThreadOutcome>& out,
                           PerThread&& per_thread) {
  std::latch ready(static_cast<std::ptrdiff_t>(conns.size()) + 1);
  std::latch go(1);
  out.resize(conns.size());
  std::vector<std::jthread> workers;
  Clock::time_point deadline;
  for (size_t i = 0; i < conns.size(); ++i) {
    workers.emplace_back([&, i] {
      ready.count_down();
      go.wait();
      per_thread(i, conns[i], out[i], deadline);
    });
  }
  ready.arrive_and_wait();
  const auto start = Clock::now();
  deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.max_seconds));
  const DaemonCpuProbe cpu(o.pid);
  go.count_down();
  for (auto& w : workers) w.join();
  PhaseTiming timing{seconds_between(start, Clock::now()), cpu.elapsed()};
  for (const auto& t : out)
    if (t.failure) return *t.failure;
  return timing;
}

inline Result<std::vector<Connection>> open_many(const Options& o, unsigned n) {
  std::vector<Connection> conns;
  for (unsigned i = 0; i < n; ++i) {
    auto c = Connection::open(o.socket_path);
    if (!c) return c.error();
    conns.push_back(std::move(*c));
  }
  return conns;
}

inline Report merge_outcomes(const std::string& name, const std::string& unit, const PhaseTiming& timing,
                             const std::vector<ThreadOutcome>& out) {
  Report r;
  r.workload = name;
  r.unit = unit;
  r.seconds = timing.seconds;
  r.daemon_cpu_seconds = timing.daemon_cpu;
  LatencyRecorder all;
  for (const auto& t : out) {
    r.ops += t.ops;
    r.eagain += t.eagain;
    all.merge(t.latency);
  }
  r.latency = all.summarise();
  return r;
}

}  // namespace xsperf
