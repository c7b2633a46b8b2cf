// The stream codec against hand-computed bytes and by round trips.
#include "cxxenstored/liveupdate/stream_codec.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <string>

namespace cxxenstored::liveupdate {
namespace {

using namespace std::string_literals;

MigrationState small_state() {
  MigrationState s;
  s.global = GlobalRecord{3, 6};
  ConnectionRecord c;
  c.id = 1;
  c.kind = ConnectionKind::kSocket;
  c.socket_fd = 7;
  s.connections.push_back(c);
  s.watches.push_back(WatchRecord{1, "/a", "t"});
  NodeRecord root;
  root.path = "/";
  root.perms = {store::Perm{0, store::kAccessNone}};
  s.nodes.push_back(root);
  return s;
}

// Every byte of small_state()'s stream, computed by hand from the layout in
// xenstore_state.h (little endian records, lengths counting padding).
const std::string kSmallStream =
    "xenstore"s + "\x00\x00\x00\x01"s + "\x00\x00\x00\x00"s +
    // GLOBAL: socket_fd 3, evtchn_fd 6
    "\x01\x00\x00\x00\x08\x00\x00\x00"s + "\x03\x00\x00\x00\x06\x00\x00\x00"s +
    // CONN (24 bytes): id 1, socket, pad, fd 7, union pad, in 0, resp 0, out 0
    "\x02\x00\x00\x00\x18\x00\x00\x00"s + "\x01\x00\x00\x00\x01\x00\x00\x00"s +
    "\x07\x00\x00\x00\x00\x00\x00\x00"s + "\x00\x00\x00\x00\x00\x00\x00\x00"s +
    // WATCH (13 -> 16): conn 1, path_len 3, token_len 2, "/a\0t\0", pad 3
    "\x03\x00\x00\x00\x10\x00\x00\x00"s + "\x01\x00\x00\x00\x03\x00\x02\x00"s +
    "/a\0t\0\0\0\0"s +
    // NODE (22 -> 24): conn 0, tx 0, path_len 2, value_len 0, access 0,
    // 1 perm: 'n' flags 0 domid 0, "/\0", pad 2
    "\x05\x00\x00\x00\x18\x00\x00\x00"s + "\x00\x00\x00\x00\x00\x00\x00\x00"s +
    "\x02\x00\x00\x00\x00\x00\x01\x00"s + "n\x00\x00\x00/\0\0\0"s +
    // END
    "\x00\x00\x00\x00\x00\x00\x00\x00"s;

TEST(StreamCodec, WritesExactBytes) {
  auto bytes = encode_stream(small_state());
  ASSERT_TRUE(bytes);
  EXPECT_EQ(*bytes, kSmallStream);
  EXPECT_EQ(bytes->size() % 8, 0u);
}

TEST(StreamCodec, ReadsExactBytes) {
  auto state = decode_stream(kSmallStream);
  ASSERT_TRUE(state);
  EXPECT_EQ(*state, small_state());
}

TEST(StreamCodec, BigEndianStreamHasFlagAndSwappedFields) {
  auto bytes = encode_stream(small_state(), ByteOrder::kBig);
  ASSERT_TRUE(bytes);
  EXPECT_EQ(bytes->substr(8, 8), "\x00\x00\x00\x01\x00\x00\x00\x01"s);
  // GLOBAL header and socket fd, big endian.
  EXPECT_EQ(bytes->substr(16, 12), "\x00\x00\x00\x01\x00\x00\x00\x08\x00\x00\x00\x03"s);
  auto back = decode_stream(*bytes);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, small_state());
}

MigrationState full_state() {
  MigrationState s;
  s.global = GlobalRecord{4, -1};
  ConnectionRecord ring;
  ring.id = 1;
  ring.kind = ConnectionKind::kRing;
  ring.domid = 5;
  ring.target_domid = 3;
  ring.evtchn = 17;
  ring.pending_input = "\x01\x00\x00\x00\x02"s;  // part of a header
  ring.pending_output = "tail-of-reply" "\x02\x00\x00\x00\x00\x00\x00\x00"s;
  ring.partial_response_len = 13;
  ConnectionRecord sock;
  sock.id = 9;
  sock.kind = ConnectionKind::kSocket;
  sock.socket_fd = 12;
  sock.pending_output = std::string(300, 'x');
  s.connections = {ring, sock};
  s.watches = {WatchRecord{1, "device", "tok\x01"}, WatchRecord{9, "@introduceDomain", ""}};
  s.transactions = {TransactionRecord{9, 42}};
  NodeRecord root;
  root.path = "/";
  root.perms = {store::Perm{0, store::kAccessNone}};
  NodeRecord value;
  value.path = "/local/domain/5/data";
  value.value = "with\0nul"s;
  value.perms = {store::Perm{5, store::kAccessRead},
                 store::Perm{7, store::kAccessBoth | store::kAccessIgnore},
                 store::Perm{0, store::kAccessWrite}};
  NodeRecord pending;
  pending.conn_id = 9;
  pending.tx_id = 42;
  pending.path = "/new";
  pending.value = "v";
  pending.tx_access = kTxNodeWritten | kTxNodeRead;
  pending.perms = {store::Perm{0, store::kAccessNone}};
  NodeRecord deleted;
  deleted.conn_id = 9;
  deleted.tx_id = 42;
  deleted.path = "/gone";
  deleted.tx_access = kTxNodeDeleted;
  s.nodes = {root, value, pending, deleted};
  return s;
}

TEST(StreamCodec, RoundTripsEveryRecordKind) {
  for (auto order : {ByteOrder::kLittle, ByteOrder::kBig}) {
    auto bytes = encode_stream(full_state(), order);
    ASSERT_TRUE(bytes);
    EXPECT_EQ(bytes->size() % 8, 0u);
    auto back = decode_stream(*bytes);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, full_state());
  }
}

