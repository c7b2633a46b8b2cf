#include "cxxenstored/daemon/daemon.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <utility>

#include <spdlog/spdlog.h>

#include "cxxenstored/connection/unix_socket_transport.h"
#include "cxxenstored/connection/uring_socket_transport.h"
#include "cxxenstored/liveupdate/controls.h"
#include "cxxenstored/liveupdate/daemon_bridge.h"
#include "cxxenstored/liveupdate/perform.h"
#include "cxxenstored/liveupdate/state_file.h"
#include "cxxenstored/observability/metrics_control.h"
#include "cxxenstored/protocol/builtin_controls.h"

namespace cxxenstored::daemon {

namespace asio = boost::asio;
using stream = asio::local::stream_protocol;

std::string default_socket_path() {
  const char* rundir = std::getenv("XENSTORED_RUNDIR");
  std::string dir = rundir && *rundir ? rundir : "/run/xenstored";
  return dir + "/socket";
}

Daemon::Daemon(asio::io_context& io, const Options& options, std::vector<std::string> argv)
    : io_(io),
      clock_(io.get_executor()),
      event_flush_(io.get_executor()),
      limits_(options.limits),
      store_(options.quotas),
      engine_(store_, watches_, domains_, control_, limits_, connections_),
      lu_session_(std::move(argv), liveupdate::probe_binary), lu_timer_(io) {
  engine_.set_keep_orphans(options.keep_orphans);
  engine_.set_metrics(&metrics_);
  if (!options.trace_file.empty()) {
    if (auto opened = trace_.open(options.trace_file); !opened)
      spdlog::error("cannot open trace file {}: {}", options.trace_file,
                    std::strerror(opened.error().code));
  }
  protocol::register_builtin_controls(
      control_,
      protocol::ControlEnvironment{
          store_, limits_, engine_,
          [](std::string_view text) { spdlog::info("{}", text); },
          [this](bool on) -> Result<void> {
            if (!on) {
              trace_.close();
              return {};
            }
            return trace_.reopen();
          },
          [this](std::string_view file) -> Result<void> { return trace_.open(std::string(file)); },
          [this](store::DomainId domain) { return connections_.outstanding_of(domain); }});
  liveupdate::register_liveupdate_controls(
      control_,
      liveupdate::LiveUpdateControlEnvironment{
          store_, lu_session_,
          [](const protocol::ControlRequest& req) -> liveupdate::OwnerId { return req.session; },
          [this] {
            // Per connection the start of its oldest open transaction (the
            // C daemon's ta_start_time), named by the connection's domain.
            std::vector<liveupdate::OpenTransaction> open;
            for (const auto& [id, conn] : connections_.all()) {
              auto started = engine_.oldest_transaction_start(id);
              if (!started) continue;
              const store::Caller* caller = engine_.caller(id);
              open.push_back({caller ? static_cast<std::uint32_t>(caller->domain) : 0, *started});
            }
            return open;
          },
          [this](liveupdate::ExecPlan plan) {
            // Runs once the "OK" reply has been queued.
            asio::post(io_, [this, plan = std::move(plan)] { run_live_update(plan, 200); });
          },
          [this] { return "connections: " + std::to_string(connections_.size()) + "\n"; },
          [](std::string_view text) { spdlog::info("{}", text); }});
  observability::register_metrics_control(control_, {metrics_, store_});
}

void Daemon::run_live_update(liveupdate::ExecPlan plan, int attempts_left) {
  // Let sockets' queued output drain (up to 2 s) so no write is in flight;
  // what is still queued after that is lost (TODO(connection): hand the
  // exact unsent bytes over, as ConnectionSnapshot::pending_output allows).
  // Rings need no wait: their unsent bytes travel in the stream.
  bool busy = false;
  for (const auto& [id, conn] : connections_.all())
    busy = busy || (conn->native_fd() >= 0 && conn->pending_output() > 0);
  if (busy && attempts_left > 0) {
    lu_timer_.expires_after(std::chrono::milliseconds(10));
    lu_timer_.async_wait([this, plan = std::move(plan), attempts_left](boost::system::error_code ec) {
      if (!ec) run_live_update(plan, attempts_left - 1);
    });
    return;
  }
  // No request answered may stay in its socket (UringSocketTransport).
  if (uring_) uring_->settle(std::chrono::seconds(1));
  auto state = begin_handover();
  const std::string path = liveupdate::state_file_path(std::getenv("XENSTORED_RUNDIR"));
  auto failed = liveupdate::perform_live_update(store_, std::move(state), plan, path);
  cancel_handover();
  spdlog::error("live-update: exec of {} failed: {}", plan.binary,
                std::strerror(failed.error().code));
}

std::vector<liveupdate::WatchSnapshot> Daemon::watches_for_handover(protocol::SessionId id) {
  std::vector<liveupdate::WatchSnapshot> out;
  for (auto& w : watches_.list(id)) {
    // The stream keeps the path as the client registered it.
    std::string path = w.relative_home && w.path.size() > w.relative_home->size()
                           ? w.path.substr(w.relative_home->size() + 1)
                           : w.path;
    out.push_back({std::move(path), std::move(w.token)});
  }
  return out;
}

liveupdate::DaemonState Daemon::begin_handover() {
  std::vector<liveupdate::ConnectionSnapshot> snapshots;
  // A socket connection that closed a moment ago is still in the set (its
  // removal is posted) and may still report its old descriptor number,
  // which is closed, or already reused by a newer connection: only the
  // newest connection per open descriptor is handed over (a closed one
  // would make clearing close-on-exec fail with EBADF and the update
  // fail).
  std::map<int, protocol::SessionId> socket_owner;
  for (const auto& [id, conn] : connections_.all()) {
    const int fd = conn->native_fd();
    if (fd < 0 || ::fcntl(fd, F_GETFD) < 0) continue;  // rings: from the domain table below
    socket_owner[fd] = std::max(socket_owner[fd], id);
  }
  for (const auto& [fd, id] : socket_owner) {
    auto conn = connections_.find(id);
    liveupdate::ConnectionSnapshot c;
    c.socket_fd = fd;
    c.pending_input = conn->pending_input();
    c.watches = watches_for_handover(id);
    snapshots.push_back(std::move(c));
  }
  int evtchn_fd = -1;
  if (xen_) {
    evtchn_fd = xen_->hypervisor().handover_fd();
    // Every introduced domain, also one whose connection was dropped (bad
    // ring): the new process must still see it die.
    for (auto& ring : xen_->begin_handover()) {
      liveupdate::ConnectionSnapshot c;
      c.kind = liveupdate::ConnectionKind::kRing;
      c.domid = static_cast<std::uint16_t>(ring.domid);
      c.target_domid = ring.target ? static_cast<std::uint16_t>(*ring.target)
                                   : liveupdate::kNoTargetDomain;
      c.evtchn = ring.local_port;
      c.pending_output = std::move(ring.unsent.bytes);
      c.partial_response_len = static_cast<std::uint16_t>(ring.unsent.continuation);
      if (ring.session) {
        if (auto conn = connections_.find(*ring.session)) {
          c.pending_input = conn->pending_input();
          c.pending_output += conn->queued_output();  // events held back behind the ring's
        }
        c.watches = watches_for_handover(*ring.session);
      }
      snapshots.push_back(std::move(c));
    }
  }
  int listen_fd = acceptors_.empty() ? -1 : acceptors_.front()->native_handle();
  // The socket file stays: the next process serves it.
  handed_over_path_ = std::exchange(bound_path_, {});
  return liveupdate::build_daemon_state(listen_fd, evtchn_fd, snapshots);
}

void Daemon::cancel_handover() {
  if (!handed_over_path_.empty()) bound_path_ = std::exchange(handed_over_path_, {});
  if (!xen_) return;
  if (auto resumed = xen_->cancel_handover(); !resumed)
    spdlog::error("live-update: cannot bind VIRQ_DOM_EXC again: {}",
                  std::strerror(resumed.error().code));
}

void Daemon::restore_watches(protocol::SessionId id, unsigned domid,
                             std::vector<liveupdate::WatchSnapshot> watches) {
  const std::string home = store::home_path(domid);
  for (auto& w : watches) {
    const bool relative = !w.path.empty() && w.path[0] != '/' && w.path[0] != '@';
    std::string path = relative ? home + "/" + w.path : w.path;
    if (!watches_.add(id, path, w.token,
                      relative ? std::optional<std::string>(home) : std::nullopt)) {
      spdlog::warn("live-update: duplicate watch {} dropped", w.path);
      continue;
    }
    // Charged to the domain as a WATCH would be (without a quota check, as
    // the C daemon restores watches).
    engine_.charge_restored_watch(id, path, w.token);
  }
}

Result<void> Daemon::adopt_guests(std::unique_ptr<xen::Hypervisor> hypervisor,
                                  std::optional<unsigned> priv_domid) {
  install_guest_support(std::move(hypervisor), priv_domid);
  adopting_guests_ = true;
  return {};
}

Result<void> Daemon::restore(const liveupdate::MigrationState& state) {
  if (state.global && state.global->socket_fd >= 0) {
    auto acceptor = std::make_unique<Acceptor>(io_);
    boost::system::error_code ec;
    acceptor->assign(stream(), state.global->socket_fd, ec);
    if (ec) return Error{EBADF};
    acceptors_.push_back(std::move(acceptor));
  }
  for (auto& c : liveupdate::group_by_connection(state)) {
    if (c.kind == liveupdate::ConnectionKind::kRing) {
      restore_ring(c);
      continue;
    }
    stream::socket socket(io_);
    boost::system::error_code ec;
    socket.assign(stream(), c.socket_fd, ec);
    if (ec) {
      spdlog::warn("live-update: socket fd {} unusable: {}", c.socket_fd, ec.message());
      continue;
    }
    protocol::SessionId id = add_socket_client(std::move(socket));
    restore_watches(id, 0, std::move(c.watches));  // socket clients are dom0
    if (auto conn = connections_.find(id))
      conn->restore_io(std::move(c.pending_input), std::move(c.pending_output));
  }
  for (auto& acceptor : acceptors_) accept_next(*acceptor);
  if (xen_ && adopting_guests_) {
    adopting_guests_ = false;
    // No own-domain introduction: its ring came with the stream (unless
    // the old daemon had none, then it is introduced now as at a start).
    CXS_TRY(xen_->start(true));
    xen_->check_domains();
  }
  return {};
}

void Daemon::restore_ring(liveupdate::ConnectionSnapshot& c) {
  if (!xen_) {
    spdlog::warn("live-update: no hypervisor, ring of domain {} not restored", c.domid);
    return;
  }
  std::optional<xen::DomId> target;
  if (c.target_domid != liveupdate::kNoTargetDomain) target = c.target_domid;
  auto id = xen_->adopt_ring(c.domid, c.evtchn, target);
  if (!id) {
    spdlog::warn("live-update: ring of domain {} (port {}) not restored: {}", c.domid, c.evtchn,
                 std::strerror(id.error().code));
    return;
  }
  restore_watches(*id, c.domid, std::move(c.watches));
  // Unsent replies first (the first partial_response_len bytes finish one
  // the guest has started to read), then the requests the old process had
  // taken from the ring but not run; the ring's own unread requests follow.
  if (auto conn = connections_.find(*id))
    conn->restore_io(std::move(c.pending_input), std::move(c.pending_output));
}

Daemon::~Daemon() {
  if (!bound_path_.empty()) ::unlink(bound_path_.c_str());
}

Result<void> Daemon::listen(const std::string& socket_path, const std::vector<int>& inherited_fds) {
  for (int fd : inherited_fds) {
    auto acceptor = std::make_unique<Acceptor>(io_);
    boost::system::error_code ec;
    acceptor->assign(stream(), fd, ec);
    if (ec) {
      spdlog::error("socket passed by systemd (fd {}) unusable: {}", fd, ec.message());
      return Error{EINVAL};
    }
    acceptors_.push_back(std::move(acceptor));
  }
  if (acceptors_.empty()) {
    std::error_code fs_error;
    auto dir = std::filesystem::path(socket_path).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir, fs_error);
    ::unlink(socket_path.c_str());
    auto acceptor = std::make_unique<Acceptor>(io_);
    boost::system::error_code ec;
    acceptor->open(stream(), ec);
    if (!ec) acceptor->bind(stream::endpoint(socket_path), ec);
    if (!ec) ::chmod(socket_path.c_str(), 0600);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      spdlog::error("cannot listen on {}: {}", socket_path, ec.message());
      return Error{ec.value() ? ec.value() : EIO};
    }
    bound_path_ = socket_path;
    acceptors_.push_back(std::move(acceptor));
  }
  for (auto& acceptor : acceptors_) accept_next(*acceptor);
  return {};
}

