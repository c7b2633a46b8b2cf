// UringQueue on its own: it finds the epoll set under Asio's io_context, and
// a loop asleep in it wakes for finished ring work and for Asio's events
// (here a timer), so that nothing waits for the other kind. Skipped where
// the kernel refuses io_uring.
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include <liburing.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <gtest/gtest.h>

#include "cxxenstored/connection/reactor_descriptor.h"
#include "cxxenstored/connection/uring_queue.h"

namespace cxxenstored::connection {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Counts completions of the receives it prepares.
class Receiver final : public UringQueue::Client, public std::enable_shared_from_this<Receiver> {
 public:
  void receive(UringQueue& queue, int fd) {
    io_uring_sqe* sqe = queue.prepare(shared_from_this(), 1);
    io_uring_prep_recv(sqe, fd, buffer_, sizeof buffer_, 0);
  }
  void on_completion(std::uint32_t, int result) override { results.push_back(result); }
  std::vector<int> results;

 private:
  char buffer_[64];
};

class UringQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto queue = UringQueue::open(io_);
    if (!queue) GTEST_SKIP() << "io_uring unavailable here: " << std::strerror(queue.error().code);
    queue_ = std::move(*queue);
  }

  boost::asio::io_context io_;
  std::shared_ptr<UringQueue> queue_;
};

TEST(ReactorDescriptor, IsTheEpollSetThatWatchesAsiosDescriptors) {
  boost::asio::io_context io;
  boost::asio::steady_timer timer(io);  // Asio's epoll set exists once it has work
  auto fd = reactor_descriptor(io);
  ASSERT_TRUE(fd) << std::strerror(fd.error().code);
  std::string link(64, '\0');
  const ssize_t n = ::readlink(("/proc/self/fd/" + std::to_string(*fd)).c_str(), link.data(), link.size());
  ASSERT_GT(n, 0);
  link.resize(static_cast<std::size_t>(n));
  EXPECT_EQ(link, "anon_inode:[eventpoll]");
  // Two io_contexts, two epoll sets: each is told apart.
  boost::asio::io_context other;
  boost::asio::steady_timer other_timer(other);
  auto other_fd = reactor_descriptor(other);
  ASSERT_TRUE(other_fd);
  EXPECT_NE(*fd, *other_fd);
}

TEST_F(UringQueueTest, ASleepEndsWhenAReceiveCompletes) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  auto receiver = std::make_shared<Receiver>();
  receiver->receive(*queue_, sv[0]);
  io_.poll();  // the posted pass submits it
  io_.restart();
  EXPECT_TRUE(receiver->results.empty());
  std::thread sender([&] {
    std::this_thread::sleep_for(50ms);
    ::send(sv[1], "x", 1, 0);
  });
  const auto start = Clock::now();
  queue_->sleep();
  const auto slept = Clock::now() - start;
  sender.join();
  ASSERT_EQ(receiver->results.size(), 1u);
  EXPECT_EQ(receiver->results[0], 1);
  EXPECT_GE(slept, 40ms);
  EXPECT_LT(slept, 2s);
  ::close(sv[0]);
  ::close(sv[1]);
}

TEST_F(UringQueueTest, ASleepEndsForAsiosOwnEvents) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  auto receiver = std::make_shared<Receiver>();
  receiver->receive(*queue_, sv[0]);  // in flight the whole time: nothing comes
  io_.poll();
  io_.restart();
  bool fired = false;
  boost::asio::steady_timer timer(io_, 50ms);
  timer.async_wait([&](boost::system::error_code) { fired = true; });
  io_.poll();  // arms the timer (Asio's timerfd in its epoll set)
  const auto start = Clock::now();
  while (!fired && Clock::now() - start < 2s) {
    queue_->sleep();
    io_.poll();
  }
  EXPECT_TRUE(fired);
  EXPECT_LT(Clock::now() - start, 1s);
  EXPECT_TRUE(receiver->results.empty());
  ::shutdown(sv[0], SHUT_RDWR);  // ends the receive before the queue goes
  ::close(sv[1]);
  queue_->sleep();
  EXPECT_EQ(receiver->results.size(), 1u);
  ::close(sv[0]);
}

}  // namespace
}  // namespace cxxenstored::connection
