// Capturing a store's tree as NODE records and rebuilding it.
#include "cxxenstored/liveupdate/tree_image.h"

#include <gtest/gtest.h>

#include <cerrno>

namespace cxxenstored::liveupdate {
namespace {

using namespace std::string_literals;

const store::Caller kDom0 = store::Caller::dom0();

store::Store populated() {
  store::Store s;
  EXPECT_TRUE(s.write(kDom0, "/local/domain/7/name", "vm7"));
  EXPECT_TRUE(s.write(kDom0, "/local/domain/7/zeta", "z"));
  EXPECT_TRUE(s.write(kDom0, "/local/domain/7/alpha", "with\0nul"s));
  EXPECT_TRUE(s.set_perms(kDom0, "/local/domain/7",
                          store::Permissions({{7, store::kAccessNone}, {0, store::kAccessRead}})));
  EXPECT_TRUE(s.set_perms(kDom0, "@introduceDomain",
                          store::Permissions({{0, store::kAccessNone}, {7, store::kAccessRead}})));
  return s;
}

TEST(TreeImage, CapturesSpecialsFirstThenParentsBeforeChildren) {
  store::Store s = populated();
  auto nodes = capture_nodes(s);
  std::vector<std::string> paths;
  for (const auto& n : nodes) paths.push_back(n.path);
  EXPECT_EQ(paths, (std::vector<std::string>{
                       "@releaseDomain", "@introduceDomain", "/", "/tool", "/tool/xenstored",
                       "/local", "/local/domain", "/local/domain/7", "/local/domain/7/name",
                       "/local/domain/7/zeta", "/local/domain/7/alpha"}));
  EXPECT_EQ(nodes[1].perms,
            (std::vector<store::Perm>{{0, store::kAccessNone}, {7, store::kAccessRead}}));
  EXPECT_EQ(nodes[10].value, "with\0nul"s);
  for (const auto& n : nodes) EXPECT_EQ(n.conn_id, 0u);
}

TEST(TreeImage, RestoreRebuildsTheSameTree) {
  store::Store original = populated();
  auto nodes = capture_nodes(original);
  store::Store restored;
  ASSERT_TRUE(restore_nodes(restored, nodes));
  EXPECT_EQ(capture_nodes(restored), nodes);
  // Creation order survives: DIRECTORY lists oldest first.
  EXPECT_EQ(*restored.directory(kDom0, "/local/domain/7"),
            (std::vector<std::string>{"name", "zeta", "alpha"}));
  // Usage is recomputed: domain 7 owns one node.
  auto guest = store::Caller::guest(7);
  EXPECT_EQ(*restored.read(guest, "/local/domain/7"), "");
  EXPECT_EQ(restored.read(guest, "/local/domain/7/name").error().code, EACCES);
  // The restored store keeps working.
  EXPECT_TRUE(restored.write(kDom0, "/local/domain/7/name", "renamed"));
  EXPECT_EQ(*restored.read(kDom0, "/local/domain/7/name"), "renamed");
}

TEST(TreeImage, RejectsBrokenNodeListsAndKeepsTheStore) {
  store::Store s = populated();
  auto good = capture_nodes(s);

  auto without = [&](const std::string& path) {
    std::vector<NodeRecord> v;
    for (const auto& n : good)
      if (n.path != path) v.push_back(n);
    return v;
  };
  store::Store target;
  ASSERT_TRUE(target.write(kDom0, "/keep", "me"));
  EXPECT_EQ(restore_nodes(target, without("/")).error().code, EINVAL);
  EXPECT_EQ(restore_nodes(target, without("/local/domain")).error().code, EINVAL);
  auto duplicate = good;
  duplicate.push_back(good[5]);
  EXPECT_EQ(restore_nodes(target, duplicate).error().code, EINVAL);
  auto relative = good;
  relative.back().path = "local/x";
  EXPECT_EQ(restore_nodes(target, relative).error().code, EINVAL);
  auto no_perms = good;
  no_perms.back().perms.clear();
  EXPECT_EQ(restore_nodes(target, no_perms).error().code, EINVAL);
  EXPECT_EQ(*target.read(kDom0, "/keep"), "me");
}

TEST(TreeImage, SkipsPendingTransactionNodes) {
  store::Store s = populated();
  auto nodes = capture_nodes(s);
  NodeRecord pending;
  pending.conn_id = 3;
  pending.tx_id = 1;
  pending.path = "/only-in-transaction";
  pending.perms = {{0, store::kAccessNone}};
  nodes.push_back(pending);
  store::Store restored;
  ASSERT_TRUE(restore_nodes(restored, nodes));
  EXPECT_EQ(restored.read(kDom0, "/only-in-transaction").error().code, ENOENT);
}

}  // namespace
}  // namespace cxxenstored::liveupdate
