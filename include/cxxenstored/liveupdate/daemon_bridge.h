// Between the daemon's view of its connections and the stream's records.
//
// The stream names connections by small ids and lists watches and
// transactions separately; the daemon thinks per connection. The old
// daemon describes each connection as a ConnectionSnapshot and calls
// build_daemon_state; the new daemon calls group_by_connection on the
// restored state and re-creates one connection (with its watches and
// transactions) per RestoredConnection.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cxxenstored/liveupdate/migration_state.h"
#include "cxxenstored/liveupdate/save_restore.h"

namespace cxxenstored::liveupdate {

struct WatchSnapshot {
  std::string path;  // as the client registered it
  std::string token;
  friend bool operator==(const WatchSnapshot&, const WatchSnapshot&) = default;
};

struct ConnectionSnapshot {
  ConnectionKind kind = ConnectionKind::kSocket;
  int socket_fd = -1;                             // kSocket
  std::uint16_t domid = 0;                        // kRing
  std::uint16_t target_domid = kNoTargetDomain;   // kRing, after SET_TARGET
  std::uint32_t evtchn = 0;                       // kRing: the daemon's local port
  std::string pending_input;   // received, not yet processed (partial last)
  std::string pending_output;  // framed messages not yet written
  std::uint16_t partial_response_len = 0;  // leading bytes finishing a reply
  std::vector<WatchSnapshot> watches;
  std::vector<std::uint32_t> transaction_ids;
  friend bool operator==(const ConnectionSnapshot&, const ConnectionSnapshot&) = default;
};

// Numbers the connections 1..N in order. listen_fd / evtchn_fd: -1 if none.
DaemonState build_daemon_state(int listen_fd, int evtchn_fd,
                               const std::vector<ConnectionSnapshot>& connections);

// The inverse: one snapshot per CONNECTION_DATA record, in stream order,
// with the watches and transaction ids that name it.
std::vector<ConnectionSnapshot> group_by_connection(const MigrationState& state);

}  // namespace cxxenstored::liveupdate
