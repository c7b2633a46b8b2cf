#include "cxxenstored/daemon/poll_window.h"

#include <gtest/gtest.h>

namespace cxxenstored::daemon {
namespace {

using std::chrono::microseconds;

TEST(PollWindow, ZeroLimitNeverPolls) {
  PollWindow w(microseconds(0));
  for (int i = 0; i < 10; ++i) w.idle_ended(microseconds(1));
  EXPECT_EQ(w.current(), microseconds(0));
}

TEST(PollWindow, ShortIdlePeriodsGrowItUpToTheLimit) {
  PollWindow w(microseconds(64));
  EXPECT_EQ(w.current(), microseconds(0));  // sleeps at once until told otherwise
  w.idle_ended(microseconds(20));
  EXPECT_EQ(w.current(), microseconds(8));  // an eighth of the limit first
  w.idle_ended(microseconds(20));
  EXPECT_EQ(w.current(), microseconds(16));
  w.idle_ended(microseconds(20));
  EXPECT_EQ(w.current(), microseconds(32));
  w.idle_ended(microseconds(20));  // caught by the window: it stays
  EXPECT_EQ(w.current(), microseconds(32));
  w.idle_ended(microseconds(60));
  EXPECT_EQ(w.current(), microseconds(64));
  w.idle_ended(microseconds(64));
  EXPECT_EQ(w.current(), microseconds(64));  // never beyond the limit
}

TEST(PollWindow, LongIdlePeriodsShrinkItToNothing) {
  PollWindow w(microseconds(64));
  for (int i = 0; i < 5; ++i) w.idle_ended(microseconds(50));
  ASSERT_EQ(w.current(), microseconds(64));
  w.idle_ended(microseconds(1000));
  EXPECT_EQ(w.current(), microseconds(32));
  w.idle_ended(microseconds(1000));
  EXPECT_EQ(w.current(), microseconds(16));
  w.idle_ended(microseconds(1000));
  EXPECT_EQ(w.current(), microseconds(8));
  w.idle_ended(microseconds(1000));
  EXPECT_EQ(w.current(), microseconds(0));  // below the first window: off
  w.idle_ended(microseconds(1000));
  EXPECT_EQ(w.current(), microseconds(0));
}

TEST(PollWindow, ContentionStopsPollingForAWhile) {
  PollWindow w(microseconds(64));
  for (int i = 0; i < 5; ++i) w.idle_ended(microseconds(50));
  ASSERT_EQ(w.current(), microseconds(64));
  w.contended();
  EXPECT_EQ(w.current(), microseconds(0));
  for (int i = 0; i < PollWindow::kContendedIdlePeriods; ++i) {
    w.idle_ended(microseconds(20));
    ASSERT_EQ(w.current(), microseconds(0)) << i;
  }
  w.idle_ended(microseconds(20));
  EXPECT_EQ(w.current(), microseconds(8));  // grows again, from the start
}

TEST(PollWindow, OneCrowdedMomentDoesNotStopPolling) {
  PollWindow w(microseconds(64));
  for (int i = 0; i < 5; ++i) w.idle_ended(microseconds(50));
  ASSERT_EQ(w.current(), microseconds(64));
  // Crowded answers with a clear one between them never make a run.
  for (int i = 0; i < 100; ++i) {
    for (int j = 1; j < PollWindow::kCrowdedProbes; ++j) EXPECT_FALSE(w.probed(true)) << i;
    EXPECT_FALSE(w.probed(false)) << i;
    w.idle_ended(microseconds(20));
    ASSERT_EQ(w.current(), microseconds(64)) << i;
  }
}

TEST(PollWindow, CrowdedProbesInARowStopPolling) {
  PollWindow w(microseconds(64));
  for (int i = 0; i < 5; ++i) w.idle_ended(microseconds(50));
  ASSERT_EQ(w.current(), microseconds(64));
  for (int j = 1; j < PollWindow::kCrowdedProbes; ++j) {
    EXPECT_FALSE(w.probed(true));
    w.idle_ended(microseconds(20));
    EXPECT_EQ(w.current(), microseconds(64));
  }
  EXPECT_TRUE(w.probed(true));
  EXPECT_EQ(w.current(), microseconds(0));
  for (int i = 0; i < PollWindow::kContendedIdlePeriods; ++i) {
    w.idle_ended(microseconds(20));
    ASSERT_EQ(w.current(), microseconds(0)) << i;
  }
  w.idle_ended(microseconds(20));
  EXPECT_EQ(w.current(), microseconds(8));
  // The streak starts again from nothing after a holdoff.
  EXPECT_FALSE(w.probed(true));
  EXPECT_EQ(w.current(), microseconds(8));
}

TEST(PollWindow, ATinyLimitStillPolls) {
  PollWindow w(std::chrono::nanoseconds(4));
  w.idle_ended(std::chrono::nanoseconds(3));
  EXPECT_EQ(w.current(), std::chrono::nanoseconds(1));
}

}  // namespace
}  // namespace cxxenstored::daemon
