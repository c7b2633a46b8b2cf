#include "runner.h"

#include <deque>
#include <map>
#include <memory>
#include <thread>

#include "wire_connection.h"
#include "wire_format.h"

namespace xsdiff {
namespace {

// The sync request: harmless, answered identically by every daemon.
constexpr uint32_t kSyncReqId = 0x434e5953;  // "SYNC"
const std::string kSyncPayload = std::string("0", 1) + '\0';

struct Conn {
  Conn(std::string conn_name, WireConnection connection)
      : name(std::move(conn_name)), wire(std::move(connection)) {}

  std::string name;
  WireConnection wire;
  // What each request awaiting its reply asked about, oldest first: the node
  // a DIRECTORY_PART reply describes (empty for other requests, and for
  // requests sent as raw bytes).
  std::deque<std::string> awaiting;
  // An incomplete message was sent: a sync request now would be parsed as
  // the rest of it.
  bool partial = false;
  bool closed = false;
  // Not safe to sync: the sync reply would be mistaken or the request mangled.
  bool busy() const { return !awaiting.empty() || partial; }
};

// Replaces what legitimately differs between daemons with stable names:
// transaction ids (the script's "=name", else by the order their
// TRANSACTION_START replies arrive) and DIRECTORY_PART generation counts (per
// node, by first appearance), so the comparison checks their identity, not
// their value.
class Normaliser {
 public:
  void bind_tx(const std::string& conn, uint32_t id, const std::string& name) {
    tx_names_[{conn, id}] = name;
    tx_ids_[name] = id;
    any_conn_names_[id] = name;
  }
  // A connection's own transaction by its name; else (another connection's id
  // used on purpose) the latest name bound to that value; else the number.
  std::string tx_name(const std::string& conn, uint32_t id) const {
    if (id == 0) return "0";
    if (auto it = tx_names_.find({conn, id}); it != tx_names_.end()) return "$" + it->second;
    if (auto it = any_conn_names_.find(id); it != any_conn_names_.end()) return "$" + it->second;
    return std::to_string(id);
  }
  // The header value for a script's "@ref": a bound name or a literal.
  uint32_t tx_value(const std::string& ref) const {
    auto it = tx_ids_.find(ref);
    if (it != tx_ids_.end()) return it->second;
    return static_cast<uint32_t>(std::strtoul(ref.c_str(), nullptr, 10));
  }
  std::string next_auto_tx_name() { return "tx" + std::to_string(++auto_tx_); }
  // Numbered per node (and transaction): generation counts of different
  // nodes are unrelated, only a node's own sequence of counts means anything.
  std::string generation_name(const std::string& node, const std::string& value) {
    auto& seen = generations_[node];
    auto [it, inserted] = seen.try_emplace(value, seen.size() + 1);
    return "$gen" + std::to_string(it->second);
  }

 private:
  std::map<std::pair<std::string, uint32_t>, std::string> tx_names_;
  std::map<std::string, uint32_t> tx_ids_;
  std::map<uint32_t, std::string> any_conn_names_;
  std::map<std::string, std::map<std::string, size_t>> generations_;
  int auto_tx_ = 0;
};

class Runner {
 public:
  Runner(const std::string& socket_path, const RunOptions& options)
      : socket_path_(socket_path), options_(options) {}

  StepRecord run(const Step& step) {
    StepRecord record;
    observed_ = &record.observed;
    Conn& conn = connection(step.conn);
    switch (step.kind) {
      case StepKind::kRequest:
      case StepKind::kSend:
        send_message(conn, step, record);
        if (step.kind == StepKind::kRequest) {
          await_reply(conn, step.bind);
          sync_all();
        }
        break;
      case StepKind::kBytes:
        record.request = conn.name + " -> bytes \"" + escape(step.payload) + "\"";
        if (send_bytes(conn, step.payload, step.split)) {
          conn.partial = !step.replies;
          conn.awaiting.insert(conn.awaiting.end(), step.replies.value_or(0), std::string());
        }
        break;
      case StepKind::kWait:
        await_reply(conn, step.bind);
        sync_all();
        break;
      case StepKind::kIdle:
        idle(conn);
        break;
      case StepKind::kClose:
        conn.wire.close();
        conn.closed = true;
        sync_all();
        break;
    }
    return record;
  }

