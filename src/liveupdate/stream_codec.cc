#include "cxxenstored/liveupdate/stream_codec.h"

#include <cerrno>
#include <algorithm>
#include <set>
#include <utility>

namespace cxxenstored::liveupdate {
namespace {

constexpr std::string_view kIdent = "xenstore";
constexpr std::size_t kPreambleSize = 16;
constexpr std::size_t kRecordHeaderSize = 8;
constexpr std::size_t kConnectionFixedSize = 20;
constexpr std::size_t kWatchFixedSize = 8;
constexpr std::size_t kTransactionSize = 8;
constexpr std::size_t kNodeFixedSize = 16;
constexpr std::size_t kPermSize = 4;
constexpr std::uint8_t kPermFlagIgnore = 0x01;

constexpr std::size_t padded(std::size_t n) { return (n + 7) & ~std::size_t{7}; }

// Appends integers in the stream's byte order.
class ByteWriter {
 public:
  explicit ByteWriter(ByteOrder order) : order_(order) {}

  void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u16(std::uint16_t v) { put(v, 2); }
  void u32(std::uint32_t v) { put(v, 4); }
  void u32_big(std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) u8(static_cast<std::uint8_t>(v >> shift));
  }
  void bytes(std::string_view s) { out_.append(s); }
  void pad_to_8() { out_.append(padded(out_.size()) - out_.size(), '\0'); }
  std::size_t size() const { return out_.size(); }
  std::string take() { return std::move(out_); }

 private:
  void put(std::uint32_t v, int width) {
    for (int i = 0; i < width; ++i) {
      int byte = order_ == ByteOrder::kLittle ? i : width - 1 - i;
      u8(static_cast<std::uint8_t>(v >> (8 * byte)));
    }
  }

  ByteOrder order_;
  std::string out_;
};

// Reads integers from a bounded span; every accessor checks the bounds
// first so a truncated record can never be read past.
class ByteReader {
 public:
  ByteReader(std::string_view data, ByteOrder order) : data_(data), order_(order) {}

