// OutstandingRequests on its own: counts per domain follow the tickets'
// lifetimes, and waiting connections are woken only when the outermost
// scope ends (never in the middle of another connection's work).
#include <gtest/gtest.h>

#include <vector>

#include "cxxenstored/connection/manual_clock.h"
#include "cxxenstored/connection/outstanding_requests.h"

namespace cxxenstored::connection {
namespace {

using namespace std::chrono_literals;

TEST(OutstandingRequests, CountsFollowTicketsPerDomain) {
  auto outstanding = std::make_shared<OutstandingRequests>();
  auto a1 = outstanding->open(3);
  auto a2 = outstanding->open(3);
  auto b1 = outstanding->open(4);
  EXPECT_EQ(outstanding->count(3), 2u);
  EXPECT_EQ(outstanding->count(4), 1u);
  // A reply and an event share one request: it ends with the last of them.
  auto event_ref = a1;
  a1.reset();
  EXPECT_EQ(outstanding->count(3), 2u);
  event_ref.reset();
  EXPECT_EQ(outstanding->count(3), 1u);
  a2.reset();
  b1.reset();
  EXPECT_EQ(outstanding->count(3), 0u);
  EXPECT_EQ(outstanding->count(4), 0u);
}

TEST(OutstandingRequests, WaitersAreWokenWhenTheOutermostScopeEnds) {
  auto outstanding = std::make_shared<OutstandingRequests>();
  std::vector<int> woken;
  auto ticket = outstanding->open(3);
  outstanding->wait(3, 1, [&] { woken.push_back(1); });
  outstanding->wait(4, 2, [&] { woken.push_back(2); });
  {
    OutstandingRequests::Scope outer(*outstanding);
    {
      OutstandingRequests::Scope inner(*outstanding);
      ticket.reset();
    }
    EXPECT_TRUE(woken.empty()) << "not inside an entry";
  }
  EXPECT_EQ(woken, std::vector<int>{1}) << "only domain 3's waiter";
  // Wake-ups are one-shot.
  auto again = outstanding->open(3);
  again.reset();
  EXPECT_EQ(woken, std::vector<int>{1});
}

TEST(OutstandingRequests, ReleasesOutsideAnyScopeWakeAtOnceAndShutdownSilences) {
  auto outstanding = std::make_shared<OutstandingRequests>();
  int woken = 0;
  auto ticket = outstanding->open(7);
  outstanding->wait(7, 1, [&] { ++woken; });
  ticket.reset();
  EXPECT_EQ(woken, 1);
  auto late = outstanding->open(7);
  outstanding->wait(7, 1, [&] { ++woken; });
  outstanding->shut_down();
  late.reset();
  EXPECT_EQ(woken, 1);
  // Tickets may outlive the counts' owner.
  auto orphan = outstanding->open(8);
  outstanding.reset();
  orphan.reset();
}

TEST(ManualClock, AlarmsFireInDeadlineOrderOnlyWhenTimeReachesThem) {
  ManualClock clock;
  std::vector<int> fired;
  auto a = clock.make_alarm();
  auto b = clock.make_alarm();
  const auto start = clock.now();
  a->set(start + 2s, [&] { fired.push_back(2); });
  b->set(start + 1s, [&] { fired.push_back(1); });
  clock.advance(999ms);
  EXPECT_TRUE(fired.empty());
  clock.advance(5s);
  EXPECT_EQ(fired, (std::vector<int>{1, 2}));
  a->set(clock.now() + 1s, [&] { fired.push_back(3); });
  a.reset();  // destroying an alarm cancels it
  clock.advance(1h);
  EXPECT_EQ(fired, (std::vector<int>{1, 2}));
  EXPECT_EQ(clock.pending_alarms(), 0u);
}

}  // namespace
}  // namespace cxxenstored::connection
