// The daemon side of the ring tests: a SimulatedHypervisor, an io_context on
// its own thread running the EventDispatcher and DomainManager, and for every
// ring connection an echo service that answers each whole wire message with
// the same header and payload. Tests play guests from their own thread (or a
// forked process) through SimulatedGuest and observe what the daemon side saw.
#pragma once

#include "cxxenstored/util/run_on.h"
#include <boost/asio/io_context.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cxxenstored/xen/domain_manager.h"
#include "cxxenstored/xen/event_dispatcher.h"
#include "cxxenstored/xen/simulated_guest.h"
#include "cxxenstored/xen/simulated_hypervisor.h"

namespace cxxenstored::xen::testing {

// Frames the byte stream of one connection and echoes every message.
class EchoService : public std::enable_shared_from_this<EchoService> {
 public:
  EchoService(DomId domid, std::shared_ptr<connection::Transport> transport)
      : domid_(domid), transport_(std::move(transport)) {}

  template <class OnClosed>
  void start(OnClosed on_closed) {
    connection::Transport::Handlers h;
    std::weak_ptr<EchoService> weak = shared_from_this();
    h.on_data = [weak](std::string_view bytes) {
      if (auto self = weak.lock()) self->on_data(bytes);
    };
    h.on_drained = [] {};
    // Reported even if the service was already replaced (reconnect).
    h.on_closed = [domid = domid_, on_closed](connection::CloseReason reason) {
      on_closed(domid, reason);
    };
    transport_->start(std::move(h));
  }
  connection::Transport& transport() { return *transport_; }

 private:
  void on_data(std::string_view bytes) {
    buffer_.append(bytes);
    while (buffer_.size() >= sizeof(xsd_sockmsg)) {
      xsd_sockmsg header;
      std::memcpy(&header, buffer_.data(), sizeof header);
      if (buffer_.size() < sizeof header + header.len) break;
      transport_->send(buffer_.substr(0, sizeof header + header.len));
      buffer_.erase(0, sizeof header + header.len);
    }
  }

  DomId domid_;
  std::shared_ptr<connection::Transport> transport_;
  std::string buffer_;
};

class RingHarness {
 public:
  struct Closed {
    DomId domid;
    connection::CloseReason reason;
  };

  RingHarness() {
    hv_ = std::move(SimulatedHypervisor::create().value());
    dispatcher_ = std::make_unique<EventDispatcher>(io_.get_executor(), *hv_);
    DomainManager::Callbacks callbacks;
    callbacks.on_connection = [this](DomId domid, std::shared_ptr<connection::Transport> t) {
      auto service = std::make_shared<EchoService>(domid, std::move(t));
      services_[domid] = service;
      service->start([this](DomId d, connection::CloseReason r) {
        std::lock_guard lock(mutex_);
        closed_.push_back({d, r});
        changed_.notify_all();
      });
      std::lock_guard lock(mutex_);
      ++connections_[domid];
      changed_.notify_all();
    };
    callbacks.on_domain_released = [this](DomId domid, DomainManager::ReleaseCause) {
      services_.erase(domid);
      std::lock_guard lock(mutex_);
      // The connection is gone before the domain is reported released.
      bool connection_closed = false;
      for (const Closed& c : closed_) connection_closed |= c.domid == domid;
      EXPECT_TRUE(connection_closed) << "domain " << domid << " released before its connection closed";
      released_.push_back(domid);
      changed_.notify_all();
    };
    callbacks.on_domains_shut_down = [this] {
      std::lock_guard lock(mutex_);
      ++shut_down_reports_;
      changed_.notify_all();
    };
    manager_ = std::make_unique<DomainManager>(io_.get_executor(), *hv_, *dispatcher_,
                                               std::move(callbacks));
    thread_ = std::thread([this] { io_.run(); });
    run([this] {
      EXPECT_TRUE(dispatcher_->start().ok());
      EXPECT_TRUE(manager_->start().ok());
      return 0;
    });
  }

  ~RingHarness() {
    run([this] {
      services_.clear();
      manager_.reset();
      dispatcher_.reset();
      return 0;
    });
    work_.reset();
    io_.stop();
    thread_.join();
  }

  // Runs `f` on the daemon thread and returns its result.
  template <class F>
  auto run(F f) -> decltype(f()) {
    return ::cxxenstored::run_on(io_, std::move(f));
  }

  SimulatedHypervisor& hv() { return *hv_; }
  DomainManager& manager() { return *manager_; }

  // Creates domain `domid`, introduces it like the toolstack would, and
  // returns its guest side.
  SimulatedGuest add_guest(DomId domid) {
    auto endpoint = hv_->create_domain(domid);
    EXPECT_TRUE(endpoint.ok());
    auto frame = endpoint->frame;
    auto port = endpoint->remote_port;
    auto outcome = run([&] { return manager_->introduce(domid, frame, port); });
    EXPECT_TRUE(outcome.ok());
    return std::move(SimulatedGuest::attach(std::move(*endpoint)).value());
  }

  // Waits until `pred()` holds under the observation lock.
  template <class Pred>
  bool wait_for(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return pred(); });
  }

  // Observations, read under lock via wait_for or these copies.
  std::vector<Closed> closed() {
    std::lock_guard lock(mutex_);
    return closed_;
  }
  std::vector<DomId> released() {
    std::lock_guard lock(mutex_);
    return released_;
  }
  int connections(DomId domid) {
    std::lock_guard lock(mutex_);
    return connections_[domid];
  }
  int shut_down_reports() {
    std::lock_guard lock(mutex_);
    return shut_down_reports_;
  }
  // Bytes the daemon still holds for `domid` (its guest is not reading).
  std::size_t pending_output(DomId domid) {
    return run([&]() -> std::size_t {
      auto it = services_.find(domid);
      return it == services_.end() ? 0 : it->second->transport().pending_output();
    });
  }

  // Unlocked access for predicates passed to wait_for.
  const std::vector<Closed>& closed_locked() const { return closed_; }
  const std::vector<DomId>& released_locked() const { return released_; }
  int connections_locked(DomId domid) { return connections_[domid]; }
  int shut_down_reports_locked() const { return shut_down_reports_; }

 private:
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      io_.get_executor()};
  std::unique_ptr<SimulatedHypervisor> hv_;
  std::unique_ptr<EventDispatcher> dispatcher_;
  std::unique_ptr<DomainManager> manager_;
  std::map<DomId, std::shared_ptr<EchoService>> services_;  // daemon thread only
  std::thread thread_;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Closed> closed_;
  std::vector<DomId> released_;
  std::map<DomId, int> connections_;
  int shut_down_reports_ = 0;
};

// A message whose payload identifies it, for round-trip checks.
inline WireMessage make_message(std::uint32_t req_id, std::size_t size, char seed) {
  WireMessage m;
  m.type = XS_WRITE;
  m.req_id = req_id;
  m.tx_id = req_id * 7;
  m.payload.resize(size);
  for (std::size_t i = 0; i < size; ++i) m.payload[i] = static_cast<char>(seed + i % 23);
  return m;
}

}  // namespace cxxenstored::xen::testing
