// Quotas a guest hits through the request engine (README hostile list items
// 3, 4, 5): node size, nodes per domain, permissions per node, path length,
// watches per domain, transactions per domain, nodes accessed by one
// transaction, memory per domain (soft level, logging, per-domain values),
// and fairness (conflict credit). Each test checks the exact error the C
// daemon (4.17) sends, that the store is unchanged by the refused request,
// that dom0 and other domains are unaffected, and that accounting still
// matches a recount of the tree.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "cxxenstored/observability/metrics.h"
#include "cxxenstored/protocol/conflict_credit.h"
#include "engine_harness.h"

namespace cxxenstored::hostile {
namespace {

constexpr DomainId kGuest = 5;
constexpr DomainId kOtherGuest = 6;

// A guest home as the toolstack makes it: created by dom0, owned by the guest.
void make_home(EngineHarness& h, SessionId dom0, DomainId domain) {
  const std::string home = store::home_path(domain);
  ASSERT_EQ(h.write(dom0, home, ""), std::string("OK\0", 3));
  ASSERT_EQ(h.call(dom0, XS_SET_PERMS, nul_join({home, "n" + std::to_string(domain)})),
            std::string("OK\0", 3));
}

const std::string kOk("OK\0", 3);

TEST(EngineQuota, NodeSizeAboveQuotaIsRefusedAndStoreUnchanged) {
  EngineHarness h;
  SessionId dom0 = h.open_dom0();
  make_home(h, dom0, kGuest);
  SessionId guest = h.open_guest(kGuest);
  // Charged size: 24-byte record header + 8 per permission + value.
  // The C daemon refuses a node whose charged size reaches the quota (2048).
  EXPECT_EQ(h.write(guest, "fits", std::string(2048 - 24 - 8 - 1, 'v')), kOk);
  const std::string before = h.dump();
  EXPECT_EQ(h.write(guest, "big", std::string(2048 - 24 - 8, 'v')), "E:ENOSPC");
  EXPECT_EQ(h.write(guest, "fits", std::string(4000, 'v')), "E:ENOSPC");
  EXPECT_EQ(h.dump(), before);
  // dom0 is not subject to the quota.
  EXPECT_EQ(h.write(dom0, "/tool/big", std::string(4000, 'v')), kOk);
  EXPECT_TRUE(h.check().empty());
}

TEST(EngineQuota, TooManyNodesPerDomainStopsAtTheQuota) {
  EngineHarness h;
  SessionId dom0 = h.open_dom0();
  // SET_QUOTA is how the toolstack lowers it at run time.
  ASSERT_EQ(h.call(dom0, protocol::kSetQuota, nul_join({"nodes", "20"})), kOk);
  make_home(h, dom0, kGuest);
  make_home(h, dom0, kOtherGuest);
  SessionId guest = h.open_guest(kGuest);
  int ok = 0;
  int refused = 0;
  for (int i = 0; i < 50; ++i) {
    std::string reply = h.write(guest, "n" + std::to_string(i), "x");
    if (reply == kOk) {
      ++ok;
    } else {
      EXPECT_EQ(reply, "E:ENOSPC");
      ++refused;
    }
  }
  // The home itself is one of the 20 nodes the guest owns.
  EXPECT_EQ(ok, 19);
  EXPECT_EQ(refused, 31);
  EXPECT_EQ(h.store.usage().nodes(kGuest), 20);
  EXPECT_EQ(h.read(guest, "n18"), "x");
  EXPECT_EQ(h.read(guest, "n19"), "E:ENOENT");
  // Another domain and dom0 are unaffected.
  SessionId other = h.open_guest(kOtherGuest);
  EXPECT_EQ(h.write(other, "mine", "y"), kOk);
  EXPECT_EQ(h.write(dom0, "/tool/after", "z"), kOk);
  // Removing nodes frees quota again.
  EXPECT_EQ(h.call(guest, XS_RM, nul_join({"n0"})), kOk);
  EXPECT_EQ(h.write(guest, "again", "x"), kOk);
  EXPECT_TRUE(h.check().empty());
}

TEST(EngineQuota, TooManyPermissionEntriesIsRefused) {
  EngineHarness h;
  SessionId dom0 = h.open_dom0();
  make_home(h, dom0, kGuest);
  SessionId guest = h.open_guest(kGuest);
  ASSERT_EQ(h.write(guest, "node", "v"), kOk);
  EXPECT_EQ(h.call(guest, XS_SET_PERMS, nul_join({"node", "n5", "r1", "r2", "r3", "r4"})), kOk);
  const std::string before = h.dump();
  EXPECT_EQ(h.call(guest, XS_SET_PERMS, nul_join({"node", "n5", "r1", "r2", "r3", "r4", "r6"})),
            "E:ENOSPC");
  std::string many = "node";
  many.push_back('\0');
  for (int i = 0; i < 1000; ++i) many += "r" + std::to_string(i) + std::string(1, '\0');
  EXPECT_EQ(h.call(guest, XS_SET_PERMS, many), "E:ENOSPC");
  EXPECT_EQ(h.dump(), before);
  // dom0 may set more (no quota for the privileged).
  EXPECT_EQ(h.call(dom0, XS_SET_PERMS, many.replace(0, 4, "/tool")), kOk);
}

TEST(EngineQuota, PathLongerThanPathMaxIsInvalidForGuests) {
  EngineHarness h;
  SessionId dom0 = h.open_dom0();
  make_home(h, dom0, kGuest);
  SessionId guest = h.open_guest(kGuest);
  const std::string before = h.dump();
  // path-max counts the characters after "/local/domain/<id>/".
  EXPECT_EQ(h.write(guest, std::string(2049, 'a'), "v"), "E:EINVAL");
  EXPECT_EQ(h.write(guest, "/local/domain/5/" + std::string(2049, 'a'), "v"), "E:EINVAL");
  EXPECT_EQ(h.read(guest, std::string(100000, 'a')), "E:EINVAL");
  EXPECT_EQ(h.dump(), before);
}

TEST(EngineQuota, TooManyWatchesPerDomain) {
  EngineHarness h;
  SessionId dom0 = h.open_dom0();
  make_home(h, dom0, kGuest);
  SessionId guest = h.open_guest(kGuest);
  int ok = 0;
  for (int i = 0; i < 300; ++i) {
    std::string reply = h.call(guest, XS_WATCH, nul_join({"w" + std::to_string(i), "tok"}));
    if (reply == kOk) {
      ++ok;
    } else {
      EXPECT_EQ(reply, "E:E2BIG");
    }
  }
  // The C daemon refuses once the domain already has more than the quota.
  EXPECT_EQ(ok, static_cast<int>(h.limits.watches_per_domain) + 1);
  EXPECT_EQ(h.engine.watches_of_domain(kGuest), h.limits.watches_per_domain + 1);
  // A second connection of the same domain shares the quota.
  SessionId guest2 = h.open_guest(kGuest);
  EXPECT_EQ(h.call(guest2, XS_WATCH, nul_join({"x", "t"})), "E:E2BIG");
  // Other domains and dom0 are unaffected.
  SessionId other = h.open_guest(kOtherGuest);
  EXPECT_EQ(h.call(other, XS_WATCH, nul_join({"x", "t"})), kOk);
  for (int i = 0; i < 300; ++i)
    EXPECT_EQ(h.call(dom0, XS_WATCH, nul_join({"/d" + std::to_string(i), "t"})), kOk);
  // Closing the guest's connections frees everything.
  h.close(guest);
  h.close(guest2);
  EXPECT_EQ(h.engine.watches_of_domain(kGuest), 0u);
}

TEST(EngineQuota, TooManyTransactionsPerDomain) {
  EngineHarness h;
  SessionId dom0 = h.open_dom0();
  make_home(h, dom0, kGuest);
  SessionId guest = h.open_guest(kGuest);
  int ok = 0;
  for (int i = 0; i < 40; ++i) {
    std::string reply = h.call(guest, XS_TRANSACTION_START, std::string(1, '\0'));
    if (reply == "E:ENOSPC") continue;
    ++ok;
  }
  EXPECT_EQ(ok, static_cast<int>(h.limits.transactions_per_domain) + 1);
  // Ending one makes room for one more.
  EXPECT_EQ(h.call(guest, XS_TRANSACTION_END, nul_join({"F"}), 1), kOk);
  EXPECT_NE(h.start_transaction(guest), 0u);
  EXPECT_EQ(h.call(guest, XS_TRANSACTION_START, std::string(1, '\0')), "E:ENOSPC");
  // dom0 has no transaction quota.
  for (int i = 0; i < 100; ++i) EXPECT_NE(h.start_transaction(dom0), 0u);
  // Plain requests of the guest still work.
  EXPECT_EQ(h.write(guest, "plain", "v"), kOk);
}

TEST(EngineQuota, TransactionTouchingTooManyNodesFailsWithoutCorruptingTheStore) {
  store::Quotas quotas;
  quotas.nodes_per_domain = 100000;
  EngineHarness h(quotas);
  SessionId dom0 = h.open_dom0();
  make_home(h, dom0, kGuest);
  SessionId guest = h.open_guest(kGuest);
  std::uint32_t tx = h.start_transaction(guest);
  ASSERT_NE(tx, 0u);
  int ok = 0;
  std::string first_error;
  for (int i = 0; i < 1500; ++i) {
    // Two levels, so that no parent's child list reaches the node-size quota.
    std::string reply = h.write(guest, "p" + std::to_string(i / 40) + "/" + std::to_string(i % 40), "v", tx);
    if (reply == kOk) {
      ++ok;
    } else if (first_error.empty()) {
      first_error = reply;
    }
  }
  EXPECT_EQ(first_error, "E:ENOSPC");
  EXPECT_LE(ok, static_cast<int>(quotas.transaction_nodes));
  // Each new node also touches its parent.
  EXPECT_GT(ok, static_cast<int>(quotas.transaction_nodes) / 2);
  const std::string before = h.dump();
  // Nothing is live before the commit; whatever the commit's outcome, the
  // store stays consistent and within the quota.
  std::string end = h.call(guest, XS_TRANSACTION_END, nul_join({"T"}), tx);
  EXPECT_TRUE(end == kOk || end == "E:ENOSPC" || end == "E:EAGAIN") << end;
  if (end != kOk) {
    EXPECT_EQ(h.dump(), before);
  }
  EXPECT_LE(h.store.usage().nodes(kGuest), static_cast<std::int64_t>(quotas.transaction_nodes) + 1);
  EXPECT_TRUE(h.check().empty());
  // The guest can carry on.
  EXPECT_EQ(h.write(guest, "after", "v"), kOk);
}

// A fixed start for the clocks tests install (steady_clock's epoch is
// arbitrary; an hour in keeps "10 s earlier" meaningful).
const auto kTestEpoch = protocol::ConflictCredit::Clock::time_point{} + std::chrono::hours(1);

// Collects what the quota reporter logs.
struct LogCapture {
  std::vector<std::string> lines;
  explicit LogCapture(EngineHarness& h) {
    h.engine.quota_reporter().set_sink(
        [this](spdlog::level::level_enum, const std::string& text) { lines.push_back(text); });
  }
  std::size_t count(std::string_view text) const {
    return static_cast<std::size_t>(std::count(lines.begin(), lines.end(), std::string(text)));
  }
};

// What one node costs its owner: record (24 + 8 per permission + value +
// child names) plus its path.
std::int64_t node_cost(std::string_view path, std::size_t perms, std::size_t value, std::size_t child_bytes = 0) {
  return static_cast<std::int64_t>(store::charged_node_memory(path.size(), perms, value, child_bytes));
}

TEST(EngineQuota, MemoryPerDomainIsEnforced) {
  store::Quotas quotas;
  quotas.nodes_per_domain = 100000;
  EngineHarness h(quotas);
  auto now = kTestEpoch;
  h.engine.set_clock([&now] { return now; });
  LogCapture log(h);
  observability::Metrics metrics;
  h.engine.set_metrics(&metrics);
  SessionId dom0 = h.open_dom0();
  ASSERT_EQ(h.call(dom0, XS_INTRODUCE, nul_join({"5", "0", "1"})), kOk);
  make_home(h, dom0, kGuest);
  make_home(h, dom0, kOtherGuest);
  SessionId guest = h.open_guest(kGuest);
  std::string last;
  int ok = 0;
  for (int i = 0; i < 2000; ++i) {
    // 40 children per directory keeps every record below the node-size quota.
    last = h.write(guest, "p" + std::to_string(i / 40) + "/m" + std::to_string(i % 40), std::string(2000, 'm'));
    if (last != kOk) break;
    ++ok;
  }
  EXPECT_EQ(last, "E:ENOMEM");
  EXPECT_LT(static_cast<std::size_t>(ok) * 2000, h.limits.memory_per_domain);
  EXPECT_GT(static_cast<std::size_t>(ok) * 2100, h.limits.memory_per_domain - 8000);
  const std::int64_t used = h.store.usage().memory(kGuest);
  EXPECT_LT(used, static_cast<std::int64_t>(h.limits.memory_per_domain));
  // Refused again without a change; small requests still fit until the limit.
  const std::string before = h.dump();
  EXPECT_EQ(h.write(guest, "big", std::string(2000, 'x')), "E:ENOMEM");
  EXPECT_EQ(h.call(guest, XS_WATCH, nul_join({"w", std::string(4000, 't')})), "E:ENOMEM");
  EXPECT_EQ(h.dump(), before);
  EXPECT_EQ(h.store.usage().memory(kGuest), used);
  // Logged once, counted every time.
  EXPECT_EQ(log.count("Domain 5 exceeds hard memory quota, requests needing more memory are refused"), 1u);
  EXPECT_EQ(metrics.domains().at(kGuest).quota_hits[static_cast<std::size_t>(observability::QuotaKind::kMemory)], 3u);
  // dom0 and other domains are not affected.
  EXPECT_EQ(h.write(dom0, "/tool/big", std::string(3000, 'd')), kOk);
  SessionId other = h.open_guest(kOtherGuest);
  EXPECT_EQ(h.write(other, "x", std::string(2000, 'o')), kOk);
  // xenstore-control quota <domid> shows the figure.
  char line[64];
  std::snprintf(line, sizeof line, "memory          : %8lld\n", static_cast<long long>(used));
  EXPECT_NE(h.call(dom0, XS_CONTROL, nul_join({"quota", "5"})).find(line), std::string::npos);
  // Freeing memory makes room again; like the C daemon, "below again" is
  // told no sooner than 10 s after "exceeds".
  EXPECT_EQ(h.call(guest, XS_RM, nul_join({"p0"})), kOk);
  EXPECT_EQ(log.count("Domain 5 below hard memory quota again"), 0u);
  now += std::chrono::seconds(10);
  EXPECT_EQ(h.read(guest, "p1/m0"), std::string(2000, 'm'));
  EXPECT_EQ(log.count("Domain 5 below hard memory quota again"), 1u);
  EXPECT_EQ(h.write(guest, "big", std::string(2000, 'x')), kOk);
  EXPECT_TRUE(h.check().empty());
}

TEST(EngineQuota, MemoryChargesAreExactAndReleased) {
  EngineHarness h;
  SessionId dom0 = h.open_dom0();
  make_home(h, dom0, kGuest);
  SessionId guest = h.open_guest(kGuest);
  const std::string home = "/local/domain/5";
  // The home: one permission entry, no value, no children yet.
  EXPECT_EQ(h.store.usage().memory(kGuest), node_cost(home, 1, 0));
  const std::int64_t empty = h.store.usage().memory(kGuest);

  // A node: its record and path, plus its name in the parent's record.
  ASSERT_EQ(h.write(guest, "a", "xyz"), kOk);
  const std::int64_t with_a = empty + node_cost(home + "/a", 1, 3) + 2;
  EXPECT_EQ(h.store.usage().memory(kGuest), with_a);
  ASSERT_EQ(h.write(guest, "a", "xyzxyz"), kOk);
  EXPECT_EQ(h.store.usage().memory(kGuest), with_a + 3);
  ASSERT_EQ(h.call(guest, XS_SET_PERMS, nul_join({"a", "n5", "r6"})), kOk);
  EXPECT_EQ(h.store.usage().memory(kGuest), with_a + 3 + 8);

  // A watch: its path (absolute) and token.
  const std::int64_t before_watch = h.store.usage().memory(kGuest);
  ASSERT_EQ(h.call(guest, XS_WATCH, nul_join({"a", "tok"})), kOk);
  EXPECT_EQ(h.store.usage().memory(kGuest), before_watch + static_cast<std::int64_t>((home + "/a").size() + 3));
  ASSERT_EQ(h.call(guest, XS_UNWATCH, nul_join({"a", "tok"})), kOk);
  EXPECT_EQ(h.store.usage().memory(kGuest), before_watch);
  ASSERT_EQ(h.call(guest, XS_WATCH, nul_join({"a", "t1"})), kOk);
  ASSERT_EQ(h.call(guest, XS_WATCH, nul_join({"/local", "t2"})), kOk);
  ASSERT_EQ(h.call(guest, XS_RESET_WATCHES, ""), kOk);
  EXPECT_EQ(h.store.usage().memory(kGuest), before_watch);
  SessionId guest2 = h.open_guest(kGuest);
  ASSERT_EQ(h.call(guest2, XS_WATCH, nul_join({"a", "t1"})), kOk);
  h.close(guest2);
  EXPECT_EQ(h.store.usage().memory(kGuest), before_watch);

  // A transaction's writes cost nothing until it commits; aborted, nothing.
  std::uint32_t tx = h.start_transaction(guest);
  ASSERT_EQ(h.write(guest, "t/deep", std::string(100, 'v'), tx), kOk);
  EXPECT_EQ(h.store.usage().memory(kGuest), before_watch);
  ASSERT_EQ(h.call(guest, XS_TRANSACTION_END, nul_join({"F"}), tx), kOk);
  EXPECT_EQ(h.store.usage().memory(kGuest), before_watch);
  tx = h.start_transaction(guest);
  ASSERT_EQ(h.write(guest, "t/deep", std::string(100, 'v'), tx), kOk);
  ASSERT_EQ(h.call(guest, XS_TRANSACTION_END, nul_join({"T"}), tx), kOk);
  EXPECT_EQ(h.store.usage().memory(kGuest),
            before_watch + node_cost(home + "/t", 1, 0, 5) + 2 + node_cost(home + "/t/deep", 1, 100));

  // rm gives it all back.
  ASSERT_EQ(h.call(guest, XS_RM, nul_join({"t"})), kOk);
  ASSERT_EQ(h.call(guest, XS_RM, nul_join({"a"})), kOk);
  EXPECT_EQ(h.store.usage().memory(kGuest), empty);
  EXPECT_TRUE(h.check().empty());

  // Ownership moves the charge (dom0 gives the node away).
  ASSERT_EQ(h.write(guest, "b", "1"), kOk);
  ASSERT_EQ(h.call(dom0, XS_SET_PERMS, nul_join({home + "/b", "n6"})), kOk);
  EXPECT_EQ(h.store.usage().memory(kOtherGuest), node_cost(home + "/b", 1, 1));
  EXPECT_TRUE(h.check().empty());

  // Release: the domain's nodes and their bytes go.
  ASSERT_EQ(h.call(dom0, XS_INTRODUCE, nul_join({"5", "0", "1"})), kOk);
  ASSERT_EQ(h.call(guest, XS_WATCH, nul_join({"x", "tok"})), kOk);
  ASSERT_EQ(h.call(dom0, XS_RELEASE, nul_join({"5"})), kOk);
  h.close(guest);
  EXPECT_EQ(h.store.usage().memory(kGuest), 0);
  EXPECT_EQ(h.store.usage().bytes(kGuest), 0);
  EXPECT_TRUE(h.check().empty());
}

TEST(EngineQuota, SoftMemoryCrossingIsLoggedOncePerCrossing) {
  protocol::Limits limits;
  limits.memory_soft = 5000;
  EngineHarness h({}, limits);
  auto now = kTestEpoch;
  h.engine.set_clock([&now] { return now; });
  LogCapture log(h);
  SessionId dom0 = h.open_dom0();
  make_home(h, dom0, kGuest);
  SessionId guest = h.open_guest(kGuest);
  ASSERT_EQ(h.write(guest, "a", std::string(1500, 'a')), kOk);
  ASSERT_EQ(h.write(guest, "b", std::string(1500, 'b')), kOk);
  EXPECT_TRUE(log.lines.empty());
  ASSERT_EQ(h.write(guest, "c", std::string(1500, 'c')), kOk);
  ASSERT_EQ(h.write(guest, "d", std::string(1500, 'd')), kOk);
  ASSERT_EQ(h.write(guest, "e", "e"), kOk);
  EXPECT_EQ(log.count("Domain 5 exceeds soft memory quota"), 1u);
  // The soft level only warns: nothing was refused.
  EXPECT_EQ(h.read(guest, "d"), std::string(1500, 'd'));
  // Changes of level are told at most every 10 s (C: MEM_WARN_MINTIME_SEC),
  // so a domain hovering at the level cannot flood the log.
  ASSERT_EQ(h.call(guest, XS_RM, nul_join({"c"})), kOk);
  ASSERT_EQ(h.call(guest, XS_RM, nul_join({"d"})), kOk);
  EXPECT_EQ(log.count("Domain 5 below soft memory quota again"), 0u);
  now += std::chrono::seconds(10);
  ASSERT_EQ(h.write(guest, "e", "f"), kOk);
  EXPECT_EQ(log.count("Domain 5 below soft memory quota again"), 1u);
  ASSERT_EQ(h.write(guest, "c", std::string(1500, 'c')), kOk);
  ASSERT_EQ(h.write(guest, "d", std::string(1500, 'd')), kOk);
  EXPECT_EQ(log.count("Domain 5 exceeds soft memory quota"), 1u);
  now += std::chrono::seconds(10);
  ASSERT_EQ(h.write(guest, "e", "g"), kOk);
  EXPECT_EQ(log.count("Domain 5 exceeds soft memory quota"), 2u);
  // dom0 is never reported.
  ASSERT_EQ(h.write(dom0, "/tool/x", std::string(4000, 'x')), kOk);
  ASSERT_EQ(h.write(dom0, "/tool/y", std::string(4000, 'x')), kOk);
  EXPECT_EQ(log.lines.size(), 3u);
}

TEST(EngineQuota, TransactionCommitThatWouldExceedMemoryFails) {
  protocol::Limits limits;
  limits.memory_per_domain = 10000;
  EngineHarness h({}, limits);
  SessionId dom0 = h.open_dom0();
  make_home(h, dom0, kGuest);
  SessionId guest = h.open_guest(kGuest);
  SessionId guest2 = h.open_guest(kGuest);
  // Inside a transaction, its own writes count with the live tree.
  // Each node costs 24 + 8 + 2000 + 18 bytes and 3 in the home's record.
  std::uint32_t probe = h.start_transaction(guest);
  for (const char* name : {"t1", "t2", "t3", "t4"}) ASSERT_EQ(h.write(guest, name, std::string(2000, 'a'), probe), kOk);
  EXPECT_EQ(h.write(guest, "t5", std::string(2000, 'a'), probe), "E:ENOMEM");
  // That refusal depended on the live usage: once it changes, the
  // transaction cannot commit as it was (EAGAIN, not a stale OK).
  ASSERT_EQ(h.write(guest2, "x", "1"), kOk);
  EXPECT_EQ(h.call(guest, XS_TRANSACTION_END, nul_join({"T"}), probe), "E:EAGAIN");
  ASSERT_EQ(h.call(guest2, XS_RM, nul_join({"x"})), kOk);

  std::uint32_t tx = h.start_transaction(guest);
  for (const char* name : {"t1", "t2", "t3", "t4"}) ASSERT_EQ(h.write(guest, name, std::string(2000, 'a'), tx), kOk);
  // Meanwhile the domain's other connection fills memory live.
  ASSERT_EQ(h.write(guest2, "live1", std::string(2000, 'b')), kOk);
  ASSERT_EQ(h.write(guest2, "live2", std::string(2000, 'b')), kOk);
  const std::string before = h.dump();
  const std::int64_t used = h.store.usage().memory(kGuest);
  // The commit replays on the live tree, where it no longer fits.
  EXPECT_EQ(h.call(guest, XS_TRANSACTION_END, nul_join({"T"}), tx), "E:ENOMEM");
  EXPECT_EQ(h.dump(), before);
  EXPECT_EQ(h.store.usage().memory(kGuest), used);
  EXPECT_TRUE(h.check().empty());
  // A transaction that fits commits.
  tx = h.start_transaction(guest);
  ASSERT_EQ(h.write(guest, "t1", std::string(2000, 'a'), tx), kOk);
  EXPECT_EQ(h.call(guest, XS_TRANSACTION_END, nul_join({"T"}), tx), kOk);
  EXPECT_TRUE(h.check().empty());
}

TEST(EngineQuota, QuotaHitsAreLoggedOncePerDomainAndCounted) {
  EngineHarness h;
  auto now = kTestEpoch;
  h.engine.set_clock([&now] { return now; });
  LogCapture log(h);
  observability::Metrics metrics;
  h.engine.set_metrics(&metrics);
  SessionId dom0 = h.open_dom0();
  ASSERT_EQ(h.call(dom0, protocol::kSetQuota, nul_join({"nodes", "3"})), kOk);
  make_home(h, dom0, kGuest);
  make_home(h, dom0, kOtherGuest);
  SessionId guest = h.open_guest(kGuest);
  SessionId other = h.open_guest(kOtherGuest);
  ASSERT_EQ(h.write(guest, "a", "1"), kOk);
  ASSERT_EQ(h.write(guest, "b", "1"), kOk);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(h.write(guest, "c" + std::to_string(i), "1"), "E:ENOSPC");
  EXPECT_EQ(h.write(guest, "a", std::string(3000, 'x')), "E:ENOSPC");  // node-size
  // Refusals inside a transaction count the same.
  const std::uint32_t tx = h.start_transaction(guest);
  EXPECT_EQ(h.write(guest, "in-tx", "1", tx), "E:ENOSPC");
  EXPECT_EQ(h.call(guest, XS_TRANSACTION_END, nul_join({"F"}), tx), kOk);
  ASSERT_EQ(h.write(other, "a", "1"), kOk);
  ASSERT_EQ(h.write(other, "b", "1"), kOk);
  EXPECT_EQ(h.write(other, "c", "1"), "E:ENOSPC");
  EXPECT_EQ(log.count("Domain 5 exceeds nodes quota"), 1u);
  EXPECT_EQ(log.count("Domain 5 exceeds node-size quota"), 1u);
  EXPECT_EQ(log.count("Domain 6 exceeds nodes quota"), 1u);
  const auto& counters = metrics.domains().at(kGuest);
  EXPECT_EQ(counters.quota_hits[static_cast<std::size_t>(observability::QuotaKind::kNodes)], 6u);
  EXPECT_EQ(counters.quota_hits[static_cast<std::size_t>(observability::QuotaKind::kNodeSize)], 1u);
  // Below the quota again (and 10 s after the message), the next hit is
  // logged again.
  ASSERT_EQ(h.call(guest, XS_RM, nul_join({"a"})), kOk);
  now += std::chrono::seconds(10);
  EXPECT_EQ(h.read(guest, "b"), "1");  // the domain's next request notices
  ASSERT_EQ(h.write(guest, "a", "1"), kOk);
  EXPECT_EQ(h.write(guest, "c", "1"), "E:ENOSPC");
  EXPECT_EQ(log.count("Domain 5 exceeds nodes quota"), 2u);
  // Refusals by other quotas of the engine, and errors that are not quotas.
  std::string many = "a";
  many.push_back('\0');
  for (int i = 0; i < 7; ++i) many += "r" + std::to_string(i) + std::string(1, '\0');
  EXPECT_EQ(h.call(guest, XS_SET_PERMS, many), "E:ENOSPC");
  EXPECT_EQ(log.count("Domain 5 exceeds permissions quota"), 1u);
  const std::size_t lines = log.lines.size();
  EXPECT_EQ(h.read(guest, "/tool"), "E:EACCES");
  EXPECT_EQ(log.lines.size(), lines);
}

TEST(EngineQuota, PerDomainValuesOverrideTheGlobalOnes) {
  EngineHarness h;
  SessionId dom0 = h.open_dom0();
  for (DomainId d : {kGuest, kOtherGuest}) {
    ASSERT_EQ(h.call(dom0, XS_INTRODUCE, nul_join({std::to_string(d), "0", "1"})), kOk);
    make_home(h, dom0, d);
  }
  EXPECT_EQ(h.call(dom0, protocol::kSetQuota, nul_join({"5", "nodes", "3"})), kOk);
  EXPECT_EQ(h.call(dom0, protocol::kSetQuota, nul_join({"5", "watches", "1"})), kOk);
  EXPECT_EQ(h.call(dom0, protocol::kSetQuota, nul_join({"5", "transactions", "0"})), kOk);
  EXPECT_EQ(h.call(dom0, protocol::kSetQuota, nul_join({"5", "outstanding", "7"})), kOk);
  // Quotas that bound one node, path or transaction stay global.
  EXPECT_EQ(h.call(dom0, protocol::kSetQuota, nul_join({"5", "node-size", "100"})), "E:EINVAL");
  EXPECT_EQ(h.call(dom0, protocol::kSetQuota, nul_join({"5", "path-max", "100"})), "E:EINVAL");
  EXPECT_EQ(h.call(dom0, protocol::kSetQuota, nul_join({"5", "bogus", "1"})), "E:EINVAL");
  EXPECT_EQ(h.call(dom0, protocol::kSetQuota, nul_join({"5", "nodes", "x"})), "E:EINVAL");
  EXPECT_EQ(h.call(dom0, protocol::kSetQuota, nul_join({"9", "nodes", "3"})), "E:ENOENT");
  EXPECT_EQ(h.call(dom0, protocol::kGetQuota, nul_join({"5", "nodes"})), std::string("3\0", 2));
  EXPECT_EQ(h.call(dom0, protocol::kGetQuota, nul_join({"5", "outstanding"})), std::string("7\0", 2));
  EXPECT_EQ(h.call(dom0, protocol::kGetQuota, nul_join({"6", "nodes"})), std::string("1000\0", 5));
  EXPECT_EQ(h.call(dom0, protocol::kGetQuota, nul_join({"nodes"})), std::string("1000\0", 5));
  EXPECT_EQ(h.engine.limit_for(kGuest, store::QuotaName::kOutstanding), 7u);
  EXPECT_EQ(h.engine.limit_for(kOtherGuest, store::QuotaName::kOutstanding), h.limits.outstanding_requests);

  SessionId guest = h.open_guest(kGuest);
  SessionId other = h.open_guest(kOtherGuest);
  // nodes: the home and two more.
  EXPECT_EQ(h.write(guest, "a", "1"), kOk);
  EXPECT_EQ(h.write(guest, "b", "1"), kOk);
  EXPECT_EQ(h.write(guest, "c", "1"), "E:ENOSPC");
  EXPECT_EQ(h.write(other, "c", "1"), kOk);
  // watches: refused once the domain has more than its value (C's ">").
  EXPECT_EQ(h.call(guest, XS_WATCH, nul_join({"a", "1"})), kOk);
  EXPECT_EQ(h.call(guest, XS_WATCH, nul_join({"a", "2"})), kOk);
  EXPECT_EQ(h.call(guest, XS_WATCH, nul_join({"a", "3"})), "E:E2BIG");
  EXPECT_EQ(h.call(other, XS_WATCH, nul_join({"c", "3"})), kOk);
  EXPECT_EQ(h.call(other, XS_WATCH, nul_join({"c", "4"})), kOk);
  EXPECT_EQ(h.call(other, XS_WATCH, nul_join({"c", "5"})), kOk);
  // transactions: 0 means one (C's ">" again), then ENOSPC.
  EXPECT_NE(h.start_transaction(guest), 0u);
  EXPECT_EQ(h.call(guest, XS_TRANSACTION_START, std::string(1, '\0')), "E:ENOSPC");
  EXPECT_NE(h.start_transaction(other), 0u);
  EXPECT_NE(h.start_transaction(other), 0u);
  // memory
  EXPECT_EQ(h.call(dom0, protocol::kSetQuota, nul_join({"6", "memory", "3000"})), kOk);
  EXPECT_EQ(h.write(other, "big", std::string(2000, 'x')), kOk);
  EXPECT_EQ(h.write(other, "big2", std::string(2000, 'x')), "E:ENOMEM");
  EXPECT_EQ(h.write(guest, "b", std::string(2000, 'x')), kOk);
  // The global value still applies to everyone without their own.
  EXPECT_EQ(h.call(dom0, protocol::kSetQuota, nul_join({"nodes", "2"})), kOk);
  EXPECT_EQ(h.call(dom0, protocol::kGetQuota, nul_join({"5", "nodes"})), std::string("3\0", 2));
  EXPECT_EQ(h.write(other, "d", "1"), "E:ENOSPC");
  // A released domain's values are forgotten.
  ASSERT_EQ(h.call(dom0, XS_RELEASE, nul_join({"5"})), kOk);
  ASSERT_EQ(h.call(dom0, XS_INTRODUCE, nul_join({"5", "0", "1"})), kOk);
  EXPECT_EQ(h.call(dom0, protocol::kGetQuota, nul_join({"5", "nodes"})), std::string("2\0", 2));
  EXPECT_TRUE(h.check().empty());
}

// --- fairness: conflict credit ---------------------------------------------

TEST(ConflictCredit, BurstThenRegainOverTime) {
  protocol::ConflictPolicy policy;
  policy.burst = 3;
  policy.regain_per_second = 2;
  protocol::ConflictCredit credit(policy);
  const auto t0 = protocol::ConflictCredit::Clock::time_point{} + std::chrono::hours(1);
  EXPECT_FALSE(credit.throttled(7, t0));
  EXPECT_FALSE(credit.charge(7, t0));
  EXPECT_FALSE(credit.charge(7, t0));
  EXPECT_FALSE(credit.charge(7, t0));
  EXPECT_FALSE(credit.throttled(7, t0));
  EXPECT_TRUE(credit.charge(7, t0));  // the 4th within the burst of 3
  EXPECT_FALSE(credit.charge(7, t0));  // already throttled: not a new period
  EXPECT_TRUE(credit.throttled(7, t0));
  EXPECT_FALSE(credit.throttled(8, t0));
  EXPECT_TRUE(credit.throttled(7, t0 + std::chrono::milliseconds(900)));   // -2 + 1.8
  EXPECT_FALSE(credit.throttled(7, t0 + std::chrono::milliseconds(1000)));  // back to 0
  EXPECT_DOUBLE_EQ(credit.credit(7, t0 + std::chrono::seconds(60)), 3.0);    // capped at the burst
}

// Guest 5 (the victim) runs transactions that read a node guest 6 keeps
// rewriting in transactions of its own; guest 7 only touches its own nodes.
class EngineFairness : public ::testing::Test {
 protected:
  static constexpr DomainId kVictim = 5;
  static constexpr DomainId kBully = 6;
  static constexpr DomainId kNeighbour = 7;

