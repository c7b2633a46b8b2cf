// Descent: one walk down a path that answers existence, nearest existing
// ancestor and the ancestors an update rebuilds.
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "cxxenstored/store/descent.h"
#include "cxxenstored/store/editor.h"
#include "cxxenstored/store/store.h"

namespace cxxenstored::store {
namespace {

const Caller kDom0 = Caller::dom0();

// What a walk tells: whether all of the path exists, how many nodes it met
// and the path of the deepest one.
void expect_walk(const Descent& d, bool found, std::size_t size, std::string_view deepest_path) {
  EXPECT_EQ(d.found(), found);
  EXPECT_EQ(d.size(), size);
  EXPECT_EQ(d.deepest_path(), deepest_path);
}

TEST(DescentTest, RootAlone) {
  Store store;
  const Descent d(store.root().get(), "/");
  expect_walk(d, true, 1, "/");
  EXPECT_EQ(d.deepest(), store.root().get());
}

TEST(DescentTest, ExistingPathGivesEveryNodeRootFirst) {
  Store store;
  ASSERT_TRUE(store.write(kDom0, "/a/b/c", "v"));
  const Descent d(store.root().get(), "/a/b/c");
  expect_walk(d, true, 4, "/a/b/c");
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d[0], store.root().get());
  EXPECT_EQ(d[1], lookup_node(store.root(), "/a").get());
  EXPECT_EQ(d[2], lookup_node(store.root(), "/a/b").get());
  EXPECT_EQ(d[3], lookup_node(store.root(), "/a/b/c").get());
  EXPECT_EQ(d.deepest()->value(), "v");
}

TEST(DescentTest, StopsAtTheNearestExistingAncestor) {
  Store store;
  ASSERT_TRUE(store.write(kDom0, "/a/b", "v"));
  const Descent missing_leaf(store.root().get(), "/a/b/c");
  expect_walk(missing_leaf, false, 3, "/a/b");
  EXPECT_EQ(missing_leaf.deepest(), lookup_node(store.root(), "/a/b").get());

  expect_walk(Descent(store.root().get(), "/a/x/y/z"), false, 2, "/a");

  // A name that is a prefix of an existing one is not that one.
  expect_walk(Descent(store.root().get(), "/a/bb"), false, 2, "/a");
}

TEST(DescentTest, PathsDeeperThanTheInlineChain) {
  Store store;
  std::string path;
  for (int i = 0; i < 40; ++i) path += "/d" + std::to_string(i);
  ASSERT_TRUE(store.write(kDom0, path, "deep"));
  const Descent d(store.root().get(), path);
  expect_walk(d, true, 41, path);
  ASSERT_EQ(d.size(), 41u);
  EXPECT_EQ(d.deepest()->value(), "deep");
  EXPECT_EQ(d[20]->name(), "d19");
  EXPECT_EQ(d[40]->name(), "d39");

  const std::string below = path + "/more/still";
  expect_walk(Descent(store.root().get(), below), false, 41, path);
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
