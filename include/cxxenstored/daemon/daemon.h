// The daemon proper: the store, the watch registry, the request engine and
// the unix-socket listeners, all on one io_context.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include "cxxenstored/connection/clock.h"
#include "cxxenstored/connection/connection_set.h"
#include "cxxenstored/connection/loop_idleness.h"
#include "cxxenstored/connection/uring_queue.h"
#include "cxxenstored/daemon/options.h"
#include "cxxenstored/daemon/trace_file.h"
#include "cxxenstored/liveupdate/daemon_bridge.h"
#include "cxxenstored/liveupdate/migration_state.h"
#include "cxxenstored/liveupdate/session.h"
#include "cxxenstored/observability/metrics.h"
#include <boost/asio/steady_timer.hpp>
#include "cxxenstored/protocol/control.h"
#include "cxxenstored/protocol/domain_ops.h"
#include "cxxenstored/protocol/engine.h"
#include "cxxenstored/store/store.h"
#include "cxxenstored/watch/registry.h"
#include "cxxenstored/xen/hypervisor.h"
#include "cxxenstored/xen/xen_guest_support.h"

namespace cxxenstored::daemon {

// $XENSTORED_RUNDIR/socket, default /run/xenstored/socket.
std::string default_socket_path();

class Daemon {
 public:
  // argv: the daemon's command line, reused by live update without -c.
  Daemon(boost::asio::io_context& io, const Options& options, std::vector<std::string> argv = {});
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Socket clients' I/O through an io_uring (where the kernel allows it
  // and `wanted`), else epoll; logs which. Only for a caller whose event
  // loop drives the ring (run_event_loop with uring_queue()), on the thread
  // that runs it, before listen() or restore(); without it, epoll.
  void use_io_uring(bool wanted);
  // Serves the sockets systemd passed, or else binds socket_path (creating
  // its directory, replacing a stale socket, mode 0600).
  Result<void> listen(const std::string& socket_path, const std::vector<int>& inherited_fds);
  // Stops accepting and closes every connection.
  void stop();
  // SIGHUP: reopens the trace file.
  void reopen_logs();

  // Adds a client connection over any transport (the Xen part uses this
  // for guest rings); returns its session id.
  protocol::SessionId add_connection(std::unique_ptr<connection::Transport> transport,
                                     const store::Caller& caller);
  // Serves guests through this hypervisor backend: its domain operations
  // replace the no-hypervisor ones, our own domain's ring is connected and
  // VIRQ_DOM_EXC is watched (the C daemon's domain_init).
  Result<void> serve_guests(std::unique_ptr<xen::Hypervisor> hypervisor,
                            std::optional<unsigned> priv_domid);
  // Installs the hypervisor's domain operations in place of the
  // no-hypervisor ones.
  void use_domain_ops(std::unique_ptr<protocol::DomainOps> domains);
  // -U with a hypervisor, before restore(): the backend whose event channel
  // handle the previous daemon left open; restore() then takes over the
  // guests' rings on their bound ports and starts serving them.
  Result<void> adopt_guests(std::unique_ptr<xen::Hypervisor> hypervisor,
                            std::optional<unsigned> priv_domid);
  // -U: takes over what the previous daemon saved (store, listening socket,
  // socket clients and guest rings with their watches, unsent output and
  // unprocessed input).
  Result<void> restore(const liveupdate::MigrationState& state);

  // Live update, old process, right before exec: every connection as the
  // stream records it (sockets by descriptor, rings by domain and bound
  // port). Unbinds VIRQ_DOM_EXC and hands the guests' ports to the next
  // process; cancel_handover() takes them back if the exec failed.
  liveupdate::DaemonState begin_handover();
  void cancel_handover();

  protocol::Engine& engine() { return engine_; }
  connection::ConnectionSet& connections() { return connections_; }
  store::Store& store() { return store_; }
  // The counters the metrics control command shows (the event loop adds
  // its busy-polling outcomes).
  observability::Metrics& metrics() { return metrics_; }
  // What the event loop tells socket transports about its idle periods.
  connection::LoopIdleness& loop_idleness() { return loop_idleness_; }
  // The io_uring that carries socket I/O, or null (epoll).
  connection::UringQueue* uring_queue() { return uring_.get(); }

 private:
  void run_live_update(liveupdate::ExecPlan plan, int attempts_left);
  // What every connection, socket or ring, is built with: the live limits,
  // the clock, the metrics and the event flush scheduler (sockets use it).
  connection::ConnectionOptions connection_options();
  void install_guest_support(std::unique_ptr<xen::Hypervisor> hypervisor,
                             std::optional<unsigned> priv_domid);
  std::vector<liveupdate::WatchSnapshot> watches_for_handover(protocol::SessionId id);
  void restore_watches(protocol::SessionId id, unsigned domid,
                       std::vector<liveupdate::WatchSnapshot> watches);
  void restore_ring(liveupdate::ConnectionSnapshot& c);
  using Acceptor = boost::asio::local::stream_protocol::acceptor;
  void accept_next(Acceptor& acceptor);
  // A unix-socket client, accepted or handed over by live update.
  protocol::SessionId add_socket_client(boost::asio::local::stream_protocol::socket socket);

  boost::asio::io_context& io_;
  connection::LoopIdleness loop_idleness_;  // before connections_: its transports read it
  // Socket I/O once use_io_uring() has opened it (else null: epoll).
  // Before connections_: it outlives their transports.
  std::shared_ptr<connection::UringQueue> uring_;
  // Time for connections (request latency, the watch-event timeout).
  connection::SteadyClock clock_;
  // Socket connections' watch events leave in its turns (gathered writes).
  connection::EventFlushScheduler event_flush_;
  protocol::Limits limits_;
  store::Store store_;
  watch::Registry watches_;
  protocol::NoHypervisorDomainOps domains_;
  protocol::ControlRegistry control_;
  connection::ConnectionSet connections_;
  protocol::Engine engine_;
  TraceFile trace_;
  std::unique_ptr<protocol::DomainOps> hypervisor_domains_;
  std::vector<std::unique_ptr<Acceptor>> acceptors_;
  std::string bound_path_;  // removed again on exit
  std::string handed_over_path_;  // bound_path_ while a handover is under way
  liveupdate::LiveUpdateSession lu_session_;
  observability::Metrics metrics_;
  boost::asio::steady_timer lu_timer_;
  // Declared last: destroyed first, while the engine it feeds still exists.
  std::unique_ptr<xen::XenGuestSupport> xen_;
  bool adopting_guests_ = false;  // adopt_guests() done, restore() starts them
};

}  // namespace cxxenstored::daemon
