// Comparing child names, at every step of every path walk. Names are short
// (domain ids, "device", "state", "backend"), so a loop over a few bytes is
// cheaper than a call to memcmp, which is what std::string_view's operators
// make of it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string_view>

namespace cxxenstored::store {

[[gnu::always_inline]] inline bool same_name(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i]) return false;
  return true;
}

// The order of names in a large directory's tree: bytewise as unsigned
// chars, a prefix first (std::string_view::compare's order).
[[gnu::always_inline]] inline int compare_names(std::string_view a, std::string_view b) {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const auto x = static_cast<unsigned char>(a[i]);
    const auto y = static_cast<unsigned char>(b[i]);
    if (x != y) return x < y ? -1 : 1;
  }
  return a.size() == b.size() ? 0 : (a.size() < b.size() ? -1 : 1);
}

}  // namespace cxxenstored::store