void Daemon::use_io_uring(bool wanted) {
  if (!wanted) {
    spdlog::info("socket I/O through epoll (--no-io-uring)");
  } else if (auto queue = connection::UringQueue::open(io_)) {
    uring_ = std::move(*queue);
    spdlog::info("socket I/O through io_uring");
  } else {
    spdlog::info("io_uring unavailable ({}): socket I/O through epoll", std::strerror(queue.error().code));
  }
}

protocol::SessionId Daemon::add_socket_client(stream::socket socket) {
  // Unix socket clients are dom0: without a hypervisor there is nobody
  // else, and with one only dom0 can reach the socket (mode 0600).
  std::unique_ptr<connection::Transport> transport;
  if (uring_) {
    // The socket leaves Asio's reactor: its readiness would only wake the
    // loop for I/O the ring already does.
    transport = std::make_unique<connection::UringSocketTransport>(socket.release(), *uring_);
  } else {
    transport = std::make_unique<connection::UnixSocketTransport>(std::move(socket), &loop_idleness_);
  }
  return add_connection(std::move(transport), store::Caller::dom0());
}

void Daemon::accept_next(Acceptor& acceptor) {
  acceptor.async_accept([this, &acceptor](boost::system::error_code ec, stream::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) {
      add_socket_client(std::move(socket));
    } else {
      spdlog::warn("accept failed: {}", ec.message());
    }
    accept_next(acceptor);
  });
}

