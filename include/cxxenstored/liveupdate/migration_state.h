// The content of a xenstore migration stream (Xen's
// docs/designs/xenstore-migration.md, as the C xenstored 4.17 writes it in
// tools/xenstore/include/xenstore_state.h): plain values, no I/O. The stream
// codec turns it into bytes and back; state_capture fills it from a running
// daemon and restores a store from it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cxxenstored/store/permissions.h"

namespace cxxenstored::liveupdate {

// DOMID_INVALID from xen.h: a ring connection with no SET_TARGET.
inline constexpr std::uint16_t kNoTargetDomain = 0x7ff4;

// Record types (the stream's "type" field).
enum class RecordType : std::uint32_t {
  kEnd = 0,
  kGlobal = 1,
  kConnection = 2,
  kWatch = 3,
  kTransaction = 4,
  kNode = 5,
};

// GLOBAL_DATA: descriptors that survive exec. -1 means "none".
struct GlobalRecord {
  std::int32_t socket_fd = -1;  // the listening unix socket
  std::int32_t evtchn_fd = -1;  // the event channel device handle
  friend bool operator==(const GlobalRecord&, const GlobalRecord&) = default;
};

enum class ConnectionKind : std::uint16_t { kRing = 0, kSocket = 1 };

// CONNECTION_DATA. A ring is found again through the grant table (entry 1
// of domid always names the xenstore page) and its event channel; a socket
// through its descriptor, inherited across exec.
struct ConnectionRecord {
  std::uint32_t id = 0;  // non-zero; watch/transaction records refer to it
  ConnectionKind kind = ConnectionKind::kSocket;
  // kRing only.
  std::uint16_t domid = 0;
  std::uint16_t target_domid = kNoTargetDomain;
  std::uint32_t evtchn = 0;
  // kSocket only.
  std::int32_t socket_fd = -1;
  // Bytes read from the peer but not yet processed: requests in arrival
  // order, the last one possibly incomplete (even a partial header).
  std::string pending_input;
  // Bytes not yet written to the peer, in order. The first
  // partial_response_len of them finish a response the old daemon had
  // started to send (they carry no header of their own).
  std::string pending_output;
  std::uint16_t partial_response_len = 0;
  friend bool operator==(const ConnectionRecord&, const ConnectionRecord&) = default;
};

// WATCH_DATA: path and token as the client registered them (relative paths
// stay relative).
struct WatchRecord {
  std::uint32_t conn_id = 0;
  std::string path;
  std::string token;
  friend bool operator==(const WatchRecord&, const WatchRecord&) = default;
};

// TRANSACTION_DATA: a transaction open on a connection.
struct TransactionRecord {
  std::uint32_t conn_id = 0;
  std::uint32_t tx_id = 0;
  friend bool operator==(const TransactionRecord&, const TransactionRecord&) = default;
};

// NODE_DATA ta_access bits.
inline constexpr std::uint16_t kTxNodeDeleted = 0x0000;
inline constexpr std::uint16_t kTxNodeRead = 0x0001;
inline constexpr std::uint16_t kTxNodeWritten = 0x0002;

// NODE_DATA: a committed node (conn_id 0) or a node as a pending
// transaction sees it. Permissions use the store's representation; a stale
// entry (the stream's IGNORE flag) carries store::kAccessIgnore. A
// transaction's deleted node has no permissions.
struct NodeRecord {
  std::uint32_t conn_id = 0;
  std::uint32_t tx_id = 0;
  std::string path;   // absolute, or "@introduceDomain"-style special name
  std::string value;  // may contain NULs
  std::uint16_t tx_access = 0;
  std::vector<store::Perm> perms;
  friend bool operator==(const NodeRecord&, const NodeRecord&) = default;
};

struct MigrationState {
  std::optional<GlobalRecord> global;
  std::vector<ConnectionRecord> connections;
  std::vector<WatchRecord> watches;
  std::vector<TransactionRecord> transactions;
  std::vector<NodeRecord> nodes;
  // Record types a reader met but does not know; they are skipped, as the
  // C daemon skips them.
  std::vector<std::uint32_t> skipped_record_types;
  friend bool operator==(const MigrationState&, const MigrationState&) = default;
};

}  // namespace cxxenstored::liveupdate
