// The outstanding-requests quota (-Q outstanding=, 20) over simulated
// rings, as the C daemon (4.17) applies it: a request of a ring connection
// stays outstanding until its reply is in the ring and the watch events it
// caused have been handed over; an unprivileged domain at the quota is not
// read from (domain_can_read), dom0 and other guests carry on, and
// everything is answered, in order, once the guest reads.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "guest_requests.h"

namespace cxxenstored::connection {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;
using RingDaemon = xen::GuestDaemon;
using namespace xen::guest_requests;
using xen::DomId;
using xen::SimulatedGuest;
using xen::WireMessage;

// Children of a node, as dom0 lists them.
std::size_t children(SimulatedGuest& dom0, const std::string& path) {
  const std::string listing = ask(dom0, XS_DIRECTORY, path + '\0');
  std::size_t n = 0;
  for (char c : listing) n += c == '\0';
  return n;
}

bool rsp_ring_full(const SimulatedGuest& g) {
  return g.ring()->rsp_prod - g.ring()->rsp_cons == XENSTORE_RING_SIZE;
}

// Polls `done` (daemon-side state) until true or a generous deadline.
template <class F>
bool eventually(F done) {
  const auto until = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return false;
}

TEST(RingOutstanding, GuestPipeliningWithoutReadingIsHeldAtTheQuota) {
  RingDaemon d;
  auto dom0 = d.dom0();
  auto lazy = guest_with_home(d, dom0, 3);
  auto other = guest_with_home(d, dom0, 4);
  constexpr std::uint32_t kRequests = 300;
  std::string pipeline;
  for (std::uint32_t i = 1; i <= kRequests; ++i)
    pipeline += WireMessage{XS_WRITE, i, 0, "/local/domain/3/n" + std::to_string(i) + '\0' + "v"}.encode();
  // Write as the request ring takes it, never reading a reply, until the
  // daemon stops reading: paused at the quota with the reply ring full.
  std::string_view unsent = pipeline;
  auto held = [&] {
    return d.run([&] {
      auto conn = d.connection_of(3);
      return conn && conn->paused_for_quota();
    }) && rsp_ring_full(lazy);
  };
  ASSERT_TRUE(eventually([&] {
    if (!unsent.empty()) {
      auto n = lazy.write_some(unsent);
      EXPECT_TRUE(n.ok());
      if (n.ok() && *n > 0) {
        unsent.remove_prefix(*n);
        lazy.kick();
      }
    }
    return held();
  })) << "the daemon never stopped reading";
  EXPECT_FALSE(unsent.empty()) << "the guest could write everything: nothing held it";
  EXPECT_EQ(d.run([&] { return d.connections().outstanding_of(3); }), 20u);
  // Processed: as in the C daemon, exactly the replies that fit the ring
  // whole (19 bytes each) plus the 20 outstanding behind them (the reply
  // only partly in the ring is one of those 20): the ring transport reports
  // every reply that left it, not only complete drains.
  const std::size_t reply_size = WireMessage{XS_WRITE, 1, 0, kOk}.encode().size();
  const std::size_t in_ring = XENSTORE_RING_SIZE / reply_size;
  const std::size_t processed = children(dom0, "/local/domain/3");
  EXPECT_EQ(processed, in_ring + 20);
  // xenstore-control's "quota <domid>" shows the count.
  const std::string quota = ask(dom0, XS_CONTROL, "quota\0" "3\0"s);
  EXPECT_NE(quota.find("outstanding     :       20\n"), std::string::npos) << quota;
  // Still held a moment later, and dom0 and other guests are served.
  EXPECT_EQ(ask(other, XS_WRITE, "/local/domain/4/x"s + '\0' + "y"), kOk);
  EXPECT_EQ(ask(dom0, XS_WRITE, "/dom0-served"s + '\0' + "y"), kOk);
  EXPECT_EQ(children(dom0, "/local/domain/3"), processed);
  EXPECT_EQ(d.run([&] { return d.connections().outstanding_of(4); }), 0u);
  EXPECT_GE(d.run([&] {
              auto it = d.metrics().domains().find(3);
              return it == d.metrics().domains().end()
                         ? 0u
                         : it->second.quota_hits[static_cast<std::size_t>(
                               observability::QuotaKind::kOutstanding)];
            }),
            1u);
  // The guest reads (and writes the rest): every reply, in order.
  std::uint32_t next = 1;
  ASSERT_TRUE(eventually([&] {
    if (!unsent.empty()) {
      auto n = lazy.write_some(unsent);
      if (n.ok() && *n > 0) {
        unsent.remove_prefix(*n);
        lazy.kick();
      }
    }
    while (next <= kRequests) {
      auto m = lazy.receive(1ms);
      if (!m) break;
      EXPECT_EQ(m->type, static_cast<std::uint32_t>(XS_WRITE));
      EXPECT_EQ(m->req_id, next) << "replies in request order";
      EXPECT_EQ(m->payload, kOk);
      ++next;
    }
    return next > kRequests;
  })) << "replies received: " << next - 1;
  EXPECT_EQ(children(dom0, "/local/domain/3"), kRequests);
  EXPECT_EQ(d.run([&] { return d.connections().outstanding_of(3); }), 0u);
}

TEST(RingOutstanding, EventsCausedByARequestKeepItOutstanding) {
  // Guest 3 writes nodes guest 4 watches; guest 4 never reads. Once 4's
  // ring and the transport window are full, each of 3's writes stays
  // outstanding until its event is handed to 4 or dropped: 3 is held at
  // the quota although it reads its own replies, and goes on when the
  // watch-event timeout drops 4's stale events.
  RingDaemon d;
  auto dom0 = d.dom0();
  auto writer = guest_with_home(d, dom0, 3);
  auto watcher = guest_with_home(d, dom0, 4);
  ASSERT_EQ(ask(writer, XS_MKDIR, "/local/domain/3/shared"s + '\0'), kOk);
  ASSERT_EQ(ask(writer, XS_SET_PERMS, "/local/domain/3/shared"s + '\0' + "n3" + '\0' + "r4" + '\0'), kOk);
  ASSERT_EQ(ask(watcher, XS_WATCH, "/local/domain/3/shared"s + '\0' + "tok" + '\0'), kOk);
  // The watch's first event is read; from now on the watcher reads nothing.
  auto first = watcher.receive(5s);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->type, static_cast<std::uint32_t>(XS_WATCH_EVENT));

