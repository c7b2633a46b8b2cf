#include <cerrno>
#include <string>

#include <gtest/gtest.h>

#include "cxxenstored/store/store.h"

namespace cxxenstored::store {
namespace {

using namespace std::string_literals;
using Names = std::vector<std::string>;
const Caller kDom0 = Caller::dom0();

class TransactionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store.write(kDom0, "/a", "a0"));
    ASSERT_TRUE(store.write(kDom0, "/b", "b0"));
    ASSERT_TRUE(store.write(kDom0, "/dir/x", ""));
  }
  Store store;
};

TEST_F(TransactionTest, StartIsASnapshot) {
  auto tx = store.begin_transaction();
  EXPECT_EQ(tx->snapshot(), store.root());
  ASSERT_TRUE(store.write(kDom0, "/a", "tx", tx.get()));
  ASSERT_TRUE(store.write(kDom0, "/b", "live"));
  // Once it changed something, the transaction reads its own tree.
  EXPECT_EQ(*store.read(kDom0, "/b", tx.get()), "b0");
  EXPECT_EQ(*store.read(kDom0, "/a"), "a0");
}

// Watch events at commit come in the order of first access (the C
// daemon's list of accessed nodes), so which accesses count, and when, is
// visible: a creation accesses the node, the parents made with it and the
// existing parent it was made under, in that order; an operation on an
// existing node accesses it even when it changes nothing or fails; one on a
// missing node that creates nothing accesses nothing.
TEST_F(TransactionTest, AccessesAreCountedInTheOrderTheCDaemonListsThem) {
  const Caller guest = Caller::guest(7);
  ASSERT_TRUE(store.set_perms(kDom0, "/b", *Permissions::parse("n0\0"s, 1)));
  auto tx = store.begin_transaction();
  ASSERT_TRUE(store.write(kDom0, "/dir/x/new/deep", "v", tx.get()));
  ASSERT_TRUE(store.mkdir(kDom0, "/a", tx.get()));                       // exists: a no-op
  EXPECT_FALSE(store.read(kDom0, "/missing", tx.get()));                 // nothing there
  EXPECT_EQ(store.read(guest, "/b", tx.get()).error().code, EACCES);     // refused, but there
  ASSERT_TRUE(store.rm(kDom0, "/dir/x/new/deep", tx.get()));             // already accessed
  ASSERT_TRUE(store.write(kDom0, "/dir/x", "later", tx.get()));          // accessed at creation
  EXPECT_EQ(tx->first_access("/dir/x/new/deep"), 0u);
  EXPECT_EQ(tx->first_access("/dir/x/new"), 1u);
  EXPECT_EQ(tx->first_access("/dir/x"), 2u);
  EXPECT_EQ(tx->first_access("/a"), 3u);
  EXPECT_EQ(tx->first_access("/b"), 4u);
  EXPECT_EQ(tx->first_access("/missing"), SIZE_MAX);
  EXPECT_EQ(tx->first_access("/dir"), SIZE_MAX);
}

// DIRECTORY_PART's generation: the C daemon gives each node a transaction
// rewrote a new count at commit, so a count read inside the transaction is
// never read again outside it; a node the transaction did not rewrite shows
// its live count inside too.
TEST_F(TransactionTest, GenerationsReadInsideATransactionNeverComeBackAfterIt) {
  const std::uint64_t dir_before = *store.children_generation(kDom0, "/dir");
  const std::uint64_t x_before = *store.children_generation(kDom0, "/dir/x");
  auto tx = store.begin_transaction();
  EXPECT_EQ(*store.children_generation(kDom0, "/dir/x", tx.get()), x_before);
  ASSERT_TRUE(store.mkdir(kDom0, "/dir/y", tx.get()));
  const std::uint64_t inside = *store.children_generation(kDom0, "/dir", tx.get());
  EXPECT_NE(inside, dir_before);
  EXPECT_EQ(*store.children_generation(kDom0, "/dir", tx.get()), inside);
  ASSERT_TRUE(store.write(kDom0, "/dir", "v", tx.get()));
  const std::uint64_t rewritten = *store.children_generation(kDom0, "/dir", tx.get());
  EXPECT_NE(rewritten, inside);
  ASSERT_TRUE(store.commit(*tx));
  EXPECT_EQ(store.commit_stats().fast, 1u);  // the transaction's nodes went live as they were
  const std::uint64_t after = *store.children_generation(kDom0, "/dir");
  EXPECT_NE(after, inside);
  EXPECT_NE(after, rewritten);
  EXPECT_NE(after, dir_before);
  EXPECT_EQ(*store.children_generation(kDom0, "/dir/x"), x_before);
}

