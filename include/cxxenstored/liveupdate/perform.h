// The old daemon's last step: save the state and become the new binary.
#pragma once

#include <string>
#include <vector>

#include "cxxenstored/liveupdate/save_restore.h"
#include "cxxenstored/liveupdate/session.h"
#include "cxxenstored/util/result.h"

namespace cxxenstored::liveupdate {

// The descriptors a state names (listening socket, event channel handle,
// every socket connection): exactly those must survive exec.
std::vector<int> descriptors_named_in(const DaemonState& state);

// Writes the stream to state_path, clears FD_CLOEXEC on the descriptors it
// names, and execs plan. Returns only on failure; the state file is then
// removed again and the caller keeps running as before (its descriptors
// stay open either way).
Result<void> perform_live_update(store::Store& store, DaemonState state, const ExecPlan& plan,
                                 const std::string& state_path);

}  // namespace cxxenstored::liveupdate
