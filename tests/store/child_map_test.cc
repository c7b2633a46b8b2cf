#include "cxxenstored/store/child_map.h"

#include <algorithm>
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

TEST(ChildMap, PutsInPlaceOnlyWhenUnshared) {
  ChildMap m;
  for (int i = 0; i < 100; ++i) m = m.with(leaf("c" + std::to_string(i)));
  const std::string listed = m.listing();  // cached: must not go stale
  {
    ChildMap other = m;  // a second holder of the representation
    NodePtr child = leaf("new");
    EXPECT_EQ(m.try_put_in_place(child), ChildMap::PutInPlace::kRefused);
    EXPECT_TRUE(child);  // not taken
    EXPECT_EQ(other.size(), 100u);
  }
  NodePtr child = leaf("new");
  ASSERT_EQ(m.try_put_in_place(child), ChildMap::PutInPlace::kInserted);
  EXPECT_EQ(m.size(), 101u);
  EXPECT_EQ(m.listing(), listed + std::string("new\0", 4));
  EXPECT_EQ(names(m).back(), "new");
  NodePtr again = leaf("c5", "v2");
  EXPECT_EQ(m.try_put_in_place(again, false), ChildMap::PutInPlace::kReplaced);
  EXPECT_EQ(m.size(), 101u);
  EXPECT_EQ(m.find("c5")->value(), "v2");
  EXPECT_EQ(m.listing(), listed + std::string("new\0", 4));  // same names, same place
  NodePtr absent = leaf("absent");
  EXPECT_EQ(m.try_put_in_place(absent, false), ChildMap::PutInPlace::kRefused);
  EXPECT_FALSE(m.find("absent"));
}

// In-place puts share entries with other versions: none of them may see a
// change, and the map itself must match a reference throughout.
TEST(ChildMap, InPlacePutsNeverChangeAnotherVersion) {
  struct Expected {
    std::vector<std::string> order;            // names, oldest first
    std::map<std::string, std::string> values;
  };
  const auto matches = [](const ChildMap& map, const Expected& expected) {
    if (names(map) != expected.order) return false;
    for (const auto& [name, value] : expected.values) {
      NodePtr child = map.find(name);
      if (!child || child->value() != value) return false;
    }
    return true;
  };
  std::mt19937 rng(99);
  ChildMap m;
  Expected now;
  std::vector<std::pair<ChildMap, Expected>> versions;
  for (int i = 0; i < 6000; ++i) {
    const unsigned pick = rng() % 100;
    if (pick < 2) {
      versions.emplace_back(m, now);  // m is shared from here on
    } else if (pick < 4 && !versions.empty()) {
      versions.erase(versions.begin() + static_cast<std::ptrdiff_t>(rng() % versions.size()));
    } else if (pick < 8 && !now.order.empty()) {
      const std::size_t k = rng() % now.order.size();
      m = m.without(now.order[k]);
      now.values.erase(now.order[k]);
      now.order.erase(now.order.begin() + static_cast<std::ptrdiff_t>(k));
    } else {
      const std::string name = "n" + std::to_string(rng() % 3000);
      const std::string value = std::to_string(i);
      NodePtr child = leaf(name, value);
      if (m.try_put_in_place(child) == ChildMap::PutInPlace::kRefused) m = m.with(std::move(child));
      if (!now.values.count(name)) now.order.push_back(name);
      now.values[name] = value;
    }
    ASSERT_EQ(m.size(), now.order.size());
  }
  EXPECT_TRUE(matches(m, now));
  for (const auto& [version, expected] : versions) EXPECT_TRUE(matches(version, expected));
}

}  // namespace
}  // namespace cxxenstored::store
