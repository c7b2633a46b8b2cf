// The connection layer over an in-memory transport: framing of arbitrary
// read boundaries, in-order replies for pipelined requests, dropping a
// client that announces an oversized message, and output backpressure.
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "cxxenstored/connection/connection.h"
#include "cxxenstored/connection/connection_set.h"

namespace cxxenstored::connection {
namespace {

using namespace std::string_literals;
using protocol::Message;

// A transport whose peer is the test: it records what is sent and lets the
// test decide when the peer "reads" it.
class LoopbackTransport final : public Transport {
 public:
  struct State {
    Handlers handlers;
    std::string sent;
    std::size_t unread = 0;  // bytes the peer has not taken yet
    bool paused = false;
    bool closed = false;
    int corks = 0;
    std::size_t held = 0;              // messages sent while corked
    std::vector<std::size_t> writes;  // messages per write the peer would see
  };
  explicit LoopbackTransport(std::shared_ptr<State> state) : state_(std::move(state)) {}
  void start(Handlers handlers) override { state_->handlers = std::move(handlers); }
  void send(std::string bytes) override {
    state_->unread += bytes.size();
    state_->sent += bytes;
    if (state_->corks > 0)
      ++state_->held;
    else
      state_->writes.push_back(1);
  }
  void cork() override { ++state_->corks; }
  void uncork() override {
    if (state_->corks > 0 && --state_->corks > 0) return;
    if (state_->held > 0) state_->writes.push_back(std::exchange(state_->held, 0));
  }
  std::size_t pending_output() const override { return state_->unread; }
  void pause_input() override { state_->paused = true; }
  void resume_input() override { state_->paused = false; }
  void close() override {
    state_->closed = true;
    auto handler = state_->handlers.on_closed;
    if (handler) handler(CloseReason::kLocalClose);
  }
  std::string describe() const override { return "loopback"; }

 private:
  std::shared_ptr<State> state_;
};

std::string frame(std::uint32_t type, std::uint32_t req, std::string payload) {
  Message m;
  m.header.type = type;
  m.header.req_id = req;
  m.payload = std::move(payload);
  return protocol::encode(m);
}

std::vector<Message> parse(const std::string& bytes) {
  protocol::Decoder d;
  d.feed(bytes);
  std::vector<Message> out;
  while (auto m = d.next()) out.push_back(*m);
  return out;
}

class ConnectionTest : public ::testing::Test {
 protected:
  ConnectionTest() {
    conn = std::make_shared<Connection>(1, std::make_unique<LoopbackTransport>(state), engine,
                                        options, nullptr, [this](protocol::SessionId) { closed = true; });
    set.add(conn);
    conn->start(store::Caller::dom0());
  }
  void feed(const std::string& bytes) { state->handlers.on_data(bytes); }

