// Node names as clients send them and as the store keeps them.
//
// The store only ever sees canonical absolute paths: "/" or "/a/b/c" with no
// empty component and no trailing slash. Clients may also send paths
// relative to their domain's home (/local/domain/<id>) and, for watches and
// permissions only, the special names "@introduceDomain" / "@releaseDomain".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "cxxenstored/util/result.h"

namespace cxxenstored::store {

using DomainId = std::uint32_t;

// The C daemon's default -M/--path-max: the longest path below a domain's
// home (or the longest absolute path for paths outside any home).
inline constexpr std::size_t kDefaultMaxRelativePath = 2048;

// "/local/domain/<id>".
std::string home_path(DomainId domain);

// True for "@..." names (watches and set/get_perms only, never nodes).
bool is_special(std::string_view path);

// Checks an absolute (or, with allow_special, special) path against the C
// daemon's rules: leading '/', characters [A-Za-z0-9-/_@], no "//", no
// trailing '/', and at most max_relative characters after a
// "/local/domain/<id>/" prefix (or in all, when there is none).
bool is_valid_path(std::string_view path, bool allow_special,
                   std::size_t max_relative = kDefaultMaxRelativePath);

// A path canonicalize() accepted: a view of the caller's own bytes when they
// were absolute already (nearly every request, which then copies nothing),
// or the name built from a relative one and the caller's home.
class CanonicalPath {
 public:
  // `path` must outlive this object (it is the request being handled).
  static CanonicalPath given(std::string_view path) {
    CanonicalPath p;
    p.given_ = path;
    return p;
  }
  static CanonicalPath built(std::string path) {
    CanonicalPath p;
    p.built_ = std::move(path);
    p.owned_ = true;
    return p;
  }

  // Found afresh each time, so that a copy or a move never views the
  // bytes of the object it came from.
  std::string_view view() const { return owned_ ? std::string_view(built_) : given_; }
  operator std::string_view() const { return view(); }

 private:
  CanonicalPath() = default;

  std::string built_;
  std::string_view given_;
  bool owned_ = false;
};

// Resolves a client path: relative names are taken from caller's home, then
// the result is validated. EINVAL when it is not a valid name. The result
// may be a view of raw.
Result<CanonicalPath> canonicalize(std::string_view raw, DomainId caller,
                                   bool allow_special,
                                   std::size_t max_relative = kDefaultMaxRelativePath);

// The inverse for watch events on relative watches: strips "<home>/" when the
// path lies below it.
std::string_view relative_to(std::string_view path, std::string_view home);

// "/a/b" -> "/a"; "/a" -> "/"; "/" -> "/".
std::string_view parent_path(std::string_view path);
// "/a/b" -> "b"; "/" -> "".
std::string_view base_name(std::string_view path);
// "/a/b" + "c" -> "/a/b/c"; "/" + "c" -> "/c".
std::string join_path(std::string_view parent, std::string_view child);

// True when path is ancestor itself or lies below it ("/a" is within "/",
// "/a" and "/a"; "/ab" is not within "/a").
bool is_within(std::string_view path, std::string_view ancestor);

// Iterates the components of a canonical path: "/a/b" yields "a", "b".
class PathComponents {
 public:
  explicit PathComponents(std::string_view canonical) : rest_(canonical) {
    if (!rest_.empty() && rest_.front() == '/') rest_.remove_prefix(1);
  }
  // Stores the next component in *out; false at the end.
  bool next(std::string_view* out) {
    if (rest_.empty()) return false;
    std::size_t slash = rest_.find('/');
    *out = rest_.substr(0, slash);
    rest_ = slash == std::string_view::npos ? std::string_view{} : rest_.substr(slash + 1);
    return true;
  }

 private:
  std::string_view rest_;
};

}  // namespace cxxenstored::store
