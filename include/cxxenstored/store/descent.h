// One walk down a canonical path from a root, keeping the nodes met on the
// way (root first) for as long as they exist. An update needs all of them:
// whether the node exists, the nearest existing ancestor a creation goes
// under, and the ancestors Editor::replace rebuilds or changes in place.
// Walking once instead of once per question matters in a large directory,
// where each step down is a search among thousands of names.
//
// The pointers are raw (a reference held here would make every node on the
// path look shared to an in-place update) and stay valid while the tree
// they came from is unchanged.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "cxxenstored/store/node.h"

namespace cxxenstored::store {

class Descent {
 public:
  // Walks from root (never null) down path, a canonical path; deepest_path()
  // is a view of path, which must outlive the walk.
  Descent(const Node* root, std::string_view path);

  // Whether every node of the path exists; then deepest() is the node itself.
  bool found() const { return deepest_path_.size() == path_.size(); }
  // The last node met: the node itself, or its nearest existing ancestor.
  const Node* deepest() const { return (*this)[size_ - 1]; }
  // The path of deepest(): a prefix of the walked path ("/" at least).
  std::string_view deepest_path() const { return deepest_path_; }

  // The nodes met, root first: (*this)[i] is at depth i (the root's is 0).
  std::size_t size() const { return size_; }
  const Node* operator[](std::size_t i) const { return i < kInline ? inline_[i] : overflow_[i - kInline]; }

 private:
  void push_back(const Node* node) {
    if (size_ < kInline) {
      inline_[size_] = node;
    } else {
      overflow_.push_back(node);
    }
    ++size_;
  }

  // Paths deeper than this allocate; xenstore paths rarely exceed 8.
  static constexpr std::size_t kInline = 16;
  const Node* inline_[kInline] = {};
  std::vector<const Node*> overflow_;
  std::size_t size_ = 0;
  std::string_view path_;
  std::string_view deepest_path_;
};

}  // namespace cxxenstored::store
