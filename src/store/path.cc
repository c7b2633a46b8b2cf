#include "cxxenstored/store/path.h"

#include <array>
#include <cerrno>
#include <charconv>

namespace cxxenstored::store {
namespace {

constexpr std::string_view kDomainPrefix = "/local/domain/";

// [A-Za-z0-9-/_@] as a table: every request's path is checked byte by
// byte, and one load per byte beats a chain of range tests.
constexpr std::array<bool, 256> kAllowedChars = [] {
  std::array<bool, 256> allowed{};
  for (int c = 'a'; c <= 'z'; ++c) allowed[static_cast<std::size_t>(c)] = true;
  for (int c = 'A'; c <= 'Z'; ++c) allowed[static_cast<std::size_t>(c)] = true;
  for (int c = '0'; c <= '9'; ++c) allowed[static_cast<std::size_t>(c)] = true;
  for (char c : {'-', '/', '_', '@'}) allowed[static_cast<unsigned char>(c)] = true;
  return allowed;
}();

bool is_allowed_char(char c) { return kAllowedChars[static_cast<unsigned char>(c)]; }

// Length of "/local/domain/<id>/" at the start of path, or 0. Like the C
// daemon, at most five digits count as a domain id.
std::size_t home_prefix_length(std::string_view path) {
  if (path.substr(0, kDomainPrefix.size()) != kDomainPrefix) return 0;
  std::size_t i = kDomainPrefix.size();
  std::size_t digits = 0;
  while (i < path.size() && path[i] >= '0' && path[i] <= '9' && digits < 5) {
    ++i;
    ++digits;
  }
  if (digits == 0 || i >= path.size() || path[i] != '/') return 0;
  return i + 1;
}

}  // namespace

std::string home_path(DomainId domain) {
  std::string path(kDomainPrefix);
  path += std::to_string(domain);
  return path;
}

bool is_special(std::string_view path) { return !path.empty() && path.front() == '@'; }

bool is_valid_path(std::string_view path, bool allow_special, std::size_t max_relative) {
  if (path.empty()) return false;
  if (path.front() != '/' && !(allow_special && path.front() == '@')) return false;
  if (path.size() > 1 && path.back() == '/') return false;
  if (path.size() - home_prefix_length(path) > max_relative) return false;
  // One pass for the characters and for empty components ("//").
  char previous = '\0';
  for (char c : path) {
    if (!is_allowed_char(c) || (c == '/' && previous == '/')) return false;
    previous = c;
  }
  return true;
}

Result<CanonicalPath> canonicalize(std::string_view raw, DomainId caller, bool allow_special,
                                   std::size_t max_relative) {
  if (!raw.empty() && (raw.front() == '/' || (allow_special && raw.front() == '@'))) {
    if (!is_valid_path(raw, allow_special, max_relative)) return Error{EINVAL};
    return CanonicalPath::given(raw);
  }
  std::string path = home_path(caller);
  path += '/';
  path += raw;
  if (!is_valid_path(path, allow_special, max_relative)) return Error{EINVAL};
  return CanonicalPath::built(std::move(path));
}

std::string_view relative_to(std::string_view path, std::string_view home) {
  if (path.size() > home.size() && path.substr(0, home.size()) == home && path[home.size()] == '/')
    return path.substr(home.size() + 1);
  return path;
}

std::string_view parent_path(std::string_view path) {
  std::size_t slash = path.rfind('/');
  if (slash == std::string_view::npos || slash == 0) return "/";
  return path.substr(0, slash);
}

std::string_view base_name(std::string_view path) {
  std::size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string join_path(std::string_view parent, std::string_view child) {
  std::string path(parent);
  if (path != "/") path += '/';
  path += child;
  return path;
}

bool is_within(std::string_view path, std::string_view ancestor) {
  if (ancestor == "/") return !path.empty() && path.front() == '/';
  if (path.substr(0, ancestor.size()) != ancestor) return false;
  return path.size() == ancestor.size() || path[ancestor.size()] == '/';
}

}  // namespace cxxenstored::store
