// The operations and their C-daemon rules, through the live Store.
#include <cerrno>
#include <string>

#include <gtest/gtest.h>

#include "cxxenstored/store/store.h"

namespace cxxenstored::store {
namespace {

using namespace std::string_literals;
using Names = std::vector<std::string>;

const Caller kDom0 = Caller::dom0();

Permissions perms(const std::string& wire, std::size_t n) { return *Permissions::parse(wire, n); }

class StoreTest : public ::testing::Test {
 protected:
  // /local/domain/1 owned by guest 1 with no access for others, as a
  // toolstack sets up a domain's home.
  void SetUp() override {
    ASSERT_TRUE(store.mkdir(kDom0, "/local/domain/1"));
    ASSERT_TRUE(store.set_perms(kDom0, "/local/domain/1", perms("n1\0"s, 1)));
  }
  Store store;
  Caller guest1 = Caller::guest(1);
  Caller guest2 = Caller::guest(2);
};

TEST_F(StoreTest, InitialTreeIsTheCDaemons) {
  Store fresh;
  EXPECT_EQ(*fresh.directory(kDom0, "/"), Names{"tool"});
  EXPECT_EQ(*fresh.directory(kDom0, "/tool"), Names{"xenstored"});
  EXPECT_EQ(fresh.get_perms(kDom0, "/")->to_wire(), "n0\0"s);
  EXPECT_EQ(*fresh.read(kDom0, "/tool/xenstored"), "");
  EXPECT_EQ(fresh.usage().nodes(0), 3);
}

TEST_F(StoreTest, WriteCreatesMissingParentsWithEmptyValues) {
  ChangeList changes;
  ASSERT_TRUE(store.write(kDom0, "/a/b/c", "v", nullptr, &changes));
  EXPECT_EQ(*store.read(kDom0, "/a/b/c"), "v");
  EXPECT_EQ(*store.read(kDom0, "/a/b"), "");
  ASSERT_EQ(changes.size(), 1u);  // one event: the written path
  EXPECT_EQ(changes[0].path, "/a/b/c");
}

TEST_F(StoreTest, ValuesAreBytes) {
  ASSERT_TRUE(store.write(kDom0, "/bin", "a\0b\xff"s));
  EXPECT_EQ(*store.read(kDom0, "/bin"), "a\0b\xff"s);
}

TEST_F(StoreTest, DirectoryListsInCreationOrder) {
  for (const char* name : {"zz", "aa", "mm"}) ASSERT_TRUE(store.write(kDom0, "/d/"s + name, ""));
  EXPECT_EQ(*store.directory(kDom0, "/d"), (Names{"zz", "aa", "mm"}));
  ASSERT_TRUE(store.rm(kDom0, "/d/zz"));
  ASSERT_TRUE(store.write(kDom0, "/d/zz", ""));
  EXPECT_EQ(*store.directory(kDom0, "/d"), (Names{"aa", "mm", "zz"}));
}

TEST_F(StoreTest, MissingNodes) {
  EXPECT_EQ(store.read(kDom0, "/nope").error().code, ENOENT);
  EXPECT_EQ(store.directory(kDom0, "/nope").error().code, ENOENT);
  EXPECT_EQ(store.get_perms(kDom0, "/nope").error().code, ENOENT);
  EXPECT_EQ(store.set_perms(kDom0, "/nope", perms("n0\0"s, 1)).error().code, ENOENT);
}

TEST_F(StoreTest, RmOfMissingNodeSucceedsOnlyWhenParentExists) {
  EXPECT_TRUE(store.rm(kDom0, "/tool/nope"));
  EXPECT_EQ(store.rm(kDom0, "/nope/deeper").error().code, ENOENT);
}

TEST_F(StoreTest, RmOfRootIsInvalid) { EXPECT_EQ(store.rm(kDom0, "/").error().code, EINVAL); }

TEST_F(StoreTest, RmRemovesTheSubtreeAndReportsIt) {
  ASSERT_TRUE(store.write(kDom0, "/t/a/b", "1"));
  ChangeList changes;
  ASSERT_TRUE(store.rm(kDom0, "/t/a", nullptr, &changes));
  EXPECT_EQ(store.read(kDom0, "/t/a/b").error().code, ENOENT);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].path, "/t/a");
  ASSERT_TRUE(changes[0].removed);
  EXPECT_TRUE(changes[0].removed->child("b"));
}

