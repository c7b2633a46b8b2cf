#include "cxxenstored/store/path.h"

#include <cerrno>
#include <string>

#include <gtest/gtest.h>

namespace cxxenstored::store {
namespace {

TEST(Path, AbsolutePathsPassThrough) {
  EXPECT_EQ(canonicalize("/local/domain/1", 5, false)->view(), "/local/domain/1");
  EXPECT_EQ(canonicalize("/", 5, false)->view(), "/");
}

TEST(Path, AnAbsolutePathIsTheCallersOwnBytes) {
  const std::string request = "/local/domain/1/device/vbd/51712/state";
  auto path = canonicalize(request, 5, false);
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(path->view().data(), request.data());  // no copy
  EXPECT_EQ(path->view().size(), request.size());
}

TEST(Path, ABuiltPathSurvivesBeingMoved) {
  // The view is found afresh from whichever string now holds the bytes.
  auto built = canonicalize("a", 3, false);
  ASSERT_TRUE(built.ok());
  CanonicalPath moved = std::move(built).value();
  const CanonicalPath copy = moved;
  EXPECT_EQ(moved.view(), "/local/domain/3/a");
  EXPECT_EQ(copy.view(), "/local/domain/3/a");
  EXPECT_NE(copy.view().data(), moved.view().data());
  const std::string_view as_view = copy;
  EXPECT_EQ(as_view, "/local/domain/3/a");
}

TEST(Path, RelativePathsResolveAgainstCallersHome) {
  EXPECT_EQ(canonicalize("device/vif/0", 7, false)->view(), "/local/domain/7/device/vif/0");
  EXPECT_EQ(canonicalize("x", 0, false)->view(), "/local/domain/0/x");
}

TEST(Path, EmptyRelativePathIsInvalid) {
  // Resolves to "/local/domain/N/": a trailing slash.
  EXPECT_EQ(canonicalize("", 3, false).error().code, EINVAL);
}

TEST(Path, RejectsMalformedNames) {
  for (const char* bad : {"/a//b", "/a/", "//", "/a b", "/a\tb", "/a.b", "/a/../b", "/a:b",
                          "/\xc3\xa9", "/a*"}) {
    EXPECT_FALSE(is_valid_path(bad, false)) << bad;
    EXPECT_EQ(canonicalize(bad, 0, false).error().code, EINVAL) << bad;
  }
}

TEST(Path, AcceptsTheCDaemonsCharacterSet) {
  EXPECT_TRUE(is_valid_path("/aZ09-_@/x", false));
  EXPECT_TRUE(is_valid_path("/a@b", false));
}

TEST(Path, SpecialNamesOnlyWhereAllowed) {
  EXPECT_FALSE(is_valid_path("@introduceDomain", false));
  EXPECT_TRUE(is_valid_path("@introduceDomain", true));
  EXPECT_EQ(canonicalize("@releaseDomain", 4, true)->view(), "@releaseDomain");
  // Without allow_special, "@x" is a relative path under the home.
  EXPECT_EQ(canonicalize("@x", 4, false)->view(), "/local/domain/4/@x");
  EXPECT_TRUE(is_special("@x"));
  EXPECT_FALSE(is_special("/@x"));
}

TEST(Path, LengthLimitCountsBelowTheDomainHome) {
  const std::string long_rel(kDefaultMaxRelativePath, 'a');
  EXPECT_TRUE(is_valid_path("/local/domain/12/" + long_rel, false));
  EXPECT_FALSE(is_valid_path("/local/domain/12/" + long_rel + "b", false));
  // Outside a home the whole path counts.
  EXPECT_FALSE(is_valid_path("/" + long_rel, false));
  EXPECT_TRUE(is_valid_path("/" + long_rel.substr(1), false));
  // Only up to five digits make a domain prefix.
  EXPECT_FALSE(is_valid_path("/local/domain/123456/" + long_rel, false));
  EXPECT_TRUE(is_valid_path("/local/domain/12345/" + long_rel, false));
  // A smaller configured limit applies.
  EXPECT_FALSE(is_valid_path("/local/domain/1/abcdef", false, 5));
  EXPECT_TRUE(is_valid_path("/local/domain/1/abcde", false, 5));
}

TEST(Path, Helpers) {
  EXPECT_EQ(parent_path("/a/b"), "/a");
  EXPECT_EQ(parent_path("/a"), "/");
  EXPECT_EQ(parent_path("/"), "/");
  EXPECT_EQ(base_name("/a/b"), "b");
  EXPECT_EQ(join_path("/", "c"), "/c");
  EXPECT_EQ(join_path("/a", "c"), "/a/c");
  EXPECT_TRUE(is_within("/a/b", "/a"));
  EXPECT_TRUE(is_within("/a", "/a"));
  EXPECT_TRUE(is_within("/a", "/"));
  EXPECT_FALSE(is_within("/ab", "/a"));
  EXPECT_EQ(relative_to("/local/domain/3/x/y", "/local/domain/3"), "x/y");
  EXPECT_EQ(relative_to("/local/domain/33/x", "/local/domain/3"), "/local/domain/33/x");
  EXPECT_EQ(home_path(12), "/local/domain/12");
}

TEST(Path, ComponentsIterate) {
  PathComponents c("/a/bb/c");
  std::string_view part;
  std::string joined;
  while (c.next(&part)) joined += std::string(part) + ",";
  EXPECT_EQ(joined, "a,bb,c,");
  PathComponents root("/");
  EXPECT_FALSE(root.next(&part));
}

}  // namespace
}  // namespace cxxenstored::store
