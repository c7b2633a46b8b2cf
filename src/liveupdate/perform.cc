#include "cxxenstored/liveupdate/perform.h"

#include "cxxenstored/liveupdate/exec.h"
#include "cxxenstored/liveupdate/state_file.h"

namespace cxxenstored::liveupdate {

std::vector<int> descriptors_named_in(const DaemonState& state) {
  std::vector<int> fds;
  if (state.global) {
    fds.push_back(state.global->socket_fd);
    fds.push_back(state.global->evtchn_fd);
  }
  for (const auto& c : state.connections) {
    if (c.kind == ConnectionKind::kSocket) fds.push_back(c.socket_fd);
  }
  return fds;
}

Result<void> perform_live_update(store::Store& store, DaemonState state, const ExecPlan& plan,
                                 const std::string& state_path) {
  const std::vector<int> fds = descriptors_named_in(state);
  CXS_TRY(save_state(store, std::move(state), state_path));
  auto kept = keep_across_exec(fds);
  if (!kept) {
    (void)remove_state_file(state_path);
    return kept.error();
  }
  auto exec = exec_new_binary(plan);
  // Still here: exec failed. A stale stream must not be restored later.
  (void)remove_state_file(state_path);
  return exec.error();
}

}  // namespace cxxenstored::liveupdate
