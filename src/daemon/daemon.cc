#include "cxxenstored/daemon/daemon.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "cxxenstored/connection/unix_socket_transport.h"
#include "cxxenstored/protocol/builtin_controls.h"

namespace cxxenstored::daemon {

namespace asio = boost::asio;
using stream = asio::local::stream_protocol;

std::string default_socket_path() {
  const char* rundir = std::getenv("XENSTORED_RUNDIR");
  std::string dir = rundir && *rundir ? rundir : "/run/xenstored";
  return dir + "/socket";
}

Daemon::Daemon(asio::io_context& io, const Options& options)
    : io_(io), limits_(options.limits), store_(options.quotas),
      engine_(store_, watches_, domains_, control_, limits_, connections_) {
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
        // Destroy outside the callback chain of the connection itself.
        asio::post(io_, [this, closed] { connections_.remove(closed); });
      });
  connections_.add(conn);
  if (caller.domain == 0) domains_.register_session(id);
  conn->start(caller);
  return id;
}

void Daemon::use_domain_ops(std::unique_ptr<protocol::DomainOps> domains) {
  hypervisor_domains_ = std::move(domains);
  engine_.set_domain_ops(*hypervisor_domains_);
}

void Daemon::stop() {
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
