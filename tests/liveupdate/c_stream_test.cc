// Streams written by the C xenstored 4.17 (see data/README.md): our reader
// must load them, our writer must reproduce them byte for byte, and the
// store rebuilt from them must answer like the C daemon did.
#include <gtest/gtest.h>

#include <string>

#include "cxxenstored/liveupdate/state_file.h"
#include "cxxenstored/liveupdate/stream_codec.h"
#include "cxxenstored/liveupdate/tree_image.h"

namespace cxxenstored::liveupdate {
namespace {

using namespace std::string_literals;

std::string fixture(const char* name) {
  auto bytes = read_state_file(std::string(LIVEUPDATE_TEST_DATA) + "/" + name);
  EXPECT_TRUE(bytes) << name;
  return bytes ? *bytes : std::string();
}

TEST(CStream, SimpleStreamDecodes) {
  auto state = decode_stream(fixture("c_xenstored_4.17_state_dump.bin"));
  ASSERT_TRUE(state);
  ASSERT_TRUE(state->global);
  EXPECT_EQ(state->global->socket_fd, 3);
  EXPECT_EQ(state->global->evtchn_fd, 6);
  ASSERT_EQ(state->connections.size(), 2u);
  // dom0's own ring connection.
  EXPECT_EQ(state->connections[0].kind, ConnectionKind::kRing);
  EXPECT_EQ(state->connections[0].domid, 0);
  EXPECT_EQ(state->connections[0].target_domid, kNoTargetDomain);
  EXPECT_EQ(state->connections[0].evtchn, 2u);
  // The client that asked for the update: its "OK" reply waits in the stream.
  const auto& asker = state->connections[1];
  EXPECT_EQ(asker.kind, ConnectionKind::kSocket);
  EXPECT_EQ(asker.socket_fd, 7);
  EXPECT_EQ(asker.pending_input, "");
  EXPECT_EQ(asker.partial_response_len, 0);
  EXPECT_EQ(asker.pending_output, std::string(12, '\0') + "\x03\x00\x00\x00" "OK\0"s);

  ASSERT_EQ(state->nodes.size(), 8u);
  EXPECT_EQ(state->nodes[0].path, "@releaseDomain");
  EXPECT_EQ(state->nodes[1].path, "@introduceDomain");
  EXPECT_EQ(state->nodes[2].path, "/");
  EXPECT_EQ(state->nodes[6].path, "/a/b");
  EXPECT_EQ(state->nodes[6].value, "hello");
  EXPECT_EQ(state->nodes[6].perms,
            (std::vector<store::Perm>{{0, store::kAccessBoth},
                                      {5, store::kAccessRead},
                                      {7, store::kAccessWrite}}));
  EXPECT_TRUE(state->skipped_record_types.empty());
}

TEST(CStream, WatchesAndPendingIoDecode) {
  auto state = decode_stream(fixture("c_xenstored_4.17_watches_pending_io.bin"));
  ASSERT_TRUE(state);
  ASSERT_EQ(state->connections.size(), 3u);
  const auto& client = state->connections[1];
  EXPECT_EQ(client.id, 2u);
  EXPECT_EQ(client.socket_fd, 7);
  // A READ (type 2), request id 77, 20 payload bytes of which 10 arrived.
  EXPECT_EQ(client.pending_input,
            "\x02\x00\x00\x00\x4d\x00\x00\x00\x00\x00\x00\x00\x14\x00\x00\x00"s + "/local/dom");
  EXPECT_EQ(client.pending_output, "");
  ASSERT_EQ(state->watches.size(), 2u);
  EXPECT_EQ(state->watches[0], (WatchRecord{2, "/local/domain", "tokA"}));
  EXPECT_EQ(state->watches[1], (WatchRecord{2, "@introduceDomain", "tokB"}));
  const auto& asker = state->connections[2];
  EXPECT_EQ(asker.socket_fd, 8);
  // The reply to request id 5.
  EXPECT_EQ(asker.pending_output.substr(4, 4), "\x05\x00\x00\x00"s);
  auto data = std::find_if(state->nodes.begin(), state->nodes.end(),
                           [](const NodeRecord& n) { return n.path == "/local/domain/3/data"; });
  ASSERT_NE(data, state->nodes.end());
  EXPECT_EQ(data->value, "bin\x01" "ary");
}

TEST(CStream, OurWriterReproducesTheCStreamsExactly) {
  for (const char* name :
       {"c_xenstored_4.17_state_dump.bin", "c_xenstored_4.17_watches_pending_io.bin"}) {
    std::string original = fixture(name);
    auto state = decode_stream(original);
    ASSERT_TRUE(state) << name;
    auto again = encode_stream(*state);
    ASSERT_TRUE(again) << name;
    EXPECT_EQ(*again, original) << name;
  }
}

TEST(CStream, RestoredStoreAnswersLikeTheCDaemon) {
  auto state = decode_stream(fixture("c_xenstored_4.17_watches_pending_io.bin"));
  ASSERT_TRUE(state);
  store::Store store;
  ASSERT_TRUE(restore_nodes(store, state->nodes));
  auto dom0 = store::Caller::dom0();
  EXPECT_EQ(*store.read(dom0, "/local/domain/3/name"), "guest3");
  EXPECT_EQ(*store.read(dom0, "/local/domain/3/empty"), "");
  EXPECT_EQ(*store.directory(dom0, "/local/domain/3"),
            (std::vector<std::string>{"name", "data", "empty"}));
  EXPECT_EQ(*store.directory(dom0, "/"), (std::vector<std::string>{"tool", "local"}));

  auto simple = decode_stream(fixture("c_xenstored_4.17_state_dump.bin"));
  ASSERT_TRUE(simple);
  store::Store other;
  ASSERT_TRUE(restore_nodes(other, simple->nodes));
  EXPECT_EQ(other.get_perms(dom0, "/a/b")->to_wire(), "b0\0r5\0w7\0"s);
  EXPECT_EQ(*other.read(dom0, "/a/c"), "x y");
  // The old tree is gone: /local never existed in that daemon.
  EXPECT_FALSE(other.read(dom0, "/local"));
}

}  // namespace
}  // namespace cxxenstored::liveupdate
