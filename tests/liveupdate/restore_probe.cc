// Stands in for the new daemon in perform_test: started as
// "restore_probe -U <state file>", it restores the stream the old process
// wrote, then, on every socket connection it names (descriptors inherited
// across exec), sends the pending output first and then one line with what
// it restored.
#include <unistd.h>

#include <cstdio>
#include <string>

#include "cxxenstored/liveupdate/exec.h"
#include "cxxenstored/liveupdate/save_restore.h"

using namespace cxxenstored;

int main(int argc, char** argv) {
  if (argc != 3 || !liveupdate::is_live_update_start(argc, argv)) return 2;
  store::Store store;
  auto state = liveupdate::restore_state(store, argv[2]);
  if (!state) return 3;
  auto name = store.read(store::Caller::dom0(), "/vm/1/name");
  for (const auto& c : state->connections) {
    if (c.kind != liveupdate::ConnectionKind::kSocket) continue;
    std::string out = c.pending_output + "restored name=" + (name ? *name : "?") +
                      " watches=" + std::to_string(state->watches.size()) +
                      " transactions=" + std::to_string(state->transactions.size()) + "\n";
    if (::write(c.socket_fd, out.data(), out.size()) != static_cast<ssize_t>(out.size())) return 4;
    ::close(c.socket_fd);
  }
  return 0;
}
