#include "cxxenstored/liveupdate/daemon_bridge.h"

#include <map>

namespace cxxenstored::liveupdate {

DaemonState build_daemon_state(int listen_fd, int evtchn_fd,
                               const std::vector<ConnectionSnapshot>& connections) {
  DaemonState state;
  state.global = GlobalRecord{listen_fd, evtchn_fd};
  std::uint32_t next_id = 1;
  for (const auto& c : connections) {
    ConnectionRecord record;
    record.id = next_id++;
    record.kind = c.kind;
    if (c.kind == ConnectionKind::kRing) {
      record.domid = c.domid;
      record.target_domid = c.target_domid;
      record.evtchn = c.evtchn;
    } else {
      record.socket_fd = c.socket_fd;
    }
    record.pending_input = c.pending_input;
    record.pending_output = c.pending_output;
    record.partial_response_len = c.partial_response_len;
    for (const auto& w : c.watches) state.watches.push_back(WatchRecord{record.id, w.path, w.token});
    for (auto tx : c.transaction_ids) state.transactions.push_back(TransactionRecord{record.id, tx});
    state.connections.push_back(std::move(record));
  }
  return state;
}

std::vector<ConnectionSnapshot> group_by_connection(const MigrationState& state) {
  std::vector<ConnectionSnapshot> out;
  std::map<std::uint32_t, std::size_t> index_of;
  for (const auto& record : state.connections) {
    ConnectionSnapshot c;
    c.kind = record.kind;
    c.socket_fd = record.socket_fd;
    c.domid = record.domid;
    c.target_domid = record.target_domid;
    c.evtchn = record.evtchn;
    c.pending_input = record.pending_input;
    c.pending_output = record.pending_output;
    c.partial_response_len = record.partial_response_len;
    index_of[record.id] = out.size();
    out.push_back(std::move(c));
  }
  // The decoder guarantees every watch and transaction names a connection.
  for (const auto& w : state.watches)
    out[index_of.at(w.conn_id)].watches.push_back(WatchSnapshot{w.path, w.token});
  for (const auto& t : state.transactions)
    out[index_of.at(t.conn_id)].transaction_ids.push_back(t.tx_id);
  return out;
}

}  // namespace cxxenstored::liveupdate
