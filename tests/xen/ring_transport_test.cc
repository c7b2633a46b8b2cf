// The ring protocol end to end between a simulated guest (test thread or a
// forked process) and the daemon side (RingTransport under the DomainManager
// on its own io_context thread).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>

#include "ring_harness.h"

namespace cxxenstored::xen {
namespace {

using testing::RingHarness;
using testing::make_message;
using namespace std::chrono_literals;

void expect_round_trip(SimulatedGuest& guest, const WireMessage& m, std::size_t chunk) {
  ASSERT_TRUE(guest.send(m, chunk).ok());
  auto reply = guest.receive();
  ASSERT_TRUE(reply.ok()) << reply.error().code;
  EXPECT_EQ(reply->type, m.type);
  EXPECT_EQ(reply->req_id, m.req_id);
  EXPECT_EQ(reply->tx_id, m.tx_id);
  EXPECT_EQ(reply->payload, m.payload);
}

TEST(RingTransport, AdvertisesReconnectAndErrorFeatures) {
  RingHarness h;
  auto guest = h.add_guest(1);
  EXPECT_EQ(guest.ring()->server_features,
            XENSTORE_SERVER_FEATURE_RECONNECTION | XENSTORE_SERVER_FEATURE_ERROR);
  EXPECT_EQ(guest.ring()->error, XENSTORE_ERROR_NONE);
}

TEST(RingTransport, MessagesSplitAtEveryPointAndAcrossTheRingEnd) {
  RingHarness h;
  auto guest = h.add_guest(1);
  std::uint32_t id = 1;
  std::uint32_t total = 0;
  // Sizes not dividing the ring size walk the message boundaries all around
  // the buffer and make headers straddle its end; chunking splits them across
  // notifications (each piece is consumed before the next is written).
  for (std::size_t chunk : {std::size_t{1}, std::size_t{3}, std::size_t{16}, std::size_t{17},
                            std::size_t{1000}, std::size_t{XENSTORE_RING_SIZE}}) {
    for (std::size_t size : {0, 1, 15, 100, 1009}) {
      auto m = make_message(id, size, static_cast<char>('a' + id % 7));
      expect_round_trip(guest, m, chunk);
      total += static_cast<std::uint32_t>(m.encode().size());
      ++id;
    }
  }
  // Several laps of the 1024-byte buffer went by (indices start at 0 after
  // INTRODUCE).
  EXPECT_GT(total, 7u * XENSTORE_RING_SIZE);
  EXPECT_EQ(guest.ring()->req_prod, total);
  EXPECT_EQ(guest.ring()->rsp_prod, total);
  EXPECT_EQ(guest.ring()->req_cons, guest.ring()->req_prod);
}

TEST(RingTransport, PayloadLargerThanTheRingBothWays) {
  RingHarness h;
  auto guest = h.add_guest(1);
  for (std::uint32_t i = 1; i <= 5; ++i) {
    expect_round_trip(guest, make_message(i, XENSTORE_PAYLOAD_MAX, 'k'), XENSTORE_RING_SIZE);
  }
}

TEST(RingTransport, PipelinedRequestsAnsweredInOrder) {
  RingHarness h;
  auto guest = h.add_guest(1);
  std::string batch;
  for (std::uint32_t i = 1; i <= 40; ++i) batch += make_message(i, 30 + i, 'p').encode();
  ASSERT_TRUE(guest.write_all(batch).ok());
  for (std::uint32_t i = 1; i <= 40; ++i) {
    auto reply = guest.receive();
    ASSERT_TRUE(reply.ok());
    EXPECT_EQ(reply->req_id, i);
    EXPECT_EQ(reply->payload, make_message(i, 30 + i, 'p').payload);
  }
}

TEST(RingTransport, NotifiesOnlyWhenTheRingMoved) {
  RingHarness h;
  auto guest = h.add_guest(1);
  guest.poll_notifications();
  const auto before = guest.notifications();
  // A signal without any data: nothing moved, nothing to tell the guest.
  guest.kick();
  EXPECT_FALSE(guest.wait_notification(200ms));
  EXPECT_EQ(guest.notifications(), before);
  // A request: the guest hears about the consumed request and the reply.
  expect_round_trip(guest, make_message(1, 10, 'n'), XENSTORE_RING_SIZE);
  // The guest may have found the reply before it looked at the signal.
  EXPECT_TRUE(guest.notifications() > before || guest.wait_notification(1s));
}

TEST(RingTransport, GuestThatStopsReadingDoesNotStallOthers) {
  RingHarness h;
  auto lazy = h.add_guest(1);
  auto busy = h.add_guest(2);
  // The lazy guest sends far more than the response ring holds and reads
  // nothing: the daemon keeps the rest queued for it.
  constexpr std::uint32_t kRequests = 100;
  for (std::uint32_t i = 1; i <= kRequests; ++i) {
    ASSERT_TRUE(lazy.send(make_message(i, 200, 'z')).ok());
  }
  auto queued = [&] { return h.pending_output(1); };
  for (int i = 0; i < 100 && queued() == 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_GT(queued(), 0u);
  EXPECT_EQ(lazy.ring()->rsp_prod - lazy.ring()->rsp_cons, XENSTORE_RING_SIZE);
  // Meanwhile the other guest is served normally.
  for (std::uint32_t i = 1; i <= 50; ++i) {
    expect_round_trip(busy, make_message(i, 300, 'b'), XENSTORE_RING_SIZE);
  }
  // When the lazy guest finally reads, it gets every reply, in order.
  for (std::uint32_t i = 1; i <= kRequests; ++i) {
    auto reply = lazy.receive();
    ASSERT_TRUE(reply.ok());
    EXPECT_EQ(reply->req_id, i);
  }
  EXPECT_EQ(h.pending_output(1), 0u);
}

TEST(RingTransport, BogusRequestIndicesMarkTheRingBadAndCloseOnlyIt) {
  RingHarness h;
  auto bad = h.add_guest(1);
  auto good = h.add_guest(2);
  expect_round_trip(bad, make_message(1, 10, 'x'), XENSTORE_RING_SIZE);
  // Producer more than a ring ahead of the consumer.
  bad.ring()->req_prod = bad.ring()->req_cons + XENSTORE_RING_SIZE + 1;
  bad.kick();
  ASSERT_TRUE(h.wait_for([&] { return !h.closed_locked().empty(); }));
  EXPECT_EQ(h.closed()[0].domid, 1u);
  EXPECT_EQ(h.closed()[0].reason, connection::CloseReason::kProtocolError);
  EXPECT_EQ(bad.ring()->error, XENSTORE_ERROR_RINGIDX);
  expect_round_trip(good, make_message(2, 10, 'g'), XENSTORE_RING_SIZE);
  EXPECT_EQ(good.ring()->error, XENSTORE_ERROR_NONE);
  // The bad guest is no longer served.
  bad.ring()->req_prod = bad.ring()->req_cons;
  EXPECT_FALSE(bad.send(make_message(3, 10, 'x')).ok());
}

TEST(RingTransport, OversizedMessageMarksTheRingWithAProtocolError) {
  RingHarness h;
  auto bad = h.add_guest(1);
  auto good = h.add_guest(2);
  // A valid request, then a header announcing more than the protocol allows,
  // split so that the header straddles two notifications.
  WireMessage oversized = make_message(2, 0, 'o');
  std::string bytes = make_message(1, 10, 'v').encode() + oversized.encode();
  xsd_sockmsg header{XS_WRITE, 2, 0, XENSTORE_PAYLOAD_MAX + 1};
  bytes.replace(bytes.size() - sizeof header, sizeof header,
                reinterpret_cast<const char*>(&header), sizeof header);
  ASSERT_TRUE(bad.write_all(bytes, bytes.size() - 5).ok());
  auto reply = bad.receive();
  ASSERT_TRUE(reply.ok());  // what came before the bad header was served
  EXPECT_EQ(reply->req_id, 1u);
  ASSERT_TRUE(h.wait_for([&] { return !h.closed_locked().empty(); }));
  EXPECT_EQ(h.closed()[0].reason, connection::CloseReason::kProtocolError);
  EXPECT_EQ(bad.ring()->error, XENSTORE_ERROR_PROTO);
  expect_round_trip(good, make_message(3, XENSTORE_PAYLOAD_MAX, 'g'), XENSTORE_RING_SIZE);
}

TEST(RingTransport, BogusResponseIndicesAreCaughtWhenReplying) {
  RingHarness h;
  auto bad = h.add_guest(1);
  // The guest claims to have consumed replies that were never produced.
  bad.ring()->rsp_cons = bad.ring()->rsp_prod + 5;
  ASSERT_TRUE(bad.send(make_message(1, 10, 'r')).ok());
  ASSERT_TRUE(h.wait_for([&] { return !h.closed_locked().empty(); }));
  EXPECT_EQ(h.closed()[0].reason, connection::CloseReason::kProtocolError);
  EXPECT_EQ(bad.ring()->error, XENSTORE_ERROR_RINGIDX);
}

TEST(RingTransport, ReconnectDropsPartialMessagesAndStartsAFreshConnection) {
  RingHarness h;
  auto guest = h.add_guest(1);
  expect_round_trip(guest, make_message(1, 10, 'a'), XENSTORE_RING_SIZE);
  // Half a message, then the handshake.
  std::string half = make_message(2, 100, 'h').encode().substr(0, 40);
  ASSERT_TRUE(guest.write_all(half).ok());
  ASSERT_TRUE(guest.reconnect().ok());
  EXPECT_EQ(guest.ring()->connection, XENSTORE_CONNECTED);
  EXPECT_EQ(guest.ring()->req_prod, 0u);
  EXPECT_EQ(guest.ring()->rsp_prod, 0u);
  ASSERT_TRUE(h.wait_for([&] { return h.connections_locked(1) == 2; }));
  ASSERT_EQ(h.closed().size(), 1u);
  EXPECT_EQ(h.closed()[0].reason, connection::CloseReason::kPeerClosed);
  // The new connection starts on a message boundary.
  expect_round_trip(guest, make_message(3, 50, 'c'), 7);
}

TEST(RingTransport, ReconnectRevivesARingMarkedBad) {
  RingHarness h;
  auto guest = h.add_guest(1);
  guest.ring()->req_prod = guest.ring()->req_cons + 5000;
  guest.kick();
  ASSERT_TRUE(h.wait_for([&] { return !h.closed_locked().empty(); }));
  EXPECT_EQ(guest.ring()->error, XENSTORE_ERROR_RINGIDX);
  ASSERT_TRUE(guest.reconnect().ok());
  EXPECT_EQ(guest.ring()->error, XENSTORE_ERROR_NONE);
  expect_round_trip(guest, make_message(1, 20, 'v'), XENSTORE_RING_SIZE);
}

TEST(RingTransport, GuestInAnotherProcess) {
  RingHarness h;
  auto endpoint = h.hv().create_domain(5);
  ASSERT_TRUE(endpoint.ok());
  auto frame = endpoint->frame;
  auto port = endpoint->remote_port;
  ASSERT_TRUE(h.run([&] { return h.manager().introduce(5, frame, port); }).ok());
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The guest: only its own mapping and descriptors, no shared heap state.
    auto guest = SimulatedGuest::attach(std::move(*endpoint));
    if (!guest) ::_exit(2);
    for (std::uint32_t i = 1; i <= 30; ++i) {
      WireMessage m = make_message(i, i * 97 % 3000, 'f');
      if (!guest->send(m, 1 + i * 13 % 700).ok()) ::_exit(3);
      auto reply = guest->receive();
      if (!reply || reply->payload != m.payload || reply->req_id != i) ::_exit(4);
    }
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(RingTransport, OnlySignalledRingsAreTouched) {
  RingHarness h;
  constexpr DomId kQuiet = 200;
  std::vector<SimulatedGuest> quiet;
  for (DomId d = 1; d <= kQuiet; ++d) quiet.push_back(h.add_guest(d));
  auto active = h.add_guest(kQuiet + 1);
  // Corrupt every quiet ring without signalling: a daemon that looked at
  // rings it was not told about would find them bad and close them.
  for (auto& g : quiet) g.ring()->req_prod = g.ring()->req_cons + 4 * XENSTORE_RING_SIZE;
  for (std::uint32_t i = 1; i <= 20; ++i) {
    expect_round_trip(active, make_message(i, 64, 'o'), XENSTORE_RING_SIZE);
  }
  EXPECT_TRUE(h.closed().empty());
  for (auto& g : quiet) EXPECT_EQ(g.ring()->error, XENSTORE_ERROR_NONE);
  // Signalling one of them gets exactly that one marked bad.
  quiet[7].kick();
  ASSERT_TRUE(h.wait_for([&] { return !h.closed_locked().empty(); }));
  ASSERT_EQ(h.closed().size(), 1u);
  EXPECT_EQ(h.closed()[0].domid, 8u);
  EXPECT_EQ(quiet[8].ring()->error, XENSTORE_ERROR_NONE);
}

TEST(RingTransport, AThousandGuestsAtOnce) {
  RingHarness h;
  constexpr DomId kGuests = 1000;
  std::vector<SimulatedGuest> guests;
  guests.reserve(kGuests);
  for (DomId d = 1; d <= kGuests; ++d) guests.push_back(h.add_guest(d));
  EXPECT_EQ(h.run([&] { return h.manager().size(); }), kGuests);
  // Every guest has a request in flight before any reply is read.
  for (DomId d = 1; d <= kGuests; ++d) {
    ASSERT_TRUE(guests[d - 1].send(make_message(d, d % 200, 'm')).ok());
  }
  // Four guest threads collect the replies.
  std::atomic<int> ok{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&, t] {
      for (DomId d = 1 + t; d <= kGuests; d += 4) {
        auto reply = guests[d - 1].receive();
        if (reply && reply->req_id == d && reply->payload == make_message(d, d % 200, 'm').payload)
          ++ok;
      }
    });
  }
  for (auto& r : readers) r.join();
  EXPECT_EQ(ok.load(), static_cast<int>(kGuests));
}

}  // namespace
}  // namespace cxxenstored::xen
