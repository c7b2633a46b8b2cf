// The store's side of the memory quota, per-domain quota values and
// conflict attribution: byte accounting kept with the node counts on every
// path (live, transaction fast path, replay, release, reset), refusals
// naming their quota, and the domain a failed commit can blame.
#include <cerrno>
#include <functional>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "cxxenstored/store/store.h"

namespace cxxenstored::store {
namespace {

const Caller kDom0 = Caller::dom0();
constexpr DomainId kGuest = 5;
constexpr DomainId kOther = 6;

// Node bytes per owner recounted from the tree.
std::map<DomainId, std::int64_t> recount_bytes(const Store& store) {
  std::map<DomainId, std::int64_t> bytes;
  std::function<void(const NodePtr&, const std::string&)> walk = [&](const NodePtr& n, const std::string& path) {
    bytes[n->perms().owner()] += static_cast<std::int64_t>(node_memory(*n, path.size()));
    n->children().for_each([&](const NodePtr& c) {
      walk(c, (path == "/" ? path : path + "/") + std::string(c->name()));
    });
  };
  walk(store.root(), "/");
  return bytes;
}

void expect_consistent(const Store& store) {
  const auto bytes = recount_bytes(store);
  for (const auto& [domain, n] : bytes) EXPECT_EQ(store.usage().bytes(domain), n) << "domain " << domain;
  for (const auto& [domain, n] : store.usage().all_bytes()) {
    auto it = bytes.find(domain);
    EXPECT_EQ(it == bytes.end() ? 0 : it->second, n) << "domain " << domain;
  }
}

Permissions owned_by(DomainId domain) { return Permissions(std::vector<Perm>{Perm{domain, kAccessNone}}); }

class StoreQuotaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (DomainId d : {kGuest, kOther}) {
      const std::string home = home_path(d);
      ASSERT_TRUE(store.write(kDom0, home, ""));
      ASSERT_TRUE(store.set_perms(kDom0, home, owned_by(d)));
    }
  }
  Store store;
};

TEST(QuotaNames, RoundTripAndPerDomainKinds) {
  for (std::size_t i = 0; i < kQuotaNameCount; ++i) {
    const auto name = static_cast<QuotaName>(i);
    EXPECT_EQ(quota_by_name(quota_name(name)), name);
  }
  EXPECT_EQ(quota_by_name("bogus"), std::nullopt);
  EXPECT_TRUE(quota_is_per_domain(QuotaName::kMemory));
  EXPECT_FALSE(quota_is_per_domain(QuotaName::kNodeSize));
  EXPECT_FALSE(quota_is_per_domain(QuotaName::kPathMax));
}

TEST(UsageDelta, KeepsEveryDomainPastTheEntriesHeldInPlace) {
  UsageDelta delta;
  EXPECT_TRUE(delta.entries().empty());
  for (DomainId d = 1; d <= 5; ++d) {
    delta.add_nodes(d, static_cast<std::int64_t>(d));
    delta.add_bytes(d, 100 * static_cast<std::int64_t>(d));
  }
  delta.add_nodes(1, 10);  // after the spill: still the same entry
  delta.add_bytes(2, 0);   // no change, no entry needed
  ASSERT_EQ(delta.entries().size(), 5u);
  for (DomainId d = 1; d <= 5; ++d) {
    EXPECT_EQ(delta.nodes(d), d == 1 ? 11 : static_cast<std::int64_t>(d)) << d;
    EXPECT_EQ(delta.bytes(d), 100 * static_cast<std::int64_t>(d)) << d;
    EXPECT_EQ(delta.entries()[d - 1].domain, d);
  }
  EXPECT_EQ(delta.nodes(9), 0);

  UsageDelta copy = delta;  // what a refused creation restores
  delta.clear();
  EXPECT_TRUE(delta.entries().empty());
  EXPECT_EQ(delta.nodes(1), 0);
  delta.add_nodes(7, 1);
  ASSERT_EQ(delta.entries().size(), 1u);
  EXPECT_EQ(copy.nodes(1), 11);
  EXPECT_EQ(copy.entries().size(), 5u);
}

