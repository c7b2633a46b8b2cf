// Hostile guests over simulated rings (README hostile list items 1, 3-8 as a
// guest sends them): the daemon's real parts (store, engine, connections,
// ring transports, domain table) on their own io_context thread, wired as
// the daemon wires them when a hypervisor is present (XenGuestSupport), and
// guest kernels played by SimulatedGuest, dom0 included.
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <chrono>
#include <future>
#include <optional>
#include <string>
#include <thread>

#include "cxxenstored/connection/connection_set.h"
#include "cxxenstored/protocol/control.h"
#include "cxxenstored/protocol/engine.h"
#include "cxxenstored/store/store.h"
#include "cxxenstored/watch/registry.h"
#include "cxxenstored/xen/simulated_guest.h"
#include "cxxenstored/xen/simulated_hypervisor.h"
#include "cxxenstored/xen/xen_guest_support.h"
#include "guest_requests.h"

namespace cxxenstored::hostile {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;
using xen::DomId;
using xen::SimulatedGuest;
using xen::WireMessage;

using RingDaemon = xen::GuestDaemon;
using namespace xen::guest_requests;

// The next watch event: one that arrived while waiting for a reply, or a
// new one.
std::optional<WireMessage> next_event(SimulatedGuest& g, std::chrono::milliseconds timeout) {
  if (auto queued = g.take_watch_event()) return queued;
  auto m = g.receive(timeout);
  if (!m || m->type != XS_WATCH_EVENT) return std::nullopt;
  return *m;
}

void expect_served(SimulatedGuest& g, const std::string& tag) {
  const std::string path = "/local/domain/" + std::to_string(g.domid()) + "/alive";
  EXPECT_EQ(ask(g, XS_WRITE, path + '\0' + tag), kOk) << tag;
  EXPECT_EQ(ask(g, XS_READ, path + '\0'), tag) << tag;
}

TEST(RingHostile, HeaderSplitAcrossTheRingWrapAndNotifications) {
  RingDaemon d;
  auto dom0 = d.dom0();
  auto g = guest_with_home(d, dom0, 3);
  ASSERT_EQ(ask(g, XS_WRITE, "v"s + '\0' + "value"), kOk);
  // Move the request producer index to just before the ring's end, so the
  // next header straddles it: every request so far plus filler reads.
  const WireMessage probe{XS_READ, 0, 0, "v"s + '\0'};
  const std::size_t probe_size = probe.encode().size();  // 16 + 2
  while ((g.ring()->req_prod % XENSTORE_RING_SIZE) + probe_size < XENSTORE_RING_SIZE - 8 ||
         (g.ring()->req_prod % XENSTORE_RING_SIZE) > XENSTORE_RING_SIZE - 8) {
    ASSERT_EQ(ask(g, XS_READ, "v"s + '\0'), "value");
  }
  const auto offset = g.ring()->req_prod % XENSTORE_RING_SIZE;
  ASSERT_GT(offset + 16, XENSTORE_RING_SIZE) << "the header must wrap";
  // The wrapping request, three bytes per write and kick.
  WireMessage m{XS_READ, 77, 0, "v"s + '\0'};
  ASSERT_TRUE(g.send(m, 3).ok());
  auto reply = g.receive();
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->req_id, 77u);
  EXPECT_EQ(reply->payload, "value");
}