TEST_F(TransactionTest, ReadsSeeWhatWasCommittedBeforeTheTransactionLooked) {
  // As in the C daemon: a transaction that has changed nothing reads the
  // live state, so a commit between its start and its read is no conflict.
  auto tx = store.begin_transaction();
  ASSERT_TRUE(store.write(kDom0, "/a", "live"));
  EXPECT_EQ(*store.read(kDom0, "/a", tx.get()), "live");
  EXPECT_EQ(tx->snapshot(), store.root());
  ASSERT_TRUE(store.write(kDom0, "/a", "live+tx", tx.get()));
  ASSERT_TRUE(store.commit(*tx));
  EXPECT_EQ(*store.read(kDom0, "/a"), "live+tx");
  EXPECT_EQ(store.commit_stats().fast, 1u);
}

TEST_F(TransactionTest, SnapshotMovesPastChangesItsReadsDoNotDependOn) {
  auto tx = store.begin_transaction();
  ASSERT_EQ(*store.read(kDom0, "/a", tx.get()), "a0");
  ASSERT_TRUE(store.write(kDom0, "/b", "live"));
  EXPECT_EQ(*store.read(kDom0, "/b", tx.get()), "live");
  ASSERT_TRUE(store.write(kDom0, "/c", "from-tx", tx.get()));
  ASSERT_TRUE(store.commit(*tx));
  EXPECT_EQ(store.commit_stats().fast, 1u);
}

TEST_F(TransactionTest, SnapshotStaysWhenAReadNoLongerHolds) {
  auto tx = store.begin_transaction();
  ASSERT_EQ(*store.read(kDom0, "/a", tx.get()), "a0");
  ASSERT_TRUE(store.write(kDom0, "/a", "a1"));
  ASSERT_TRUE(store.write(kDom0, "/b", "b1"));
  // Showing b1 beside a0 would be a state that never existed.
  EXPECT_EQ(*store.read(kDom0, "/b", tx.get()), "b0");
  ASSERT_TRUE(store.write(kDom0, "/c", "from-tx", tx.get()));
  EXPECT_EQ(store.commit(*tx).error().code, EAGAIN);
}

TEST_F(TransactionTest, SnapshotStaysOnceTheTransactionChangedSomething) {
  auto tx = store.begin_transaction();
  ASSERT_TRUE(store.write(kDom0, "/c", "from-tx", tx.get()));
  const NodePtr snapshot = tx->snapshot();
  ASSERT_TRUE(store.write(kDom0, "/b", "live"));
  EXPECT_EQ(*store.read(kDom0, "/b", tx.get()), "b0");
  EXPECT_EQ(tx->snapshot(), snapshot);
  EXPECT_EQ(store.commit(*tx).error().code, EAGAIN);
}

TEST_F(TransactionTest, ALongReadOnlyTransactionKeepsItsSnapshot) {
  // Rechecking every earlier read before each operation would make a long
  // transaction quadratic: past a bound the snapshot stays.
  auto tx = store.begin_transaction();
  for (std::size_t i = 0; i <= Store::kMaxReadsRecheckedToAdvance; ++i)
    ASSERT_EQ(store.read(kDom0, "/n" + std::to_string(i), tx.get()).error().code, ENOENT);
  ASSERT_TRUE(store.write(kDom0, "/b", "live"));
  EXPECT_EQ(*store.read(kDom0, "/b", tx.get()), "b0");
  ASSERT_TRUE(store.commit(*tx));  // read-only: serialises at its snapshot
}

TEST_F(TransactionTest, FastPathInstallsTheTransactionsRoot) {
  auto tx = store.begin_transaction();
  ASSERT_TRUE(store.write(kDom0, "/a", "1", tx.get()));
  auto changes = store.commit(*tx);
  ASSERT_TRUE(changes);
  EXPECT_EQ(changes->size(), 1u);
  EXPECT_EQ(*store.read(kDom0, "/a"), "1");
  EXPECT_EQ(store.commit_stats().fast, 1u);
}

