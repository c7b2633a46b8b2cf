// Runs a script against one daemon socket and records, per step, everything
// the daemon sent on every connection, in normalised text form.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "script.h"

namespace xsdiff {

struct StepRecord {
  std::string request;                // what was sent, "" for wait/idle/close
  std::vector<std::string> observed;  // replies, events, EOFs, in arrival order
};

struct RunOptions {
  std::chrono::milliseconds reply_timeout{3000};
  std::chrono::milliseconds idle_time{200};
  std::chrono::milliseconds split_pause{50};
};

// One record per script step (same index). Connections open on first use.
std::vector<StepRecord> run_script(const Script& script, const std::string& socket_path,
                                   const RunOptions& options);

}  // namespace xsdiff
