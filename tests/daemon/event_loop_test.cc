// The polling event loop must behave like io_context::run(): run every
// handler, including those posted from other threads while it polls or
// sleeps, fire timers, and return on stop() or when out of work.
#include "cxxenstored/daemon/event_loop.h"

#include <gtest/gtest.h>
#include <sched.h>

#include <atomic>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

namespace cxxenstored::daemon {
namespace {

namespace asio = boost::asio;
using std::chrono::microseconds;
using std::chrono::milliseconds;

class EventLoop : public ::testing::TestWithParam<microseconds> {};

TEST_P(EventLoop, ReturnsWhenOutOfWork) {
  asio::io_context io;
  int ran = 0;
  for (int i = 0; i < 3; ++i) asio::post(io, [&] { ++ran; });
  run_event_loop(io, GetParam());
  EXPECT_EQ(ran, 3);
}

TEST_P(EventLoop, RunsHandlersPostedFromElsewhereAndTimers) {
  asio::io_context io;
  auto guard = asio::make_work_guard(io);
  std::atomic<int> ran{0};
  bool fired = false;
  bool posted_all = false;
  // Stops once both the timer and the last posted handler have run.
  auto stop_when_done = [&] {
    if (fired && posted_all) io.stop();
  };
  asio::steady_timer timer(io, milliseconds(20));
  timer.async_wait([&](boost::system::error_code ec) {
    fired = !ec;
    stop_when_done();
  });
  std::thread poster([&] {
    // Some arrive while the loop polls, some after it has gone to sleep.
    for (int i = 0; i < 50; ++i) {
      asio::post(io, [&] { ++ran; });
      std::this_thread::sleep_for(microseconds(i % 2 ? 5 : 500));
    }
    asio::post(io, [&] {
      posted_all = true;
      stop_when_done();
    });
  });
  run_event_loop(io, GetParam());
  poster.join();
  EXPECT_EQ(ran.load(), 50);
  EXPECT_TRUE(fired);
  EXPECT_TRUE(io.stopped());
}

TEST_P(EventLoop, StopFromAHandlerEndsIt) {
  asio::io_context io;
  auto guard = asio::make_work_guard(io);
  int after_stop = 0;
  asio::post(io, [&] {
    io.stop();
    asio::post(io, [&] { ++after_stop; });
  });
  run_event_loop(io, GetParam());
  EXPECT_EQ(after_stop, 0);
}

INSTANTIATE_TEST_SUITE_P(PollLimits, EventLoop,
                         ::testing::Values(microseconds(0), microseconds(50), microseconds(1000)));

TEST(EventLoopPolling, NeverOnASingleCpu) {
  bool helps = true;
  std::thread pinned([&] {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(static_cast<unsigned>(::sched_getcpu()), &one);
    ASSERT_EQ(::sched_setaffinity(0, sizeof one, &one), 0);
    helps = polling_can_help();
  });
  pinned.join();
  EXPECT_FALSE(helps);

  cpu_set_t mine;
  CPU_ZERO(&mine);
  ASSERT_EQ(::sched_getaffinity(0, sizeof mine, &mine), 0);
  if (CPU_COUNT(&mine) < 2) GTEST_SKIP() << "this machine lets the test use one CPU";
  EXPECT_TRUE(polling_can_help());
}

}  // namespace
}  // namespace cxxenstored::daemon