 private:
  Conn& connection(const std::string& name) {
    for (auto& conn : conns_) {
      if (conn->name != name) continue;
      if (conn->closed) {
        conn->wire = WireConnection(socket_path_);
        conn->closed = !conn->wire.valid();
        conn->awaiting.clear();
        conn->partial = false;
      }
      return *conn;
    }
    conns_.push_back(std::make_unique<Conn>(name, WireConnection(socket_path_)));
    conns_.back()->closed = !conns_.back()->wire.valid();
    if (conns_.back()->closed) observe(name + " !! " + conns_.back()->wire.error());
    return *conns_.back();
  }

  void observe(std::string line) { observed_->push_back(std::move(line)); }

  void send_message(Conn& conn, const Step& step, StepRecord& record) {
    uint32_t req_id = step.req_id.value_or(++req_counter_);
    uint32_t tx_id = step.tx ? normaliser_.tx_value(*step.tx) : 0;
    uint32_t len = step.len.value_or(static_cast<uint32_t>(step.payload.size()));
    record.request = conn.name + " -> " + type_name(step.type) + " req=" + std::to_string(req_id) +
                     " tx=" + (step.tx ? "$" + *step.tx : "0") + " len=" + std::to_string(len) + " \"" +
                     escape(step.payload) + "\"";
    if (send_bytes(conn, encode_header(step.type, req_id, tx_id, len) + step.payload, step.split)) {
      if (len == step.payload.size())
        conn.awaiting.push_back(step.type == XS_DIRECTORY_PART ? "tx " + std::to_string(tx_id) + " " +
                                                                     step.payload.substr(0, step.payload.find('\0'))
                                                               : std::string());
      else
        conn.partial = true;  // shorter: the rest starts a new message
    }
  }

  // False if the connection was already closed.
  bool send_bytes(Conn& conn, const std::string& bytes, std::optional<uint32_t> split) {
    if (conn.closed) {
      observe(conn.name + " !! send on closed connection");
      return false;
    }
    size_t first = split ? std::min<size_t>(*split, bytes.size()) : bytes.size();
    bool ok = conn.wire.send(bytes.substr(0, first));
    if (ok && first < bytes.size()) {
      std::this_thread::sleep_for(options_.split_pause);
      ok = conn.wire.send(bytes.substr(first));
    }
    // A failed send is visible as EOF on the next receive; nothing to record.
    (void)ok;
    return true;
  }

  // Records messages until one that is not a watch event (the reply), EOF or
  // the timeout.
  void await_reply(Conn& conn, const std::optional<std::string>& bind) {
    if (conn.closed) {
      observe(conn.name + " !! wait on closed connection");
      return;
    }
    for (;;) {
      Received got = conn.wire.receive(options_.reply_timeout);
      if (!record_received(conn, got, bind)) return;
      if (std::get<Message>(got).type != XS_WATCH_EVENT) return;
    }
  }

  // Records one received item; false if it ended the stream or timed out.
  bool record_received(Conn& conn, const Received& got, const std::optional<std::string>& bind) {
    if (std::holds_alternative<Closed>(got)) {
      observe(conn.name + " <- CLOSED");
      conn.closed = true;
      return false;
    }
    if (std::holds_alternative<TimedOut>(got)) {
      observe(conn.name + " <- TIMEOUT");
      return false;
    }
    const Message& message = std::get<Message>(got);
    if (message.type == XS_WATCH_EVENT) {
      observe(describe(conn, message, bind, ""));
    } else {
      // A reply: it answers the oldest request still awaiting one.
      std::string asked = conn.awaiting.empty() ? std::string() : conn.awaiting.front();
      if (!conn.awaiting.empty()) conn.awaiting.pop_front();
      observe(describe(conn, message, bind, asked));
    }
    return true;
  }

