// A test daemon for guests over simulated rings: the store, watches,
// engine, connections and XenGuestSupport on their own io_context thread,
// as the real Daemon builds them when a hypervisor is present, with the
// connection options the daemon passes (live limits, a clock, metrics) and
// its built-in control commands. The clock is a ManualClock, moved by the
// test (advance()) instead of waiting for real timeouts.
#pragma once

#include "cxxenstored/util/run_on.h"
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <thread>

#include <gtest/gtest.h>

#include "cxxenstored/connection/connection_set.h"
#include "cxxenstored/connection/manual_clock.h"
#include "cxxenstored/observability/metrics.h"
#include "cxxenstored/protocol/builtin_controls.h"
#include "cxxenstored/protocol/control.h"
#include "cxxenstored/protocol/engine.h"
#include "cxxenstored/store/store.h"
#include "cxxenstored/watch/registry.h"
#include "cxxenstored/xen/simulated_guest.h"
#include "cxxenstored/xen/simulated_hypervisor.h"
#include "cxxenstored/xen/xen_guest_support.h"

namespace cxxenstored::xen {

// The daemon's parts on their own io_context thread, as Daemon builds them
// when a hypervisor is present.
class GuestDaemon {
 public:
  explicit GuestDaemon(protocol::Limits limits = {}) : limits_(limits) {
    auto hv = std::move(SimulatedHypervisor::create().value());
    hv_ = hv.get();
    xen_.emplace(io_, std::move(hv));
    engine_.emplace(store_, watches_, xen_->ops(), control_, limits_, connections_);
    // "quota <domid>" as the daemon registers it, outstanding count included.
    protocol::register_builtin_controls(
        control_, protocol::ControlEnvironment{
                      store_, limits_, *engine_, [](std::string_view) {},
                      [](bool) -> Result<void> { return {}; },
                      [](std::string_view) -> Result<void> { return {}; },
                      [this](store::DomainId domain) { return connections_.outstanding_of(domain); }});
    connection::ConnectionOptions options;
    options.limits = &limits_;
    options.clock = &clock_;
    options.metrics = &metrics_;
    xen_->attach(*engine_, connections_, nullptr, options);
    thread_ = std::thread([this] { io_.run(); });
    run([this] {
      EXPECT_TRUE(xen_->start(true).ok());
      return 0;
    });
  }
  ~GuestDaemon() {
    run([this] {
      connections_.close_all();
      xen_->stop();
      return 0;
    });
    // Let the closes finish (connections leave the set) before the engine
    // they use goes away: run() returns once no work is left.
    work_.reset();
    thread_.join();
    EXPECT_EQ(connections_.size(), 0u);
    engine_.reset();
    xen_.reset();
  }

  template <class F>
  auto run(F f) -> decltype(f()) {
    return ::cxxenstored::run_on(io_, std::move(f));
  }

  // Moves the daemon's clock (alarms fire on the daemon's thread).
  void advance(std::chrono::nanoseconds by) {
    run([this, by] {
      clock_.advance(by);
      return 0;
    });
  }

  // The connection serving domid's ring (call on the daemon's thread).
  std::shared_ptr<connection::Connection> connection_of(DomId domid) {
    for (const auto& [id, conn] : connections_.all()) {
      const store::Caller* caller = engine_->caller(id);
      if (caller && caller->domain == domid && conn->kind() == connection::TransportKind::kRing)
        return conn;
    }
    return nullptr;
  }

  connection::ConnectionSet& connections() { return connections_; }
  observability::Metrics& metrics() { return metrics_; }
  store::Store& store() { return store_; }
  SimulatedHypervisor& hv() { return *hv_; }
  protocol::Engine& engine() { return *engine_; }
  DomainManager& manager() { return xen_->manager(); }

  SimulatedGuest dom0() { return std::move(SimulatedGuest::attach(hv_->endpoint(0).value()).value()); }
  // A running domain, not yet introduced.
  SimulatedGuest create(DomId domid) {
    return std::move(SimulatedGuest::attach(hv_->create_domain(domid).value()).value());
  }

 private:
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      io_.get_executor()};
  SimulatedHypervisor* hv_ = nullptr;  // owned by xen_
  connection::ManualClock clock_;
  observability::Metrics metrics_;
  store::Store store_;
  watch::Registry watches_;
  protocol::ControlRegistry control_;
  protocol::Limits limits_;
  connection::ConnectionSet connections_;
  std::optional<XenGuestSupport> xen_;
  std::optional<protocol::Engine> engine_;
  std::thread thread_;
};

}  // namespace cxxenstored::xen
