// The polling event loop must behave like io_context::run(): run every
// handler, including those posted from other threads while it polls or
// sleeps, fire timers, and return on stop() or when out of work.
#include "cxxenstored/daemon/event_loop.h"

#include <gtest/gtest.h>
#include <sched.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <tuple>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

namespace cxxenstored::daemon {
namespace {

namespace asio = boost::asio;
using std::chrono::microseconds;
using std::chrono::milliseconds;

// Each test with each poll limit, with and without an io_uring queue (then
// the loop sleeps in the ring, woken by Asio's reactor too).
class EventLoop : public ::testing::TestWithParam<std::tuple<microseconds, bool>> {
 protected:
  void SetUp() override {
    if (!with_ring()) return;
    asio::io_context probe;
    asio::steady_timer work(probe);  // gives it an epoll set
    if (auto opened = connection::UringQueue::open(probe); !opened)
      GTEST_SKIP() << "io_uring unavailable here: " << std::strerror(opened.error().code);
  }
  bool with_ring() const { return std::get<1>(GetParam()); }
  void run(asio::io_context& io) {
    std::shared_ptr<connection::UringQueue> ring;
    if (with_ring()) {
      auto opened = connection::UringQueue::open(io);
      ASSERT_TRUE(opened) << std::strerror(opened.error().code);
      ring = std::move(*opened);
    }
    run_event_loop(io, std::get<0>(GetParam()), {.uring = ring.get()});
  }
};

TEST_P(EventLoop, ReturnsWhenOutOfWork) {
  asio::io_context io;
  int ran = 0;
  for (int i = 0; i < 3; ++i) asio::post(io, [&] { ++ran; });
  run(io);
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
  run(io);
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
  run(io);
  EXPECT_EQ(after_stop, 0);
}

INSTANTIATE_TEST_SUITE_P(PollLimits, EventLoop,
                         ::testing::Combine(::testing::Values(microseconds(0), microseconds(50), microseconds(1000)),
                                            ::testing::Bool()));

// Posts `count` handlers a few microseconds apart (busy-waiting: a sleep
// would take the timer slack, 50 µs), then stops the loop; returns how many
// idle periods the loop counted as polled.
std::uint64_t polled_idle_periods(microseconds poll_limit, int count) {
  asio::io_context io;
  auto guard = asio::make_work_guard(io);
  observability::Metrics metrics;
  int ran = 0;
  std::thread poster([&] {
    for (int i = 0; i < count; ++i) {
      asio::post(io, [&] { ++ran; });
      const auto until = std::chrono::steady_clock::now() + microseconds(5);
      while (std::chrono::steady_clock::now() < until) std::this_thread::yield();
    }
    asio::post(io, [&] { io.stop(); });
  });
  run_event_loop(io, poll_limit, {.metrics = &metrics});
  poster.join();
  EXPECT_EQ(ran, count);
  std::uint64_t polled = 0;
  for (auto n : metrics.polls()) polled += n;
  return polled;
}

TEST(EventLoopPolling, CountsEveryPolledIdlePeriod) {
  EXPECT_EQ(polled_idle_periods(microseconds(0), 40), 0u);  // run() as it always was
  // Gaps far below the limit open the window, so later idle periods poll
  // (caught or slept), or are withheld on a crowded machine: at most one
  // outcome per idle period, and one more when withheld.
  const auto polled = polled_idle_periods(microseconds(1000), 40);
  EXPECT_GT(polled, 0u);
  EXPECT_LE(polled, 2u * 41);
}

TEST(EventLoopPolling, MarksWhatComesAfterAnIdleMoment) {
  asio::io_context io;
  auto guard = asio::make_work_guard(io);
  connection::LoopIdleness idleness;
  std::vector<bool> claims;
  // Ready before the loop starts: found at once, a backlog.
  asio::post(io, [&] { claims.push_back(idleness.claim()); });
  // Comes after the loop has polled, or slept, with nothing to do.
  asio::steady_timer timer(io, milliseconds(5));
  timer.async_wait([&](boost::system::error_code) {
    claims.push_back(idleness.claim());
    claims.push_back(idleness.claim());  // one idle moment, claimed once
    io.stop();
  });
  run_event_loop(io, microseconds(1000), {.idleness = &idleness});
  EXPECT_EQ(claims, (std::vector<bool>{false, true, false}));
}

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