  bool has(std::size_t n) const { return data_.size() - pos_ >= n; }
  std::size_t remaining() const { return data_.size() - pos_; }
  std::uint8_t u8() { return static_cast<std::uint8_t>(data_[pos_++]); }
  std::uint16_t u16() { return static_cast<std::uint16_t>(get(2)); }
  std::uint32_t u32() { return get(4); }
  std::string_view bytes(std::size_t n) {
    auto s = data_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  void skip(std::size_t n) { pos_ += n; }

 private:
  std::uint32_t get(int width) {
    std::uint32_t v = 0;
    for (int i = 0; i < width; ++i) {
      int byte = order_ == ByteOrder::kLittle ? i : width - 1 - i;
      v |= std::uint32_t{u8()} << (8 * byte);
    }
    return v;
  }

  std::string_view data_;
  std::size_t pos_ = 0;
  ByteOrder order_;
};

constexpr Error kInvalid{EINVAL};
constexpr Error kTooBig{E2BIG};

// ---------------------------------------------------------------- writing

std::uint8_t perm_letter(std::uint8_t access) {
  switch (access & store::kAccessBoth) {
    case store::kAccessRead: return 'r';
    case store::kAccessWrite: return 'w';
    case store::kAccessBoth: return 'b';
    default: return 'n';
  }
}

// Writes one record: header with the padded body length, body, zero padding.
void put_record(ByteWriter& w, RecordType type, const std::string& body) {
  w.u32(static_cast<std::uint32_t>(type));
  w.u32(static_cast<std::uint32_t>(padded(body.size())));
  w.bytes(body);
  w.pad_to_8();
}

Result<std::string> connection_body(const ConnectionRecord& c, ByteOrder order) {
  if (c.id == 0) return kInvalid;
  if (c.pending_input.size() > 0xffff) return kTooBig;
  if (c.partial_response_len > c.pending_output.size()) return kInvalid;
  ByteWriter b(order);
  b.u32(c.id);
  b.u16(static_cast<std::uint16_t>(c.kind));
  b.u16(0);
  if (c.kind == ConnectionKind::kRing) {
    b.u16(c.domid);
    b.u16(c.target_domid);
    b.u32(c.evtchn);
  } else {
    b.u32(static_cast<std::uint32_t>(c.socket_fd));
    b.u32(0);
  }
  b.u16(static_cast<std::uint16_t>(c.pending_input.size()));
  b.u16(c.partial_response_len);
  b.u32(static_cast<std::uint32_t>(c.pending_output.size()));
  b.bytes(c.pending_input);
  b.bytes(c.pending_output);
  return b.take();
}

Result<std::string> watch_body(const WatchRecord& watch, ByteOrder order) {
  if (watch.path.size() + 1 > 0xffff || watch.token.size() + 1 > 0xffff) return kTooBig;
  ByteWriter b(order);
  b.u32(watch.conn_id);
  b.u16(static_cast<std::uint16_t>(watch.path.size() + 1));
  b.u16(static_cast<std::uint16_t>(watch.token.size() + 1));
  b.bytes(watch.path);
  b.u8(0);
  b.bytes(watch.token);
  b.u8(0);
  return b.take();
}

Result<std::string> node_body(const NodeRecord& node, ByteOrder order) {
  if (node.path.size() + 1 > 0xffff || node.value.size() > 0xffff ||
      node.perms.size() > 0xffff)
    return kTooBig;
  if (node.conn_id == 0 && node.perms.empty()) return kInvalid;
  ByteWriter b(order);
  b.u32(node.conn_id);
  b.u32(node.conn_id == 0 ? 0 : node.tx_id);
  b.u16(static_cast<std::uint16_t>(node.path.size() + 1));
  b.u16(static_cast<std::uint16_t>(node.value.size()));
  b.u16(node.conn_id == 0 ? 0 : node.tx_access);
  b.u16(static_cast<std::uint16_t>(node.perms.size()));
  for (const auto& perm : node.perms) {
    if (perm.domain > 0xffff) return kTooBig;
    b.u8(perm_letter(perm.access));
    b.u8((perm.access & store::kAccessIgnore) ? kPermFlagIgnore : 0);
    b.u16(static_cast<std::uint16_t>(perm.domain));
  }
  b.bytes(node.path);
  b.u8(0);
  b.bytes(node.value);
  return b.take();
}

// ---------------------------------------------------------------- reading

Result<std::uint8_t> perm_access(std::uint8_t letter, std::uint8_t flags) {
  std::uint8_t access;
  switch (letter) {
    case 'n': access = store::kAccessNone; break;
    case 'r': access = store::kAccessRead; break;
    case 'w': access = store::kAccessWrite; break;
    case 'b': access = store::kAccessBoth; break;
    default: return kInvalid;
  }
  if (flags & kPermFlagIgnore) access |= store::kAccessIgnore;
  return access;
}

// A NUL-terminated string of len bytes (len counts the NUL).
Result<std::string> terminated_string(ByteReader& r, std::size_t len) {
  if (len == 0 || !r.has(len)) return kInvalid;
  auto s = r.bytes(len);
  if (s.back() != '\0' || s.substr(0, len - 1).find('\0') != std::string_view::npos)
    return kInvalid;
  return std::string(s.substr(0, len - 1));
}

Result<ConnectionRecord> read_connection(ByteReader& r) {
  if (!r.has(kConnectionFixedSize)) return kInvalid;
  ConnectionRecord c;
  c.id = r.u32();
  auto kind = r.u16();
  r.skip(2);
  if (kind == static_cast<std::uint16_t>(ConnectionKind::kRing)) {
    c.kind = ConnectionKind::kRing;
    c.domid = r.u16();
    c.target_domid = r.u16();
    c.evtchn = r.u32();
  } else if (kind == static_cast<std::uint16_t>(ConnectionKind::kSocket)) {
    c.kind = ConnectionKind::kSocket;
    c.socket_fd = static_cast<std::int32_t>(r.u32());
    r.skip(4);
  } else {
    return kInvalid;
  }
  std::size_t in_len = r.u16();
  c.partial_response_len = r.u16();
  std::size_t out_len = r.u32();
  if (c.id == 0 || c.partial_response_len > out_len || !r.has(in_len) ||
      r.remaining() - in_len < out_len)
    return kInvalid;
  c.pending_input = std::string(r.bytes(in_len));
  c.pending_output = std::string(r.bytes(out_len));
  return c;
}

Result<WatchRecord> read_watch(ByteReader& r) {
  if (!r.has(kWatchFixedSize)) return kInvalid;
  WatchRecord w;
  w.conn_id = r.u32();
  std::size_t path_len = r.u16();
  std::size_t token_len = r.u16();
  auto path = terminated_string(r, path_len);
  if (!path) return path.error();
  auto token = terminated_string(r, token_len);
  if (!token) return token.error();
  w.path = std::move(*path);
  w.token = std::move(*token);
  return w;
}

Result<NodeRecord> read_node(ByteReader& r) {
  if (!r.has(kNodeFixedSize)) return kInvalid;
  NodeRecord n;
  n.conn_id = r.u32();
  n.tx_id = r.u32();
  std::size_t path_len = r.u16();
  std::size_t value_len = r.u16();
  n.tx_access = r.u16();
  std::size_t perm_count = r.u16();
  if (n.conn_id == 0) {
    n.tx_id = 0;  // "should be ignored if conn-id is zero"
    n.tx_access = 0;
    if (perm_count == 0) return kInvalid;
  }
  if (!r.has(perm_count * kPermSize)) return kInvalid;
  for (std::size_t i = 0; i < perm_count; ++i) {
    auto letter = r.u8();
    auto flags = r.u8();
    auto domid = r.u16();
    auto access = perm_access(letter, flags);
    if (!access) return access.error();
    n.perms.push_back(store::Perm{domid, *access});
  }
  auto path = terminated_string(r, path_len);
  if (!path) return path.error();
  n.path = std::move(*path);
  if (!r.has(value_len)) return kInvalid;
  n.value = std::string(r.bytes(value_len));
  return n;
}

}  // namespace

Result<std::string> encode_stream(const MigrationState& state, ByteOrder order) {
  std::set<std::uint32_t> conn_ids;
  for (const auto& c : state.connections) {
    if (!conn_ids.insert(c.id).second) return kInvalid;
  }
  std::set<std::pair<std::uint32_t, std::uint32_t>> tx_ids;
  for (const auto& t : state.transactions) {
    if (!conn_ids.count(t.conn_id)) return kInvalid;
    tx_ids.insert({t.conn_id, t.tx_id});
  }
  for (const auto& w : state.watches) {
    if (!conn_ids.count(w.conn_id)) return kInvalid;
  }
  for (const auto& n : state.nodes) {
    if (n.conn_id != 0 && !tx_ids.count({n.conn_id, n.tx_id})) return kInvalid;
  }

  ByteWriter w(order);
  w.bytes(kIdent);
  w.u32_big(kStreamVersion);
  w.u32_big(order == ByteOrder::kBig ? 1 : 0);

  if (state.global) {
    ByteWriter b(order);
    b.u32(static_cast<std::uint32_t>(state.global->socket_fd));
    b.u32(static_cast<std::uint32_t>(state.global->evtchn_fd));
    put_record(w, RecordType::kGlobal, b.take());
  }
  // Each connection is followed by its watches, as the C daemon orders them.
  for (const auto& c : state.connections) {
    auto body = connection_body(c, order);
    if (!body) return body.error();
    put_record(w, RecordType::kConnection, *body);
    for (const auto& watch : state.watches) {
      if (watch.conn_id != c.id) continue;
      auto wbody = watch_body(watch, order);
      if (!wbody) return wbody.error();
      put_record(w, RecordType::kWatch, *wbody);
    }
  }
  for (const auto& t : state.transactions) {
    ByteWriter b(order);
    b.u32(t.conn_id);
    b.u32(t.tx_id);
    put_record(w, RecordType::kTransaction, b.take());
  }
  for (const auto& n : state.nodes) {
    auto body = node_body(n, order);
    if (!body) return body.error();
    put_record(w, RecordType::kNode, *body);
  }
  put_record(w, RecordType::kEnd, {});
  return w.take();
}

Result<MigrationState> decode_stream(std::string_view bytes) {
  if (bytes.size() < kPreambleSize || bytes.substr(0, kIdent.size()) != kIdent) return kInvalid;
  ByteReader pre(bytes.substr(kIdent.size(), 8), ByteOrder::kBig);
  auto version = pre.u32();
  auto flags = pre.u32();
  if (version != kStreamVersion || (flags & ~1u) != 0) return kInvalid;
  ByteOrder order = (flags & 1) ? ByteOrder::kBig : ByteOrder::kLittle;

  MigrationState state;
  std::set<std::uint32_t> conn_ids;
  std::set<std::pair<std::uint32_t, std::uint32_t>> tx_ids;
  std::string_view rest = bytes.substr(kPreambleSize);
  for (;;) {
    if (rest.size() < kRecordHeaderSize) return kInvalid;  // no END
    ByteReader head(rest.substr(0, kRecordHeaderSize), order);
    auto type = head.u32();
    std::size_t length = head.u32();
    rest.remove_prefix(kRecordHeaderSize);
    if (type == static_cast<std::uint32_t>(RecordType::kEnd)) break;
    if (length > rest.size()) return kInvalid;
    ByteReader body(rest.substr(0, length), order);
    // The C daemon counts padding in length; the design document does
    // not. Skipping to the next multiple of 8 accepts both.
    rest.remove_prefix(std::min(padded(length), rest.size()));

    switch (static_cast<RecordType>(type)) {
      case RecordType::kGlobal: {
        if (!body.has(8)) return kInvalid;
        GlobalRecord g;
        g.socket_fd = static_cast<std::int32_t>(body.u32());
        g.evtchn_fd = static_cast<std::int32_t>(body.u32());
        state.global = g;
        break;
      }
      case RecordType::kConnection: {
        auto c = read_connection(body);
        if (!c) return c.error();
        if (!conn_ids.insert(c->id).second) return kInvalid;
        state.connections.push_back(std::move(*c));
        break;
      }
      case RecordType::kWatch: {
        auto w = read_watch(body);
        if (!w) return w.error();
        if (!conn_ids.count(w->conn_id)) return kInvalid;
        state.watches.push_back(std::move(*w));
        break;
      }
      case RecordType::kTransaction: {
        if (!body.has(kTransactionSize)) return kInvalid;
        TransactionRecord t;
        t.conn_id = body.u32();
        t.tx_id = body.u32();
        if (!conn_ids.count(t.conn_id)) return kInvalid;
        tx_ids.insert({t.conn_id, t.tx_id});
        state.transactions.push_back(t);
        break;
      }
      case RecordType::kNode: {
        auto n = read_node(body);
        if (!n) return n.error();
        if (n->conn_id != 0 && !tx_ids.count({n->conn_id, n->tx_id})) return kInvalid;
        state.nodes.push_back(std::move(*n));
        break;
      }
      default:
        state.skipped_record_types.push_back(type);
        break;
    }
  }
  return state;
}

}  // namespace cxxenstored::liveupdate