  // A normalised payload's length depends on the replaced number's digits,
  // so its len shows as "len=~" (the received len always matches the bytes
  // received, so nothing else is lost).
  std::string describe(const Conn& conn, const Message& message, const std::optional<std::string>& bind,
                       const std::string& node) {
    std::string payload = escape(message.payload);
    std::string len = std::to_string(message.len);
    if (message.type == XS_TRANSACTION_START && !message.payload.empty() && message.payload.back() == '\0') {
      uint32_t id = static_cast<uint32_t>(std::strtoul(message.payload.c_str(), nullptr, 10));
      std::string name = bind ? *bind : normaliser_.next_auto_tx_name();
      normaliser_.bind_tx(conn.name, id, name);
      payload = "$" + name + "\\0";
      len = "~";
    } else if (message.type == XS_DIRECTORY_PART) {
      size_t nul = message.payload.find('\0');
      if (nul != std::string::npos) {
        payload = normaliser_.generation_name(node, message.payload.substr(0, nul)) +
                  escape(message.payload.substr(nul));
        len = "~";
      }
    }
    return conn.name + " <- " + type_name(message.type) + " req=" + std::to_string(message.req_id) +
           " tx=" + normaliser_.tx_name(conn.name, message.tx_id) + " len=" + len + " \"" + payload + "\"";
  }

  // Makes every event caused so far visible: each clean connection gets a
  // sync request; the daemon answers it only after everything it queued on
  // that connection before, so the events arrive (and are recorded) first.
  //
  // Not while any request is unanswered: the daemon may be processing it
  // right now, and whether its events came before or after a sync would
  // depend on timing. They are recorded at a later step instead.
  void sync_all() {
    for (const auto& conn : conns_)
      if (!conn->closed && !conn->awaiting.empty()) return;
    for (auto& conn : conns_) {
      if (conn->closed || conn->busy()) continue;
      if (!conn->wire.send(encode_header(XS_GET_DOMAIN_PATH, kSyncReqId, 0, 2) + kSyncPayload)) {
        observe(conn->name + " <- CLOSED");
        conn->closed = true;
        continue;
      }
      for (;;) {
        Received got = conn->wire.receive(options_.reply_timeout);
        if (!std::holds_alternative<Message>(got)) {
          // A daemon that never answers the sync: stop syncing this one.
          record_received(*conn, got, std::nullopt);
          conn->partial = !conn->closed;
          break;
        }
        const auto& message = std::get<Message>(got);
        if (message.req_id == kSyncReqId && message.type == XS_GET_DOMAIN_PATH) break;
        observe(describe(*conn, message, std::nullopt, ""));
      }
    }
  }

  void idle(Conn& conn) {
    if (conn.closed) {
      observe(conn.name + " !! idle on closed connection");
      return;
    }
    auto deadline = std::chrono::steady_clock::now() + options_.idle_time;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return;
      Received got = conn.wire.receive(left);
      if (std::holds_alternative<TimedOut>(got)) return;
      if (!record_received(conn, got, std::nullopt)) return;
    }
  }

  std::string socket_path_;
  RunOptions options_;
  std::vector<std::unique_ptr<Conn>> conns_;
  Normaliser normaliser_;
  std::vector<std::string>* observed_ = nullptr;
  uint32_t req_counter_ = 0;
};

}  // namespace

std::vector<StepRecord> run_script(const Script& script, const std::string& socket_path,
                                   const RunOptions& options) {
  Runner runner(socket_path, options);
  std::vector<StepRecord> records;
  records.reserve(script.steps.size());
  for (const auto& step : script.steps) records.push_back(runner.run(step));
  return records;
}

}  // namespace xsdiff