connection::ConnectionOptions Daemon::connection_options() {
  connection::ConnectionOptions options;
  options.limits = &limits_;
  options.clock = &clock_;
  options.metrics = &metrics_;
  options.event_flush = &event_flush_;
  return options;
}

protocol::SessionId Daemon::add_connection(std::unique_ptr<connection::Transport> transport,
                                           const store::Caller& caller) {
  protocol::SessionId id = connections_.next_id();
  auto conn = std::make_shared<connection::Connection>(
      id, std::move(transport), engine_, connection_options(), &trace_,
      [this](protocol::SessionId closed) {
        domains_.unregister_session(closed);
        if (xen_) xen_->ops().unregister_session(closed);
        lu_session_.connection_closed(closed);  // a live-update session ends with its owner
        // Destroy outside the callback chain of the connection itself.
        asio::post(io_, [this, closed] { connections_.remove(closed); });
      });
  connections_.add(conn);
  if (caller.domain == 0) {
    domains_.register_session(id);
    if (xen_) xen_->ops().register_session(0, id);
  }
  conn->start(caller);
  return id;
}

Result<void> Daemon::serve_guests(std::unique_ptr<xen::Hypervisor> hypervisor,
                                  std::optional<unsigned> priv_domid) {
  install_guest_support(std::move(hypervisor), priv_domid);
  return xen_->start(true);
}

