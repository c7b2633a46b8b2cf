// Handing the process over to the new binary. Descriptors the new daemon
// must find again (the listening socket, every client socket, the event
// channel handle) are named in the stream by number, so they must survive
// execve: their FD_CLOEXEC flag is cleared first. Everything else keeps
// FD_CLOEXEC and closes.
#pragma once

#include <vector>

#include "cxxenstored/liveupdate/session.h"
#include "cxxenstored/util/result.h"

namespace cxxenstored::liveupdate {

// Clears FD_CLOEXEC on each descriptor (-1 entries are skipped).
Result<void> keep_across_exec(const std::vector<int>& fds);

// execv(plan.binary, plan.argv). Returns only on failure, with its errno.
Result<void> exec_new_binary(const ExecPlan& plan);

// True when argv asks to restore from a state stream ("-U" or
// "--live-update", the C daemon's flag).
bool is_live_update_start(int argc, char** argv);

}  // namespace cxxenstored::liveupdate