TEST_F(StoreTest, MkdirKeepsExistingValue) {
  ASSERT_TRUE(store.write(kDom0, "/m", "keep"));
  ChangeList changes;
  ASSERT_TRUE(store.mkdir(kDom0, "/m", nullptr, &changes));
  EXPECT_EQ(*store.read(kDom0, "/m"), "keep");
  EXPECT_TRUE(changes.empty());
}

TEST_F(StoreTest, GuestCreatesUnderItsHomeAndOwnsIt) {
  ASSERT_TRUE(store.write(guest1, "/local/domain/1/data/x", "1"));
  EXPECT_EQ(store.get_perms(kDom0, "/local/domain/1/data/x")->to_wire(), "n1\0"s);
  EXPECT_EQ(store.usage().nodes(1), 3);  // home (chowned by dom0), data, x
}

TEST_F(StoreTest, ChildrenInheritPermsDom0KeepsTheParentsOwner) {
  ASSERT_TRUE(store.write(kDom0, "/local/domain/1/fromdom0", "x"));
  EXPECT_EQ(store.get_perms(kDom0, "/local/domain/1/fromdom0")->to_wire(), "n1\0"s);
  ASSERT_TRUE(store.set_perms(kDom0, "/local/domain/1", perms("n1\0r2\0"s, 2)));
  ASSERT_TRUE(store.write(guest1, "/local/domain/1/shared", "x"));
  EXPECT_EQ(store.get_perms(kDom0, "/local/domain/1/shared")->to_wire(), "n1\0r2\0"s);
}

TEST_F(StoreTest, GuestCannotSeeOthersNodes) {
  ASSERT_TRUE(store.write(kDom0, "/local/domain/1/secret", "s"));
  // Existing but unreadable: EACCES. Missing below an unreadable parent:
  // EACCES too, so existence does not leak.
  EXPECT_EQ(store.read(guest2, "/local/domain/1/secret").error().code, EACCES);
  EXPECT_EQ(store.read(guest2, "/local/domain/1/nothing").error().code, EACCES);
  EXPECT_EQ(store.read(guest2, "/local/domain/1/a/b/c").error().code, EACCES);
  EXPECT_EQ(store.write(guest2, "/local/domain/1/new", "x").error().code, EACCES);
  EXPECT_EQ(store.rm(guest2, "/local/domain/1/secret").error().code, EACCES);
  EXPECT_EQ(*store.read(kDom0, "/local/domain/1/secret"), "s");
}

TEST_F(StoreTest, MissingNodeUnderReadableParentIsEnoent) {
  ASSERT_TRUE(store.set_perms(kDom0, "/local/domain/1", perms("n1\0r2\0"s, 2)));
  EXPECT_EQ(store.read(guest2, "/local/domain/1/nothing").error().code, ENOENT);
  // Reading is allowed but writing is not: creating is refused.
  EXPECT_EQ(store.write(guest2, "/local/domain/1/new", "x").error().code, EACCES);
}

TEST_F(StoreTest, GuestMayNotChangeOwner) {
  ASSERT_TRUE(store.write(guest1, "/local/domain/1/x", "1"));
  EXPECT_EQ(store.set_perms(guest1, "/local/domain/1/x", perms("n2\0"s, 1)).error().code, EPERM);
  EXPECT_TRUE(store.set_perms(guest1, "/local/domain/1/x", perms("n1\0r2\0"s, 2)));
  EXPECT_EQ(*store.read(guest2, "/local/domain/1/x"), "1");
}

TEST_F(StoreTest, NonOwnerWithWriteAccessCannotSetPerms) {
  ASSERT_TRUE(store.write(guest1, "/local/domain/1/x", "1"));
  ASSERT_TRUE(store.set_perms(guest1, "/local/domain/1/x", perms("n1\0b2\0"s, 2)));
  EXPECT_TRUE(store.write(guest2, "/local/domain/1/x", "2"));
  EXPECT_EQ(store.set_perms(guest2, "/local/domain/1/x", perms("b1\0"s, 1)).error().code, EACCES);
}

TEST_F(StoreTest, ChownMovesNodeAccounting) {
  ASSERT_TRUE(store.write(kDom0, "/o", ""));
  const auto before0 = store.usage().nodes(0);
  ASSERT_TRUE(store.set_perms(kDom0, "/o", perms("n5\0"s, 1)));
  EXPECT_EQ(store.usage().nodes(5), 1);
  EXPECT_EQ(store.usage().nodes(0), before0 - 1);
}

