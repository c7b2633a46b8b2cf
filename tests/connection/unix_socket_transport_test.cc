// UnixSocketTransport's output queue: messages sent as a header and a
// payload apart, and raw bytes, reach the peer whole and in order, whether
// the socket takes them at once, in pieces, or only after the peer has
// left them unread long enough to fill it.
#include <sys/socket.h>

#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <gtest/gtest.h>

#include "cxxenstored/connection/unix_socket_transport.h"

namespace cxxenstored::connection {
namespace {

namespace asio = boost::asio;
using Socket = asio::local::stream_protocol::socket;

class UnixSocketTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Socket ours(io_);
    asio::local::connect_pair(ours, peer_);
    // Small buffers: a few messages fill the socket, so most of them wait
    // in the transport's queue and leave in pieces.
    const int small = 4096;
    ::setsockopt(ours.native_handle(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    ::setsockopt(peer_.native_handle(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    transport_ = std::make_unique<UnixSocketTransport>(std::move(ours));
    Transport::Handlers handlers;
    handlers.on_drained = [this] { ++drained_; };
    transport_->start(std::move(handlers));
  }

  // Reads from the peer (running the transport's completions meanwhile)
  // until `size` bytes have come.
  std::string read_from_peer(std::size_t size) {
    std::string got;
    char buffer[1000];  // not a multiple of any message: pieces end anywhere
    while (got.size() < size) {
      io_.poll();
      const ssize_t n = ::recv(peer_.native_handle(), buffer, sizeof buffer, MSG_DONTWAIT);
      if (n > 0) got.append(buffer, static_cast<std::size_t>(n));
      if (n == 0) break;
    }
    io_.poll();
    return got;
  }

  asio::io_context io_;
  Socket peer_{io_};
  std::unique_ptr<UnixSocketTransport> transport_;
  int drained_ = 0;
};

std::string numbered(std::size_t i, std::size_t size) {
  std::string s(size, static_cast<char>('a' + i % 26));
  s.replace(0, std::min(size, std::to_string(i).size()), std::to_string(i).substr(0, size));
  return s;
}

TEST_F(UnixSocketTransportTest, HeadsAndBodiesArriveWholeAndInOrderThroughAFullSocket) {
  std::string expected;
  for (std::size_t i = 0; i < 300; ++i) {
    const std::string head = "H" + numbered(i, 15);  // a header's 16 bytes
    std::string body = numbered(i, (i * 37) % 3000);  // empty now and then
    expected += head + body;
    if (i % 7 == 3) {
      transport_->send(head + body);  // raw bytes, as live update restores them
    } else {
      transport_->send_message(head, std::move(body));
    }
    if (i % 50 == 0) io_.poll();
  }
  // The socket holds a few KB: the rest waits, counted, for the peer.
  EXPECT_GT(transport_->pending_output(), 100000u);
  EXPECT_EQ(read_from_peer(expected.size()), expected);
  EXPECT_EQ(transport_->pending_output(), 0u);
  EXPECT_GE(drained_, 1);
}

TEST_F(UnixSocketTransportTest, CorkedMessagesLeaveTogetherAtTheLastUncork) {
  transport_->cork();
  transport_->cork();
  transport_->send_message("0123456789abcdef", "first");
  transport_->send_message("fedcba9876543210", "second");
  transport_->uncork();
  EXPECT_EQ(transport_->pending_output(), 43u);  // still corked once
  char buffer[64];
  EXPECT_LT(::recv(peer_.native_handle(), buffer, sizeof buffer, MSG_DONTWAIT), 0);
  transport_->uncork();
  EXPECT_EQ(read_from_peer(43), "0123456789abcdeffirstfedcba9876543210second");
  EXPECT_EQ(transport_->pending_output(), 0u);
}

TEST_F(UnixSocketTransportTest, AHeadLongerThanAHeaderStillGoesFirst) {
  const std::string head(40, 'h');
  transport_->send_message(head, "body");
  transport_->send_message("", "");  // nothing at all: nothing queued
  EXPECT_EQ(read_from_peer(44), head + "body");
  EXPECT_EQ(transport_->pending_output(), 0u);
}

}  // namespace
}  // namespace cxxenstored::connection
