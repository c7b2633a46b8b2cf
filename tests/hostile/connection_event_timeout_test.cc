// Watch events a client leaves unread (README hostile list item 4, XSA-326):
// the output kept for one connection must stay bounded, and events left
// unread longer than the watch-event timeout (-w watch-event=<s>, 20 s by
// default) are dropped as the C daemon (4.17) does. The C daemon applies
// the timeout to unprivileged peers only (send_event: domain_is_unprivileged),
// so the watcher here is a guest (domain 7); the daemon itself only ever has
// guests on rings, but the Connection does not depend on the transport. The
// real Connection and UnixSocketTransport on one end of a socket pair; the
// test reads (or does not read) the other end. Time is a ManualClock: the
// test moves it, nothing sleeps for the timeout.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "cxxenstored/connection/connection.h"
#include "cxxenstored/connection/connection_set.h"
#include "cxxenstored/connection/manual_clock.h"
#include "cxxenstored/connection/unix_socket_transport.h"
#include "cxxenstored/protocol/domain_ops.h"
#include "cxxenstored/protocol/engine.h"
#include "engine_harness.h"

namespace cxxenstored::hostile {
namespace {

using namespace std::chrono_literals;
using stream = boost::asio::local::stream_protocol;

class LazyWatcher : public ::testing::Test {
 protected:
  void SetUp() override {
    limits_.watch_event_timeout_s = 1;
    engine_ = std::make_unique<protocol::Engine>(store_, watches_, domains_, control_, limits_, connections_);
    stream::socket server(io_);
    stream::socket client(io_);
    boost::asio::local::connect_pair(server, client);
    client_fd_ = client.release();
    int small = 4096;
    ::setsockopt(client_fd_, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    const protocol::SessionId id = connections_.next_id();
    connection::ConnectionOptions options;
    options.limits = &limits_;
    options.clock = &clock_;
    options.metrics = &metrics_;
    connection_ = std::make_shared<connection::Connection>(
        id, std::make_unique<connection::UnixSocketTransport>(std::move(server)), *engine_,
        options, nullptr, [](protocol::SessionId) {});
    connections_.add(connection_);
    connection_->start(store::Caller::guest(kWatcherDomain));
    // The writer: a session whose replies nobody needs. It makes /ev
    // readable by everyone, so the guest watcher gets its events.
    engine_->open_session(kWriter, store::Caller::dom0());
    protocol::Message mkdir;
    mkdir.header.type = XS_MKDIR;
    mkdir.payload = nul_join({"/ev"});
    mkdir.header.len = static_cast<std::uint32_t>(mkdir.payload.size());
    engine_->handle(kWriter, mkdir);
    protocol::Message chmod;
    chmod.header.type = XS_SET_PERMS;
    chmod.payload = nul_join({"/ev", "r0"});
    chmod.header.len = static_cast<std::uint32_t>(chmod.payload.size());
    engine_->handle(kWriter, chmod);
  }
  void TearDown() override {
    connection_->close();
    io_.poll();
    ::close(client_fd_);
    engine_->close_session(kWriter);
  }

  void send_watch() {
    // A guest may watch "/" (it sees events for what it may read: all of
    // /ev is readable, see SetUp's chmod).
    const std::string payload = nul_join({"/ev", "lazy"});
    xsd_sockmsg h{XS_WATCH, 1, 0, static_cast<std::uint32_t>(payload.size())};
    std::string bytes(reinterpret_cast<const char*>(&h), sizeof h);
    bytes += payload;
    ASSERT_EQ(::send(client_fd_, bytes.data(), bytes.size(), 0), static_cast<ssize_t>(bytes.size()));
    for (int i = 0; i < 50; ++i) io_.poll();
  }
  void write_node(int i) {
    protocol::Message m;
    m.header.type = XS_WRITE;
    // Distinct nodes: identical pending events would be merged.
    m.payload = "/ev/" + std::string(900, 'n') + "/" + std::to_string(i) + std::string(1, '\0') + "v";
    m.header.len = static_cast<std::uint32_t>(m.payload.size());
    engine_->handle(kWriter, m);
    io_.poll();
  }
  void write_path(const std::string& path) {
    protocol::Message m;
    m.header.type = XS_WRITE;
    m.payload = path + std::string(1, '\0') + "v";
    m.header.len = static_cast<std::uint32_t>(m.payload.size());
    engine_->handle(kWriter, m);
    io_.poll();
  }
  // Reads everything the client end holds; returns the number of events
  // (those whose path starts with `prefix` if given).
  int drain_events(const std::string& prefix = "") {
    std::string in;
    char buf[65536];
    for (int idle = 0; idle < 20;) {
      io_.poll();
      ssize_t n = ::recv(client_fd_, buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) {
        in.append(buf, static_cast<std::size_t>(n));
        idle = 0;
      } else {
        ++idle;
        std::this_thread::sleep_for(2ms);
      }
    }
    int events = 0;
    std::size_t pos = 0;
    while (in.size() - pos >= sizeof(xsd_sockmsg)) {
      xsd_sockmsg h;
      std::memcpy(&h, in.data() + pos, sizeof h);
      if (h.type == XS_WATCH_EVENT &&
          in.compare(pos + sizeof h, prefix.size(), prefix) == 0)
        ++events;
      pos += sizeof h + h.len;
    }
    return events;
  }

  static constexpr protocol::SessionId kWriter = 1000;
  static constexpr store::DomainId kWatcherDomain = 7;
  boost::asio::io_context io_;
  connection::ManualClock clock_;
  observability::Metrics metrics_;
  store::Store store_;
  watch::Registry watches_;
  protocol::NoHypervisorDomainOps domains_;
  protocol::ControlRegistry control_;
  protocol::Limits limits_;
  connection::ConnectionSet connections_;
  std::unique_ptr<protocol::Engine> engine_;
  std::shared_ptr<connection::Connection> connection_;
  int client_fd_ = -1;
};

TEST_F(LazyWatcher, OutputForAClientThatNeverReadsIsBounded) {
  send_watch();
  // ~1 KiB events; far more than the 4 MiB event queue limit.
  for (int i = 0; i < 8000; ++i) write_node(i);
  EXPECT_GT(connection_->dropped_events(), 0u);
  // What it eventually reads is what was kept: bounded, and not everything.
  const int received = drain_events();
  EXPECT_LT(received, 8000 + 1);
  EXPECT_EQ(static_cast<std::uint64_t>(received) + connection_->dropped_events(), 8000u + 1u)
      << "every event is either delivered or counted as dropped";
}

TEST_F(LazyWatcher, EventsUnreadLongerThanTheWatchEventTimeoutAreDropped) {
  send_watch();
  // ~1 MiB: below the 4 MiB queue bound, far above what the socket buffers
  // and the transport's window hold.
  for (int i = 0; i < 1000; ++i) write_node(i);
  ASSERT_EQ(connection_->dropped_events(), 0u);
  // Just before the timeout (1 s here) nothing is dropped yet.
  clock_.advance(999ms);
  io_.poll();
  ASSERT_EQ(connection_->dropped_events(), 0u);
  // Past it, every event still queued is dropped at once (the alarm fires:
  // no further activity is needed); a newer event is kept.
  clock_.advance(2ms);
  io_.poll();
  const std::uint64_t dropped = connection_->dropped_events();
  EXPECT_GT(dropped, 500u) << "most of the 1 MiB never left the daemon";
  write_node(1000);
  const int received = drain_events();
  EXPECT_LT(received, 1000);
  EXPECT_EQ(connection_->dropped_events(), dropped) << "the newest event is not stale";
  // Every event was delivered or dropped (the watch's own first event too).
  EXPECT_EQ(static_cast<std::uint64_t>(received) + dropped, 1000u + 1u + 1u);
  // The metrics say the same, charged to the watcher's domain.
  const auto& counters = metrics_.domains().at(kWatcherDomain);
  EXPECT_EQ(counters.watch_events_dropped, dropped);
  EXPECT_EQ(counters.watch_events_sent, static_cast<std::uint64_t>(received));
}

TEST_F(LazyWatcher, EventsOfAPrivilegedWatcherNeverTimeOut) {
  // dom0 (and -p) are exempt from the timeout in the C daemon.
  send_watch();
  stream::socket server(io_);
  stream::socket client(io_);
  boost::asio::local::connect_pair(server, client);
  const int dom0_fd = client.release();
  int small = 4096;
  ::setsockopt(dom0_fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  connection::ConnectionOptions options;
  options.limits = &limits_;
  options.clock = &clock_;
  auto dom0 = std::make_shared<connection::Connection>(
      connections_.next_id(), std::make_unique<connection::UnixSocketTransport>(std::move(server)),
      *engine_, options, nullptr, [](protocol::SessionId) {});
  connections_.add(dom0);
  dom0->start(store::Caller::dom0());
  const std::string payload = nul_join({"/ev", "dom0"});
  xsd_sockmsg h{XS_WATCH, 1, 0, static_cast<std::uint32_t>(payload.size())};
  std::string bytes(reinterpret_cast<const char*>(&h), sizeof h);
  bytes += payload;
  ASSERT_EQ(::send(dom0_fd, bytes.data(), bytes.size(), 0), static_cast<ssize_t>(bytes.size()));
  for (int i = 0; i < 50; ++i) io_.poll();
  for (int i = 0; i < 1000; ++i) write_node(i);
  ASSERT_GT(dom0->pending_output(), 256u * 1024u) << "events wait in the daemon";
  clock_.advance(std::chrono::seconds(limits_.watch_event_timeout_s * 10));
  io_.poll();
  EXPECT_EQ(dom0->dropped_events(), 0u);
  EXPECT_GT(connection_->dropped_events(), 0u) << "the guest watcher's do time out";
  dom0->close();
  io_.poll();
  ::close(dom0_fd);
}

TEST_F(LazyWatcher, IdenticalPendingEventsAreQueuedOnce) {
  // As the C daemon 4.17 (checked against Debian's: 600 distinct events
  // backlogged, then 5 writes of one node: its event arrives once).
  send_watch();
  for (int i = 0; i < 600; ++i) write_node(i);
  for (int i = 0; i < 5; ++i) write_path("/ev/same");
  EXPECT_EQ(drain_events("/ev/same"), 1);
  // Once delivered, a new change is a new event.
  write_path("/ev/same");
  EXPECT_EQ(drain_events("/ev/same"), 1);
  EXPECT_EQ(connection_->dropped_events(), 0u) << "merged, not dropped";
}

}  // namespace
}  // namespace cxxenstored::hostile