  // Synchronous writes (reply read each time) until one is not answered:
  // the writer is held by events the watcher does not take.
  int answered = 0;
  const std::string value(100, 'v');
  for (int i = 0; i < 200; ++i) {
    auto reply = writer.request(
        XS_WRITE, "/local/domain/3/shared/n" + std::to_string(i) + '\0' + value, 0, 300ms);
    if (!reply) break;
    ASSERT_EQ(reply->payload, kOk);
    ++answered;
  }
  ASSERT_LT(answered, 200) << "the writer was never held";
  EXPECT_EQ(d.run([&] { return d.connections().outstanding_of(3); }), 20u);
  EXPECT_EQ(d.run([&] { return d.connection_of(4)->dropped_events(); }), 0u);
  // The watcher's stale events time out (20 s by default): the writer's
  // requests are no longer outstanding and its pending write is answered.
  d.advance(20s);
  EXPECT_GT(d.run([&] { return d.connection_of(4)->dropped_events(); }), 0u);
  auto late = writer.receive(5s);
  ASSERT_TRUE(late.ok()) << "the held write was never answered";
  EXPECT_EQ(late->payload, kOk);
  EXPECT_LT(d.run([&] { return d.connections().outstanding_of(3); }), 20u);
  EXPECT_EQ(ask(writer, XS_WRITE, "/local/domain/3/after"s + '\0' + "x"), kOk);
}

}  // namespace
}  // namespace cxxenstored::connection
