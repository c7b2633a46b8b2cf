#include "cxxenstored/liveupdate/session.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <utility>

namespace cxxenstored::liveupdate {
namespace {

constexpr Error kInvalid{EINVAL};
constexpr std::string_view kNotInSession = "Not in live-update session.";

SessionReply text(std::string_view reply) { return SessionReply{std::string(reply), {}}; }

// atoi(3), as the C daemon reads -t: leading digits, anything else is 0.
std::chrono::seconds parse_timeout(std::string_view arg) {
  unsigned value = 0;
  std::from_chars(arg.data(), arg.data() + arg.size(), value);
  return std::chrono::seconds(value);
}

bool all_long_running(const std::vector<OpenTransaction>& transactions,
                      std::chrono::seconds timeout, Clock::time_point now) {
  return std::all_of(transactions.begin(), transactions.end(),
                     [&](const OpenTransaction& t) { return now - t.started >= timeout; });
}

}  // namespace

BinaryStatus probe_binary(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return BinaryStatus::kNotAccessible;
  if (!(st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH))) return BinaryStatus::kNotExecutable;
  return BinaryStatus::kExecutable;
}

std::string reject_reason(const std::vector<OpenTransaction>& transactions,
                          std::chrono::seconds timeout, Clock::time_point now) {
  std::string reason;
  for (const auto& t : transactions) {
    auto age = std::chrono::duration_cast<std::chrono::seconds>(now - t.started);
    if (age < timeout) continue;
    if (reason.empty()) reason = "Domains with long running transactions:";
    reason += "\nDomain " + std::to_string(t.domid) + ": " + std::to_string(age.count()) + " s";
  }
  return reason.empty() ? "Overlapping transactions" : reason;
}

LiveUpdateSession::LiveUpdateSession(std::vector<std::string> current_argv,
                                     std::function<BinaryStatus(const std::string&)> probe)
    : current_argv_(std::move(current_argv)), probe_(std::move(probe)) {}

std::vector<std::string> LiveUpdateSession::build_argv(
    const std::string& binary, const std::vector<std::string>& current_argv,
    const std::optional<std::string>& cmdline) {
  std::vector<std::string> argv{binary};
  if (cmdline) {
    std::size_t pos = 0;
    const std::string& line = *cmdline;
    while (pos < line.size()) {
      auto start = line.find_first_not_of(" \t", pos);
      if (start == std::string::npos) break;
      auto end = line.find_first_of(" \t", start);
      if (end == std::string::npos) end = line.size();
      argv.push_back(line.substr(start, end - start));
      pos = end;
    }
  } else if (!current_argv.empty()) {
    argv.insert(argv.end(), current_argv.begin() + 1, current_argv.end());
  }
  if (std::find(argv.begin() + 1, argv.end(), "-U") == argv.end()) argv.emplace_back("-U");
  return argv;
}

Result<SessionReply> LiveUpdateSession::handle(OwnerId owner,
                                               const std::vector<std::string_view>& args,
                                               const std::vector<OpenTransaction>& transactions,
                                               Clock::time_point now) {
  if (args.empty()) return kInvalid;
  const std::string_view verb = args[0];

  if (verb == "-a") {
    if (args.size() != 1) return kInvalid;
    if (!state_) return text("No live-update session active.");
    state_.reset();
    return text("OK");
  }
  if (verb == "-c") {
    if (args.size() != 2) return kInvalid;
    if (!state_ || state_->owner != owner) return text(kNotInSession);
    state_->cmdline = std::string(args[1]);
    return text("OK");
  }
  if (verb == "-s") return start(owner, args, transactions, now);
  if (verb == "-f") {
    if (args.size() != 2) return kInvalid;
    std::string binary(args[1]);
    switch (probe_(binary)) {
      case BinaryStatus::kNotAccessible: return text("File not accessible.");
      case BinaryStatus::kNotExecutable: return text("File not executable.");
      case BinaryStatus::kExecutable: break;
    }
    if (state_) return text("live-update session already active.");
    state_ = State{owner, std::move(binary), std::nullopt, std::nullopt};
    return text("OK");
  }
  // "-b" (uploading a stubdom kernel) and anything else.
  return kInvalid;
}

Result<SessionReply> LiveUpdateSession::start(OwnerId owner,
                                              const std::vector<std::string_view>& args,
                                              const std::vector<OpenTransaction>& transactions,
                                              Clock::time_point now) {
  bool force = false;
  std::chrono::seconds timeout = kDefaultTimeout;
  for (std::size_t i = 1; i < args.size();) {
    if (args[i] == "-F") {
      force = true;
      ++i;
    } else if (args[i] == "-t" && i + 1 < args.size()) {
      timeout = parse_timeout(args[i + 1]);
      i += 2;
    } else {
      return kInvalid;
    }
  }
  if (!state_ || state_->owner != owner) return text(kNotInSession);
  if (!state_->start_requested) state_->start_requested = now;

  const bool allowed =
      transactions.empty() || (force && all_long_running(transactions, timeout, now));
  if (!allowed) {
    if (now < *state_->start_requested + timeout) return text("BUSY");
    if (!force) {
      std::string reason = reject_reason(transactions, timeout, now);
      state_.reset();
      return text(reason);
    }
  }
  ExecPlan plan{state_->binary, build_argv(state_->binary, current_argv_, state_->cmdline)};
  state_.reset();
  return SessionReply{"OK", std::move(plan)};
}

void LiveUpdateSession::connection_closed(OwnerId owner) {
  if (state_ && state_->owner == owner) state_.reset();
}

}  // namespace cxxenstored::liveupdate
