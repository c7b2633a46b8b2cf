// cxxenstored: the xenstore daemon.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <spdlog/spdlog.h>

#include "cxxenstored/daemon/daemon.h"
#include "cxxenstored/daemon/event_loop.h"
#include "cxxenstored/daemon/options.h"
#include "cxxenstored/daemon/systemd.h"
#include "cxxenstored/liveupdate/save_restore.h"
#include "cxxenstored/liveupdate/state_file.h"
#include "cxxenstored/xen/real_hypervisor.h"

namespace {

using cxxenstored::daemon::Options;

// Detaches from the terminal: fork, new session, fork again, cwd "/",
// standard descriptors on /dev/null. Only the grandchild returns.
bool daemonize() {
  pid_t pid = fork();
  if (pid < 0) return false;
  if (pid > 0) _exit(0);
  if (setsid() < 0) return false;
  pid = fork();
  if (pid < 0) return false;
  if (pid > 0) _exit(0);
  if (chdir("/") != 0) return false;
  int null = open("/dev/null", O_RDWR);
  if (null >= 0) {
    dup2(null, STDIN_FILENO);
    dup2(null, STDOUT_FILENO);
    dup2(null, STDERR_FILENO);
    if (null > STDERR_FILENO) close(null);
  }
  return true;
}

void setup_logging(const Options& options) {
  std::shared_ptr<spdlog::logger> logger;
  if (options.foreground) {
    logger = std::make_shared<spdlog::logger>(
        "xenstored", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  } else {
    logger = std::make_shared<spdlog::logger>(
        "xenstored", std::make_shared<spdlog::sinks::syslog_sink_mt>("xenstored", LOG_PID, LOG_DAEMON, false));
  }
  logger->set_level(options.verbose ? spdlog::level::debug : spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace

int main(int argc, char** argv) {
  auto parsed = cxxenstored::daemon::parse_options(argc, argv);
  if (auto* error = std::get_if<cxxenstored::daemon::ParseError>(&parsed)) {
    std::fprintf(stderr, "%s: %s\n%s", argv[0], error->message.c_str(),
                 cxxenstored::daemon::usage_text(argv[0]).c_str());
    return 1;
  }
  Options options = std::get<Options>(parsed);
  if (options.show_help) {
    std::fputs(cxxenstored::daemon::usage_text(argv[0]).c_str(), stdout);
    return 0;
  }

  std::signal(SIGPIPE, SIG_IGN);
  std::vector<int> inherited = cxxenstored::daemon::take_listen_fds();
  // After a live update the process is the old daemon's: already detached.
  if (!options.foreground && !options.live_update && !daemonize()) {
    std::perror("cxxenstored: daemonize");
    return 1;
  }
  setup_logging(options);
  if (!options.pid_file.empty()) {
    std::ofstream(options.pid_file) << getpid() << '\n';
  }
  if (options.output_pid) {
    std::printf("%ld\n", static_cast<long>(getpid()));
    std::fflush(stdout);
  }
  if (!options.internal_db) spdlog::warn("--internal-db off: the database is kept in memory anyway");

  const bool with_xen = cxxenstored::xen::RealHypervisor::present();
  if (!with_xen) {
    spdlog::info("no hypervisor (/dev/xen absent): serving unix sockets only, every client is dom0");
  } else if (!options.domain_init) {
    spdlog::info("--no-domain-init: guest rings are not served, unix socket clients are dom0");
  }

  // One thread runs the loop and nothing else touches it (signals arrive
  // through signal_set's pipe, in that thread), so Asio may skip the locks
  // of its scheduler and reactor: a lock and unlock per handler otherwise.
  boost::asio::io_context io{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE};
  cxxenstored::daemon::Daemon daemon(io, options, std::vector<std::string>(argv, argv + argc));
  // Signals are taken over before the socket exists: a supervisor that
  // sees the socket and at once sends SIGTERM must get a clean exit (pid
  // file removed), not the default action. A signal that comes before the
  // loop runs is handled as soon as it does.
  boost::asio::signal_set stop_signals(io, SIGTERM, SIGINT);
  stop_signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    spdlog::info("signal {}: exiting", signal);
    daemon.stop();
    io.stop();
  });
  boost::asio::signal_set hup(io, SIGHUP);
  std::function<void()> wait_hup = [&] {
    hup.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) return;
      daemon.reopen_logs();
      wait_hup();
    });
  };
  wait_hup();

  daemon.use_io_uring(options.io_uring);
  std::string socket_path = cxxenstored::daemon::default_socket_path();
  if (options.live_update) {
    const std::string path =
        cxxenstored::liveupdate::state_file_path(std::getenv("XENSTORED_RUNDIR"));
    auto state = cxxenstored::liveupdate::restore_state(daemon.store(), path);
    if (!state) {
      spdlog::critical("live-update: cannot restore {}: {}", path, std::strerror(state.error().code));
      return 1;
    }
    if (with_xen && options.domain_init) {
      // The old process left its event channel handle open: every guest's
      // port stays bound on it (a stream without one gets a fresh handle).
      const int evtchn_fd = state->global ? state->global->evtchn_fd : -1;
      const auto own = options.master_domid.value_or(0);
      auto hypervisor = evtchn_fd >= 0 ? cxxenstored::xen::RealHypervisor::adopt(own, evtchn_fd)
                                       : cxxenstored::xen::RealHypervisor::open(own);
      if (!hypervisor) {
        spdlog::critical("live-update: cannot open the hypervisor interfaces: {}",
                         std::strerror(hypervisor.error().code));
        return 1;
      }
      if (!daemon.adopt_guests(std::move(*hypervisor), options.priv_domid)) return 1;
    }
    if (auto restored = daemon.restore(*state); !restored) {
      spdlog::critical("live-update: cannot take over: {}", std::strerror(restored.error().code));
      return 1;
    }
    spdlog::info("live-update: restored {} nodes, {} connections", state->nodes.size(),
                 state->connections.size());
  } else if (!daemon.listen(socket_path, inherited)) {
    return 1;
  }
  spdlog::info("listening on {}", inherited.empty() ? socket_path : "sockets passed by systemd");
  if (with_xen && options.domain_init && !options.live_update) {
    auto hypervisor = cxxenstored::xen::RealHypervisor::open(options.master_domid.value_or(0));
    if (!hypervisor) {
      spdlog::critical("cannot open the hypervisor interfaces: {}", std::strerror(hypervisor.error().code));
      return 1;
    }
    if (auto served = daemon.serve_guests(std::move(*hypervisor), options.priv_domid); !served) {
      spdlog::critical("cannot serve guests: {}", std::strerror(served.error().code));
      return 1;
    }
    spdlog::info("serving guest rings through the hypervisor");
  }
  cxxenstored::daemon::notify_systemd("READY=1");

  auto poll_limit = options.busy_poll;
  if (poll_limit.count() > 0 && !cxxenstored::daemon::polling_can_help()) {
    spdlog::info("one CPU: no busy polling");
    poll_limit = std::chrono::microseconds::zero();
  } else if (poll_limit.count() > 0) {
    spdlog::info("busy polling up to {} us before sleeping", poll_limit.count());
  }
  cxxenstored::daemon::run_event_loop(
      io, poll_limit, {&daemon.metrics(), &daemon.loop_idleness(), daemon.uring_queue()});
  if (!options.pid_file.empty()) ::unlink(options.pid_file.c_str());
  return 0;
}
