// Fairness between transactions, at the connection layer: a guest whose
// writes keep making other domains' transactions fail (conflict credit
// exhausted) has its input left unread until its credit is back, as
// oxenstored defers a throttled domain, so its victims commit meanwhile.
// The engine already answers the throttled domain's own commits EAGAIN
// (EngineFairness.*); here the plain writes that caused the failures wait.
//
// The bully is a real Connection over a UnixSocketTransport (one end of a
// socket pair); its requests go to the engine of an EngineHarness, whose
// RecordingOutbox shows whether (and when) each one ran. Time is a
// ManualClock shared by the connection and the engine's conflict credit.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include <chrono>
#include <memory>
#include <string>

#include "cxxenstored/connection/connection.h"
#include "cxxenstored/connection/connection_set.h"
#include "cxxenstored/connection/manual_clock.h"
#include "cxxenstored/connection/unix_socket_transport.h"
#include "engine_harness.h"

namespace cxxenstored::hostile {
namespace {

using namespace std::chrono_literals;
using stream = boost::asio::local::stream_protocol;

const std::string kOk("OK\0", 3);
constexpr DomainId kVictim = 5;
constexpr DomainId kBully = 6;
constexpr SessionId kBullySession = 1000;

class ThrottledGuest : public ::testing::Test {
 protected:
  void SetUp() override {
    h.engine.set_clock([this] { return clock.now(); });
    dom0 = h.open_dom0();
    for (DomainId d : {kVictim, kBully}) {
      const std::string home = store::home_path(d);
      ASSERT_EQ(h.write(dom0, home, ""), kOk);
      ASSERT_EQ(h.call(dom0, XS_SET_PERMS, nul_join({home, "n" + std::to_string(d)})), kOk);
    }
    ASSERT_EQ(h.write(dom0, "/local/domain/6/shared", "0"), kOk);
    ASSERT_EQ(h.call(dom0, XS_SET_PERMS, nul_join({"/local/domain/6/shared", "n6", "r5"})), kOk);
    victim = h.open_guest(kVictim);

    stream::socket server(io);
    stream::socket client(io);
    boost::asio::local::connect_pair(server, client);
    client_fd = client.release();
    connection::ConnectionOptions options;
    options.limits = &h.limits;
    options.clock = &clock;
    bully = std::make_shared<connection::Connection>(
        kBullySession, std::make_unique<connection::UnixSocketTransport>(std::move(server)), h.engine,
        options, nullptr, [](SessionId) {});
    bully->start(store::Caller::guest(kBully));
  }
  void TearDown() override {
    bully->close();
    io.poll();
    ::close(client_fd);
  }

  // The bully writes its shared node over its socket (request id `req`).
  void bully_writes(std::uint32_t req) {
    const std::string payload = nul_join({"shared"}) + std::to_string(req);
    xsd_sockmsg hdr{XS_WRITE, req, 0, static_cast<std::uint32_t>(payload.size())};
    std::string bytes(reinterpret_cast<const char*>(&hdr), sizeof hdr);
    bytes += payload;
    ASSERT_EQ(::send(client_fd, bytes.data(), bytes.size(), 0), static_cast<ssize_t>(bytes.size()));
    for (int i = 0; i < 20; ++i) io.poll();
  }
  std::size_t bully_replies() { return h.outbox.queue(kBullySession).size(); }

  // A victim transaction that reads the shared node; the bully writes it
  // before the victim commits. Returns the victim's commit reply.
  std::string victim_attempt(std::uint32_t req) {
    const std::uint32_t tx = h.start_transaction(victim);
    EXPECT_NE(h.read(victim, "/local/domain/6/shared", tx).substr(0, 2), "E:");
    EXPECT_EQ(h.write(victim, "out", "seen", tx), kOk);
    bully_writes(req);
    return h.call(victim, XS_TRANSACTION_END, nul_join({"T"}), tx);
  }

  EngineHarness h;
  connection::ManualClock clock;
  boost::asio::io_context io;
  int client_fd = -1;
  std::shared_ptr<connection::Connection> bully;
  SessionId dom0 = 0, victim = 0;
};

TEST_F(ThrottledGuest, InputOfAGuestThatKeepsFailingOthersWaitsAndTheVictimCommits) {
  clock.advance(1h);  // a time well after the clock's origin
  // The burst (5) of failures, then one more: the bully is throttled.
  const int burst = static_cast<int>(h.limits.conflict.burst);
  std::uint32_t req = 1;
  for (int i = 0; i <= burst; ++i) {
    ASSERT_EQ(victim_attempt(req), "E:EAGAIN") << "attempt " << i;
    ASSERT_EQ(bully_replies(), req) << "the bully is served until it is throttled";
    ++req;
  }
  ASSERT_TRUE(h.engine.throttled(kBully));
  // Now its next write waits unread, so the victim's next attempt commits.
  ASSERT_EQ(victim_attempt(req), kOk);
  EXPECT_EQ(bully_replies(), req - 1) << "the throttled bully's write ran";
  EXPECT_TRUE(bully->paused_for_throttle());
  EXPECT_EQ(h.read(dom0, "/local/domain/6/shared"), std::to_string(req - 1));
  // Its credit comes back at 1/s from -1: after a second it is served, in
  // order, and nothing was lost.
  clock.advance(500ms);
  for (int i = 0; i < 20; ++i) io.poll();
  EXPECT_EQ(bully_replies(), req - 1) << "still throttled half way";
  clock.advance(600ms);
  for (int i = 0; i < 20; ++i) io.poll();
  EXPECT_FALSE(bully->paused_for_throttle());
  ASSERT_EQ(bully_replies(), req);
  EXPECT_EQ(h.outbox.queue(kBullySession).back().header.req_id, req);
  EXPECT_EQ(h.read(dom0, "/local/domain/6/shared"), std::to_string(req));
  EXPECT_TRUE(h.check().empty());
}

TEST_F(ThrottledGuest, Dom0IsNeverDeferredUnlessConfigured) {
  clock.advance(1h);
  // Dom0's writes fail the victim as often as they like: exempt by default.
  for (int i = 0; i < 10; ++i) {
    const std::uint32_t tx = h.start_transaction(victim);
    ASSERT_NE(h.read(victim, "/local/domain/6/shared", tx).substr(0, 2), "E:");
    ASSERT_EQ(h.write(victim, "out", "seen", tx), kOk);
    ASSERT_EQ(h.write(dom0, "/local/domain/6/shared", std::to_string(i + 1)), kOk);
    ASSERT_EQ(h.call(victim, XS_TRANSACTION_END, nul_join({"T"}), tx), "E:EAGAIN");
  }
  EXPECT_FALSE(h.engine.input_delay(dom0).has_value());
  EXPECT_FALSE(h.engine.input_delay(kBullySession).has_value()) << "the bully did nothing";
}

}  // namespace
}  // namespace cxxenstored::hostile
