#include "cxxenstored/liveupdate/save_restore.h"

#include <utility>

#include "cxxenstored/liveupdate/state_file.h"
#include "cxxenstored/liveupdate/stream_codec.h"
#include "cxxenstored/liveupdate/tree_image.h"

namespace cxxenstored::liveupdate {

MigrationState capture_state(store::Store& store, DaemonState daemon) {
  MigrationState state;
  state.global = daemon.global;
  state.connections = std::move(daemon.connections);
  state.watches = std::move(daemon.watches);
  state.transactions = std::move(daemon.transactions);
  state.nodes = capture_nodes(store);
  return state;
}

Result<void> save_state(store::Store& store, DaemonState daemon, const std::string& path) {
  auto bytes = encode_stream(capture_state(store, std::move(daemon)));
  if (!bytes) return bytes.error();
  return write_state_file(path, *bytes);
}

Result<MigrationState> restore_state(store::Store& store, const std::string& path) {
  auto bytes = read_state_file(path);
  if (!bytes) return bytes.error();
  auto state = decode_stream(*bytes);
  if (!state) return state.error();
  CXS_TRY(restore_nodes(store, state->nodes));
  // A stream left behind would be restored again by the next -U start.
  (void)remove_state_file(path);
  return state;
}

}  // namespace cxxenstored::liveupdate
