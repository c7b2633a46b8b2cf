#include <cerrno>

#include <gtest/gtest.h>

#include "cxxenstored/store/store.h"
#include "cxxenstored/watch/registry.h"

namespace cxxenstored::watch {
namespace {

using store::Caller;

std::vector<std::string> show(const std::vector<Event>& events) {
  std::vector<std::string> out;
  for (const Event& e : events) out.push_back(std::to_string(e.subscriber) + ":" + e.path + ":" + e.token);
  return out;
}

class RegistryTest : public ::testing::Test {
 protected:
  RegistryTest() {
    registry.add_subscriber(1, Caller::dom0());
    registry.add_subscriber(2, Caller::dom0());
  }
  std::vector<std::string> write(const std::string& path, const std::string& value = "") {
    store::ChangeList changes;
    EXPECT_TRUE(store.write(Caller::dom0(), path, value, nullptr, &changes));
    return fire(changes);
  }
  std::vector<std::string> rm(const std::string& path) {
    store::ChangeList changes;
    EXPECT_TRUE(store.rm(Caller::dom0(), path, nullptr, &changes));
    return fire(changes);
  }
  std::vector<std::string> fire(const store::ChangeList& changes) {
    std::vector<std::string> out;
    for (const auto& change : changes)
      for (auto& s : show(registry.match(change, store.root()))) out.push_back(s);
    return out;
  }
  void watch(SubscriberId id, std::string path, std::string token) {
    ASSERT_TRUE(registry.add(id, std::move(path), std::move(token), std::nullopt));
  }

  store::Store store;
  Registry registry;
};

using V = std::vector<std::string>;

TEST_F(RegistryTest, NodeAndAncestorsMatchSiblingsDoNot) {
  watch(1, "/a", "A");
  watch(1, "/a/b", "B");
  watch(1, "/a/bc", "BC");
  watch(1, "/x", "X");
  EXPECT_EQ(write("/a/b/c"), (V{"1:/a/b/c:A", "1:/a/b/c:B"}));
  EXPECT_EQ(write("/a/bcd"), (V{"1:/a/bcd:A"}));
  EXPECT_EQ(write("/a"), (V{"1:/a:A"}));
}

TEST_F(RegistryTest, RootWatchSeesEverythingIncludingSpecialNames) {
  watch(2, "/", "R");
  watch(1, "@introduceDomain", "I");
  EXPECT_EQ(write("/q"), (V{"2:/q:R"}));
  auto everyone = [](const Caller&) { return true; };
  EXPECT_EQ(show(registry.match_special("@introduceDomain", everyone)), (V{"1:@introduceDomain:I", "2:@introduceDomain:R"}));
  EXPECT_EQ(show(registry.match_special("@releaseDomain", everyone)), (V{"2:@releaseDomain:R"}));
  EXPECT_TRUE(registry.match_special("@releaseDomain", [](const Caller&) { return false; }).empty());
}

TEST_F(RegistryTest, OrderIsSubscriberThenRegistration) {
  watch(2, "/o", "second-a");
  watch(1, "/o/p", "first-b");
  watch(1, "/o", "first-a");
  EXPECT_EQ(write("/o/p"), (V{"1:/o/p:first-b", "1:/o/p:first-a", "2:/o/p:second-a"}));
}

TEST_F(RegistryTest, RemovalReportsExactWatchesBelowInPostOrder) {
  write("/r/b/deep");
  write("/r/a");
  watch(1, "/r/a", "a");
  watch(1, "/r/b/deep", "deep");
  watch(2, "/r/b", "b");
  watch(1, "/", "root");
  watch(1, "/r/none", "none");  // never existed: nothing
  EXPECT_EQ(rm("/r"), (V{"1:/r/b/deep:deep", "2:/r/b:b", "1:/r/a:a", "1:/r:root"}));
}

TEST_F(RegistryTest, RelativeWatchesSeeRelativePaths) {
  ASSERT_TRUE(registry.add(1, "/local/domain/0/dev", "t", std::string("/local/domain/0")));
  EXPECT_EQ(write("/local/domain/0/dev/x"), (V{"1:dev/x:t"}));
  EXPECT_EQ(registry.event_path_for(1, "/local/domain/0/dev", "t"), "dev");
}

TEST_F(RegistryTest, DuplicatesRemovalAndReset) {
  watch(1, "/d", "t");
  EXPECT_EQ(registry.add(1, "/d", "t", std::nullopt).error().code, EEXIST);
  EXPECT_TRUE(registry.add(2, "/d", "t", std::nullopt));  // other subscriber: fine
  EXPECT_TRUE(registry.contains(1, "/d", "t"));
  EXPECT_FALSE(registry.remove(1, "/d", "other"));
  EXPECT_TRUE(registry.remove(1, "/d", "t"));
  EXPECT_EQ(registry.count(1), 0u);
  EXPECT_EQ(write("/d"), (V{"2:/d:t"}));
  watch(1, "/e", "1");
  watch(1, "@releaseDomain", "2");
  registry.reset(1);
  EXPECT_EQ(registry.count(1), 0u);
  EXPECT_EQ(registry.total(), 1u);
  registry.remove_subscriber(2);
  EXPECT_EQ(registry.total(), 0u);
  EXPECT_TRUE(write("/d").empty());
}

TEST_F(RegistryTest, PermissionFiltering) {
  registry.add_subscriber(3, Caller::guest(3));
  write("/g/hidden");
  watch(3, "/g", "t");
  EXPECT_TRUE(write("/g/hidden", "x").empty());
  // Readable parent suffices.
  store::ChangeList changes;
  ASSERT_TRUE(store.set_perms(Caller::dom0(), "/g", store::Permissions({{0, store::kAccessNone}, {3, store::kAccessRead}}),
                              nullptr, &changes));
  EXPECT_EQ(fire(changes), (V{"3:/g:t"}));
  EXPECT_EQ(write("/g/hidden", "y"), (V{"3:/g/hidden:t"}));
  // Losing access is still reported, through the old permissions.
  changes.clear();
  ASSERT_TRUE(store.set_perms(Caller::dom0(), "/g", store::Permissions({{0, store::kAccessNone}}), nullptr, &changes));
  EXPECT_EQ(fire(changes), (V{"3:/g:t"}));
  EXPECT_TRUE(write("/g/hidden", "z").empty());
}

TEST_F(RegistryTest, ManyWatchesOfOneClientAndUnrelatedOnesDoNotMatch) {
  // 100k watches of one client (dom0 has no watch quota) elsewhere; a change
  // below /hot matches only the watch on /hot. (The cost of either, which
  // must not grow with the number of watches, is measured by
  // bench/micro/watch_bench, not asserted here.)
  for (int i = 0; i < 100000; ++i)
    ASSERT_TRUE(registry.add(1, "/many/n" + std::to_string(i), "t", std::nullopt));
  EXPECT_EQ(registry.add(1, "/many/n77777", "t", std::nullopt).error().code, EEXIST);
  EXPECT_TRUE(registry.add(1, "/many/n77777", "other", std::nullopt));
  EXPECT_EQ(registry.count(1), 100001u);
  watch(2, "/hot", "h");
  store::ChangeList changes;
  ASSERT_TRUE(store.write(Caller::dom0(), "/hot/x", "v", nullptr, &changes));
  auto events = registry.match(changes.front(), store.root());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].subscriber, 2u);
}

}  // namespace
}  // namespace cxxenstored::watch
