// Read latency over a guest ring alone, then with N idle guest rings, then
// alone again once they are released.
//   idle_rings [--idle N] [--ops N]
// Prints one XSPERF line (the format xsperf and scripts/bench-compare.sh
// use) with p50/p99 alone (both lone phases together), p50/p99 with the
// idle guests, their ratio, and each lone phase's p50.
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

}  // namespace

int main(int argc, char** argv) {
  int idle = 1000;
  int ops = 20000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--idle")) idle = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--ops")) ops = std::atoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: idle_rings [--idle N] [--ops N]\n");
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
  measure(active, ops / 10);  // warm-up
  const std::vector<double> alone = measure(active, ops);

  std::vector<SimulatedGuest> idlers;
  idlers.reserve(static_cast<std::size_t>(idle));
  for (int i = 0; i < idle; ++i) {
    idlers.push_back(daemon.create(static_cast<DomId>(2 + i)));
    if (!introduce(dom0, idlers.back()) || !ok_reply(idlers.back(), XS_GET_DOMAIN_PATH, std::to_string(2 + i) + '\0')) {
      std::fprintf(stderr, "idle_rings: could not introduce idle guest %d\n", 2 + i);
      return 1;
    }
  }
  measure(active, ops / 10);
  const std::vector<double> crowded = measure(active, ops);

  // Alone again once the idle guests are released: the machine drifts
  // between phases by more than the idle rings cost, so the crowded phase
  // is compared with the lone phases on both sides of it.
  for (SimulatedGuest& g : idlers) {
    if (!ok_reply(dom0, XS_RELEASE, std::to_string(g.domid()) + '\0')) {
      std::fprintf(stderr, "idle_rings: could not release idle guest %u\n", static_cast<unsigned>(g.domid()));
      return 1;
    }
  }
  idlers.clear();
  measure(active, ops / 10);
  const std::vector<double> alone_after = measure(active, ops);
  std::vector<double> lone = alone;
  lone.insert(lone.end(), alone_after.begin(), alone_after.end());
  std::sort(lone.begin(), lone.end());

  const double ratio = percentile(crowded, 0.5) / percentile(lone, 0.5);
  std::printf(
      "XSPERF workload=idle-rings daemon=cxxenstored-simulated ok=1 unit=reads ops=%d idle=%d "
      "p50_alone_us=%.2f p99_alone_us=%.2f p50_idle_us=%.2f p99_idle_us=%.2f ratio=%.3f "
      "p50_alone_before_us=%.2f p50_alone_after_us=%.2f\n",
      ops, idle, percentile(lone, 0.5), percentile(lone, 0.99), percentile(crowded, 0.5),
      percentile(crowded, 0.99), ratio, percentile(alone, 0.5), percentile(alone_after, 0.5));
  return 0;
}
