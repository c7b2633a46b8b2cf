// A test daemon for guests over simulated rings: the store, watches,
// engine, connections and XenGuestSupport on their own io_context thread,
// as the real Daemon builds them when a hypervisor is present.
#pragma once

#include "cxxenstored/util/run_on.h"
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <optional>
#include <thread>

#include <gtest/gtest.h>

#include "cxxenstored/connection/connection_set.h"
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
  GuestDaemon() {
    auto hv = std::move(SimulatedHypervisor::create().value());
    hv_ = hv.get();
    xen_.emplace(io_, std::move(hv));
    engine_.emplace(store_, watches_, xen_->ops(), control_, limits_, connections_);
    xen_->attach(*engine_, connections_, nullptr);
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
