// The command line, compatible with the C xenstored's (4.17): the same short
// and long options, so launch-xenstore, Debian's init script and Xen's
// systemd unit start this daemon unchanged.
#pragma once

#include <chrono>
#include <optional>
#include <variant>
#include <string>
#include <vector>

#include "cxxenstored/protocol/limits.h"
#include "cxxenstored/store/quota.h"
#include "cxxenstored/util/result.h"

namespace cxxenstored::daemon {

struct Options {
  bool foreground = false;        // -N --no-fork
  bool output_pid = false;        // -P --output-pid
  bool domain_init = true;        // -D --no-domain-init clears it
  bool keep_orphans = false;      // -K --keep-orphans
  bool recovery = true;           // -R --no-recovery clears it (nothing to recover here)
  bool verbose = false;           // -V --verbose
  bool live_update = false;       // -U --live-update: restore the state stream
  bool show_help = false;         // -H --help
  bool internal_db = true;        // -I --internal-db [on|off]
  std::optional<int> event_port;  // -e --event
  std::optional<unsigned> master_domid;  // -m --master-domid
  std::optional<unsigned> priv_domid;    // -p --priv-domid
  std::string pid_file;           // -F --pid-file
  std::string trace_file;         // -T --trace-file
  // --busy-poll: how long the event loop may poll for new work before it
  // sleeps (event_loop.h); zero never polls.
  std::chrono::microseconds busy_poll{200};
  // --no-io-uring: socket I/O through epoll and a system call per receive
  // and send even where the kernel offers io_uring.
  bool io_uring = true;
  store::Quotas quotas;
  protocol::Limits limits;
};

// Parses argv. Errors carry a message for stderr; the C daemon then exits
// with status 1 after printing its usage.
struct ParseError {
  std::string message;
};

std::variant<Options, ParseError> parse_options(int argc, char** argv);

// The --help text.
std::string usage_text(const char* program);

}  // namespace cxxenstored::daemon
