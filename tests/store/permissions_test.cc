#include "cxxenstored/store/permissions.h"

#include <cerrno>
#include <string>

#include <gtest/gtest.h>

namespace cxxenstored::store {
namespace {

using namespace std::string_literals;

Permissions perms(const std::string& wire, std::size_t n) { return *Permissions::parse(wire, n); }

TEST(Permissions, ParsesAndFormatsTheWireForm) {
  Permissions p = perms("n0\0r5\0w7\0b9\0"s, 4);
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p.owner(), 0u);
  EXPECT_EQ(p.entries()[1], (Perm{5, kAccessRead}));
  EXPECT_EQ(p.entries()[3], (Perm{9, kAccessBoth}));
  EXPECT_EQ(p.to_wire(), "n0\0r5\0w7\0b9\0"s);
}

TEST(Permissions, DomainIdsAreReadLikeStrtolBaseZero) {
  EXPECT_EQ(perms("r0x10\0"s, 1).owner(), 16u);
  EXPECT_EQ(perms("r010\0"s, 1).owner(), 8u);
  EXPECT_EQ(perms("r-1\0"s, 1).owner(), 0xffffffffu);
}

TEST(Permissions, RejectsBadEntries) {
  EXPECT_EQ(Permissions::parse("x0\0"s, 1).error().code, EINVAL);
  EXPECT_EQ(Permissions::parse("r\0"s, 1).error().code, EINVAL);
  EXPECT_EQ(Permissions::parse("r1a\0"s, 1).error().code, EINVAL);
  EXPECT_EQ(Permissions::parse("\0"s, 1).error().code, EINVAL);
  EXPECT_EQ(Permissions::parse("r1\0"s, 2).error().code, EINVAL);
}

TEST(Permissions, OwnerAndPrivilegedGetEverything) {
  Permissions p = perms("n3\0"s, 1);
  EXPECT_EQ(access_for(Caller::guest(3), p), kAccessRead | kAccessWrite | kAccessOwner);
  EXPECT_EQ(access_for(Caller::dom0(), p), kAccessRead | kAccessWrite | kAccessOwner);
  EXPECT_EQ(access_for(Caller::guest(4), p), kAccessNone);
}

TEST(Permissions, FirstEntryIsTheDefaultLaterEntriesOverride) {
  Permissions p = perms("r3\0w5\0n6\0"s, 3);
  EXPECT_EQ(access_for(Caller::guest(4), p), kAccessRead);
  EXPECT_EQ(access_for(Caller::guest(5), p), kAccessWrite);
  EXPECT_EQ(access_for(Caller::guest(6), p), kAccessNone);
}

TEST(Permissions, TargetActsWithItsTargetsRights) {
  Permissions p = perms("n3\0r7\0"s, 2);
  Caller device_model = Caller::guest(9);
  device_model.target = 3;
  EXPECT_EQ(access_for(device_model, p), kAccessRead | kAccessWrite | kAccessOwner);
  device_model.target = 7;
  EXPECT_EQ(access_for(device_model, p), kAccessRead);
}

TEST(Permissions, IgnoredEntriesAreSkipped) {
  Permissions p(std::vector<Perm>{{3, kAccessNone}, {5, kAccessBoth | kAccessIgnore}});
  EXPECT_EQ(access_for(Caller::guest(5), p), kAccessNone);
}

TEST(Permissions, ReadOnlyCallersNeverWrite) {
  Caller ro = Caller::dom0();
  ro.read_only = true;
  EXPECT_EQ(access_for(ro, perms("n0\0"s, 1)), kAccessRead | kAccessOwner);
}

TEST(Permissions, WithOwnerKeepsTheRest) {
  Permissions p = perms("r0\0w5\0"s, 2).with_owner(8);
  EXPECT_EQ(p.to_wire(), "r8\0w5\0"s);
}

}  // namespace
}  // namespace cxxenstored::store