void Daemon::install_guest_support(std::unique_ptr<xen::Hypervisor> hypervisor,
                                   std::optional<unsigned> priv_domid) {
  xen_ = std::make_unique<xen::XenGuestSupport>(io_, std::move(hypervisor), [this](Error error) {
    // The event channel device failed: without it no guest is served, as
    // the C daemon sees it, a fatal condition.
    spdlog::critical("event channel failure: {}", std::strerror(error.code));
    stop();
    io_.stop();
  });
  engine_.set_domain_ops(xen_->ops());
  for (const auto& [id, conn] : connections_.all()) {
    const store::Caller* caller = engine_.caller(id);
    if (caller && caller->domain == 0) xen_->ops().register_session(0, id);
  }
  xen_->attach(engine_, connections_, &trace_, connection_options(),
               priv_domid ? std::optional<xen::DomId>(*priv_domid) : std::nullopt);
}

void Daemon::use_domain_ops(std::unique_ptr<protocol::DomainOps> domains) {
  hypervisor_domains_ = std::move(domains);
  engine_.set_domain_ops(*hypervisor_domains_);
}

void Daemon::stop() {
  if (xen_) xen_->stop();
  for (auto& acceptor : acceptors_) {
    boost::system::error_code ignored;
    acceptor->close(ignored);
  }
  connections_.close_all();
}

void Daemon::reopen_logs() {
  if (!trace_.path().empty()) {
    if (auto reopened = trace_.reopen(); !reopened)
      spdlog::error("cannot reopen trace file {}: {}", trace_.path(),
                    std::strerror(reopened.error().code));
  }
}

}  // namespace cxxenstored::daemon
