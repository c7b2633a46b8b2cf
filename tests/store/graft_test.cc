// Committing by grafting the transaction's changed subtrees into the live
// tree, and the cases that must fall back to replaying its updates. Each
// case checks the live tree against what running the transaction after the
// others gives, so a wrong graft fails whichever path it takes.
#include <cerrno>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cxxenstored/store/graft.h"
#include "cxxenstored/store/store.h"

namespace cxxenstored::store {
namespace {

using namespace std::string_literals;
using Names = std::vector<std::string>;
const Caller kDom0 = Caller::dom0();

class GraftTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* path : {"/a/x", "/a/y", "/b/y", "/c/deep/z"}) ASSERT_TRUE(store.write(kDom0, path, "0"));
  }

  // The usage a fresh count of the live tree gives, for domain.
  std::pair<std::int64_t, std::int64_t> recounted(DomainId domain) {
    Store fresh;
    fresh.reset(store.root(), store.stamps().last());
    return {fresh.usage().nodes(domain), fresh.usage().bytes(domain)};
  }
  std::pair<std::int64_t, std::int64_t> counted(DomainId domain) const {
    return {store.usage().nodes(domain), store.usage().bytes(domain)};
  }

  // Which way the one commit of a test went.
  void expect_grafted() const {
    EXPECT_EQ(store.commit_stats().grafted, 1u);
    EXPECT_EQ(store.commit_stats().merged, 0u);
  }
  void expect_replayed() const {
    EXPECT_EQ(store.commit_stats().grafted, 0u);
    EXPECT_EQ(store.commit_stats().merged, 1u);
  }

  static std::vector<std::string> paths(const ChangeList& changes) {
    std::vector<std::string> out;
    for (const Change& change : changes) out.push_back(change.path);
    return out;
  }

  Store store;
};

TEST_F(GraftTest, ASubtreeNoOneElseTouchedGoesInWhole) {
  auto tx = store.begin_transaction();
  ASSERT_TRUE(store.write(kDom0, "/a/x", "tx", tx.get()));
  ASSERT_TRUE(store.write(kDom0, "/a/new", "tx", tx.get()));
  ASSERT_TRUE(store.write(kDom0, "/b/y", "live"));
  const NodePtr mine = lookup_node(tx->root(), "/a");
  auto changes = store.commit(*tx);
  ASSERT_TRUE(changes);
  expect_grafted();
  EXPECT_EQ(lookup_node(store.root(), "/a"), mine) << "the transaction's node itself, not a copy";
  EXPECT_EQ(*store.read(kDom0, "/a/x"), "tx");
  EXPECT_EQ(*store.read(kDom0, "/a/new"), "tx");
  EXPECT_EQ(*store.read(kDom0, "/b/y"), "live");
  EXPECT_EQ(*store.directory(kDom0, "/a"), (Names{"x", "y", "new"}));
  EXPECT_EQ(paths(*changes), (std::vector<std::string>{"/a/x", "/a/new"}));
  EXPECT_EQ(counted(0), recounted(0));
}

TEST_F(GraftTest, SiblingsChangedByOthersStay) {
  auto tx = store.begin_transaction();
  ASSERT_TRUE(store.write(kDom0, "/a/x", "tx", tx.get()));
  ASSERT_TRUE(store.write(kDom0, "/a/y", "live"));
  ASSERT_TRUE(store.commit(*tx));
  expect_grafted();
  EXPECT_EQ(*store.read(kDom0, "/a/x"), "tx");
  EXPECT_EQ(*store.read(kDom0, "/a/y"), "live");
  EXPECT_EQ(counted(0), recounted(0));
}

TEST_F(GraftTest, ARemovalGraftsItsParent) {
  auto tx = store.begin_transaction();
  ASSERT_TRUE(store.rm(kDom0, "/c/deep", tx.get()));
  ASSERT_TRUE(store.write(kDom0, "/b/y", "live"));
  auto changes = store.commit(*tx);
  ASSERT_TRUE(changes);
  expect_grafted();
  EXPECT_EQ(store.read(kDom0, "/c/deep/z").error().code, ENOENT);
  EXPECT_EQ(*store.directory(kDom0, "/c"), Names{});
  ASSERT_EQ(changes->size(), 1u);
  EXPECT_EQ((*changes)[0].path, "/c/deep");
  EXPECT_TRUE((*changes)[0].removed) << "watchers below the removed node are found in it";
  EXPECT_EQ(counted(0), recounted(0));
}

TEST_F(GraftTest, SeveralSubtreesAtOnce) {
  auto tx = store.begin_transaction();
  ASSERT_TRUE(store.write(kDom0, "/a/x", "tx", tx.get()));
  ASSERT_TRUE(store.write(kDom0, "/c/deep/z", "tx", tx.get()));
  ASSERT_TRUE(store.write(kDom0, "/a/y", "tx", tx.get()));
  ASSERT_TRUE(store.write(kDom0, "/b/y", "live"));
  ASSERT_TRUE(store.commit(*tx));
  expect_grafted();
  for (const char* path : {"/a/x", "/a/y", "/c/deep/z"}) EXPECT_EQ(*store.read(kDom0, path), "tx") << path;
  EXPECT_EQ(*store.read(kDom0, "/b/y"), "live");
}

