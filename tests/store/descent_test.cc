// Descent: one walk down a path that answers existence, nearest existing
// ancestor and the ancestors an update rebuilds.
#include <string>

#include <gtest/gtest.h>

#include "cxxenstored/store/descent.h"
#include "cxxenstored/store/editor.h"
#include "cxxenstored/store/store.h"

namespace cxxenstored::store {
namespace {

const Caller kDom0 = Caller::dom0();

TEST(DescentTest, RootAlone) {
  Store store;
  const Descent d(store.root().get(), "/");
  EXPECT_TRUE(d.found());
  EXPECT_EQ(d.size(), 1u);
  EXPECT_EQ(d.deepest(), store.root().get());
  EXPECT_EQ(d.deepest_path(), "/");
}

TEST(DescentTest, ExistingPathGivesEveryNodeRootFirst) {
  Store store;
  ASSERT_TRUE(store.write(kDom0, "/a/b/c", "v"));
  const Descent d(store.root().get(), "/a/b/c");
  EXPECT_TRUE(d.found());
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d[0], store.root().get());
  EXPECT_EQ(d[1], lookup_node(store.root(), "/a").get());
  EXPECT_EQ(d[2], lookup_node(store.root(), "/a/b").get());
  EXPECT_EQ(d[3], lookup_node(store.root(), "/a/b/c").get());
  EXPECT_EQ(d.deepest()->value(), "v");
  EXPECT_EQ(d.deepest_path(), "/a/b/c");
}

TEST(DescentTest, StopsAtTheNearestExistingAncestor) {
  Store store;
  ASSERT_TRUE(store.write(kDom0, "/a/b", "v"));
  const Descent missing_leaf(store.root().get(), "/a/b/c");
  EXPECT_FALSE(missing_leaf.found());
  EXPECT_EQ(missing_leaf.size(), 3u);
  EXPECT_EQ(missing_leaf.deepest_path(), "/a/b");
  EXPECT_EQ(missing_leaf.deepest(), lookup_node(store.root(), "/a/b").get());

  const Descent missing_middle(store.root().get(), "/a/x/y/z");
  EXPECT_FALSE(missing_middle.found());
  EXPECT_EQ(missing_middle.size(), 2u);
  EXPECT_EQ(missing_middle.deepest_path(), "/a");

  // A name that is a prefix of an existing one is not that one.
  const Descent prefix(store.root().get(), "/a/bb");
  EXPECT_FALSE(prefix.found());
  EXPECT_EQ(prefix.deepest_path(), "/a");
  EXPECT_EQ(nearest_existing(store.root(), "/a/bb"), "/a");
}

TEST(DescentTest, PathsDeeperThanTheInlineChain) {
  Store store;
  std::string path;
  for (int i = 0; i < 40; ++i) path += "/d" + std::to_string(i);
  ASSERT_TRUE(store.write(kDom0, path, "deep"));
  const Descent d(store.root().get(), path);
  EXPECT_TRUE(d.found());
  ASSERT_EQ(d.size(), 41u);
  EXPECT_EQ(d.deepest()->value(), "deep");
  EXPECT_EQ(d[20]->name(), "d19");
  EXPECT_EQ(d[40]->name(), "d39");

  const std::string below = path + "/more/still";
  const Descent beyond(store.root().get(), below);
  EXPECT_FALSE(beyond.found());
  EXPECT_EQ(beyond.size(), 41u);
  EXPECT_EQ(beyond.deepest_path(), path);
}

TEST(DescentTest, FindsChildrenOfALargeDirectory) {
  Store store;
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(store.write(kDom0, "/big/" + std::to_string(i), std::to_string(i)));
  for (int i = 0; i < 200; ++i) {
    const Descent d(store.root().get(), "/big/" + std::to_string(i));
    ASSERT_TRUE(d.found()) << i;
    EXPECT_EQ(d.deepest()->value(), std::to_string(i));
  }
  EXPECT_FALSE(Descent(store.root().get(), "/big/200").found());
  EXPECT_FALSE(Descent(store.root().get(), "/big/1999").found());
}

}  // namespace
}  // namespace cxxenstored::store
