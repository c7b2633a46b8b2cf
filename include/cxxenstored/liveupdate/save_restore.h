// The two ends of a live update, for the daemon to call.
//
// Old daemon: it describes its connections (with ids it chooses, the fds
// it keeps open across exec, the rings' domid/evtchn, unprocessed input
// and unsent output), their watches and open transactions; save_state adds
// the store's nodes, encodes and writes the stream.
//
// New daemon (started with -U): restore_state reads the stream, rebuilds
// the store's tree, removes the file and returns the rest, from which the
// daemon re-creates its connections, watches and transactions.
//
// Transactions open across the update: the C daemon 4.17 only lets an
// update run over them with -F, and drops them: it writes no
// TRANSACTION_DATA and ignores such records when reading, so their next
// request fails with ENOENT. The daemon does the same (it passes no
// transactions in DaemonState); the codec still reads and writes the
// records, so a stream from a writer that has them is not refused.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cxxenstored/liveupdate/migration_state.h"
#include "cxxenstored/store/store.h"
#include "cxxenstored/util/result.h"

namespace cxxenstored::liveupdate {

struct DaemonState {
  std::optional<GlobalRecord> global;
  std::vector<ConnectionRecord> connections;
  std::vector<WatchRecord> watches;
  std::vector<TransactionRecord> transactions;
};

// The full state: daemon parts plus every committed node.
MigrationState capture_state(store::Store& store, DaemonState daemon);

Result<void> save_state(store::Store& store, DaemonState daemon, const std::string& path);

// EINVAL for a malformed stream, the errno of open/read otherwise. On
// success the store holds the stream's tree and the file is gone.
Result<MigrationState> restore_state(store::Store& store, const std::string& path);

}  // namespace cxxenstored::liveupdate