TEST(StampIssuers, RunsRememberWhoTookEachStamp) {
  StampSource stamps;
  stamps.set_issuer(3);
  const auto a = stamps.next();
  const auto b = stamps.next();
  stamps.set_issuer(4);
  const auto c = stamps.next();
  stamps.set_issuer(3);
  const auto d = stamps.next();
  EXPECT_EQ(stamps.issuer_of(a), 3u);
  EXPECT_EQ(stamps.issuer_of(b), 3u);
  EXPECT_EQ(stamps.issuer_of(c), 4u);
  EXPECT_EQ(stamps.issuer_of(d), 3u);
  EXPECT_EQ(stamps.issuer_of(0), std::nullopt);
  EXPECT_EQ(stamps.issuer_of(d + 1), std::nullopt);
  // Only the newest runs are kept.
  for (std::size_t i = 0; i < StampSource::kMaxIssuerRuns + 1; ++i) {
    stamps.set_issuer(static_cast<DomainId>(i % 2));
    stamps.next();
  }
  EXPECT_EQ(stamps.issuer_of(a), std::nullopt);
  EXPECT_TRUE(stamps.issuer_of(stamps.last()).has_value());
}

TEST_F(StoreQuotaTest, BytesFollowEveryKindOfUpdate) {
  const Caller guest = Caller::guest(kGuest);
  expect_consistent(store);
  ASSERT_TRUE(store.write(guest, "/local/domain/5/a/b/c", "value"));
  ASSERT_TRUE(store.mkdir(guest, "/local/domain/5/d"));
  ASSERT_TRUE(store.write(guest, "/local/domain/5/a", "longer value"));
  ASSERT_TRUE(store.set_perms(guest, "/local/domain/5/a/b", Permissions(std::vector<Perm>{
                                                                 Perm{kGuest, kAccessNone}, Perm{kOther, kAccessRead}})));
  expect_consistent(store);
  ASSERT_TRUE(store.set_perms(kDom0, "/local/domain/5/a/b/c", owned_by(kOther)));
  expect_consistent(store);
  ASSERT_TRUE(store.rm(guest, "/local/domain/5/a/b"));
  expect_consistent(store);
  // Transactions: fast path and replay.
  auto t1 = store.begin_transaction();
  auto t2 = store.begin_transaction();
  ASSERT_TRUE(store.write(guest, "/local/domain/5/t1/x", "1", t1.get()));
  ASSERT_TRUE(store.write(guest, "/local/domain/5/t2/y", "22", t2.get()));
  ASSERT_TRUE(store.rm(guest, "/local/domain/5/d", t2.get()));
  ASSERT_TRUE(store.commit(*t1));
  ASSERT_TRUE(store.commit(*t2));
  EXPECT_EQ(store.commit_stats().merged, 1u);
  expect_consistent(store);
  // Release: handed to dom0 (-K), then removed.
  store.release_domain(kOther, /*keep_orphans=*/true);
  expect_consistent(store);
  EXPECT_EQ(store.usage().bytes(kOther), 0);
  store.release_domain(kGuest, /*keep_orphans=*/false);
  expect_consistent(store);
  EXPECT_EQ(store.usage().bytes(kGuest), 0);
  // A restored tree is recounted.
  const auto before = store.usage().all_bytes();
  store.reset(store.root(), store.stamps().last());
  EXPECT_EQ(store.usage().all_bytes(), before);
}

TEST_F(StoreQuotaTest, MemoryQuotaRefusesAndNamesItself) {
  store.quotas().memory_per_domain = 3000;
  const Caller guest = Caller::guest(kGuest);
  ASSERT_TRUE(store.write(guest, "/local/domain/5/a", std::string(1500, 'a')));
  const auto used = store.usage().bytes(kGuest);
  auto refused = store.write(guest, "/local/domain/5/b", std::string(1500, 'b'));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ENOMEM);
  EXPECT_EQ(store.take_refusal(), QuotaName::kMemory);
  EXPECT_EQ(store.take_refusal(), std::nullopt);  // reading clears it
  EXPECT_EQ(store.usage().bytes(kGuest), used);
  // Growing an existing node counts the difference only.
  EXPECT_EQ(store.write(guest, "/local/domain/5/a", std::string(3000, 'a')).error().code, ENOSPC);
  EXPECT_EQ(store.take_refusal(), QuotaName::kNodeSize);
  // Extra bytes (watches) count too; dom0 is never limited.
  store.charge_extra_bytes(kGuest, 1000);
  EXPECT_EQ(store.write(guest, "/local/domain/5/c", std::string(500, 'c')).error().code, ENOMEM);
  store.charge_extra_bytes(kGuest, -1000);
  EXPECT_TRUE(store.write(guest, "/local/domain/5/c", std::string(500, 'c')));
  EXPECT_TRUE(store.write(kDom0, "/local/domain/5/d", std::string(1900, 'd')));
  // A per-domain value overrides the global one for that domain only; 0 is
  // no limit.
  store.quotas().per_domain.set(kGuest, QuotaName::kMemory, 0);
  EXPECT_TRUE(store.write(guest, "/local/domain/5/e", std::string(1500, 'e')));
  EXPECT_TRUE(store.write(Caller::guest(kOther), "/local/domain/6/e", std::string(1500, 'e')));
  EXPECT_EQ(store.write(Caller::guest(kOther), "/local/domain/6/f", std::string(1500, 'e')).error().code, ENOMEM);
  // Other errors carry no quota.
  EXPECT_EQ(store.write(guest, "/tool/x", "1").error().code, EACCES);
  EXPECT_EQ(store.take_refusal(), std::nullopt);
  expect_consistent(store);
}

