// The children of one node: a persistent (immutable, structure-sharing) map
// from child name to child node that also remembers creation order.
//
// The C daemon lists children in the order they were created and clients
// depend on it, while /local/domain can hold thousands of children: an
// update here copies O(log n) entries, never all siblings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include <boost/smart_ptr/intrusive_ptr.hpp>
#include <boost/smart_ptr/intrusive_ref_counter.hpp>

namespace cxxenstored::store {

class Node;
using NodePtr = boost::intrusive_ptr<const Node>;

class ChildMap {
 public:
  ChildMap() = default;

  std::size_t size() const { return root_ ? root_->count : 0; }
  bool empty() const { return root_ == nullptr; }
  // Sum of (name length + 1) over all children, as the node-size quota counts.
  std::size_t name_bytes() const { return name_bytes_; }

  // The child with this name, or null.
  NodePtr find(std::string_view name) const;

  // A map where child replaces the entry of the same name (keeping its place
  // in creation order) or is added as the newest entry.
  ChildMap with(NodePtr child) const;
  // A map without the named child (unchanged if absent).
  ChildMap without(std::string_view name) const;

  // Children, oldest first.
  std::vector<NodePtr> in_creation_order() const;

  // Visits children in name order (cheaper than creation order).
  template <class F>
  void for_each(F&& visit) const { visit_entries(root_.get(), visit); }

  // True when both maps share the same representation (O(1) identity).
  bool same_as(const ChildMap& other) const { return root_ == other.root_; }

 private:
  struct Entry;
  using EntryPtr = boost::intrusive_ptr<const Entry>;
  struct Entry : boost::intrusive_ref_counter<Entry, boost::thread_unsafe_counter> {
    NodePtr child;
    EntryPtr left, right;
    std::uint64_t order;   // creation sequence within this map
    std::uint32_t count;   // entries in this subtree
    std::uint8_t height;
  };

  ChildMap(EntryPtr root, std::uint64_t next_order, std::size_t name_bytes)
      : root_(std::move(root)), next_order_(next_order), name_bytes_(name_bytes) {}

  template <class F>
  static void visit_entries(const Entry* e, F& visit) {
    while (e) {
      visit_entries(e->left.get(), visit);
      visit(e->child);
      e = e->right.get();
    }
  }

  static EntryPtr make(NodePtr child, std::uint64_t order, EntryPtr left, EntryPtr right);
  static EntryPtr balance(NodePtr child, std::uint64_t order, EntryPtr left, EntryPtr right);
  // Inserts or replaces; *replaced tells which happened.
  static EntryPtr insert(const EntryPtr& e, const NodePtr& child, std::uint64_t order,
                         bool* replaced);
  static EntryPtr erase(const EntryPtr& e, std::string_view name, bool* erased);
  static EntryPtr erase_min(const EntryPtr& e, EntryPtr* min_out);
  static const Entry* find_entry(const Entry* e, std::string_view name);

  EntryPtr root_;
  std::uint64_t next_order_ = 0;
  std::size_t name_bytes_ = 0;
};

}  // namespace cxxenstored::store