  void SetUp() override {
    h.engine.set_clock([this] { return now; });
    h.engine.set_metrics(&metrics);
    dom0 = h.open_dom0();
    for (DomainId d : {kVictim, kBully, kNeighbour}) make_home(h, dom0, d);
    ASSERT_EQ(h.write(dom0, "/local/domain/6/shared", "0"), kOk);
    ASSERT_EQ(h.call(dom0, XS_SET_PERMS, nul_join({"/local/domain/6/shared", "n6", "r5"})), kOk);
    victim = h.open_guest(kVictim);
    bully = h.open_guest(kBully);
    neighbour = h.open_guest(kNeighbour);
  }

  // One victim attempt with the bully committing in between; the victim's
  // reply to its commit.
  std::string victim_attempt(std::string* bully_reply) {
    const std::uint32_t tx = h.start_transaction(victim);
    EXPECT_NE(h.read(victim, "/local/domain/6/shared", tx).substr(0, 2), "E:");
    EXPECT_EQ(h.write(victim, "out", "seen", tx), kOk);
    const std::uint32_t btx = h.start_transaction(bully);
    EXPECT_EQ(h.write(bully, "shared", std::to_string(++bully_writes), btx), kOk);
    *bully_reply = h.call(bully, XS_TRANSACTION_END, nul_join({"T"}), btx);
    return h.call(victim, XS_TRANSACTION_END, nul_join({"T"}), tx);
  }