TEST_F(StoreQuotaTest, PerDomainNodeQuotaAndTransactionRefusals) {
  store.quotas().per_domain.set(kGuest, QuotaName::kNodes, 2);
  const Caller guest = Caller::guest(kGuest);
  ASSERT_TRUE(store.write(guest, "/local/domain/5/a", "1"));
  EXPECT_EQ(store.write(guest, "/local/domain/5/b", "1").error().code, ENOSPC);
  EXPECT_EQ(store.take_refusal(), QuotaName::kNodes);
  EXPECT_TRUE(store.write(Caller::guest(kOther), "/local/domain/6/b", "1"));
  // In a transaction too, and the transaction-nodes quota names itself.
  store.quotas().transaction_nodes = 3;
  auto tx = store.begin_transaction();
  EXPECT_EQ(store.write(guest, "/local/domain/5/b", "1", tx.get()).error().code, ENOSPC);
  EXPECT_EQ(store.take_refusal(), QuotaName::kNodes);
  const Caller other = Caller::guest(kOther);
  auto tx2 = store.begin_transaction();
  ASSERT_TRUE(store.write(other, "/local/domain/6/x/y", "1", tx2.get()));
  EXPECT_EQ(store.write(other, "/local/domain/6/z", "1", tx2.get()).error().code, ENOSPC);
  EXPECT_EQ(store.take_refusal(), QuotaName::kTransactionNodes);
}

TEST_F(StoreQuotaTest, AFailedCommitNamesTheDomainThatCausedIt) {
  const Caller guest = Caller::guest(kGuest);
  const Caller other = Caller::guest(kOther);
  ASSERT_TRUE(store.write(kDom0, "/shared", "0"));
  ASSERT_TRUE(store.set_perms(kDom0, "/shared", Permissions(std::vector<Perm>{Perm{kOther, kAccessRead}})));
  ASSERT_TRUE(store.set_perms(kDom0, "/local/domain/6", Permissions(std::vector<Perm>{
                                                            Perm{kOther, kAccessNone}, Perm{kGuest, kAccessRead}})));
  auto conflicted = [&](const std::function<void()>& meanwhile) {
    auto tx = store.begin_transaction();
    EXPECT_TRUE(store.read(guest, "/shared", tx.get()));
    EXPECT_TRUE(store.directory(guest, "/local/domain/6", tx.get()));
    EXPECT_TRUE(store.write(guest, "/local/domain/5/out", "x", tx.get()));
    meanwhile();
    auto result = store.commit(*tx);
    EXPECT_FALSE(result);
    return result ? std::nullopt : store.last_conflict_cause();
  };
  // A changed value.
  EXPECT_EQ(conflicted([&] { ASSERT_TRUE(store.write(other, "/shared", "1")); }), kOther);
  // A changed child list (creation), by a committed transaction.
  EXPECT_EQ(conflicted([&] {
              auto t = store.begin_transaction();
              ASSERT_TRUE(store.write(other, "/local/domain/6/new", "1", t.get()));
              ASSERT_TRUE(store.commit(*t));
            }),
            kOther);
  // A removal.
  EXPECT_EQ(conflicted([&] { ASSERT_TRUE(store.rm(other, "/local/domain/6/new")); }), kOther);
  // dom0's changes name dom0.
  EXPECT_EQ(conflicted([&] { ASSERT_TRUE(store.write(kDom0, "/shared", "2")); }), 0u);
  // A successful commit leaves no cause behind.
  auto ok = store.begin_transaction();
  ASSERT_TRUE(store.write(guest, "/local/domain/5/out", "y", ok.get()));
  ASSERT_TRUE(store.commit(*ok));
  EXPECT_EQ(store.last_conflict_cause(), std::nullopt);
}

}  // namespace
}  // namespace cxxenstored::store
