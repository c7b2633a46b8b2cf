// The compact node layout: every part reads back as written, whatever mix
// of stamps, child forms and sizes a node has.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "cxxenstored/store/node.h"
#include "cxxenstored/store/node_pool.h"

namespace cxxenstored::store {
namespace {

NodePtr leaf(const std::string& name, const std::string& value, Stamps stamps = {1, 1, 1}) {
  return make_node(name, value, Permissions(), ChildMap(), stamps);
}

std::string names(const NodePtr& node) {
  std::string out;
  node->children().for_each_in_creation_order([&](const NodePtr& c) { out.append(c->name()).append(","); });
  return out;
}

TEST(Node, ReadsBackNameValueAndPermissions) {
  const Permissions perms(std::vector<Perm>{{7, kAccessNone}, {3, kAccessRead}});
  NodePtr n = make_node("state", std::string("4\0x", 3), perms, ChildMap(), Stamps{9, 9, 9});
  EXPECT_EQ(n->name(), "state");
  EXPECT_EQ(n->value(), std::string_view("4\0x", 3));
  EXPECT_EQ(n->perms(), perms);
  EXPECT_TRUE(n->children().empty());
  EXPECT_EQ(n->stamps(), (Stamps{9, 9, 9}));
}

TEST(Node, KeepsEveryStampCombination) {
  const std::uint64_t wide = (std::uint64_t{1} << 48) + 5;
  for (const Stamps& s : {Stamps{1, 1, 1}, Stamps{1, 2, 1}, Stamps{1, 1, 3}, Stamps{4, 2, 3},
                          Stamps{wide, wide, wide}, Stamps{wide, 2, wide + 1},
                          Stamps{(std::uint64_t{1} << 48) - 1, 0, ~std::uint64_t{0}}}) {
    NodePtr n = leaf("n", "value", s);
    EXPECT_EQ(n->stamps(), s);
    EXPECT_EQ(n->value(), "value");
    EXPECT_EQ(n->with_value("other", s.value + 1)->stamps(), (Stamps{s.value + 1, s.perms, s.children}));
  }
}

TEST(Node, ChildrenMoveToAMapPastTheSmallLimitAndBack) {
  NodePtr parent = leaf("p", "pv");
  std::string expected;
  for (std::size_t i = 0; i < ChildMap::kSmallLimit + 4; ++i) {
    const std::string name = "c" + std::to_string(i);
    parent = parent->with_child(leaf(name, "v"), 10 + i);
    expected += name + ",";
    ASSERT_EQ(names(parent), expected);
    ASSERT_EQ(parent->children().size(), i + 1);
    ASSERT_EQ(parent->value(), "pv");
    ASSERT_EQ(parent->stamps().children, 10 + i);
  }
  // Replacing a child keeps its place and the children stamp.
  NodePtr replaced = parent->with_child(leaf("c3", "new"), 99);
  EXPECT_EQ(names(replaced), expected);
  EXPECT_EQ(replaced->child("c3")->value(), "new");
  EXPECT_EQ(replaced->stamps().children, parent->stamps().children);
  // Removing down to the small form keeps creation order.
  NodePtr shrunk = parent;
  for (std::size_t i = 0; i < 10; ++i) shrunk = shrunk->without_child("c" + std::to_string(2 * i), 200);
  EXPECT_EQ(shrunk->children().size(), ChildMap::kSmallLimit + 4 - 10);
  EXPECT_EQ(names(shrunk), "c1,c3,c5,c7,c9,c11,c13,c15,c17,c19,");
  EXPECT_EQ(shrunk->children().name_bytes(), 5 * 3 + 5 * 4);  // each name and its NUL
  EXPECT_EQ(shrunk->child("c2"), nullptr);
  EXPECT_EQ(shrunk->child("c19")->value(), "v");
  // The old versions are untouched.
  EXPECT_EQ(parent->children().size(), ChildMap::kSmallLimit + 4);
}

TEST(Node, RefusesNamesAndValuesBeyondItsLengthFields) {
  EXPECT_THROW(leaf(std::string(Node::kMaxName + 1, 'n'), "v"), std::length_error);
  EXPECT_THROW(leaf("n", std::string(Node::kMaxValue + 1, 'v')), std::length_error);
  EXPECT_EQ(leaf("n", std::string(Node::kMaxValue, 'v'))->value().size(), Node::kMaxValue);
}

TEST(NodePool, ReusesAFreedBlockForTheNextNodeOfItsSize) {
  if (!NodePool::pooling()) GTEST_SKIP() << "sanitizer build: every node is its own heap block";
  const void* first = leaf("same", "size").get();
  // The node is gone; the next node of the same size class takes its block.
  NodePtr second = leaf("size", "same");
  EXPECT_EQ(second.get(), first);
  EXPECT_GT(NodePool::stats().chunk_bytes, 0u);
}

}  // namespace
}  // namespace cxxenstored::store
