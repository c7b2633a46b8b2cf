// The daemon under a guest soak: the real cxxenstored::daemon::Daemon,
// built in this process because simulated guest rings need the hypervisor
// (memfd pages, eventfds) in the same process. It serves a
// SimulatedHypervisor through Daemon::serve_guests and listens on a unix
// socket in a private temporary folder, so socket clients and guests drive
// the very same daemon, on its own io_context thread, as src/daemon/main.cc
// runs it.
#pragma once

#include "cxxenstored/util/run_on.h"
#include <atomic>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "cxxenstored/daemon/daemon.h"
#include "cxxenstored/xen/simulated_hypervisor.h"

namespace xssoak {

class InProcessDaemon {
 public:
  // Builds the daemon, listens, serves guests and starts the loop thread.
  // Throws std::runtime_error on failure.
  explicit InProcessDaemon(const cxxenstored::daemon::Options& options);
  // stop() if not done yet; removes the temporary folder.
  ~InProcessDaemon();
  InProcessDaemon(const InProcessDaemon&) = delete;
  InProcessDaemon& operator=(const InProcessDaemon&) = delete;

  const std::string& socket() const { return socket_; }
  // The test side of the hypervisor (create and destroy domains). Owned by
  // the daemon, which lives as long as this object; its controls are
  // thread-safe.
  cxxenstored::xen::SimulatedHypervisor& hypervisor() { return *hv_; }
  // False once the loop thread ended on its own (a fatal daemon error).
  bool alive() const { return !loop_ended_.load(); }

  // Runs f on the loop thread and returns its result: the daemon's objects
  // are single-threaded. Must not be called once !alive().
  template <class F>
  auto run(F f) -> decltype(f()) {
    return ::cxxenstored::run_on(io_, std::move(f));
  }
  cxxenstored::daemon::Daemon& daemon() { return *daemon_; }

  // Stops the daemon (as on SIGTERM) and joins the loop thread.
  void stop();

  // VmRSS of this process in KiB (the daemon's memory is part of it), -1
  // when unknown.
  static long rss_kib();

 private:
  boost::asio::io_context io_{1};  // one thread runs it: Asio may skip locking
  std::string dir_;
  std::string socket_;
  cxxenstored::xen::SimulatedHypervisor* hv_ = nullptr;  // owned by daemon_
  std::optional<cxxenstored::daemon::Daemon> daemon_;
  std::thread thread_;
  std::atomic<bool> loop_ended_{false};
  bool stopped_ = false;
};

}  // namespace xssoak
