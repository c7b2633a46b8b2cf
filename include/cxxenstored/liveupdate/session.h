// The "live-update" XS_CONTROL command, with the C xenstored 4.17's
// sub-forms, replies and refusal rules:
//
//   -f <file>        choose the new binary: starts a session owned by the
//                    asking connection ("File not accessible." /
//                    "File not executable." / "live-update session already
//                    active.")
//   -c <cmdline>     command line for the new binary (replaces the current
//                    arguments; "-U" is appended unless present)
//   -s [-F] [-t <s>] start: allowed at once when no transaction is open;
//                    otherwise retried until <s> seconds (default 60) have
//                    passed, then refused with the list of long running
//                    transactions, or, with -F, done anyway
//   -a               abort the session
//   -b <size> ...    (binary upload: stubdom only; EINVAL here, as in the
//                    C daemon built for Linux)
//
// The C daemon holds the -s request until it can proceed. Our control
// handlers answer at once, so while waiting -s answers "BUSY", which Xen's
// xenstore-control treats as "ask again" (it resends -s until its own
// timeout); the session remembers when the first -s arrived.
//
// A session belongs to one connection and ends with it (connection_closed).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cxxenstored/util/result.h"

namespace cxxenstored::liveupdate {

using Clock = std::chrono::steady_clock;
using OwnerId = std::uint64_t;  // the engine's SessionId of the asking connection

inline constexpr std::chrono::seconds kDefaultTimeout{60};

// A connection with a transaction open, as the refusal message names it.
struct OpenTransaction {
  std::uint32_t domid = 0;
  Clock::time_point started;  // when its oldest open transaction began
};

enum class BinaryStatus { kExecutable, kNotAccessible, kNotExecutable };

// stat(2) the file: kNotAccessible when that fails, kNotExecutable when no
// execute bit is set (the C daemon's two checks).
BinaryStatus probe_binary(const std::string& path);

// What to exec: the binary and its full argv (argv[0] is the binary).
struct ExecPlan {
  std::string binary;
  std::vector<std::string> argv;
};

// What a handled command asks the daemon to do next.
struct SessionReply {
  std::string text;                  // the XS_CONTROL reply
  std::optional<ExecPlan> proceed;   // set: reply, then save state and exec
};

class LiveUpdateSession {
 public:
  // current_argv: the daemon's own argv, reused when no -c is given.
  // probe: how -f checks the file (probe_binary; tests may substitute).
  LiveUpdateSession(std::vector<std::string> current_argv,
                    std::function<BinaryStatus(const std::string&)> probe);

  // args are the words after "live-update". EINVAL for malformed forms.
  Result<SessionReply> handle(OwnerId owner, const std::vector<std::string_view>& args,
                              const std::vector<OpenTransaction>& transactions,
                              Clock::time_point now);

  void connection_closed(OwnerId owner);
  bool active() const { return state_.has_value(); }

  // The argv the new binary gets: -c's words (split on blanks), else the
  // current argv's arguments; "-U" appended unless present.
  static std::vector<std::string> build_argv(const std::string& binary,
                                             const std::vector<std::string>& current_argv,
                                             const std::optional<std::string>& cmdline);

 private:
  struct State {
    OwnerId owner;
    std::string binary;
    std::optional<std::string> cmdline;
    std::optional<Clock::time_point> start_requested;
  };

  Result<SessionReply> start(OwnerId owner, const std::vector<std::string_view>& args,
                             const std::vector<OpenTransaction>& transactions,
                             Clock::time_point now);

  std::vector<std::string> current_argv_;
  std::function<BinaryStatus(const std::string&)> probe_;
  std::optional<State> state_;
};

// The refusal text: "Domains with long running transactions:\nDomain <id>:
// <n> s" per connection whose transaction is at least timeout old, or
// "Overlapping transactions" when none is.
std::string reject_reason(const std::vector<OpenTransaction>& transactions,
                          std::chrono::seconds timeout, Clock::time_point now);

}  // namespace cxxenstored::liveupdate