  store::Store store;
  watch::Registry watches;
  protocol::NoHypervisorDomainOps domains;
  protocol::ControlRegistry control;
  protocol::Limits limits;
  ConnectionSet set;
  protocol::Engine engine{store, watches, domains, control, limits, set};
  std::shared_ptr<LoopbackTransport::State> state = std::make_shared<LoopbackTransport::State>();
  ConnectionOptions options{};
  std::shared_ptr<Connection> conn;
  bool closed = false;
};

TEST_F(ConnectionTest, PipelinedRequestsAnsweredInOrderAcrossSplitReads) {
  std::string bytes;
  for (std::uint32_t i = 1; i <= 20; ++i)
    bytes += frame(XS_WRITE, i, "/p" + std::to_string(i) + "\0v"s);
  bytes += frame(XS_DIRECTORY, 21, "/\0"s);
  // Deliver in awkward pieces: 7 bytes at a time.
  for (std::size_t i = 0; i < bytes.size(); i += 7) feed(bytes.substr(i, 7));
  auto replies = parse(state->sent);
  ASSERT_EQ(replies.size(), 21u);
  for (std::uint32_t i = 0; i < 20; ++i) {
    EXPECT_EQ(replies[i].header.req_id, i + 1);
    EXPECT_EQ(replies[i].payload, "OK\0"s);
  }
  EXPECT_EQ(replies[20].header.req_id, 21u);
  EXPECT_EQ(replies[20].payload.substr(0, 5), "tool\0"s);
}

// A burst of pipelined requests is answered in groups of 16 replies, so the
// client can take the first while the rest are computed; replies of a
// smaller burst still leave in one write.
TEST_F(ConnectionTest, PipelinedRepliesLeaveInGroups) {
  feed(frame(XS_WRITE, 1, "/p\0v"s));
  ASSERT_EQ(state->writes, std::vector<std::size_t>{1});
  std::string burst;
  for (std::uint32_t i = 0; i < 40; ++i) burst += frame(XS_READ, 100 + i, "/p\0"s);
  feed(burst);
  EXPECT_EQ(state->writes, (std::vector<std::size_t>{1, 16, 16, 8}));
  auto replies = parse(state->sent);
  ASSERT_EQ(replies.size(), 41u);
  for (std::uint32_t i = 0; i < 40; ++i) {
    EXPECT_EQ(replies[1 + i].header.req_id, 100 + i);
    EXPECT_EQ(replies[1 + i].payload, "v");
  }
  std::string small;
  for (std::uint32_t i = 0; i < 5; ++i) small += frame(XS_READ, 200 + i, "/p\0"s);
  feed(small);
  EXPECT_EQ(state->writes.back(), 5u);
}

TEST_F(ConnectionTest, OversizedMessageClosesTheConnection) {
  feed(frame(XS_READ, 1, "/\0"s));
  std::string header = frame(XS_WRITE, 2, "");
  std::uint32_t len = protocol::kPayloadMax + 1;
  std::memcpy(header.data() + 12, &len, 4);
  feed(header);
  EXPECT_TRUE(state->closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(parse(state->sent).size(), 1u);  // the first request was answered
}

TEST_F(ConnectionTest, FullOutputPausesInputUntilDrained) {
  // Fill the output with one big value read back many times.
  feed(frame(XS_WRITE, 1, "/big\0"s + std::string(4000, 'x')));
  std::string burst;
  for (std::uint32_t i = 0; i < 200; ++i) burst += frame(XS_READ, 100 + i, "/big\0"s);
  feed(burst);
  EXPECT_TRUE(state->paused);
  std::size_t answered = parse(state->sent).size();
  EXPECT_LT(answered, 201u);
  // The peer keeps reading: the rest is processed, a window at a time.
  for (int round = 0; round < 1000 && state->paused; ++round) {
    state->unread = 0;
    state->handlers.on_drained();
  }
  EXPECT_EQ(parse(state->sent).size(), 201u);
  EXPECT_FALSE(state->paused);
}

TEST_F(ConnectionTest, EventsForAClientThatNeverReadsAreBounded) {
  options.event_queue_limit = 1000;
  auto slow_state = std::make_shared<LoopbackTransport::State>();
  auto slow = std::make_shared<Connection>(2, std::make_unique<LoopbackTransport>(slow_state), engine,
                                           ConnectionOptions{256 * 1024, 1000}, nullptr, nullptr);
  set.add(slow);
  slow->start(store::Caller::dom0());
  slow_state->handlers.on_data(frame(XS_WATCH, 1, "/\0t\0"s));
  for (int i = 0; i < 500; ++i) feed(frame(XS_WRITE, 1, "/n" + std::to_string(i) + "\0v"s));
  EXPECT_LE(slow_state->unread, 1000u + 64u);
  EXPECT_GT(slow->dropped_events(), 0u);
  // The writer got all its replies.
  EXPECT_EQ(parse(state->sent).size(), 500u);
}

}  // namespace
}  // namespace cxxenstored::connection
