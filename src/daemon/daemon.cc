#include "cxxenstored/daemon/daemon.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <cstdlib>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "cxxenstored/connection/unix_socket_transport.h"
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
    : io_(io), limits_(options.limits), store_(options.quotas),
      engine_(store_, watches_, domains_, control_, limits_, connections_),
      lu_session_(std::move(argv), liveupdate::probe_binary), lu_timer_(io) {
  engine_.set_keep_orphans(options.keep_orphans);
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
          [this](std::string_view file) -> Result<void> { return trace_.open(std::string(file)); }});
  liveupdate::register_liveupdate_controls(
      control_,
      liveupdate::LiveUpdateControlEnvironment{
          store_, lu_session_,
          [](const protocol::ControlRequest& req) -> liveupdate::OwnerId { return req.session; },
          [this] {
            // TODO(engine): the start time of each session's oldest open
            // transaction (the C daemon's ta_start_time); "now" until then,
            // which makes -F wait the whole timeout.
            std::vector<liveupdate::OpenTransaction> open;
            for (const auto& [id, conn] : connections_.all())
              if (engine_.transactions_of(id) > 0) open.push_back({0, liveupdate::Clock::now()});
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
  // Let queued output drain (up to 2 s) so no write is in flight; what is
  // still queued after that is lost (TODO(connection): hand the exact
  // unsent bytes over, as ConnectionSnapshot::pending_output allows).
  bool busy = false;
  for (const auto& [id, conn] : connections_.all()) busy = busy || conn->pending_output() > 0;
  if (busy && attempts_left > 0) {
    lu_timer_.expires_after(std::chrono::milliseconds(10));
    lu_timer_.async_wait([this, plan = std::move(plan), attempts_left](boost::system::error_code ec) {
      if (!ec) run_live_update(plan, attempts_left - 1);
    });
    return;
  }
  std::vector<liveupdate::ConnectionSnapshot> snapshots;
  for (const auto& [id, conn] : connections_.all()) {
    if (conn->native_fd() < 0) continue;  // TODO(xen): rings (domid, target, evtchn)
    liveupdate::ConnectionSnapshot c;
    c.socket_fd = conn->native_fd();
    c.pending_input = conn->pending_input();
    for (auto& w : watches_.list(id)) {
      // The stream keeps the path as the client registered it.
      std::string path = w.relative_home && w.path.size() > w.relative_home->size()
                             ? w.path.substr(w.relative_home->size() + 1)
                             : w.path;
      c.watches.push_back({std::move(path), std::move(w.token)});
    }
    snapshots.push_back(std::move(c));
  }
  int listen_fd = acceptors_.empty() ? -1 : acceptors_.front()->native_handle();
  auto state = liveupdate::build_daemon_state(listen_fd, -1, snapshots);
  const std::string path = liveupdate::state_file_path(std::getenv("XENSTORED_RUNDIR"));
  std::string bound = std::move(bound_path_);
  bound_path_.clear();  // the socket stays: the new binary serves it
  auto failed = liveupdate::perform_live_update(store_, std::move(state), plan, path);
  bound_path_ = std::move(bound);
  spdlog::error("live-update: exec of {} failed: {}", plan.binary,
                std::strerror(failed.error().code));
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
    if (c.kind != liveupdate::ConnectionKind::kSocket) {
      spdlog::warn("live-update: ring of domain {} not restored", c.domid);  // TODO(xen)
      continue;
    }
    stream::socket socket(io_);
    boost::system::error_code ec;
    socket.assign(stream(), c.socket_fd, ec);
    if (ec) {
      spdlog::warn("live-update: socket fd {} unusable: {}", c.socket_fd, ec.message());
      continue;
    }
    protocol::SessionId id = add_connection(
        std::make_unique<connection::UnixSocketTransport>(std::move(socket)), store::Caller::dom0());
    for (auto& w : c.watches) {
      const bool relative = !w.path.empty() && w.path[0] != '/' && w.path[0] != '@';
      std::string home = store::home_path(0);  // socket clients are dom0
      std::string path = relative ? home + "/" + w.path : w.path;
      if (!watches_.add(id, std::move(path), std::move(w.token),
                        relative ? std::optional<std::string>(home) : std::nullopt))
        spdlog::warn("live-update: duplicate watch {} dropped", w.path);
    }
    if (auto conn = connections_.find(id))
      conn->restore_io(std::move(c.pending_input), std::move(c.pending_output));
  }
  for (auto& acceptor : acceptors_) accept_next(*acceptor);
  return {};
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

void Daemon::accept_next(Acceptor& acceptor) {
  acceptor.async_accept([this, &acceptor](boost::system::error_code ec, stream::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) {
      // Unix socket clients are dom0: without a hypervisor there is nobody
      // else, and with one only dom0 can reach the socket (mode 0600).
      add_connection(std::make_unique<connection::UnixSocketTransport>(std::move(socket)),
                     store::Caller::dom0());
    } else {
      spdlog::warn("accept failed: {}", ec.message());
    }
    accept_next(acceptor);
  });
}

protocol::SessionId Daemon::add_connection(std::unique_ptr<connection::Transport> transport,
                                           const store::Caller& caller) {
  protocol::SessionId id = connections_.next_id();
  auto conn = std::make_shared<connection::Connection>(
      id, std::move(transport), engine_, connection::ConnectionOptions{}, &trace_,
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
  xen_->attach(engine_, connections_, &trace_, {},
               priv_domid ? std::optional<xen::DomId>(*priv_domid) : std::nullopt);
  return xen_->start(true);
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