TEST_F(TransactionTest, BlindWritesNeverConflict) {
  auto t1 = store.begin_transaction();
  auto t2 = store.begin_transaction();
  ASSERT_TRUE(store.write(kDom0, "/a", "t1", t1.get()));
  ASSERT_TRUE(store.write(kDom0, "/a", "t2", t2.get()));
  ASSERT_TRUE(store.commit(*t1));
  ASSERT_TRUE(store.commit(*t2));
  EXPECT_EQ(*store.read(kDom0, "/a"), "t2");
  EXPECT_EQ(store.commit_stats().merged, 1u);
}

TEST_F(TransactionTest, ReadThenChangedIsAConflict) {
  auto tx = store.begin_transaction();
  ASSERT_EQ(*store.read(kDom0, "/a", tx.get()), "a0");
  ASSERT_TRUE(store.write(kDom0, "/b", "from-tx", tx.get()));
  ASSERT_TRUE(store.write(kDom0, "/a", "other"));
  EXPECT_EQ(store.commit(*tx).error().code, EAGAIN);
  EXPECT_EQ(*store.read(kDom0, "/b"), "b0");  // nothing of it applied
}

TEST_F(TransactionTest, UnrelatedChangesMerge) {
  auto tx = store.begin_transaction();
  ASSERT_EQ(*store.read(kDom0, "/a", tx.get()), "a0");
  ASSERT_TRUE(store.write(kDom0, "/a2", "x", tx.get()));
  ASSERT_TRUE(store.write(kDom0, "/b", "other"));  // tx never read /b
  ASSERT_TRUE(store.commit(*tx));
  EXPECT_EQ(*store.read(kDom0, "/a2"), "x");
  EXPECT_EQ(*store.read(kDom0, "/b"), "other");
}

TEST_F(TransactionTest, ChangeBelowAReadNodeIsNotAConflict) {
  // Pointer identity of content, not of the subtree: /dir's value and child
  // list stay the same when /dir/x's value changes.
  auto tx = store.begin_transaction();
  ASSERT_EQ(*store.read(kDom0, "/dir", tx.get()), "");
  ASSERT_EQ(*store.directory(kDom0, "/dir", tx.get()), Names{"x"});
  ASSERT_TRUE(store.write(kDom0, "/out", "1", tx.get()));
  ASSERT_TRUE(store.write(kDom0, "/dir/x", "changed"));
  EXPECT_TRUE(store.commit(*tx));
}

TEST_F(TransactionTest, ListingThenNewSiblingIsAConflict) {
  auto tx = store.begin_transaction();
  ASSERT_EQ(*store.directory(kDom0, "/dir", tx.get()), Names{"x"});
  ASSERT_TRUE(store.write(kDom0, "/out", "1", tx.get()));
  ASSERT_TRUE(store.write(kDom0, "/dir/y", ""));
  EXPECT_EQ(store.commit(*tx).error().code, EAGAIN);
}

TEST_F(TransactionTest, ListingAfterOwnAddStillDependsOnOthers) {
  auto tx = store.begin_transaction();
  ASSERT_TRUE(store.write(kDom0, "/dir/mine", "", tx.get()));
  ASSERT_EQ(*store.directory(kDom0, "/dir", tx.get()), (Names{"x", "mine"}));
  ASSERT_TRUE(store.write(kDom0, "/dir/theirs", ""));
  EXPECT_EQ(store.commit(*tx).error().code, EAGAIN);
}

TEST_F(TransactionTest, ConcurrentCreationsUnderOneParentMerge) {
  auto t1 = store.begin_transaction();
  auto t2 = store.begin_transaction();
  ASSERT_TRUE(store.write(kDom0, "/local/domain/5/name", "vm5", t1.get()));
  ASSERT_TRUE(store.write(kDom0, "/local/domain/6/name", "vm6", t2.get()));
  ASSERT_TRUE(store.commit(*t1));
  ASSERT_TRUE(store.commit(*t2));
  EXPECT_EQ(*store.directory(kDom0, "/local/domain"), (Names{"5", "6"}));
}

TEST_F(TransactionTest, CreatingTheSameNodeTwiceIsTwoBlindWrites) {
  // dom0's writes succeed whatever exists, so both orders are serial.
  auto t1 = store.begin_transaction();
  auto t2 = store.begin_transaction();
  ASSERT_TRUE(store.write(kDom0, "/new/n", "1", t1.get()));
  ASSERT_TRUE(store.write(kDom0, "/new/n", "2", t2.get()));
  ASSERT_TRUE(store.commit(*t1));
  ASSERT_TRUE(store.commit(*t2));
  EXPECT_EQ(*store.read(kDom0, "/new/n"), "2");
}

