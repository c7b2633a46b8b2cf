// Delivery over unix sockets under load, against the real daemon process
// (and Debian's C xenstored in the "reference.*" registration): events
// fired by many pipelined writes reach every watcher complete and in order;
// on the writer's own connection its event still comes before the write's
// reply, as the C daemon queues them; and replies to a burst of pipelined
// requests far beyond the daemon's output bound all arrive, in order.
// cxxenstored hands socket events over in batches
// (connection/event_flush_scheduler.h) and writes the replies of requests
// that arrived together in one gathered write; these pin down what that
// must not change.
#include <chrono>
#include <string>
#include <vector>

#include <xen/io/xs_wire.h>

#include "socket_test_support.h"

namespace cxxenstored::hostile {
namespace {

using namespace std::chrono_literals;
const std::string kOk("OK\0", 3);

std::string write_payload(const std::string& path, std::string_view value) {
  std::string p = path;
  p.push_back('\0');
  p.append(value);
  return p;
}

// Reads the replies to a burst whose requests carried req_ids 1..count:
// each must come in order, of the request's type, with this payload.
void expect_burst_replies(WireClient& c, int count, std::uint32_t type, const std::string& payload) {
  for (int k = 0; k < count; ++k) {
    auto r = c.receive();
    ASSERT_TRUE(r) << "reply " << k;
    ASSERT_EQ(r->type, type);
    ASSERT_EQ(r->req_id, static_cast<std::uint32_t>(k + 1));
    ASSERT_EQ(r->payload, payload);
  }
}

// The path of a watch event's payload ("path\0token\0").
std::string event_path(const WireReply& m) { return m.payload.substr(0, m.payload.find('\0')); }

TEST_F(SocketTest, OwnWatchEventComesBeforeTheWritesReply) {
  WireClient c = connect();
  ASSERT_EQ(c.call(XS_WATCH, nul_terms({"/order", "t"})), kOk);
  auto initial = c.receive();
  ASSERT_TRUE(initial);
  ASSERT_EQ(initial->type, XS_WATCH_EVENT);
  EXPECT_EQ(event_path(*initial), "/order");

  ASSERT_TRUE(c.send(XS_WRITE, write_payload("/order/x", "1")));
  auto first = c.receive();
  auto second = c.receive();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->type, XS_WATCH_EVENT);
  EXPECT_EQ(event_path(*first), "/order/x");
  EXPECT_EQ(second->type, XS_WRITE);
  EXPECT_EQ(second->payload, kOk);
}

TEST_F(SocketTest, EveryWatcherGetsEveryEventOfPipelinedWritesInOrder) {
  constexpr int kWatchers = 20;
  constexpr int kWrites = 300;
  std::vector<WireClient> watchers;
  for (int i = 0; i < kWatchers; ++i) {
    watchers.push_back(connect());
    ASSERT_EQ(watchers.back().call(XS_WATCH, nul_terms({"/fan", "w" + std::to_string(i)})), kOk);
    auto initial = watchers.back().receive();
    ASSERT_TRUE(initial);
    ASSERT_EQ(initial->type, XS_WATCH_EVENT);
  }
  // One writer sends every write before reading any reply, so requests keep
  // arriving while earlier writes' events are still being handed over.
  WireClient writer = connect();
  std::string burst;
  for (int k = 0; k < kWrites; ++k)
    burst += WireClient::frame(XS_WRITE, write_payload("/fan/e" + std::to_string(k), "v"), 0, k + 1);
  ASSERT_TRUE(writer.send_raw(burst));
  expect_burst_replies(writer, kWrites, XS_WRITE, kOk);
  for (int i = 0; i < kWatchers; ++i) {
    const std::string token = "w" + std::to_string(i);
    for (int k = 0; k < kWrites; ++k) {
      auto e = watchers[i].receive();
      ASSERT_TRUE(e) << "watcher " << i << " event " << k;
      ASSERT_EQ(e->type, XS_WATCH_EVENT);
      ASSERT_EQ(e->payload, nul_terms({"/fan/e" + std::to_string(k), token}))
          << "watcher " << i << " event " << k;
    }
    // Nothing extra: no duplicate, nothing out of the burst.
    EXPECT_FALSE(watchers[i].receive(100ms)) << "watcher " << i;
  }
  expect_others_served();
}

TEST_F(SocketTest, RepliesToABurstBeyondTheOutputBoundAllArriveInOrder) {
  // 400 reads of a 4000-byte value: 1.6 MB of replies to requests that
  // arrive together, against a 256 KiB output bound (ours).
  WireClient c = connect();
  const std::string value(4000, 'v');
  ASSERT_EQ(c.call(XS_WRITE, write_payload("/burst", value)), kOk);
  constexpr int kReads = 400;
  std::string burst;
  for (int k = 0; k < kReads; ++k) burst += WireClient::frame(XS_READ, nul_terms({"/burst"}), 0, k + 1);
  ASSERT_TRUE(c.send_raw(burst));
  expect_burst_replies(c, kReads, XS_READ, value);
  expect_others_served();
}

}  // namespace
}  // namespace cxxenstored::hostile