// The node whose child names the transaction changed was changed by the
// others too (below it): live's node with the new child added, and a new
// children stamp, as a replay would make it.
TEST_F(GraftTest, ACreationUnderANodeOthersChangedBelowIsMerged) {
  auto tx = store.begin_transaction();
  ASSERT_TRUE(store.write(kDom0, "/a/new/deep", "tx", tx.get()));
  ASSERT_TRUE(store.write(kDom0, "/a/x", "live"));
  const std::uint64_t generation = *store.children_generation(kDom0, "/a");
  const NodePtr made = lookup_node(tx->root(), "/a/new");
  auto changes = store.commit(*tx);
  ASSERT_TRUE(changes);
  expect_grafted();
  EXPECT_EQ(lookup_node(store.root(), "/a/new"), made) << "the new subtree itself";
  EXPECT_EQ(*store.read(kDom0, "/a/new/deep"), "tx");
  EXPECT_EQ(*store.read(kDom0, "/a/x"), "live");
  EXPECT_EQ(*store.directory(kDom0, "/a"), (Names{"x", "y", "new"}));
  EXPECT_NE(*store.children_generation(kDom0, "/a"), generation);
  EXPECT_EQ(paths(*changes), (std::vector<std::string>{"/a/new/deep"}));
  EXPECT_EQ(counted(0), recounted(0));
}

TEST_F(GraftTest, ARemovalUnderANodeOthersChangedBelowIsMerged) {
  auto tx = store.begin_transaction();
  ASSERT_TRUE(store.rm(kDom0, "/a/y", tx.get()));
  ASSERT_TRUE(store.write(kDom0, "/a/x", "live"));
  ASSERT_TRUE(store.commit(*tx));
  expect_grafted();
  EXPECT_EQ(*store.directory(kDom0, "/a"), Names{"x"});
  EXPECT_EQ(*store.read(kDom0, "/a/x"), "live");
  EXPECT_EQ(counted(0), recounted(0));
}

// The transaction charged the removal of the node it saw; the node the
// others left there owns other bytes (and watchers must see it gone).
TEST_F(GraftTest, ARemovalOfANodeOthersChangedIsReplayed) {
  auto tx = store.begin_transaction();
  ASSERT_TRUE(store.rm(kDom0, "/a/y", tx.get()));
  ASSERT_TRUE(store.write(kDom0, "/a/y", "a value longer than before"));
  auto changes = store.commit(*tx);
  ASSERT_TRUE(changes);
  expect_replayed();
  EXPECT_EQ(*store.directory(kDom0, "/a"), Names{"x"});
  ASSERT_EQ(changes->size(), 1u);
  EXPECT_EQ((*changes)[0].removed->value(), "a value longer than before");
  EXPECT_EQ(counted(0), recounted(0));
}

// Made children go at the end in the order they were made, which only a
// replay reads off the transaction's tree.
TEST_F(GraftTest, TwoCreationsUnderANodeOthersChangedAreReplayed) {
  auto tx = store.begin_transaction();
  ASSERT_TRUE(store.write(kDom0, "/a/n2", "tx", tx.get()));
  ASSERT_TRUE(store.write(kDom0, "/a/n1", "tx", tx.get()));
  ASSERT_TRUE(store.write(kDom0, "/a/x", "live"));
  ASSERT_TRUE(store.commit(*tx));
  expect_replayed();
  EXPECT_EQ(*store.directory(kDom0, "/a"), (Names{"x", "y", "n2", "n1"}));
}

TEST_F(GraftTest, ANodeBothMadeIsReplayed) {
  auto tx = store.begin_transaction();
  ASSERT_TRUE(store.write(kDom0, "/a/new", "tx", tx.get()));
  ASSERT_TRUE(store.write(kDom0, "/a/new", "live"));
  ASSERT_TRUE(store.commit(*tx));
  expect_replayed();
  EXPECT_EQ(*store.read(kDom0, "/a/new"), "tx");
}

// A new node takes its parent's permissions: made under a node whose
// permissions the others changed, it must take the live ones.
TEST_F(GraftTest, ACreationUnderANodeWhosePermissionsChangedIsReplayed) {
  auto tx = store.begin_transaction();
  ASSERT_TRUE(store.write(kDom0, "/a/new", "tx", tx.get()));
  const Permissions guest_owns = *Permissions::parse("b5\0"s, 1);
  ASSERT_TRUE(store.set_perms(kDom0, "/a", guest_owns));
  ASSERT_TRUE(store.commit(*tx));
  expect_replayed();
  EXPECT_EQ(*store.get_perms(kDom0, "/a/new"), guest_owns);
  EXPECT_EQ(counted(5), recounted(5));
}