TEST_F(TransactionTest, RmDependsOnlyOnTheParentExisting) {
  auto tx = store.begin_transaction();
  ASSERT_TRUE(store.rm(kDom0, "/dir/x", tx.get()));
  ASSERT_TRUE(store.rm(kDom0, "/dir/x"));  // gone already: the reply stays OK
  EXPECT_TRUE(store.commit(*tx));
  auto tx2 = store.begin_transaction();
  ASSERT_TRUE(store.rm(kDom0, "/dir/x", tx2.get()));  // absent, parent exists: OK
  ASSERT_TRUE(store.rm(kDom0, "/dir"));                // now the reply would be ENOENT
  EXPECT_EQ(store.commit(*tx2).error().code, EAGAIN);
}

TEST_F(TransactionTest, ReadsOfOwnWritesAreNotChecked) {
  auto tx = store.begin_transaction();
  ASSERT_TRUE(store.write(kDom0, "/a", "mine", tx.get()));
  ASSERT_EQ(*store.read(kDom0, "/a", tx.get()), "mine");
  ASSERT_TRUE(store.write(kDom0, "/a", "theirs"));
  ASSERT_TRUE(store.commit(*tx));
  EXPECT_EQ(*store.read(kDom0, "/a"), "mine");
}

TEST_F(TransactionTest, RemovedThenRecreatedInsideTransaction) {
  auto tx = store.begin_transaction();
  ASSERT_TRUE(store.rm(kDom0, "/dir", tx.get()));
  EXPECT_EQ(store.read(kDom0, "/dir/x", tx.get()).error().code, ENOENT);
  ASSERT_TRUE(store.write(kDom0, "/dir/z", "1", tx.get()));
  ASSERT_TRUE(store.write(kDom0, "/dir/x", "concurrent"));  // below the removed node
  ASSERT_TRUE(store.commit(*tx));
  EXPECT_EQ(*store.directory(kDom0, "/dir"), Names{"z"});
}

// Found by the guest model test (seed 2461185794): a node removed and made
// again inside the transaction takes its permissions from the removed
// node's parent, so reading them depends on that parent's permissions.
TEST_F(TransactionTest, PermissionsOfANodeRemadeAfterItsRemovalDependOnItsParent) {
  ASSERT_TRUE(store.set_perms(kDom0, "/dir", *Permissions::parse("n1\0"s, 1)));
  ASSERT_TRUE(store.write(kDom0, "/dir/x/old", ""));
  auto tx = store.begin_transaction();
  ASSERT_TRUE(store.rm(kDom0, "/dir/x", tx.get()));
  ASSERT_TRUE(store.write(kDom0, "/dir/x/new", "", tx.get()));  // makes /dir/x again
  ASSERT_EQ(store.get_perms(kDom0, "/dir/x", tx.get())->to_wire(), "n1\0"s);
  ASSERT_TRUE(store.set_perms(kDom0, "/dir", *Permissions::parse("r2\0"s, 1)));
  EXPECT_EQ(store.commit(*tx).error().code, EAGAIN);  // it would be r2 now
}

// Found by the guest model test (seed 2330070458): a node made before the
// transaction set its parent's permissions inherited the snapshot's.
TEST_F(TransactionTest, PermissionsInheritedBeforeTheParentsOwnStillDependOnTheSnapshots) {
  ASSERT_TRUE(store.set_perms(kDom0, "/dir", *Permissions::parse("n1\0"s, 1)));
  auto tx = store.begin_transaction();
  ASSERT_TRUE(store.write(kDom0, "/dir/new/leaf", "", tx.get()));
  ASSERT_TRUE(store.set_perms(kDom0, "/dir", *Permissions::parse("r2\0"s, 1), tx.get()));
  ASSERT_EQ(store.get_perms(kDom0, "/dir/new", tx.get())->to_wire(), "n1\0"s);
  ASSERT_TRUE(store.set_perms(kDom0, "/dir", *Permissions::parse("b3\0"s, 1)));
  EXPECT_EQ(store.commit(*tx).error().code, EAGAIN);  // replayed, /dir/new would get b3
}

