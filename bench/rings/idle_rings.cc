// Read latency over a guest ring alone, then with N idle guest rings, then
// alone again once they are released; that R times over (alone, idle,
// alone, idle, ..., alone).
//   idle_rings [--idle N] [--ops N] [--rounds R]
// Prints one XSPERF line (the format xsperf and scripts/bench-compare.sh
// use) with p50/p99 alone (every lone phase together), p50/p99 with the
// idle guests (every such phase together), the ratio (the median over the
// rounds of each round's idle p50 against the lone phases on both sides of
// it), and each round's ratio.
//
// Every idle guest is introduced by dom0 and has made one request, so the
// daemon holds a mapped ring, a bound event channel and a connection for
// each; they then stay silent while guest 1 reads.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "guest_daemon.h"

namespace {

using namespace cxxenstored::xen;
using namespace std::string_literals;
using Clock = std::chrono::steady_clock;

bool ok_reply(SimulatedGuest& g, std::uint32_t type, const std::string& payload) {
  auto reply = g.request(type, payload);
  return reply.ok() && reply->type == type;
}

bool introduce(SimulatedGuest& dom0, const SimulatedGuest& guest) {
  const std::string id = std::to_string(guest.domid());
  const std::string home = "/local/domain/" + id;
  return ok_reply(dom0, XS_INTRODUCE,
                  id + '\0' + std::to_string(guest.frame()) + '\0' + std::to_string(guest.remote_port()) + '\0') &&
         ok_reply(dom0, XS_MKDIR, home + '\0') && ok_reply(dom0, XS_SET_PERMS, home + '\0' + "n" + id + '\0');
}

// Latencies in microseconds of `ops` sequential reads of the guest's name.
std::vector<double> measure(SimulatedGuest& guest, int ops) {
  std::vector<double> us;
  us.reserve(static_cast<std::size_t>(ops));
  const std::string payload = "name"s + '\0';
  for (int i = 0; i < ops; ++i) {
    const auto start = Clock::now();
    auto reply = guest.request(XS_READ, payload);
    const auto end = Clock::now();
    if (!reply.ok() || reply->type != XS_READ) {
      std::fprintf(stderr, "idle_rings: read %d failed\n", i);
      std::exit(1);
    }
    us.push_back(std::chrono::duration<double, std::micro>(end - start).count());
  }
  std::sort(us.begin(), us.end());
  return us;
}

double percentile(const std::vector<double>& sorted, double p) {
  return sorted[static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1))];
}

// The samples of several phases together, sorted.
std::vector<double> pooled(const std::vector<std::vector<double>>& phases) {
  std::vector<double> all;
  for (const auto& p : phases) all.insert(all.end(), p.begin(), p.end());
  std::sort(all.begin(), all.end());
  return all;
}

}  // namespace

int main(int argc, char** argv) {
  int idle = 1000;
  int ops = 20000;
  int rounds = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--idle")) idle = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--ops")) ops = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--rounds")) rounds = std::max(1, std::atoi(argv[i + 1]));
    else {
      std::fprintf(stderr, "usage: idle_rings [--idle N] [--ops N] [--rounds R]\n");
      return 2;
    }
  }
  GuestDaemon daemon;
  SimulatedGuest dom0 = daemon.dom0();
  SimulatedGuest active = daemon.create(1);
  if (!introduce(dom0, active) || !ok_reply(active, XS_WRITE, "name"s + '\0' + "guest-1")) {
    std::fprintf(stderr, "idle_rings: could not set up the measured guest\n");
    return 1;
  }
  // Each phase after a warm-up of a tenth of its reads.
  auto phase = [&] {
    measure(active, ops / 10);
    return measure(active, ops);
  };

  // The machine drifts between phases by more than the idle rings cost, so
  // each phase with them is compared with the lone phases on both sides of
  // it, and the rounds' median ratio is reported.
  std::vector<std::vector<double>> lone_phases{phase()};
  std::vector<std::vector<double>> idle_phases;
  DomId next_domid = 2;
  for (int round = 0; round < rounds; ++round) {
    std::vector<SimulatedGuest> idlers;
    idlers.reserve(static_cast<std::size_t>(idle));
    for (int i = 0; i < idle; ++i) {
      idlers.push_back(daemon.create(next_domid));
      const std::string id = std::to_string(next_domid++);
      if (!introduce(dom0, idlers.back()) || !ok_reply(idlers.back(), XS_GET_DOMAIN_PATH, id + '\0')) {
        std::fprintf(stderr, "idle_rings: could not introduce idle guest %s\n", id.c_str());
        return 1;
      }
    }
    idle_phases.push_back(phase());
    for (SimulatedGuest& g : idlers) {
      if (!ok_reply(dom0, XS_RELEASE, std::to_string(g.domid()) + '\0')) {
        std::fprintf(stderr, "idle_rings: could not release idle guest %u\n", static_cast<unsigned>(g.domid()));
        return 1;
      }
    }
    idlers.clear();
    lone_phases.push_back(phase());
  }

  std::vector<double> round_ratios;
  for (std::size_t r = 0; r < idle_phases.size(); ++r) {
    const std::vector<double> around = pooled({lone_phases[r], lone_phases[r + 1]});
    round_ratios.push_back(percentile(idle_phases[r], 0.5) / percentile(around, 0.5));
  }
  std::vector<double> sorted_ratios = round_ratios;
  std::sort(sorted_ratios.begin(), sorted_ratios.end());
  const double ratio = sorted_ratios[sorted_ratios.size() / 2];

  const std::vector<double> lone = pooled(lone_phases);
  const std::vector<double> crowded = pooled(idle_phases);
  std::string per_round;
  for (double r : round_ratios) {
    char text[32];
    std::snprintf(text, sizeof text, "%s%.3f", per_round.empty() ? "" : ",", r);
    per_round += text;
  }
  std::printf(
      "XSPERF workload=idle-rings daemon=cxxenstored-simulated ok=1 unit=reads ops=%d idle=%d rounds=%d "
      "p50_alone_us=%.2f p99_alone_us=%.2f p50_idle_us=%.2f p99_idle_us=%.2f ratio=%.3f round_ratios=%s\n",
      ops, idle, rounds, percentile(lone, 0.5), percentile(lone, 0.99), percentile(crowded, 0.5),
      percentile(crowded, 0.99), ratio, per_round.c_str());
  return 0;
}