TEST(StreamCodec, AcceptsLengthsWithoutPadding) {
  // The design document's reading: len is the body alone, padding follows.
  std::string stream = kSmallStream;
  stream[0x44] = 13;  // WATCH length 16 -> 13
  stream[0x5c] = 22;  // NODE length 24 -> 22
  auto state = decode_stream(stream);
  ASSERT_TRUE(state);
  EXPECT_EQ(*state, small_state());
}

TEST(StreamCodec, SkipsUnknownRecordTypes) {
  std::string stream = kSmallStream;
  // Insert a record of a type version 1 does not define (7, 8 bytes).
  std::string extra = "\x07\x00\x00\x00\x08\x00\x00\x00"s + "\x05\x00\x00\x00\x00\x00\x00\x00"s;
  stream.insert(stream.size() - 8, extra);
  auto state = decode_stream(stream);
  ASSERT_TRUE(state);
  EXPECT_EQ(state->skipped_record_types, std::vector<std::uint32_t>{7});
  EXPECT_EQ(state->nodes, small_state().nodes);
}

// Offsets in kSmallStream: GLOBAL at 0x10, CONN at 0x20, WATCH at 0x40
// (body 0x48, path 0x50), NODE at 0x58 (body 0x60, perm 0x70), END at 0x78.
TEST(StreamCodec, RejectsMalformedStreams) {
  ASSERT_EQ(kSmallStream.size(), 0x80u);
  auto rejects = [](const std::string& s) {
    auto r = decode_stream(s);
    return !r && r.error().code == EINVAL;
  };
  EXPECT_TRUE(rejects(""));
  EXPECT_TRUE(rejects("xenstorX"s + kSmallStream.substr(8)));
  std::string bad_version = kSmallStream;
  bad_version[11] = 3;
  EXPECT_TRUE(rejects(bad_version));
  bad_version[11] = 2;  // newer Xen: records we cannot skip safely
  EXPECT_TRUE(rejects(bad_version));
  std::string reserved_flag = kSmallStream;
  reserved_flag[14] = 1;
  EXPECT_TRUE(rejects(reserved_flag));
  // No END record: every truncation point fails, none crashes.
  for (std::size_t n = 0; n + 8 < kSmallStream.size(); ++n)
    EXPECT_TRUE(rejects(kSmallStream.substr(0, n))) << n;
  // A record claiming more than the stream holds.
  std::string overlong = kSmallStream;
  overlong[0x14] = 0x7f;
  EXPECT_TRUE(rejects(overlong));
  // Watch path without its NUL.
  std::string no_nul = kSmallStream;
  no_nul[0x52] = 'x';
  EXPECT_TRUE(rejects(no_nul));
  // Watch for a connection that does not exist.
  std::string orphan = kSmallStream;
  orphan[0x48] = 2;
  EXPECT_TRUE(rejects(orphan));
  // Unknown permission letter.
  std::string bad_perm = kSmallStream;
  bad_perm[0x70] = 'q';
  EXPECT_TRUE(rejects(bad_perm));
}

TEST(StreamCodec, WriterRejectsWhatCannotBeEncoded) {
  MigrationState s = small_state();
  s.nodes[0].value = std::string(70000, 'v');
  EXPECT_EQ(encode_stream(s).error().code, E2BIG);
  s = small_state();
  s.nodes[0].perms[0].domain = 70000;
  EXPECT_EQ(encode_stream(s).error().code, E2BIG);
  s = small_state();
  s.watches[0].conn_id = 5;
  EXPECT_EQ(encode_stream(s).error().code, EINVAL);
  s = small_state();
  s.connections.push_back(s.connections[0]);  // duplicate id
  EXPECT_EQ(encode_stream(s).error().code, EINVAL);
}

}  // namespace
}  // namespace cxxenstored::liveupdate