  EngineHarness h;
  observability::Metrics metrics;
  protocol::ConflictCredit::Clock::time_point now =
      protocol::ConflictCredit::Clock::time_point{} + std::chrono::hours(1);
  SessionId dom0 = 0, victim = 0, bully = 0, neighbour = 0;
  int bully_writes = 0;
};

TEST_F(EngineFairness, AGuestThatKeepsFailingOthersIsThrottledAndTheVictimGetsThrough) {
  int attempts = 0;
  std::string reply;
  std::string bully_reply;
  std::vector<std::string> bully_replies;
  do {
    reply = victim_attempt(&bully_reply);
    bully_replies.push_back(bully_reply);
    ++attempts;
  } while (reply != kOk && attempts < 50);
  EXPECT_EQ(reply, kOk);
  // The burst (5) of failures, then one more makes the bully throttled; its
  // next commit is refused and the victim's goes through.
  EXPECT_EQ(attempts, static_cast<int>(h.limits.conflict.burst) + 2);
  EXPECT_EQ(bully_replies.back(), "E:EAGAIN");
  EXPECT_TRUE(h.engine.throttled(kBully));
  EXPECT_FALSE(h.engine.throttled(kVictim));
  const auto& victim_counters = metrics.domains().at(kVictim);
  EXPECT_EQ(victim_counters.eagain[static_cast<std::size_t>(observability::EagainCause::kCommitConflict)],
            static_cast<std::uint64_t>(attempts - 1));
  EXPECT_EQ(metrics.domains().at(kBully).eagain[static_cast<std::size_t>(observability::EagainCause::kOther)], 1u);
  // While throttled the bully's reads and plain writes are served.
  EXPECT_EQ(h.write(bully, "plain", "x"), kOk);
  // Credit comes back with time (1 per second by default).
  now += std::chrono::seconds(2);
  EXPECT_FALSE(h.engine.throttled(kBully));
  const std::uint32_t btx = h.start_transaction(bully);
  EXPECT_EQ(h.write(bully, "shared", "again", btx), kOk);
  EXPECT_EQ(h.call(bully, XS_TRANSACTION_END, nul_join({"T"}), btx), kOk);
}

TEST_F(EngineFairness, PlainWritesThatFailOthersAreChargedToo) {
  for (int i = 0; i < 6; ++i) {
    const std::uint32_t tx = h.start_transaction(victim);
    ASSERT_NE(h.read(victim, "/local/domain/6/shared", tx).substr(0, 2), "E:");
    ASSERT_EQ(h.write(victim, "out", "seen", tx), kOk);
    ASSERT_EQ(h.write(bully, "shared", std::to_string(i)), kOk);
    ASSERT_EQ(h.call(victim, XS_TRANSACTION_END, nul_join({"T"}), tx), "E:EAGAIN");
  }
  EXPECT_TRUE(h.engine.throttled(kBully));
  // A node removed under the victim's feet names its remover as well.
  now += std::chrono::seconds(10);
  EXPECT_FALSE(h.engine.throttled(kBully));
  for (int i = 0; i < 6; ++i) {
    const std::uint32_t tx = h.start_transaction(victim);
    ASSERT_NE(h.read(victim, "/local/domain/6/shared", tx).substr(0, 2), "E:");
    ASSERT_EQ(h.write(victim, "out", "seen", tx), kOk);
    ASSERT_EQ(h.call(bully, XS_RM, nul_join({"shared"})), kOk);
    ASSERT_EQ(h.write(dom0, "/local/domain/6/shared", "0"), kOk);
    ASSERT_EQ(h.call(dom0, XS_SET_PERMS, nul_join({"/local/domain/6/shared", "n6", "r5"})), kOk);
    ASSERT_EQ(h.call(victim, XS_TRANSACTION_END, nul_join({"T"}), tx), "E:EAGAIN");
  }
  // (the recreation by dom0 is what the victim saw last: dom0 is exempt)
  EXPECT_FALSE(h.engine.throttled(0));
}

TEST_F(EngineFairness, WellBehavedGuestsAreNeverThrottled) {
  for (int round = 0; round < 50; ++round) {
    // The victim's transactions fail now and then, by the bully's plain writes.
    const std::uint32_t tx = h.start_transaction(victim);
    ASSERT_NE(h.read(victim, "/local/domain/6/shared", tx).substr(0, 2), "E:");
    ASSERT_EQ(h.write(victim, "out", std::to_string(round), tx), kOk);
    // The neighbour commits its own work meanwhile, in and out of transactions.
    const std::uint32_t ntx = h.start_transaction(neighbour);
    ASSERT_EQ(h.write(neighbour, "state", std::to_string(round), ntx), kOk);
    ASSERT_EQ(h.call(neighbour, XS_TRANSACTION_END, nul_join({"T"}), ntx), kOk);
    ASSERT_EQ(h.write(neighbour, "plain", std::to_string(round)), kOk);
    if (round % 10 == 0) {
      ASSERT_EQ(h.write(bully, "shared", std::to_string(round)), kOk);
    }
    const std::string end = h.call(victim, XS_TRANSACTION_END, nul_join({"T"}), tx);
    ASSERT_EQ(end, round % 10 == 0 ? "E:EAGAIN" : kOk);
    // A victim is never charged for its own failures.
    ASSERT_FALSE(h.engine.throttled(kVictim));
    ASSERT_FALSE(h.engine.throttled(kNeighbour));
    now += std::chrono::milliseconds(200);
  }
  // 5 conflicts spread over 10 s never exhaust the bully's credit either.
  EXPECT_FALSE(h.engine.throttled(kBully));
}

TEST_F(EngineFairness, Dom0IsExemptUnlessConfigured) {
  for (int i = 0; i < 10; ++i) {
    const std::uint32_t tx = h.start_transaction(victim);
    ASSERT_NE(h.read(victim, "/local/domain/6/shared", tx).substr(0, 2), "E:");
    ASSERT_EQ(h.write(victim, "out", "seen", tx), kOk);
    ASSERT_EQ(h.write(dom0, "/local/domain/6/shared", std::to_string(i)), kOk);
    ASSERT_EQ(h.call(victim, XS_TRANSACTION_END, nul_join({"T"}), tx), "E:EAGAIN");
  }
  EXPECT_FALSE(h.engine.throttled(0));
  std::uint32_t tx = h.start_transaction(dom0);
  EXPECT_EQ(h.call(dom0, XS_TRANSACTION_END, nul_join({"T"}), tx), kOk);
  h.limits.conflict.throttle_dom0 = true;
  for (int i = 0; i < 6; ++i) {
    const std::uint32_t vtx = h.start_transaction(victim);
    ASSERT_NE(h.read(victim, "/local/domain/6/shared", vtx).substr(0, 2), "E:");
    ASSERT_EQ(h.write(victim, "out", "seen", vtx), kOk);
    ASSERT_EQ(h.write(dom0, "/local/domain/6/shared", "d" + std::to_string(i)), kOk);
    ASSERT_EQ(h.call(victim, XS_TRANSACTION_END, nul_join({"T"}), vtx), "E:EAGAIN");
  }
  EXPECT_TRUE(h.engine.throttled(0));
  tx = h.start_transaction(dom0);
  ASSERT_EQ(h.write(dom0, "/tool/x", "1", tx), kOk);
  EXPECT_EQ(h.call(dom0, XS_TRANSACTION_END, nul_join({"T"}), tx), "E:EAGAIN");
}

}  // namespace
}  // namespace cxxenstored::hostile
