// What the socket transport tests share: the client's end of a socket pair,
// the loop that drives the transport under test, and what it handed on.
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <gtest/gtest.h>

#include "socket_test_messages.h"

namespace cxxenstored::connection::testing_support {

class SocketTransportFixture : public ::testing::Test {
 protected:
  using Socket = boost::asio::local::stream_protocol::socket;

  // One piece of input the transport handed on.
  struct Read {
    std::string bytes;
    int left_in_socket = -1;       // bytes still in the socket while these were handed on
    bool reply_with_peer = false;  // the reply had reached the peer by then
  };

  // One turn of the daemon's event loop; a transport with its own queue
  // adds that queue's turn.
  virtual void turn() {
    io_.poll();
    io_.restart();
  }

  void send_from_peer(const std::string& bytes) {
    ASSERT_EQ(::send(peer_.native_handle(), bytes.data(), bytes.size(), 0), static_cast<ssize_t>(bytes.size()));
  }

  // Runs the loop until `done` holds (or `limit` passes).
  template <typename Done>
  void run_until(Done done, std::chrono::milliseconds limit = std::chrono::milliseconds(2000)) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < until) {
      turn();
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }
  void run_for(std::chrono::milliseconds time) { run_until([] { return false; }, time); }

  // Sends `bytes` from the peer and waits for the transport to hand them on.
  void deliver(const std::string& bytes) {
    const std::size_t before = reads_.size();
    send_from_peer(bytes);
    run_until([&] { return reads_.size() > before; });
    ASSERT_EQ(reads_.size(), before + 1);
  }

  boost::asio::io_context io_;
  // As in the daemon, the loop always has other work, so it asks epoll for
  // news even while the transport waits for nothing.
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> busy_{io_.get_executor()};
  Socket peer_{io_};
  std::vector<Read> reads_;
};

}  // namespace cxxenstored::connection::testing_support
