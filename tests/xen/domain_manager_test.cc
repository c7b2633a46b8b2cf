// Domain lifecycle against the simulated hypervisor: INTRODUCE / RELEASE /
// RESUME / SET_TARGET answers as the C daemon gives them, dom0's own ring, and
// VIRQ_DOM_EXC handling of shut-down, dying and vanished domains.
#include <gtest/gtest.h>

#include "ring_harness.h"

namespace cxxenstored::xen {
namespace {

using testing::RingHarness;
using testing::make_message;
using namespace std::chrono_literals;
using Outcome = DomainManager::IntroduceOutcome;

void expect_round_trip(SimulatedGuest& guest, std::uint32_t id) {
  auto m = make_message(id, 40, 'd');
  ASSERT_TRUE(guest.send(m).ok());
  auto reply = guest.receive();
  ASSERT_TRUE(reply.ok()) << reply.error().code;
  EXPECT_EQ(reply->payload, m.payload);
}

TEST(DomainManager, IntroduceMapsBindsAndServesTheGuest) {
  RingHarness h;
  auto endpoint = h.hv().create_domain(3);
  ASSERT_TRUE(endpoint.ok());
  auto frame = endpoint->frame;
  auto port = endpoint->remote_port;
  // A guest's ring comes with stale indices: INTRODUCE empties it.
  auto guest = std::move(SimulatedGuest::attach(std::move(*endpoint)).value());
  guest.ring()->req_cons = guest.ring()->req_prod = 77;
  auto outcome = h.run([&] { return h.manager().introduce(3, frame, port); });
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(*outcome, Outcome::kNew);
  EXPECT_EQ(guest.ring()->req_prod, 0u);
  EXPECT_TRUE(h.run([&] { return h.manager().is_introduced(3); }));
  EXPECT_FALSE(h.run([&] { return h.manager().is_introduced(4); }));
  EXPECT_TRUE(h.run([&] { return h.manager().is_introduced(kDomIdSelf); }));
  expect_round_trip(guest, 1);
}

TEST(DomainManager, IntroduceAnnouncesTheRingToAWaitingGuest) {
  RingHarness h;
  auto endpoint = h.hv().create_domain(3);
  ASSERT_TRUE(endpoint.ok());
  auto frame = endpoint->frame;
  auto port = endpoint->remote_port;
  auto guest = std::move(SimulatedGuest::attach(std::move(*endpoint)).value());
  // A guest started before xenstored knows it (dom0less) waits for CONNECTED.
  guest.ring()->connection = XENSTORE_RECONNECT;
  ASSERT_TRUE(h.run([&] { return h.manager().introduce(3, frame, port); }).ok());
  EXPECT_TRUE(guest.wait_notification(1s));
  EXPECT_EQ(guest.ring()->connection, XENSTORE_CONNECTED);
  expect_round_trip(guest, 1);
}

TEST(DomainManager, IntroduceOfAnUnknownDomainOrBadPortFails) {
  RingHarness h;
  EXPECT_FALSE(h.run([&] { return h.manager().introduce(42, 0x1234, 1); }).ok());
  auto endpoint = h.hv().create_domain(6);
  ASSERT_TRUE(endpoint.ok());
  auto bad_port = h.run([&] { return h.manager().introduce(6, endpoint->frame, 99); });
  ASSERT_FALSE(bad_port.ok());
  EXPECT_EQ(bad_port.error().code, EINVAL);
  EXPECT_FALSE(h.run([&] { return h.manager().is_introduced(6); }));
  // Nothing stays bound from the failed attempts (only the VIRQ).
  EXPECT_EQ(h.hv().bound_ports(), 1u);
}

TEST(DomainManager, ForeignMappingOfTheFrameWhenTheGrantIsMissing) {
  RingHarness h;
  auto endpoint = h.hv().create_domain(8);
  ASSERT_TRUE(endpoint.ok());
  ASSERT_TRUE(h.hv().revoke_grant(8).ok());
  auto frame = endpoint->frame;
  auto port = endpoint->remote_port;
  EXPECT_FALSE(h.run([&] { return h.manager().introduce(8, frame + 1, port); }).ok());
  ASSERT_TRUE(h.run([&] { return h.manager().introduce(8, frame, port); }).ok());
  auto guest = std::move(SimulatedGuest::attach(std::move(*endpoint)).value());
  expect_round_trip(guest, 1);
}

TEST(DomainManager, SecondIntroduceRebindsAndResetsTheConnection) {
  RingHarness h;
  auto guest = h.add_guest(2);
  expect_round_trip(guest, 1);
  // A request in flight is discarded by the reset.
  ASSERT_TRUE(guest.write_all(make_message(2, 10, 'q').encode().substr(0, 5)).ok());
  auto outcome = h.run([&] {
    return h.manager().introduce(2, guest.frame(), guest.remote_port());
  });
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(*outcome, Outcome::kExisting);
  ASSERT_TRUE(h.wait_for([&] { return h.connections_locked(2) == 2; }));
  ASSERT_TRUE(h.wait_for([&] { return !h.closed_locked().empty(); }));
  ASSERT_EQ(h.closed().size(), 1u);
  EXPECT_EQ(h.closed()[0].reason, connection::CloseReason::kPeerClosed);
  EXPECT_TRUE(h.released().empty());  // still the same domain
  EXPECT_EQ(guest.ring()->req_prod, 0u);
  expect_round_trip(guest, 3);
}

TEST(DomainManager, ReleaseAnswersAsTheCDaemonAndTearsDown) {
  RingHarness h;
  auto guest = h.add_guest(4);
  auto release = [&](DomId d) { return h.run([&] { return h.manager().release(d); }); };
  EXPECT_EQ(release(0).error().code, EINVAL);
  EXPECT_EQ(release(9).error().code, ENOENT);
  const auto ports = h.hv().bound_ports();
  ASSERT_TRUE(release(4).ok());
  ASSERT_TRUE(h.wait_for([&] { return !h.released_locked().empty(); }));
  EXPECT_EQ(h.released(), std::vector<DomId>{4});
  ASSERT_EQ(h.closed().size(), 1u);
  EXPECT_EQ(h.closed()[0].reason, connection::CloseReason::kPeerClosed);
  EXPECT_EQ(h.hv().bound_ports(), ports - 1);
  EXPECT_FALSE(h.run([&] { return h.manager().is_introduced(4); }));
  EXPECT_EQ(release(4).error().code, ENOENT);
}

TEST(DomainManager, ResumeAndSetTargetChecks) {
  RingHarness h;
  auto a = h.add_guest(1);
  auto b = h.add_guest(2);
  EXPECT_EQ(h.run([&] { return h.manager().resume(0); }).error().code, EINVAL);
  EXPECT_EQ(h.run([&] { return h.manager().resume(5); }).error().code, ENOENT);
  EXPECT_TRUE(h.run([&] { return h.manager().resume(1); }).ok());
  EXPECT_EQ(h.run([&] { return h.manager().set_target(1, 7); }).error().code, ENOENT);
  EXPECT_EQ(h.run([&] { return h.manager().set_target(7, 1); }).error().code, ENOENT);
  ASSERT_TRUE(h.run([&] { return h.manager().set_target(1, 2); }).ok());
  EXPECT_EQ(h.run([&] { return h.manager().target_of(1); }), std::optional<DomId>(2));
  EXPECT_EQ(h.run([&] { return h.manager().target_of(2); }), std::nullopt);
}

TEST(DomainManager, DyingDomainIsTornDownOnVirq) {
  RingHarness h;
  auto dying = h.add_guest(5);
  auto alive = h.add_guest(6);
  expect_round_trip(dying, 1);
  const auto ports = h.hv().bound_ports();
  ASSERT_TRUE(h.hv().make_dying(5).ok());
  ASSERT_TRUE(h.wait_for([&] { return !h.released_locked().empty(); }));
  EXPECT_EQ(h.released(), std::vector<DomId>{5});
  ASSERT_EQ(h.closed().size(), 1u);
  EXPECT_EQ(h.closed()[0].domid, 5u);
  EXPECT_EQ(h.closed()[0].reason, connection::CloseReason::kPeerClosed);
  EXPECT_EQ(h.hv().bound_ports(), ports - 1);
  EXPECT_FALSE(h.run([&] { return h.manager().is_introduced(5); }));
  expect_round_trip(alive, 2);
}

TEST(DomainManager, VanishedDomainIsTornDownOnVirq) {
  RingHarness h;
  auto guest = h.add_guest(7);
  ASSERT_TRUE(h.hv().destroy_domain(7).ok());
  ASSERT_TRUE(h.wait_for([&] { return !h.released_locked().empty(); }));
  EXPECT_EQ(h.released(), std::vector<DomId>{7});
  EXPECT_EQ(h.run([&] { return h.manager().size(); }), 0u);
}

TEST(DomainManager, ShutdownIsReportedOnceUntilResumed) {
  RingHarness h;
  auto guest = h.add_guest(3);
  ASSERT_TRUE(h.hv().shutdown_domain(3).ok());
  ASSERT_TRUE(h.wait_for([&] { return h.shut_down_reports_locked() == 1; }));
  // Another VIRQ for the same state: no second report, nothing torn down.
  const unsigned raised = h.hv().virq_raised();
  ASSERT_TRUE(h.hv().shutdown_domain(3, true).ok());
  ASSERT_TRUE(h.wait_for([&] { return h.hv().virq_raised() > raised; }));
  h.run([] { return 0; });  // let the daemon thread handle it
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(h.shut_down_reports(), 1);
  EXPECT_TRUE(h.released().empty());
  expect_round_trip(guest, 1);  // a shut-down domain is still served
  // RESUME clears the mark: the next shutdown is news again.
  ASSERT_TRUE(h.run([&] { return h.manager().resume(3); }).ok());
  ASSERT_TRUE(h.hv().shutdown_domain(3).ok());
  ASSERT_TRUE(h.wait_for([&] { return h.shut_down_reports_locked() == 2; }));
}

TEST(DomainManager, OwnDomainRingFromTheKernel) {
  RingHarness h;
  auto endpoint = h.hv().endpoint(0);
  ASSERT_TRUE(endpoint.ok());
  auto dom0 = std::move(SimulatedGuest::attach(std::move(*endpoint)).value());
  // dom0's kernel queued a request before xenstored started: it survives.
  ASSERT_TRUE(dom0.write_some(make_message(1, 12, '0').encode()).ok());
  ASSERT_TRUE(h.run([&] { return h.manager().introduce_own_domain(); }).ok());
  EXPECT_TRUE(dom0.wait_notification(1s));  // the C daemon signals dom0 at init
  auto reply = dom0.receive();
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->payload, make_message(1, 12, '0').payload);
  EXPECT_TRUE(h.run([&] { return h.manager().is_introduced(0); }));
  // INTRODUCE of dom0 afterwards is the "existing domain" case.
  auto again = h.run([&] { return h.manager().introduce(0, 0, dom0.remote_port()); });
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, Outcome::kExisting);
}

}  // namespace
}  // namespace cxxenstored::xen