TEST_F(TransactionTest, PermissionsOfANodeRemadeAfterItsRemovalAloneMerge) {
  ASSERT_TRUE(store.write(kDom0, "/dir/x/old", ""));
  auto tx = store.begin_transaction();
  ASSERT_TRUE(store.rm(kDom0, "/dir/x", tx.get()));
  ASSERT_TRUE(store.write(kDom0, "/dir/x/new", "", tx.get()));
  ASSERT_TRUE(store.get_perms(kDom0, "/dir/x", tx.get()));
  ASSERT_TRUE(store.write(kDom0, "/dir/x/concurrent", ""));  // below the removed node: its own
  ASSERT_TRUE(store.commit(*tx));
  EXPECT_EQ(*store.directory(kDom0, "/dir/x"), Names{"new"});
}

TEST_F(TransactionTest, ReadOnlyTransactionsAlwaysSucceed) {
  auto tx = store.begin_transaction();
  ASSERT_EQ(*store.read(kDom0, "/a", tx.get()), "a0");
  ASSERT_TRUE(store.write(kDom0, "/a", "changed"));
  auto changes = store.commit(*tx);
  ASSERT_TRUE(changes);
  EXPECT_TRUE(changes->empty());
}

TEST_F(TransactionTest, MergedCommitReportsChangesOfTheReplay) {
  auto tx = store.begin_transaction();
  ASSERT_TRUE(store.write(kDom0, "/c/d", "1", tx.get()));
  ASSERT_TRUE(store.rm(kDom0, "/b", tx.get()));
  ASSERT_TRUE(store.write(kDom0, "/unrelated", ""));
  auto changes = store.commit(*tx);
  ASSERT_TRUE(changes);
  ASSERT_EQ(changes->size(), 2u);
  EXPECT_EQ((*changes)[0].path, "/c/d");
  EXPECT_EQ((*changes)[1].path, "/b");
  EXPECT_TRUE((*changes)[1].removed);
}

TEST_F(TransactionTest, AccountingFollowsCommitsAndMerges) {
  const auto before = store.usage().nodes(0);
  auto t1 = store.begin_transaction();
  auto t2 = store.begin_transaction();
  ASSERT_TRUE(store.write(kDom0, "/n1/x", "", t1.get()));  // 2 nodes
  ASSERT_TRUE(store.rm(kDom0, "/dir", t2.get()));           // -2 nodes
  ASSERT_TRUE(store.commit(*t1));
  ASSERT_TRUE(store.commit(*t2));
  EXPECT_EQ(store.usage().nodes(0), before);
}

TEST_F(TransactionTest, GuestPermissionReadsAreChecked) {
  ASSERT_TRUE(store.write(kDom0, "/local/domain/3/x", "1"));
  ASSERT_TRUE(store.set_perms(kDom0, "/local/domain/3", *Permissions::parse("n3\0"s, 1)));
  ASSERT_TRUE(store.set_perms(kDom0, "/local/domain/3/x", *Permissions::parse("n3\0"s, 1)));
  const Caller guest = Caller::guest(3);
  auto tx = store.begin_transaction();
  ASSERT_EQ(*store.read(guest, "/local/domain/3/x", tx.get()), "1");
  ASSERT_TRUE(store.write(guest, "/local/domain/3/y", "", tx.get()));
  // The toolstack takes the node away: the guest's read is no longer valid.
  ASSERT_TRUE(store.set_perms(kDom0, "/local/domain/3/x", *Permissions::parse("n0\0"s, 1)));
  EXPECT_EQ(store.commit(*tx).error().code, EAGAIN);
}

TEST_F(TransactionTest, Dom0DoesNotDependOnPermissions) {
  auto tx = store.begin_transaction();
  ASSERT_EQ(*store.read(kDom0, "/a", tx.get()), "a0");
  ASSERT_TRUE(store.write(kDom0, "/a3", "", tx.get()));
  ASSERT_TRUE(store.set_perms(kDom0, "/a", *Permissions::parse("r0\0"s, 1)));
  EXPECT_TRUE(store.commit(*tx));
}

