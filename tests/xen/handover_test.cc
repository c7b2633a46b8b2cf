// The xen layer's part of a live update: what a ring transport has not yet
// put into the ring (with the continuation of a reply already half in it),
// and the domain table handing its ports over and taking them back.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "cxxenstored/xen/ring_transport.h"
#include "ring_harness.h"

namespace cxxenstored::xen {
namespace {

using testing::RingHarness;
using testing::make_message;

TEST(RingTransportHandover, UnsentOutputStartsWithTheRestOfAHalfWrittenReply) {
  auto hv = std::move(SimulatedHypervisor::create().value());
  auto endpoint = hv->create_domain(3);
  ASSERT_TRUE(endpoint.ok());
  auto ring = hv->map_ring(3, 0);
  ASSERT_TRUE(ring.ok());
  boost::asio::io_context io;
  auto transport = RingTransport::create(io.get_executor(),
                                         std::make_shared<RingMapping>(std::move(*ring)), [] {},
                                         "domain 3");
  transport->start({});
  const std::string first(1500, 'a');
  const std::string second(500, 'b');
  transport->send(first);
  transport->send(second);
  io.poll();  // one pass: the ring takes 1024 bytes and the guest reads none

  auto unsent = transport->unsent_output();
  EXPECT_EQ(unsent.continuation, first.size() - XENSTORE_RING_SIZE);
  EXPECT_EQ(unsent.bytes, first.substr(XENSTORE_RING_SIZE) + second);
  EXPECT_EQ(unsent.bytes.size(), transport->pending_output());
}

TEST(RingTransportHandover, NothingHalfWrittenMeansNoContinuation) {
  auto hv = std::move(SimulatedHypervisor::create().value());
  ASSERT_TRUE(hv->create_domain(3).ok());
  auto ring = hv->map_ring(3, 0);
  ASSERT_TRUE(ring.ok());
  boost::asio::io_context io;
  auto transport = RingTransport::create(io.get_executor(),
                                         std::make_shared<RingMapping>(std::move(*ring)), [] {},
                                         "domain 3");
  transport->start({});
  transport->send(std::string(1024, 'a'));  // fills the ring exactly
  transport->send("next");
  io.poll();
  auto unsent = transport->unsent_output();
  EXPECT_EQ(unsent.continuation, 0u);
  EXPECT_EQ(unsent.bytes, "next");
}

TEST(DomainManagerHandover, DescribesDomainsAndTakesThemBackWhenExecFails) {
  RingHarness h;
  auto guest = h.add_guest(3);
  auto stubdom = h.add_guest(4);
  ASSERT_TRUE(h.run([&] { return h.manager().set_target(4, 3); }).ok());
  const std::size_t bound = h.hv().bound_ports();
  auto handover = h.run([&] { return h.manager().begin_handover(); });
  ASSERT_EQ(handover.size(), 2u);
  EXPECT_EQ(handover[0].domid, 3u);
  EXPECT_EQ(handover[0].local_port, h.run([&] { return *h.manager().local_port(3); }));
  EXPECT_EQ(handover[0].target, std::nullopt);
  EXPECT_EQ(handover[1].domid, 4u);
  EXPECT_EQ(handover[1].target, std::optional<DomId>(3));
  // VIRQ_DOM_EXC left with the old process; the guest's port did not.
  EXPECT_EQ(h.hv().bound_ports(), bound - 1);

  ASSERT_TRUE(h.run([&] { return h.manager().cancel_handover(); }).ok());
  EXPECT_EQ(h.hv().bound_ports(), bound);
  auto m = make_message(1, 40, 'd');
  ASSERT_TRUE(guest.send(m).ok());
  auto reply = guest.receive();
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->payload, m.payload);
}

TEST(DomainManagerHandover, AdoptingAKnownDomainOrAForeignPortFails) {
  RingHarness h;
  auto guest = h.add_guest(3);
  const EvtchnPort port = h.run([&] { return *h.manager().local_port(3); });
  auto again = h.run([&] { return h.manager().adopt(3, port, std::nullopt); });
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, EEXIST);
  // Domain 5 exists but the port is bound to domain 3: nothing to take over.
  ASSERT_TRUE(h.hv().create_domain(5).ok());
  auto foreign = h.run([&] { return h.manager().adopt(5, port, std::nullopt); });
  ASSERT_FALSE(foreign.ok());
  EXPECT_EQ(foreign.error().code, EINVAL);
}

}  // namespace
}  // namespace cxxenstored::xen
