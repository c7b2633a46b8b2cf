#include "in_process_daemon.h"

#include <stdlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace xssoak {

InProcessDaemon::InProcessDaemon(const cxxenstored::daemon::Options& options) {
  char dir[] = "/tmp/xssoak-guests-XXXXXX";
  if (::mkdtemp(dir) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = dir;
  socket_ = dir_ + "/socket";
  auto hv = cxxenstored::xen::SimulatedHypervisor::create();
  if (!hv) throw std::runtime_error("cannot create the simulated hypervisor");
  hv_ = hv->get();
  daemon_.emplace(io_, options);
  // The order of main.cc: listen, then serve guests, then run the loop.
  if (!daemon_->listen(socket_, {}))
    throw std::runtime_error("the daemon cannot listen on " + socket_);
  if (auto served = daemon_->serve_guests(std::move(*hv), options.priv_domid); !served)
    throw std::runtime_error(std::string("cannot serve guests: ") + std::strerror(served.error().code));
  thread_ = std::thread([this] {
    io_.run();
    loop_ended_ = true;
  });
}

InProcessDaemon::~InProcessDaemon() {
  stop();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void InProcessDaemon::stop() {
  if (stopped_) return;
  stopped_ = true;
  if (!loop_ended_) {
    run([this] {
      daemon_->stop();
      io_.stop();
      return 0;
    });
  }
  thread_.join();
  // Completions of what stop() cancelled still hold connections: run them
  // while the daemon they refer to exists, then destroy it.
  io_.restart();
  io_.poll();
  daemon_.reset();
}

long InProcessDaemon::rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

}  // namespace xssoak