TEST_F(StoreTest, NodeQuotaForGuests) {
  store.quotas().nodes_per_domain = 5;  // home already counts 1
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(store.write(guest1, "/local/domain/1/n" + std::to_string(i), ""));
  EXPECT_EQ(store.write(guest1, "/local/domain/1/n4", "").error().code, ENOSPC);
  EXPECT_EQ(store.read(kDom0, "/local/domain/1/n4").error().code, ENOENT);
  EXPECT_EQ(store.usage().nodes(1), 5);
  // dom0 is not limited.
  EXPECT_TRUE(store.write(kDom0, "/local/domain/1/n5", ""));
}

TEST_F(StoreTest, NodeSizeQuotaForGuests) {
  store.quotas().node_size = 100;
  // 24 header + 8 per permission + value must stay below the limit.
  EXPECT_TRUE(store.write(guest1, "/local/domain/1/v", std::string(100 - 24 - 8 - 1, 'x')));
  EXPECT_EQ(store.write(guest1, "/local/domain/1/v", std::string(100 - 24 - 8, 'x')).error().code, ENOSPC);
  EXPECT_TRUE(store.write(kDom0, "/local/domain/1/v", std::string(4000, 'x')));
}

TEST_F(StoreTest, PermissionCountQuotaForGuests) {
  ASSERT_TRUE(store.write(guest1, "/local/domain/1/p", ""));
  std::string wire = "n1\0"s;
  for (int i = 2; i <= 6; ++i) wire += "r" + std::to_string(i) + '\0';
  EXPECT_EQ(store.set_perms(guest1, "/local/domain/1/p", perms(wire, 6)).error().code, ENOSPC);
  EXPECT_TRUE(store.set_perms(kDom0, "/local/domain/1/p", perms(wire, 6)));
}

TEST_F(StoreTest, ReleaseDomainRemovesItsNodes) {
  ASSERT_TRUE(store.write(guest1, "/local/domain/1/a/b", "1"));
  ASSERT_TRUE(store.write(kDom0, "/other", ""));
  ASSERT_TRUE(store.set_perms(kDom0, "/other", perms("n1\0"s, 1)));
  ChangeList changes = store.release_domain(1, false);
  EXPECT_EQ(store.read(kDom0, "/local/domain/1").error().code, ENOENT);
  EXPECT_EQ(store.read(kDom0, "/other").error().code, ENOENT);
  EXPECT_TRUE(store.read(kDom0, "/local/domain"));
  EXPECT_EQ(changes.size(), 2u);
  EXPECT_EQ(store.usage().nodes(1), 0);
}

TEST_F(StoreTest, ReleaseDomainWithKeepOrphansGivesNodesToDom0) {
  ASSERT_TRUE(store.write(guest1, "/local/domain/1/a", "1"));
  const auto dom0_before = store.usage().nodes(0);
  ChangeList changes = store.release_domain(1, true);
  EXPECT_TRUE(changes.empty());
  EXPECT_EQ(store.get_perms(kDom0, "/local/domain/1/a")->owner(), 0u);
  EXPECT_EQ(store.usage().nodes(0), dom0_before + 2);
}

TEST_F(StoreTest, ReleasedDomainsEntriesAreIgnoredForAReusedDomid) {
  // XSA-322: a new domain that gets a dead domain's id must not inherit
  // its access.
  ASSERT_TRUE(store.write(kDom0, "/shared-with-7", "secret"));
  ASSERT_TRUE(store.set_perms(kDom0, "/shared-with-7", perms("n0\0r7\0"s, 2)));
  EXPECT_EQ(*store.read(Caller::guest(7), "/shared-with-7"), "secret");
  store.release_domain(7, false);
  EXPECT_EQ(store.read(Caller::guest(7), "/shared-with-7").error().code, EACCES);
  // The entry still shows, as the C daemon shows it.
  EXPECT_EQ(store.get_perms(kDom0, "/shared-with-7")->to_wire(), "n0\0r7\0"s);
}

TEST_F(StoreTest, RootOwnedByAReleasedDomainPassesToDom0) {
  ASSERT_TRUE(store.set_perms(kDom0, "/", perms("n5\0"s, 1)));
  store.release_domain(5, false);
  EXPECT_EQ(store.get_perms(kDom0, "/")->owner(), 0u);
  EXPECT_EQ(store.usage().nodes(5), 0);
  EXPECT_TRUE(store.read(kDom0, "/tool"));
}

TEST_F(StoreTest, SpecialNamesHavePermissionsButAreNotNodes) {
  EXPECT_EQ(store.get_perms(kDom0, "@introduceDomain")->to_wire(), "n0\0"s);
  ASSERT_TRUE(store.set_perms(kDom0, "@releaseDomain", perms("n0\0r3\0"s, 2)));
  EXPECT_EQ(store.get_perms(kDom0, "@releaseDomain")->to_wire(), "n0\0r3\0"s);
  EXPECT_EQ(store.set_perms(guest1, "@releaseDomain", perms("b1\0"s, 1)).error().code, EACCES);
}

