// The guest soak: the real daemon in this process serving simulated guests
// over rings and socket clients at once. Well-behaved guests and socket
// clients keep models; misbehaving guests and socket clients break the
// rules meanwhile. At the end: models, the daemon's store check, no
// connection or event channel left behind, and this process's RSS (the
// daemon's memory is part of it).
#include <spdlog/spdlog.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <thread>

#include "cxxenstored/protocol/builtin_controls.h"
#include "guest_domains.h"
#include "in_process_daemon.h"
#include "misbehaving_guest.h"
#include "ring_channel.h"
#include "soak_modes.h"
#include "soak_run.h"

namespace xssoak {
namespace {

using namespace std::chrono_literals;
using cxxenstored::xen::DomId;

// Domids: well-behaved guests from 1, misbehaving ones from here (each
// thread reuses its own domid round after round).
constexpr DomId kFirstBadGuest = 20000;

std::string nul(const std::string& s) { return s + std::string(1, '\0'); }

// A ModelClient opener handing over a channel made beforehand (guests are
// introduced by dom0 before their thread starts).
ModelClient::ChannelOpener hand_over(std::unique_ptr<StoreChannel> channel) {
  auto holder = std::make_shared<std::unique_ptr<StoreChannel>>(std::move(channel));
  return [holder] { return std::move(*holder); };
}

// Introduces the well-behaved guests; false (reason on stderr) on failure.
bool introduce_guests(InProcessDaemon& daemon, StoreChannel& dom0, const Options& options, ModelClientPool& guests) {
  for (int i = 0; i < options.guests; ++i) {
    const auto domid = static_cast<DomId>(1 + i);
    std::string why;
    auto guest = create_guest(daemon.hypervisor(), domid, why);
    if (!guest) {
      std::cerr << "xssoak: " << why << "\n";
      return false;
    }
    if (auto failed = introduce_with_home(dom0, *guest)) {
      std::cerr << "xssoak: " << *failed << "\n";
      return false;
    }
    guests.add(std::make_unique<ModelClient>(
        "g" + std::to_string(domid), home_of(domid) + "/soak",
        options.seed * 1000003u + 500000u + domid, hand_over(std::make_unique<RingChannel>(std::move(*guest)))));
  }
  return true;
}

// The end state: the daemon's store check, then the well-behaved guests
// released by dom0 (their homes must go) and every socket client closed:
// only dom0's own ring connection may be left, and only the event channel
// ports bound at the start. Prints what differs.
bool check_end_state(InProcessDaemon& daemon, StoreChannel& dom0, const Options& options,
                     std::size_t ports_at_start, std::size_t& connections_left) {
  bool ok = true;
  const auto problems =
      daemon.run([&daemon] { return cxxenstored::protocol::check_store(daemon.daemon().store()); });
  for (const auto& p : problems) std::cerr << "store check: " << p << "\n";
  if (!problems.empty()) ok = false;
  if (auto checked = dom0.call(XS_CONTROL, nul("check")); !checked) {
    std::cerr << "control check: " << xsperf::errno_name(checked.error().code) << "\n";
    ok = false;
  }
  for (int i = 0; i < options.guests; ++i) {
    const auto domid = static_cast<DomId>(1 + i);
    if (auto released = dom0.call(XS_RELEASE, nul(std::to_string(domid))); !released) {
      std::cerr << "release of guest " << domid << ": " << xsperf::errno_name(released.error().code) << "\n";
      ok = false;
    }
    auto home = dom0.read(home_of(domid));
    if (home || home.error().code != ENOENT) {
      std::cerr << "home of released guest " << domid << " still there\n";
      ok = false;
    }
    (void)daemon.hypervisor().destroy_domain(domid);
  }
  // Closes and releases finish on the daemon's thread in their own time.
  const std::size_t expected = 1;  // dom0's ring
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  std::size_t ports = 0;
  while (true) {
    connections_left = daemon.run([&daemon] { return daemon.daemon().connections().size(); });
    ports = daemon.hypervisor().bound_ports();
    if ((connections_left == expected && ports == ports_at_start) || std::chrono::steady_clock::now() > deadline)
      break;
    std::this_thread::sleep_for(20ms);
  }
  if (connections_left != expected) {
    std::cerr << connections_left << " connections left, expected " << expected << " (dom0's ring)\n";
    ok = false;
  }
  if (ports != ports_at_start) {
    std::cerr << ports << " event channel ports bound at the end, " << ports_at_start << " at the start\n";
    ok = false;
  }
  if (const auto problems_after = daemon.run(
          [&daemon] { return cxxenstored::protocol::check_store(daemon.daemon().store()); });
      !problems_after.empty()) {
    for (const auto& p : problems_after) std::cerr << "store check after the releases: " << p << "\n";
    ok = false;
  }
  return ok;
}

}  // namespace

int run_guest_soak(const Options& options) {
  // The daemon's own defaults, as started without options.
  cxxenstored::daemon::Options daemon_options;
  daemon_options.foreground = true;
  // Quota refusals and bad rings are logged by design; thousands of them
  // would bury the report.
  spdlog::set_level(options.verbose ? spdlog::level::info : spdlog::level::err);

  std::unique_ptr<InProcessDaemon> daemon;
  try {
    daemon = std::make_unique<InProcessDaemon>(daemon_options);
  } catch (const std::exception& e) {
    std::cerr << "xssoak: " << e.what() << "\n";
    return 1;
  }
  const std::size_t ports_at_start = daemon->hypervisor().bound_ports();
  auto dom0_endpoint = daemon->hypervisor().endpoint(0);
  auto dom0_guest = dom0_endpoint ? cxxenstored::xen::SimulatedGuest::attach(std::move(dom0_endpoint).value())
                                  : Result<cxxenstored::xen::SimulatedGuest>(dom0_endpoint.error());
  if (!dom0_guest) {
    std::cerr << "xssoak: cannot attach to dom0's ring\n";
    return 1;
  }
  // dom0's kernel side of its own ring: the toolstack of the well-behaved
  // guests and the final checks.
  RingChannel dom0(std::move(dom0_guest).value());
  ModelClientPool guests;
  if (!introduce_guests(*daemon, dom0, options, guests)) return 1;

  std::atomic<bool> stop{false};
  RssSamples rss;
  rss.start = InProcessDaemon::rss_kib();
  const auto started = std::chrono::steady_clock::now();

  ModelClientPool clients;
  clients.add_socket_clients(options, daemon->socket());
  guests.start(stop);
  clients.start(stop);
  MisbehavingClientPool misbehaving;
  // A dom0 client watching "/" that never reads holds every writing guest
  // at its outstanding quota (their requests' events wait in its queue, as
  // in the C daemon): it hangs up every 2 s, which also checks that the
  // guests resume then.
  misbehaving.start(options.misbehaving, daemon->socket(), options.seed, stop, 2000ms);
  std::vector<GuestMisbehaviourStats> bad_stats(static_cast<std::size_t>(options.bad_guests));
  std::vector<std::thread> bad_threads;
  for (int i = 0; i < options.bad_guests; ++i) {
    bad_threads.emplace_back([&, i] {
      run_misbehaving_guest(*daemon, daemon_options, static_cast<DomId>(kFirstBadGuest + i), i,
                            options.seed * 31u + static_cast<std::uint64_t>(i), stop,
                            bad_stats[static_cast<std::size_t>(i)]);
    });
  }

  const bool daemon_died = !monitor(options, [&] { return daemon->alive(); }, &InProcessDaemon::rss_kib, rss);
  stop = true;
  guests.join();
  clients.join();
  misbehaving.join();
  for (auto& t : bad_threads) t.join();
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  bool ok = !daemon_died && daemon->alive();
  if (!ok) std::cerr << "the daemon's loop ended during the soak\n";
  ClientStats client_total;
  ClientStats guest_total;
  if (!clients.verify(client_total, ok, "client")) ok = false;
  if (!guests.verify(guest_total, ok, "guest")) ok = false;
  std::uint64_t bad_connections = 0;
  std::uint64_t bad_bytes = 0;
  if (!misbehaving.verify(bad_connections, bad_bytes)) ok = false;
  GuestMisbehaviourStats bad_total;
  for (const auto& s : bad_stats) {
    for (std::size_t k = 0; k < s.rounds.size(); ++k) bad_total.rounds[k] += s.rounds[k];
    bad_total.requests += s.requests;
    bad_total.failures += s.failures;
    for (const auto& f : s.first_failures) std::cerr << f << "\n";
  }
  if (bad_total.failures) {
    std::cerr << bad_total.failures << " misbehaving-guest rounds went wrong\n";
    ok = false;
  }
  std::size_t connections_left = 0;
  clients.close_all();
  if (daemon->alive() && !check_end_state(*daemon, dom0, options, ports_at_start, connections_left)) ok = false;
  guests.close_all();
  const long final_rss = InProcessDaemon::rss_kib();
  if (final_rss >= 0) rss.last = final_rss;
  if (!rss_bounded(options, rss)) ok = false;

  std::uint64_t bad_rounds = 0;
  std::string per_kind;
  for (int k = 0; k < kGuestMisbehaviourCount; ++k) {
    bad_rounds += bad_total.rounds[static_cast<std::size_t>(k)];
    per_kind += std::string(k ? ", " : "") + guest_misbehaviour_name(static_cast<GuestMisbehaviour>(k)) + " " +
                std::to_string(bad_total.rounds[static_cast<std::size_t>(k)]);
  }
  const auto ull = [](std::uint64_t v) { return static_cast<unsigned long long>(v); };
  std::printf(
      "xssoak: %.1f s, %d clients, %d misbehaving, %d guests, %d bad guests (daemon in-process, simulated hypervisor)\n"
      "  operations      %llu (%.0f/s)\n"
      "  guest ops       %llu (%.0f/s)\n"
      "  transactions    %llu committed, %llu EAGAIN, %llu aborted\n"
      "  guest tx        %llu committed, %llu EAGAIN, %llu aborted\n"
      "  watch events    %llu (guests %llu)\n"
      "  misbehaving     %llu connections, %llu bytes\n"
      "  bad guests      %llu domains died and released (%s), %llu requests, %llu failed rounds\n"
      "  connections     %zu left at the end (expected 1: dom0's ring)\n"
      "  xssoak RSS KiB  start %ld, after warm-up %ld, max %ld, end %ld (the daemon runs in this process)\n"
      "  model mismatches %llu\n"
      "  result          %s\n",
      elapsed, options.clients, options.misbehaving, options.guests, options.bad_guests, ull(client_total.ops),
      static_cast<double>(client_total.ops) / elapsed, ull(guest_total.ops),
      static_cast<double>(guest_total.ops) / elapsed, ull(client_total.commits), ull(client_total.conflicts),
      ull(client_total.aborts), ull(guest_total.commits), ull(guest_total.conflicts), ull(guest_total.aborts),
      ull(client_total.events + guest_total.events), ull(guest_total.events), ull(bad_connections), ull(bad_bytes),
      ull(bad_rounds), per_kind.c_str(), ull(bad_total.requests), ull(bad_total.failures), connections_left,
      rss.start, rss.warm, rss.max, rss.last, ull(client_total.mismatches + guest_total.mismatches),
      ok ? "PASS" : "FAIL");
  daemon->stop();
  return ok ? 0 : 1;
}

}  // namespace xssoak