// An update that changed nothing on the snapshot (removing a node that was
// not there) may change the live tree: there, others made the node.
TEST_F(GraftTest, AnUpdateThatChangedNothingIsReplayedWhereOthersChangedThings) {
  auto tx = store.begin_transaction();
  ASSERT_TRUE(store.rm(kDom0, "/a/gone", tx.get()));
  ASSERT_TRUE(store.write(kDom0, "/a/gone", "live"));
  ASSERT_TRUE(store.commit(*tx));
  expect_replayed();
  EXPECT_EQ(store.read(kDom0, "/a/gone").error().code, ENOENT);
}

// Removed and made again, a node is new (it goes to the end of its
// parent's children): the parent's child names changed, although every
// name is still there, and the others changed below it too.
TEST_F(GraftTest, ANodeRemovedAndMadeAgainChangesItsParent) {
  auto tx = store.begin_transaction();
  ASSERT_TRUE(store.rm(kDom0, "/a/x", tx.get()));
  ASSERT_TRUE(store.write(kDom0, "/a/x", "again", tx.get()));
  ASSERT_TRUE(store.write(kDom0, "/a/y", "live"));
  const std::uint64_t generation = *store.children_generation(kDom0, "/a");
  ASSERT_TRUE(store.commit(*tx));
  expect_replayed();
  EXPECT_EQ(*store.directory(kDom0, "/a"), (Names{"y", "x"}));
  EXPECT_NE(*store.children_generation(kDom0, "/a"), generation);
  EXPECT_EQ(*store.read(kDom0, "/a/x"), "again");
  EXPECT_EQ(*store.read(kDom0, "/a/y"), "live");
}

// The same with a child made beside it, so that the count of names alone
// does not give the reordering away.
TEST_F(GraftTest, ANodeMadeAgainBesideANewOneIsReplayed) {
  auto tx = store.begin_transaction();
  ASSERT_TRUE(store.rm(kDom0, "/a/x", tx.get()));
  ASSERT_TRUE(store.write(kDom0, "/a/x", "again", tx.get()));
  ASSERT_TRUE(store.write(kDom0, "/a/new", "tx", tx.get()));
  ASSERT_TRUE(store.write(kDom0, "/a/y", "live"));
  ASSERT_TRUE(store.commit(*tx));
  expect_replayed();
  EXPECT_EQ(*store.directory(kDom0, "/a"), (Names{"y", "x", "new"}));
}

TEST_F(GraftTest, TheSameNodeWrittenOnBothSidesIsReplayed) {
  auto tx = store.begin_transaction();
  ASSERT_TRUE(store.write(kDom0, "/a/x", "tx", tx.get()));  // blind: no read, no conflict
  ASSERT_TRUE(store.write(kDom0, "/a/x", "live"));
  ASSERT_TRUE(store.commit(*tx));
  expect_replayed();
  EXPECT_EQ(*store.read(kDom0, "/a/x"), "tx");
}

TEST_F(GraftTest, ANodeTheOthersRemovedIsReplayed) {
  auto tx = store.begin_transaction();
  ASSERT_TRUE(store.write(kDom0, "/c/deep/z", "tx", tx.get()));
  ASSERT_TRUE(store.rm(kDom0, "/c/deep"));
  ASSERT_TRUE(store.write(kDom0, "/c/other", "live"));
  ASSERT_TRUE(store.commit(*tx));  // blind write: recreates what it needs
  expect_replayed();
  EXPECT_EQ(*store.read(kDom0, "/c/deep/z"), "tx");
  EXPECT_EQ(*store.directory(kDom0, "/c"), (Names{"other", "deep"}));
}

// A guest's updates are checked against its quota, which counts what it
// owns across the whole live tree: they are replayed, never grafted.
TEST_F(GraftTest, AGuestsUpdatesAreReplayed) {
  const Caller guest = Caller::guest(5);
  ASSERT_TRUE(store.set_perms(kDom0, "/a/x", *Permissions::parse("b5\0"s, 1)));
  auto tx = store.begin_transaction();
  ASSERT_TRUE(store.write(guest, "/a/x", "guest", tx.get()));
  ASSERT_TRUE(store.write(kDom0, "/b/y", "live"));
  ASSERT_TRUE(store.commit(*tx));
  expect_replayed();
  EXPECT_EQ(*store.read(kDom0, "/a/x"), "guest");
}

// graft() itself, on hand-built trees.
TEST(GraftFunction, AnUpdatedPathWithNoSharedNodeOnItIsRefused) {
  Store store;
  ASSERT_TRUE(store.write(kDom0, "/p/q", "0"));
  const NodePtr base = store.root();
  ASSERT_TRUE(store.write(kDom0, "/p/q", "live"));
  const NodePtr live = store.root();
  Store other;
  other.reset(base, store.stamps().last());
  ASSERT_TRUE(other.write(kDom0, "/p/q", "mine"));
  const std::string_view updated[] = {"/p/q"};
  EXPECT_FALSE(graft(base, live, other.root(), updated, store.stamps()));
  ASSERT_TRUE(graft(base, base, other.root(), updated, store.stamps())) << "nothing else changed: mine as it is";
  EXPECT_EQ(*graft(base, base, other.root(), updated, store.stamps()), other.root());
}

}  // namespace
}  // namespace cxxenstored::store
