// xssoak: a bounded-duration soak of a xenstored over its unix socket.
//
// Well-behaved clients do random operations (with transactions and a watch
// each) on their own subtree and keep a model of it; misbehaving clients
// break the protocol in the ways docs/security.md lists. A monitor samples
// the daemon's RSS. At the end every client's subtree must equal its model,
// no read may ever have disagreed with it, the daemon must still be alive
// and must have dropped every oversized-header client, and its RSS must
// have stayed below the limit and not kept growing.
//
//   xssoak --daemon build/src/daemon/cxxenstored --duration 3600 --clients 16
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

#include "daemon_process.h"
#include "misbehaving_client.h"
#include "model_client.h"
#include "soak_options.h"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct RssSamples {
  long start = -1;
  long warm = -1;  // after the first tenth of the run (caches, pools filled)
  long max = -1;
  long last = -1;
};

}  // namespace

int main(int argc, char** argv) {
  auto parsed = xssoak::parse_options(argc, argv);
  if (!parsed) return 2;
  const xssoak::Options options = *parsed;

  std::unique_ptr<xssoak::DaemonProcess> daemon;
  try {
    daemon = std::make_unique<xssoak::DaemonProcess>(
        options.daemon.empty() ? xssoak::DaemonProcess::attach(options.socket, options.pid)
                               : xssoak::DaemonProcess::start(options.daemon));
  } catch (const std::exception& e) {
    std::cerr << "xssoak: " << e.what() << "\n";
    return 1;
  }

  std::atomic<bool> stop{false};
  std::atomic<bool> daemon_died{false};
  RssSamples rss;
  rss.start = rss.max = rss.last = daemon->rss_kib();
  const auto started = Clock::now();
  const auto duration = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(options.duration_s));

  std::vector<std::unique_ptr<xssoak::ModelClient>> clients;
  std::vector<std::thread> threads;
  std::vector<char> client_ok(static_cast<std::size_t>(options.clients), 0);
  for (int i = 0; i < options.clients; ++i) {
    clients.push_back(std::make_unique<xssoak::ModelClient>(i, options.seed, daemon->socket()));
  }
  for (int i = 0; i < options.clients; ++i) {
    threads.emplace_back([&, i] { client_ok[static_cast<std::size_t>(i)] = clients[static_cast<std::size_t>(i)]->run(stop); });
  }
  std::vector<xssoak::MisbehaviourStats> bad_stats(static_cast<std::size_t>(options.misbehaving));
  for (int i = 0; i < options.misbehaving; ++i) {
    auto kind = static_cast<xssoak::Misbehaviour>(i % xssoak::kMisbehaviourCount);
    threads.emplace_back([&, i, kind] {
      xssoak::run_misbehaving(kind, daemon->socket(), options.seed * 7919u + static_cast<unsigned>(i), stop,
                              bad_stats[static_cast<std::size_t>(i)]);
    });
  }

  // Monitor: RSS and liveness, until the duration is over.
  while (Clock::now() - started < duration) {
    std::this_thread::sleep_for(200ms);
    if (!daemon->alive()) {
      daemon_died = true;
      break;
    }
    const long now = daemon->rss_kib();
    rss.last = now;
    if (now > rss.max) rss.max = now;
    if (rss.warm < 0 && Clock::now() - started > duration / 10) rss.warm = now;
    if (options.verbose) {
      std::fprintf(stderr, "t=%.1fs rss=%ld KiB\n",
                   std::chrono::duration<double>(Clock::now() - started).count(), now);
    }
  }
  stop = true;
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();

  // Checks.
  bool ok = !daemon_died && daemon->alive();
  xssoak::ClientStats total;
  for (std::size_t i = 0; i < clients.size(); ++i) {
    auto& c = *clients[i];
    if (!client_ok[i]) {
      std::cerr << "client " << i << " stopped: " << c.error() << "\n";
      ok = false;
    }
    if (ok && !c.verify_final()) ok = false;
    const auto& s = c.stats();
    total.ops += s.ops;
    total.commits += s.commits;
    total.conflicts += s.conflicts;
    total.aborts += s.aborts;
    total.events += s.events;
    total.mismatches += s.mismatches;
    if (s.mismatches) {
      std::cerr << "client " << i << ": " << s.mismatches << " mismatches, first: " << s.first_mismatch << "\n";
      ok = false;
    }
  }
  std::uint64_t bad_connections = 0;
  std::uint64_t bad_bytes = 0;
  for (std::size_t i = 0; i < bad_stats.size(); ++i) {
    bad_connections += bad_stats[i].connections;
    bad_bytes += bad_stats[i].bytes_sent;
    if (bad_stats[i].oversize_not_closed) {
      std::cerr << "oversized-header client not disconnected " << bad_stats[i].oversize_not_closed << " times\n";
      ok = false;
    }
  }
  const long final_rss = daemon->rss_kib();
  if (final_rss >= 0) rss.last = final_rss;
  const long base = rss.warm > 0 ? rss.warm : rss.start;
  if (rss.max > options.rss_limit_kib) {
    std::cerr << "RSS " << rss.max << " KiB above the limit " << options.rss_limit_kib << " KiB\n";
    ok = false;
  }
  if (base > 0 && rss.last > static_cast<long>(static_cast<double>(base) * options.rss_growth)) {
    std::cerr << "RSS kept growing: " << base << " KiB after warm-up, " << rss.last << " KiB at the end\n";
    ok = false;
  }
  if (daemon_died) std::cerr << "the daemon died during the soak\n";

  std::printf(
      "xssoak: %.1f s, %d clients, %d misbehaving\n"
      "  operations      %llu (%.0f/s)\n"
      "  transactions    %llu committed, %llu EAGAIN, %llu aborted\n"
      "  watch events    %llu\n"
      "  misbehaving     %llu connections, %llu bytes\n"
      "  daemon RSS KiB  start %ld, after warm-up %ld, max %ld, end %ld\n"
      "  model mismatches %llu\n"
      "  result          %s\n",
      elapsed, options.clients, options.misbehaving, static_cast<unsigned long long>(total.ops),
      static_cast<double>(total.ops) / elapsed, static_cast<unsigned long long>(total.commits),
      static_cast<unsigned long long>(total.conflicts), static_cast<unsigned long long>(total.aborts),
      static_cast<unsigned long long>(total.events), static_cast<unsigned long long>(bad_connections),
      static_cast<unsigned long long>(bad_bytes), rss.start, rss.warm, rss.max, rss.last,
      static_cast<unsigned long long>(total.mismatches), ok ? "PASS" : "FAIL");
  if (daemon && !options.daemon.empty()) {
    const int status = daemon->stop();
    if (status != 0) {
      std::cerr << "daemon exit status " << status << " after SIGTERM\n";
      ok = false;
    }
  }
  return ok ? 0 : 1;
}
