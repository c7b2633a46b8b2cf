// When UnixSocketTransport takes input out of its socket. The requests of a
// lone client (each came to an idle event loop, one whole message at a
// time) stay in the socket until their replies have left, so that taking
// them cannot wake the client before the reply is there; a client whose
// requests meet a busy loop, or come several at once, is read outright.
// Either way every byte is handed on exactly once, and input that came
// while reading was paused is not forgotten.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/local/connect_pair.hpp>

#include "cxxenstored/connection/loop_idleness.h"
#include "cxxenstored/connection/unix_socket_transport.h"
#include "cxxenstored/protocol/wire.h"
#include "socket_transport_fixture.h"

namespace cxxenstored::connection {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

using testing_support::message;
using testing_support::unread_bytes;

class UnixSocketInputTest : public testing_support::SocketTransportFixture {
 protected:
  void SetUp() override {
    Socket ours(io_);
    asio::local::connect_pair(ours, peer_);
    transport_ = std::make_unique<UnixSocketTransport>(std::move(ours), &idleness_);
    Transport::Handlers handlers;
    handlers.on_data = [this](std::string_view bytes) {
      Read read;
      read.bytes = std::string(bytes);
      read.left_in_socket = unread_bytes(transport_->native_fd());
      reads_.push_back(read);
      if (pause_on_data_) transport_->pause_input();
      if (reply_on_data_) {
        transport_->send_message(std::string(protocol::kHeaderSize, 'r'), "reply");
        reads_.back().reply_with_peer = unread_bytes(peer_.native_handle()) > 0;
      }
    };
    handlers.on_closed = [this](CloseReason reason) { closed_ = reason; };
    transport_->start(std::move(handlers));
    io_.poll();
  }

  LoopIdleness idleness_;
  std::unique_ptr<UnixSocketTransport> transport_;
  bool reply_on_data_ = false;
  bool pause_on_data_ = false;
  std::optional<CloseReason> closed_;
};

TEST_F(UnixSocketInputTest, ALoneClientsRequestsLeaveTheSocketAfterTheirReplies) {
  reply_on_data_ = true;
  std::vector<std::string> requests;
  for (std::uint32_t i = 0; i < 3; ++i) {
    requests.push_back(message(i, "/local/domain/" + std::to_string(i) + "/name"));
    idleness_.set_was_idle(true);
    deliver(requests.back());
    EXPECT_FALSE(idleness_.claim());  // the read took the idle moment
  }
  // The first is read outright: nothing was known of the client yet.
  EXPECT_EQ(reads_[0].left_in_socket, 0);
  for (std::size_t i = 1; i < 3; ++i) {
    EXPECT_EQ(reads_[i].bytes, requests[i]);
    // Still queued while it was answered, and the reply already with the peer.
    EXPECT_EQ(reads_[i].left_in_socket, static_cast<int>(requests[i].size()));
    EXPECT_TRUE(reads_[i].reply_with_peer);
  }
  // Then taken out, once: nothing is left to read again.
  EXPECT_EQ(unread_bytes(transport_->native_fd()), 0);
  run_for(500ms);
  EXPECT_EQ(reads_.size(), 3u);
  EXPECT_EQ(unread_bytes(peer_.native_handle()), static_cast<int>(3 * (protocol::kHeaderSize + 5)));
}

TEST_F(UnixSocketInputTest, RequestsToABusyLoopAreReadOutright) {
  deliver(message(1, "/a"));
  deliver(message(2, "/b"));
  EXPECT_EQ(reads_[0].left_in_socket, 0);
  EXPECT_EQ(reads_[1].left_in_socket, 0);
  // A lone client's request that finds the loop busy is still answered
  // first (it was peeked at), but the next one is read outright.
  idleness_.set_was_idle(true);
  deliver(message(3, "/c"));
  deliver(message(4, "/d"));
  deliver(message(5, "/e"));
  EXPECT_EQ(reads_[2].left_in_socket, 0);
  EXPECT_GT(reads_[3].left_in_socket, 0);
  EXPECT_EQ(reads_[4].left_in_socket, 0);
  EXPECT_EQ(unread_bytes(transport_->native_fd()), 0);
}

TEST_F(UnixSocketInputTest, AClientSendingSeveralRequestsAtOnceIsReadOutright) {
  const std::string two = message(1, "/a") + message(2, "/b");
  idleness_.set_was_idle(true);
  deliver(two);
  EXPECT_EQ(reads_[0].bytes, two);
  // Having sent two together, the client is not waiting for one reply.
  idleness_.set_was_idle(true);
  deliver(message(3, "/c"));
  EXPECT_EQ(reads_[1].left_in_socket, 0);
  // One at a time again: its next request waits for the reply.
  idleness_.set_was_idle(true);
  deliver(message(4, "/d"));
  EXPECT_GT(reads_[2].left_in_socket, 0);
  // Part of a message is not one message either.
  const std::string split = message(5, "/split");
  idleness_.set_was_idle(true);
  deliver(split.substr(0, 10));
  idleness_.set_was_idle(true);
  deliver(split.substr(10));
  EXPECT_EQ(reads_[4].left_in_socket, 0);
  EXPECT_EQ(reads_[3].bytes + reads_[4].bytes, split);
}

TEST(LoopIdleness, OneIdleMomentIsClaimedOnce) {
  LoopIdleness idleness;
  EXPECT_FALSE(idleness.claim());
  idleness.set_was_idle(true);
  EXPECT_TRUE(idleness.claim());
  EXPECT_FALSE(idleness.claim());
}

TEST_F(UnixSocketInputTest, InputThatCameWhilePausedIsReadOnResume) {
  for (const bool idle : {false, true}) {
    SCOPED_TRACE(idle ? "a lone client, peeked at" : "read outright");
    reads_.clear();
    idleness_.set_was_idle(idle);
    deliver(message(0, "/before"));
    pause_on_data_ = true;
    idleness_.set_was_idle(idle);
    deliver(message(1, "/first"));
    // The socket signals this while nothing waits for input.
    const std::string second = message(2, "/second");
    send_from_peer(second);
    run_for(500ms);  // time enough to read it, were it read
    ASSERT_EQ(reads_.size(), 2u);
    pause_on_data_ = false;
    idleness_.set_was_idle(idle);
    transport_->resume_input();
    run_until([&] { return reads_.size() > 2; });
    ASSERT_EQ(reads_.size(), 3u);
    EXPECT_EQ(reads_[2].bytes, second);
    EXPECT_EQ(unread_bytes(transport_->native_fd()), 0);
  }
}

TEST_F(UnixSocketInputTest, APeerThatSendsAndLeavesIsHeardThenClosed) {
  idleness_.set_was_idle(true);
  deliver(message(0, "/first"));
  const std::string request = message(1, "/last");
  idleness_.set_was_idle(true);
  send_from_peer(request);  // peeked at
  ::shutdown(peer_.native_handle(), SHUT_WR);
  run_until([&] { return closed_.has_value(); });
  ASSERT_EQ(reads_.size(), 2u);
  EXPECT_EQ(reads_[1].bytes, request);
  ASSERT_TRUE(closed_.has_value());
  EXPECT_EQ(*closed_, CloseReason::kPeerClosed);
}

}  // namespace
}  // namespace cxxenstored::connection
