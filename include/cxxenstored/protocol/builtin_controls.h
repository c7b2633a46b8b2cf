// The XS_CONTROL commands every xenstored has (check, log, logfile, print,
// quota, quota-soft), answering as the C daemon does. Other parts register
// more (live-update, ...) on the same ControlRegistry.
#pragma once

#include <functional>
#include <string_view>

#include "cxxenstored/protocol/control.h"
#include "cxxenstored/protocol/limits.h"
#include "cxxenstored/store/store.h"

namespace cxxenstored::protocol {

class Engine;

struct ControlEnvironment {
  store::Store& store;
  Limits& limits;
  const Engine& engine;
  // "print <text>": writes "control: <text>" to the daemon's log.
  std::function<void(std::string_view)> log;
  // "log on|off": starts/stops the trace file.
  std::function<Result<void>(bool on)> set_trace;
  // "logfile <file>": traces to another file from now on.
  std::function<Result<void>(std::string_view file)> set_trace_file;
  // "quota <domid>": the domain's requests still outstanding (the
  // connection layer counts them); none when not given.
  std::function<std::size_t(store::DomainId)> outstanding_of = {};
};

void register_builtin_controls(ControlRegistry& registry, ControlEnvironment env);

// Walks the whole tree and compares per-domain node counts with the
// store's accounting; returns a description of each mismatch (empty when
// consistent). Used by "check".
std::vector<std::string> check_store(const store::Store& store);

}  // namespace cxxenstored::protocol