TEST_F(StoreTest, UpdatesShareUntouchedSubtrees) {
  ASSERT_TRUE(store.write(kDom0, "/big/a/x", "1"));
  ASSERT_TRUE(store.write(kDom0, "/big/b/y", "2"));
  NodePtr before = store.root();
  const Node* untouched = lookup_node(before, "/big/b").get();
  ASSERT_TRUE(store.write(kDom0, "/big/a/x", "3"));
  EXPECT_EQ(lookup_node(store.root(), "/big/b").get(), untouched);
  EXPECT_EQ(lookup_node(before, "/big/a/x")->value(), "1");  // old version intact
}

TEST_F(StoreTest, StampsNameContentNotSubtrees) {
  ASSERT_TRUE(store.write(kDom0, "/s/child", "1"));
  const Stamps parent_before = lookup_node(store.root(), "/s")->stamps();
  ASSERT_TRUE(store.write(kDom0, "/s/child", "2"));
  const Stamps parent_after = lookup_node(store.root(), "/s")->stamps();
  EXPECT_EQ(parent_before.value, parent_after.value);
  EXPECT_EQ(parent_before.children, parent_after.children);
  ASSERT_TRUE(store.write(kDom0, "/s/child2", ""));
  EXPECT_NE(lookup_node(store.root(), "/s")->stamps().children, parent_after.children);
}

// Live writes update unshared nodes in place (Store::live_update); a
// transaction's snapshot shares them, and must go on seeing its own tree.
TEST_F(StoreTest, InPlaceLiveWritesLeaveSnapshotsAlone) {
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(store.write(kDom0, "/dir/c" + std::to_string(i), "old"));
  for (int i = 100; i < 110; ++i) ASSERT_TRUE(store.write(kDom0, "/dir/c" + std::to_string(i), "old"));
  auto before = store.listing(kDom0, "/dir");
  ASSERT_TRUE(before);
  auto tx = store.begin_transaction();
  ASSERT_TRUE(store.read(kDom0, "/dir/c3", tx.get()));
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(store.write(kDom0, "/dir/c" + std::to_string(i), "new"));
    ASSERT_TRUE(store.write(kDom0, "/dir/n" + std::to_string(i), "added"));
  }
  EXPECT_EQ(*store.read(kDom0, "/dir/c3", tx.get()), "old");
  EXPECT_EQ(store.read(kDom0, "/dir/n3", tx.get()).error().code, ENOENT);
  EXPECT_EQ(*store.listing(kDom0, "/dir", tx.get()), *before);
  EXPECT_EQ(*store.read(kDom0, "/dir/c3"), "new");
  EXPECT_EQ(*store.read(kDom0, "/dir/n49"), "added");
  tx.reset();
  // No snapshot left: from here on the directory grows in place, and its
  // listing follows.
  const std::uint64_t stamp = lookup_node(store.root(), "/dir")->stamps().children;
  ASSERT_TRUE(store.write(kDom0, "/dir/last", "x"));
  auto after = store.listing(kDom0, "/dir");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->size(), before->size() + 10 * 3 + 40 * 4 + 5);  // n0..n49, "last"
  EXPECT_EQ(after->substr(after->size() - 5), std::string("last\0", 5));
  EXPECT_NE(lookup_node(store.root(), "/dir")->stamps().children, stamp);
}

TEST_F(StoreTest, RefusedLiveWriteChangesNothing) {
  Store small(Quotas{.nodes_per_domain = 2});
  ASSERT_TRUE(small.mkdir(kDom0, "/local/domain/1"));
  ASSERT_TRUE(small.set_perms(kDom0, "/local/domain/1", perms("n1\0"s, 1)));
  ASSERT_TRUE(small.write(guest1, "/local/domain/1/a", "1"));
  const std::string listed = *small.listing(kDom0, "/local/domain/1");
  EXPECT_EQ(small.write(guest1, "/local/domain/1/b", "2").error().code, ENOSPC);
  EXPECT_EQ(*small.listing(kDom0, "/local/domain/1"), listed);
  EXPECT_EQ(small.read(kDom0, "/local/domain/1/b").error().code, ENOENT);
  EXPECT_EQ(*small.read(kDom0, "/local/domain/1/a"), "1");
}

}  // namespace
}  // namespace cxxenstored::store
