// The watch-event timeout (-w watch-event=<s>, 20 s) over a simulated guest
// ring: events a guest leaves unread are dropped once older than the
// timeout, as the C daemon (4.17) does for unprivileged domains; the event
// already (partly) in the ring stays, newer events are delivered, and the
// metrics count both outcomes for the watcher's domain.
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
using xen::SimulatedGuest;

class RingEventTimeout : public ::testing::Test {
 protected:
  void SetUp() override {
    watcher_.emplace(d_.create(4));
    ASSERT_EQ(ask(dom0_, XS_INTRODUCE,
                  "4"s + '\0' + std::to_string(watcher_->frame()) + '\0' +
                      std::to_string(watcher_->remote_port()) + '\0'),
              kOk);
    ASSERT_EQ(ask(dom0_, XS_MKDIR, "/local/domain/4/ev"s + '\0'), kOk);
    ASSERT_EQ(ask(dom0_, XS_SET_PERMS, "/local/domain/4"s + '\0' + "n4" + '\0'), kOk);
    ASSERT_EQ(ask(dom0_, XS_SET_PERMS, "/local/domain/4/ev"s + '\0' + "n4" + '\0'), kOk);
    ASSERT_EQ(ask(*watcher_, XS_WATCH, "/local/domain/4/ev"s + '\0' + "tok" + '\0'), kOk);
    auto first = watcher_->receive(5s);
    ASSERT_TRUE(first.ok());
    ASSERT_EQ(first->type, static_cast<std::uint32_t>(XS_WATCH_EVENT));
  }

  void write_nodes(int from, int to) {
    for (int i = from; i < to; ++i)
      ASSERT_EQ(ask(dom0_, XS_WRITE, "/local/domain/4/ev/n" + std::to_string(i) + '\0' + "v"), kOk);
  }
  std::uint64_t dropped() {
    return d_.run([&] { return d_.connection_of(4)->dropped_events(); });
  }
  observability::DomainCounters counters(store::DomainId domain) {
    return d_.run([&] {
      auto it = d_.metrics().domains().find(domain);
      return it == d_.metrics().domains().end() ? observability::DomainCounters{} : it->second;
    });
  }
  // Reads events until `expected` arrived (generous deadline); returns how many.
  int read_events(int expected) {
    int got = 0;
    const auto until = std::chrono::steady_clock::now() + 20s;
    while (got < expected && std::chrono::steady_clock::now() < until) {
      auto m = watcher_->receive(100ms);
      if (m && m->type == XS_WATCH_EVENT) ++got;
    }
    return got;
  }

  RingDaemon d_;
  SimulatedGuest dom0_ = d_.dom0();
  std::optional<SimulatedGuest> watcher_;
};

TEST_F(RingEventTimeout, EventsLeftUnreadLongerThanTheTimeoutAreDropped) {
  constexpr int kWrites = 200;
  write_nodes(0, kWrites);  // ~45-byte events: the 1 KiB ring holds ~22
  d_.advance(19s);
  EXPECT_EQ(dropped(), 0u) << "nothing is stale before the timeout";
  d_.advance(2s);
  const std::uint64_t gone = dropped();
  EXPECT_GT(gone, 150u) << "what was not in the ring yet is dropped";
  // Newer events are delivered behind what the ring already held.
  write_nodes(kWrites, kWrites + 5);
  const int expected = static_cast<int>(kWrites + 5 - gone);
  EXPECT_EQ(read_events(expected), expected);
  EXPECT_FALSE(watcher_->receive(200ms).ok()) << "no event beyond those";
  EXPECT_EQ(dropped(), gone);
  const auto c = counters(4);
  EXPECT_EQ(c.watch_events_dropped, gone);
  EXPECT_EQ(c.watch_events_sent, static_cast<std::uint64_t>(expected) + 1) << "plus the first event";
  EXPECT_GT(c.bytes_sent[static_cast<std::size_t>(observability::Transport::kRing)], 0u);
  EXPECT_EQ(c.bytes_sent[static_cast<std::size_t>(observability::Transport::kSocket)], 0u);
}

TEST(RingEventTimeoutOff, AZeroTimeoutNeverDrops) {
  // -w watch-event=0 disables the timeout (C: timeout_watch_event_msec 0).
  RingDaemon quiet(protocol::Limits{.watch_event_timeout_s = 0});
  auto dom0 = quiet.dom0();
  auto g = quiet.create(5);
  ASSERT_EQ(ask(dom0, XS_INTRODUCE,
                "5"s + '\0' + std::to_string(g.frame()) + '\0' + std::to_string(g.remote_port()) + '\0'),
            kOk);
  ASSERT_EQ(ask(dom0, XS_MKDIR, "/local/domain/5"s + '\0'), kOk);
  ASSERT_EQ(ask(dom0, XS_SET_PERMS, "/local/domain/5"s + '\0' + "n5" + '\0'), kOk);
  ASSERT_EQ(ask(g, XS_WATCH, "/local/domain/5"s + '\0' + "t" + '\0'), kOk);
  for (int i = 0; i < 100; ++i)
    ASSERT_EQ(ask(dom0, XS_WRITE, "/local/domain/5/n" + std::to_string(i) + '\0' + "v"), kOk);
  quiet.advance(3600s);
  EXPECT_EQ(quiet.run([&] { return quiet.connection_of(5)->dropped_events(); }), 0u);
  int got = 0;
  const auto until = std::chrono::steady_clock::now() + 20s;
  while (got < 101 && std::chrono::steady_clock::now() < until) {
    auto m = g.receive(100ms);
    if (m && m->type == XS_WATCH_EVENT) ++got;
  }
  EXPECT_EQ(got, 101) << "every event, the first one included";
}

}  // namespace
}  // namespace cxxenstored::connection