TEST(RingHostile, BogusIndicesMarkTheRingBadAndOthersContinue) {
  RingDaemon d;
  auto dom0 = d.dom0();
  auto bad = guest_with_home(d, dom0, 3);
  auto good = guest_with_home(d, dom0, 4);
  const std::string before_value = ask(dom0, XS_READ, "/local/domain/3"s + '\0');
  // Producer more than a ring ahead of the consumer.
  bad.ring()->req_prod = bad.ring()->req_cons + XENSTORE_RING_SIZE + 100;
  bad.kick();
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (bad.ring()->error != XENSTORE_ERROR_RINGIDX && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  EXPECT_EQ(bad.ring()->error, static_cast<std::uint32_t>(XENSTORE_ERROR_RINGIDX));
  expect_served(good, "still-here");
  EXPECT_EQ(ask(dom0, XS_READ, "/local/domain/3"s + '\0'), before_value);
}

TEST(RingHostile, OversizedHeaderStopsServingThatGuestOnly) {
  RingDaemon d;
  auto dom0 = d.dom0();
  auto bad = guest_with_home(d, dom0, 3);
  auto good = guest_with_home(d, dom0, 4);
  xsd_sockmsg header{XS_WRITE, 1, 0, XENSTORE_PAYLOAD_MAX + 1};
  ASSERT_TRUE(bad.write_all(std::string(reinterpret_cast<const char*>(&header), sizeof header)).ok());
  // The C daemon stops talking to that connection; nothing it sends later
  // is executed.
  auto after = bad.request(XS_WRITE, "/local/domain/3/after"s + '\0' + "x", 0, 500ms);
  EXPECT_FALSE(after.ok() && after->type == XS_WRITE);
  expect_served(good, "unaffected");
  EXPECT_EQ(ask(dom0, XS_READ, "/local/domain/3/after"s + '\0'), "E:ENOENT");
}

TEST(RingHostile, GuestThatNeverReadsResponsesDoesNotDelayOthers) {
  RingDaemon d;
  auto dom0 = d.dom0();
  auto lazy = guest_with_home(d, dom0, 3);
  auto good = guest_with_home(d, dom0, 4);
  ASSERT_EQ(ask(lazy, XS_WRITE, "v"s + '\0' + std::string(1500, 'x')), kOk);
  // Requests for ~1.5 KiB replies, written as fast as the ring takes them,
  // never reading a response.
  const std::string request = WireMessage{XS_READ, 9, 0, "v"s + '\0'}.encode();
  std::size_t sent = 0;
  const auto until = std::chrono::steady_clock::now() + 1s;
  while (std::chrono::steady_clock::now() < until) {
    // Whole requests only: wait while the request ring lacks room for one.
    const auto used = lazy.ring()->req_prod - lazy.ring()->req_cons;
    if (XENSTORE_RING_SIZE - used < request.size()) {
      std::this_thread::sleep_for(1ms);
      continue;
    }
    auto n = lazy.write_some(request);
    ASSERT_TRUE(n.ok());
    ASSERT_EQ(*n, request.size());
    ++sent;
    lazy.kick();
  }
  EXPECT_GT(sent, 10u);
  // Others are served promptly meanwhile.
  const auto start = std::chrono::steady_clock::now();
  expect_served(good, "prompt");
  expect_served(dom0, "prompt0");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  // When the guest finally reads, every reply is there, in order.
  std::size_t replies = 0;
  while (replies < sent) {
    auto m = lazy.receive(5s);
    ASSERT_TRUE(m.ok()) << replies << " of " << sent;
    ASSERT_EQ(m->payload.size(), 1500u);
    ++replies;
  }
}

TEST(RingHostile, GuestQuotasAndPrivilegedOps) {
  RingDaemon d;
  auto dom0 = d.dom0();
  auto g = guest_with_home(d, dom0, 3);
  const std::string before = ask(dom0, XS_DIRECTORY, "/"s + '\0');
  EXPECT_EQ(ask(g, XS_WRITE, "big"s + '\0' + std::string(3000, 'b')), "E:ENOSPC");
  EXPECT_EQ(ask(g, XS_SET_PERMS, "/local/domain/3"s + '\0' + "n3" + '\0' + "r1" + '\0' + "r2" + '\0' +
                                   "r4" + '\0' + "r5" + '\0' + "r6" + '\0'),
            "E:ENOSPC");
  EXPECT_EQ(ask(g, XS_SET_PERMS, "/local/domain/3"s + '\0' + "n4" + '\0'), "E:EPERM");
  EXPECT_EQ(ask(g, XS_INTRODUCE, "9"s + '\0' + "1" + '\0' + "1" + '\0'), "E:EACCES");
  EXPECT_EQ(ask(g, XS_RELEASE, "4"s + '\0'), "E:EACCES");
  EXPECT_EQ(ask(g, XS_SET_TARGET, "3"s + '\0' + "0" + '\0'), "E:EACCES");
  EXPECT_EQ(ask(g, XS_CONTROL, "quota"s + '\0'), "E:EACCES");
  EXPECT_EQ(ask(g, XS_WRITE, "/tool/x"s + '\0' + "x"), "E:EACCES");
  EXPECT_EQ(ask(g, XS_RM, "/local"s + '\0'), "E:EACCES");
  EXPECT_EQ(ask(g, XS_WRITE, "../../../tool/x"s + '\0' + "x"), "E:EINVAL");
  EXPECT_EQ(ask(dom0, XS_DIRECTORY, "/"s + '\0'), before);
  int watches = 0;
  for (int i = 0; i < 200; ++i) {
    std::string r = ask(g, XS_WATCH, "w" + std::to_string(i) + '\0' + "t" + '\0');
    if (r == kOk) ++watches;
    else EXPECT_EQ(r, "E:E2BIG");
  }
  EXPECT_EQ(watches, 129);
  int transactions = 0;
  for (int i = 0; i < 30; ++i) {
    std::string r = ask(g, XS_TRANSACTION_START, ""s + '\0');
    if (r.rfind("E:", 0) != 0) ++transactions;
    else EXPECT_EQ(r, "E:ENOSPC");
  }
  EXPECT_EQ(transactions, 11);
  expect_served(g, "still-usable");
}

TEST(RingHostile, DyingDomainWithPendingTransactionsAndWatches) {
  RingDaemon d;
  auto dom0 = d.dom0();
  ASSERT_EQ(ask(dom0, XS_WATCH, "@releaseDomain"s + '\0' + "rel" + '\0'), kOk);
  ASSERT_TRUE(next_event(dom0, 5s));  // the registration event
  auto g = guest_with_home(d, dom0, 3);
  std::string tx = ask(g, XS_TRANSACTION_START, ""s + '\0');
  ASSERT_EQ(tx.rfind("E:", 0), std::string::npos) << tx;
  const auto tx_id = static_cast<std::uint32_t>(std::stoul(tx));
  ASSERT_EQ(ask(g, XS_WRITE, "in-tx"s + '\0' + "v", tx_id), kOk);
  ASSERT_EQ(ask(g, XS_WATCH, "/local/domain/3"s + '\0' + "w" + '\0'), kOk);
  ASSERT_EQ(d.run([&] { return d.engine().transactions_of_domain(3); }), 1u);
  // The domain dies with all of that pending.
  ASSERT_TRUE(d.hv().destroy_domain(3).ok());
  auto event = next_event(dom0, 5s);
  ASSERT_TRUE(event);
  EXPECT_EQ(event->type, static_cast<std::uint32_t>(XS_WATCH_EVENT));
  EXPECT_EQ(event->payload, "@releaseDomain"s + '\0' + "rel" + '\0');
  EXPECT_EQ(d.run([&] { return d.engine().transactions_of_domain(3); }), 0u);
  EXPECT_EQ(d.run([&] { return d.engine().watches_of_domain(3); }), 0u);
  EXPECT_EQ(ask(dom0, XS_READ, "/local/domain/3/in-tx"s + '\0'), "E:ENOENT");
  // Its home (owned by it) went with it, and its quota charge.
  EXPECT_EQ(ask(dom0, XS_READ, "/local/domain/3"s + '\0'), "E:ENOENT");
  EXPECT_EQ(d.run([&] { return d.store().usage().nodes(3); }), 0);
  EXPECT_EQ(ask(dom0, XS_IS_DOMAIN_INTRODUCED, "3"s + '\0'), "F"s + '\0');
}

TEST(RingHostile, DomainLifecycleAbuse) {
  RingDaemon d;
  auto dom0 = d.dom0();
  auto g = d.create(3);
  ASSERT_EQ(ask(dom0, XS_WATCH, "@introduceDomain"s + '\0' + "in" + '\0'), kOk);
  ASSERT_TRUE(next_event(dom0, 5s));
  EXPECT_EQ(ask(dom0, XS_INTRODUCE, "3"s + '\0' + std::to_string(g.frame()) + '\0' + "0" + '\0'), "E:EINVAL");
  EXPECT_EQ(introduce(dom0, g), kOk);
  auto first = next_event(dom0, 2s);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->payload, "@introduceDomain"s + '\0' + "in" + '\0');
  // Introducing again: OK, no second @introduceDomain.
  EXPECT_EQ(introduce(dom0, g), kOk);
  EXPECT_FALSE(next_event(dom0, 300ms));
  EXPECT_EQ(ask(dom0, XS_RELEASE, "77"s + '\0'), "E:ENOENT");
  EXPECT_EQ(ask(dom0, XS_RELEASE, "0"s + '\0'), "E:EINVAL");
  EXPECT_EQ(ask(dom0, XS_RESUME, "77"s + '\0'), "E:ENOENT");
  EXPECT_EQ(ask(dom0, XS_SET_TARGET, "3"s + '\0' + "77" + '\0'), "E:ENOENT");
  EXPECT_EQ(ask(dom0, XS_IS_DOMAIN_INTRODUCED, "3"s + '\0'), "T"s + '\0');
  // The re-introduced guest still works.
  make_home(dom0, 3);
  expect_served(g, "after-reintroduce");
}

}  // namespace
}  // namespace cxxenstored::hostile