TEST_F(TransactionTest, NodeQuotaPerTransactionForGuests) {
  store.quotas().transaction_nodes = 4;
  ASSERT_TRUE(store.mkdir(kDom0, "/local/domain/3"));
  ASSERT_TRUE(store.set_perms(kDom0, "/local/domain/3", *Permissions::parse("n3\0"s, 1)));
  const Caller guest = Caller::guest(3);
  auto tx = store.begin_transaction();
  ASSERT_TRUE(store.write(guest, "/local/domain/3/a", "", tx.get()));
  Result<void> result;
  int i = 0;
  while ((result = store.write(guest, "/local/domain/3/n" + std::to_string(i), "", tx.get()))) ++i;
  EXPECT_EQ(result.error().code, ENOSPC);
  // The refused write left nothing behind (dom0 looks: a guest's read of
  // one more node would itself be over the quota).
  EXPECT_EQ(store.read(kDom0, "/local/domain/3/n" + std::to_string(i), tx.get()).error().code, ENOENT);
  EXPECT_TRUE(store.commit(*tx));
}

TEST_F(TransactionTest, QuotaExceededAtMergeFailsTheCommit) {
  ASSERT_TRUE(store.mkdir(kDom0, "/local/domain/3"));
  ASSERT_TRUE(store.set_perms(kDom0, "/local/domain/3", *Permissions::parse("n3\0"s, 1)));
  store.quotas().nodes_per_domain = 3;
  const Caller guest = Caller::guest(3);
  auto tx = store.begin_transaction();
  ASSERT_TRUE(store.write(guest, "/local/domain/3/t1", "", tx.get()));
  ASSERT_TRUE(store.write(guest, "/local/domain/3/t2", "", tx.get()));
  ASSERT_TRUE(store.write(guest, "/local/domain/3/live", ""));  // takes the last slot
  EXPECT_EQ(store.commit(*tx).error().code, ENOSPC);
  EXPECT_EQ(store.usage().nodes(3), 2);
}

// Found by the guest model test (seed 1988266688): a removal frees as many
// of the guest's nodes as the snapshot had below it, and a quota refusal
// after it counted on that. On a tree that changed since, the same removal
// may free more, even with the guest's live count unchanged, and the
// refused write would then have fitted. Only the fast path keeps it.
TEST_F(TransactionTest, QuotaRefusalAfterOwnChangesHoldsOnlyOnAnUnchangedTree) {
  ASSERT_TRUE(store.mkdir(kDom0, "/local/domain/3"));
  ASSERT_TRUE(store.set_perms(kDom0, "/local/domain/3", *Permissions::parse("n3\0"s, 1)));
  const Caller guest = Caller::guest(3);
  ASSERT_TRUE(store.write(guest, "/local/domain/3/a", ""));
  ASSERT_TRUE(store.write(guest, "/local/domain/3/b", ""));
  ASSERT_TRUE(store.write(kDom0, "/local/domain/3/a/x", ""));
  ASSERT_TRUE(store.set_perms(kDom0, "/local/domain/3/a/x", *Permissions::parse("n0\0"s, 1)));
  store.quotas().nodes_per_domain = 3;  // the guest owns 3: itself, a, b
  auto in_transaction = [&] {
    auto tx = store.begin_transaction();
    EXPECT_TRUE(store.rm(guest, "/local/domain/3/a", tx.get()));         // frees a
    EXPECT_TRUE(store.write(guest, "/local/domain/3/d", "", tx.get()));  // takes it
    EXPECT_EQ(store.write(guest, "/local/domain/3/e", "", tx.get()).error().code, ENOSPC);
    return tx;
  };
  {
    auto tx = in_transaction();
    EXPECT_TRUE(store.commit(*tx));  // nothing changed: the refusal stands
    ASSERT_TRUE(store.rm(kDom0, "/local/domain/3/d"));
    ASSERT_TRUE(store.write(guest, "/local/domain/3/a", ""));
    ASSERT_TRUE(store.write(kDom0, "/local/domain/3/a/x", ""));
    ASSERT_TRUE(store.set_perms(kDom0, "/local/domain/3/a/x", *Permissions::parse("n0\0"s, 1)));
  }
  auto tx = in_transaction();
  // The toolstack gives a/x to the guest and removes b: the guest's count is
  // 3 again, but the removal of a now frees two nodes, room for e.
  ASSERT_TRUE(store.set_perms(kDom0, "/local/domain/3/a/x", *Permissions::parse("n3\0"s, 1)));
  ASSERT_TRUE(store.rm(kDom0, "/local/domain/3/b"));
  ASSERT_EQ(store.usage().nodes(3), 3);
  EXPECT_EQ(store.commit(*tx).error().code, EAGAIN);
}

}  // namespace
}  // namespace cxxenstored::store
