#include "cxxenstored/store/child_map.h"

#include <map>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cxxenstored/store/node.h"

namespace cxxenstored::store {
namespace {

NodePtr leaf(const std::string& name, const std::string& value = "") {
  return make_node(name, value, Permissions(), ChildMap(), Stamps{});
}

std::vector<std::string> names(const ChildMap& map) {
  std::vector<std::string> out;
  for (const NodePtr& n : map.in_creation_order()) out.emplace_back(n->name());
  return out;
}

TEST(ChildMap, KeepsCreationOrder) {
  ChildMap m = ChildMap().with(leaf("zeta")).with(leaf("alpha")).with(leaf("mid"));
  EXPECT_EQ(names(m), (std::vector<std::string>{"zeta", "alpha", "mid"}));
  // Replacing keeps the place; removing and re-adding moves to the end.
  m = m.with(leaf("zeta", "new"));
  EXPECT_EQ(names(m), (std::vector<std::string>{"zeta", "alpha", "mid"}));
  EXPECT_EQ(m.find("zeta")->value(), "new");
  m = m.without("zeta").with(leaf("zeta"));
  EXPECT_EQ(names(m), (std::vector<std::string>{"alpha", "mid", "zeta"}));
}

TEST(ChildMap, IsPersistent) {
  ChildMap a = ChildMap().with(leaf("x"));
  ChildMap b = a.with(leaf("y"));
  ChildMap c = b.without("x");
  EXPECT_EQ(names(a), (std::vector<std::string>{"x"}));
  EXPECT_EQ(names(b), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(names(c), (std::vector<std::string>{"y"}));
  EXPECT_TRUE(a.without("nope").same_as(a));
}

TEST(ChildMap, CountsNameBytes) {
  ChildMap m = ChildMap().with(leaf("ab")).with(leaf("cde"));
  EXPECT_EQ(m.name_bytes(), 3u + 4u);
  EXPECT_EQ(m.with(leaf("ab", "v")).name_bytes(), 7u);
  EXPECT_EQ(m.without("ab").name_bytes(), 4u);
}

TEST(ChildMap, MatchesAReferenceMapUnderRandomEdits) {
  std::mt19937 rng(1234);
  ChildMap m;
  std::map<std::string, std::uint64_t> reference;  // name -> creation rank
  std::uint64_t rank = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string name = "n" + std::to_string(rng() % 500);
    if (rng() % 3 == 0) {
      m = m.without(name);
      reference.erase(name);
    } else {
      m = m.with(leaf(name));
      reference.try_emplace(name, rank++);
    }
    ASSERT_EQ(m.size(), reference.size());
  }
  std::vector<std::pair<std::uint64_t, std::string>> expected;
  for (const auto& [name, r] : reference) expected.emplace_back(r, name);
  std::sort(expected.begin(), expected.end());
  std::vector<std::string> expected_names;
  for (const auto& [r, name] : expected) expected_names.push_back(name);
  EXPECT_EQ(names(m), expected_names);
  for (const auto& [name, r] : reference) EXPECT_TRUE(m.find(name)) << name;
}

TEST(ChildMap, UpdateOfOneChildAmongThousandsSharesTheRest) {
  ChildMap m;
  for (int i = 0; i < 4096; ++i) m = m.with(leaf("c" + std::to_string(i)));
  NodePtr before = m.find("c17");
  ChildMap updated = m.with(leaf("c2000", "x"));
  // Untouched children are the same objects, not copies.
  EXPECT_EQ(updated.find("c17").get(), before.get());
  EXPECT_EQ(updated.size(), 4096u);
}

}  // namespace
}  // namespace cxxenstored::store
