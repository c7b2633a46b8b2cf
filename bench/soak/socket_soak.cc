// The socket-only soak: a daemon process (ours, the reference C daemon, or
// one already running) driven over its unix socket.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>

#include "daemon_process.h"
#include "soak_modes.h"
#include "soak_run.h"

namespace xssoak {

int run_socket_soak(const Options& options) {
  std::unique_ptr<DaemonProcess> daemon;
  try {
    daemon = std::make_unique<DaemonProcess>(options.daemon.empty()
                                                 ? DaemonProcess::attach(options.socket, options.pid)
                                                 : DaemonProcess::start(options.daemon));
  } catch (const std::exception& e) {
    std::cerr << "xssoak: " << e.what() << "\n";
    return 1;
  }

  std::atomic<bool> stop{false};
  RssSamples rss;
  rss.start = daemon->rss_kib();
  const auto started = std::chrono::steady_clock::now();

  ModelClientPool clients;
  clients.add_socket_clients(options, daemon->socket());
  clients.start(stop);
  MisbehavingClientPool misbehaving;
  misbehaving.start(options.misbehaving, daemon->socket(), options.seed, stop);

  const bool daemon_died =
      !monitor(options, [&] { return daemon->alive(); }, [&] { return daemon->rss_kib(); }, rss);
  stop = true;
  clients.join();
  misbehaving.join();
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  bool ok = !daemon_died && daemon->alive();
  ClientStats total;
  if (!clients.verify(total, ok, "client")) ok = false;
  std::uint64_t bad_connections = 0;
  std::uint64_t bad_bytes = 0;
  if (!misbehaving.verify(bad_connections, bad_bytes)) ok = false;
  const long final_rss = daemon->rss_kib();
  if (final_rss >= 0) rss.last = final_rss;
  if (!rss_bounded(options, rss)) ok = false;
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
  if (!options.daemon.empty()) {
    const int status = daemon->stop();
    if (status != 0) {
      std::cerr << "daemon exit status " << status << " after SIGTERM\n";
      ok = false;
    }
  }
  return ok ? 0 : 1;
}

}  // namespace xssoak
