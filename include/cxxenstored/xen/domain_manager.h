// The domain table: which domains are introduced, their mapped ring, their
// event channel and the ring transport their connection runs on. Implements
// the hypervisor side of INTRODUCE, RELEASE, RESUME, IS_DOMAIN_INTRODUCED and
// SET_TARGET with the C daemon's (Xen 4.17) answers, dom0's own ring, and the
// reaction to VIRQ_DOM_EXC: domains that died or are dying are torn down,
// newly shut-down ones reported.
//
// It owns no store state. The daemon learns about connections and domain
// deaths through Callbacks and does its part there (connection, watches,
// transactions, quota state, @introduceDomain / @releaseDomain).
//
// Single-threaded: the daemon's io_context.
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "cxxenstored/connection/transport.h"
#include "cxxenstored/util/result.h"
#include "cxxenstored/xen/event_dispatcher.h"
#include "cxxenstored/xen/hypervisor.h"
#include "cxxenstored/xen/ring_transport.h"

namespace cxxenstored::xen {

// DOMID_SELF from xen/xen.h: "the caller" in IS_DOMAIN_INTRODUCED.
inline constexpr DomId kDomIdSelf = 0x7FF0;

class DomainManager {
 public:
  enum class ReleaseCause {
    kReleased,  // XS_RELEASE: the request engine does the store side itself
    kDied,      // VIRQ_DOM_EXC found it dead or dying
  };

  struct Callbacks {
    // A domain's ring has a new connection: after introduce, dom0 init,
    // re-introduce and ring reconnect. Any earlier transport of that domain
    // is closed (its on_closed may still be queued). The daemon wraps it in
    // a connection acting as domain `domid` and calls start().
    std::function<void(DomId domid, std::shared_ptr<connection::Transport>)> on_connection;
    // The domain is gone from the table (called from the event loop after
    // the operation; its transport's on_closed(kPeerClosed) has run). For kDied the daemon drops what is left of the
    // domain (its nodes as -K says, quota state) and fires @releaseDomain, as
    // the C daemon does once per destroyed domain; for kReleased the engine's
    // RELEASE handler already does that.
    std::function<void(DomId domid, ReleaseCause cause)> on_domain_released;
    // Some introduced domain was newly seen shut down or crashed (it is not
    // gone yet): the C daemon fires @releaseDomain once for the whole scan.
    std::function<void()> on_domains_shut_down;
  };

  enum class IntroduceOutcome {
    kNew,           // a new guest: the daemon fires @introduceDomain
    kNewOwnDomain,  // our own domain (dom0): no @introduceDomain, as in C
    kExisting,      // already introduced: event channel rebound, connection reset
  };

  DomainManager(boost::asio::any_io_executor executor, Hypervisor& hypervisor,
                EventDispatcher& dispatcher, Callbacks callbacks = {});
  ~DomainManager();
  DomainManager(const DomainManager&) = delete;
  DomainManager& operator=(const DomainManager&) = delete;

  // Replaces the callbacks (the daemon builds its engine on top of the
  // DomainOps that wraps this manager, then connects the two).
  void set_callbacks(Callbacks callbacks) { callbacks_ = std::move(callbacks); }

  // Binds VIRQ_DOM_EXC (the daemon then learns about dying domains).
  Result<void> start();
  // Introduces dom0 (our own domain) over /proc/xen/xsd_kva + xsd_port and
  // signals its kernel, as the C daemon's dom0_init does.
  Result<void> introduce_own_domain();

  // INTRODUCE domid frame port (arguments already parsed and checked, port > 0).
  Result<IntroduceOutcome> introduce(DomId domid, std::uint64_t frame, EvtchnPort remote_port);
  // RELEASE: EINVAL for domid 0, ENOENT if not introduced, EINVAL if no connection.
  Result<void> release(DomId domid);
  // RESUME: same checks; clears the domain's shut-down mark.
  Result<void> resume(DomId domid);
  // IS_DOMAIN_INTRODUCED (DOMID_SELF is always introduced).
  bool is_introduced(DomId domid) const;
  // SET_TARGET: both must be introduced (ENOENT) with a connection (EINVAL).
  Result<void> set_target(DomId domid, DomId target);
  // The domain `domid` may act for (SET_TARGET), if any.
  std::optional<DomId> target_of(DomId domid) const;

  // VIRQ_DOM_EXC: look at every introduced domain's state.
  void check_domains();

  // --- live update ----------------------------------------------------------
  // What the next daemon process needs to take one domain over.
  struct Handover {
    DomId domid = 0;
    EvtchnPort local_port = 0;  // bound on the hypervisor's handover_fd()
    std::optional<DomId> target;
    RingTransport::Unsent unsent;  // replies and events not yet in the ring
  };
  // Old process, right before exec: every introduced domain, in domid order.
  // Unbinds VIRQ_DOM_EXC (the new process binds its own, as the C daemon's
  // domain_deinit does) and from now on leaves the domains' ports bound
  // when this object goes away: they belong to the next process.
  std::vector<Handover> begin_handover();
  // The exec failed: the ports are ours again and VIRQ_DOM_EXC is rebound.
  Result<void> cancel_handover();
  // New process, before start(): takes over a domain the old process had,
  // on its still bound local port; the ring is mapped again (our own domain
  // through map_dom0_ring) and served as it is: indices, unread requests and
  // unread replies stay where they are. EEXIST if already known.
  Result<void> adopt(DomId domid, EvtchnPort local_port, std::optional<DomId> target);

  std::size_t size() const { return domains_.size(); }
  // The local event channel port of an introduced domain (0 if unbound).
  std::optional<EvtchnPort> local_port(DomId domid) const;

 private:
  struct Domain {
    DomId domid = 0;
    EvtchnPort local_port = 0;  // 0: binding failed on re-introduce
    std::shared_ptr<RingMapping> ring;
    std::shared_ptr<RingTransport> transport;
    bool shutdown = false;  // shut down or crashed and already reported
    std::optional<DomId> target;
  };

  Result<Domain*> add_domain(DomId domid, RingMapping ring, EvtchnPort remote_port);
  void bind_port(Domain& domain, EvtchnPort local_port);
  void unbind_port(Domain& domain);
  enum class RingStart {
    kAsIs,       // dom0's ring: its kernel may have queued requests already
    kIntroduce,  // new guest: empty ring, connection state CONNECTED, signal
                 // (dom0less guests wait for that), as the C daemon does
    kReset,      // INTRODUCE of a known guest: all indices to 0
    kReconnect,  // the guest's reconnect handshake
  };
  // A new transport on the domain's ring, handed to the daemon.
  void connect(Domain& domain, RingStart how);
  void on_port_event(DomId domid);
  // Removes the domain: closes its transport, unbinds, unmaps, tells the daemon.
  void destroy(DomId domid, ReleaseCause cause);
  Result<Domain*> find_connected(DomId domid);

  boost::asio::any_io_executor executor_;
  Hypervisor& hypervisor_;
  EventDispatcher& dispatcher_;
  Callbacks callbacks_;
  EvtchnPort virq_port_ = 0;
  std::map<DomId, std::unique_ptr<Domain>> domains_;
  bool handed_over_ = false;  // ports belong to the next process
};

}  // namespace cxxenstored::xen
