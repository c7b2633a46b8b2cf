// The children of one node: a persistent (immutable, structure-sharing) map
// from child name to child node that also remembers creation order.
//
// The C daemon lists children in the order they were created and clients
// depend on it. Most nodes have a handful of children, kept as one small
// array in creation order (8 bytes a child, copied on update); past
// kSmallLimit the map becomes a persistent AVL tree keyed by name, so
// /local/domain with thousands of children updates in O(log n), never
// copying all siblings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/smart_ptr/intrusive_ptr.hpp>
#include <boost/smart_ptr/intrusive_ref_counter.hpp>

namespace cxxenstored::store {

class Node;
using NodePtr = boost::intrusive_ptr<const Node>;

class ChildMap {
 public:
  static constexpr std::size_t kSmallLimit = 16;

  ChildMap() = default;

  std::size_t size() const;
  bool empty() const { return rep_ == nullptr; }
  // Sum of (name length + 1) over all children, as the node-size quota counts.
  std::size_t name_bytes() const;

  // The child with this name, or null.
  NodePtr find(std::string_view name) const;
  // The same without touching reference counts (path walks).
  const Node* find_ptr(std::string_view name) const;

  // What try_put_in_place did.
  enum class PutInPlace { kReplaced, kInserted, kRefused };
  // Puts child into this map without copying it, when this map is the only
  // holder of its representation (see Editor::replace): in place of the
  // entry of the same name (keeping its place in creation order), or as the
  // newest entry. Entries on the way down are changed where they too are
  // held only here, and copied (as with() does) from the first shared one
  // on. kRefused, with nothing changed, when the representation is shared
  // or the small form would outgrow its limit; also, with insert_allowed
  // false, when the name is new.
  PutInPlace try_put_in_place(NodePtr& child, bool insert_allowed = true);

  // A map where child replaces the entry of the same name (keeping its place
  // in creation order) or is added as the newest entry.
  ChildMap with(NodePtr child) const;
  // A map without the named child (unchanged if absent).
  ChildMap without(std::string_view name) const;

  // Children, oldest first.
  std::vector<NodePtr> in_creation_order() const;
  // The child names oldest first, each followed by a NUL: a DIRECTORY
  // reply's payload. Large maps compute it once (the map never changes), so
  // listing /local/domain again is one copy, not a walk of the tree.
  const std::string& listing() const;
  // Visits children oldest first without copying them.
  template <class F>
  void for_each_in_creation_order(F&& visit) const {
    if (rep_) for (const NodePtr& child : ordered()) visit(child);
  }

  // Visits every child (in no particular order; cheaper than creation order).
  template <class F>
  void for_each(F&& visit) const;

  // True when both maps share the same representation (O(1) identity).
  bool same_as(const ChildMap& other) const { return rep_ == other.rep_; }

 private:
  struct Entry;
  using EntryPtr = boost::intrusive_ptr<const Entry>;
  // One AVL entry (large maps only).
  // 40 bytes, pooled like nodes: large directories have one per child.
  struct Entry : boost::intrusive_ref_counter<Entry, boost::thread_unsafe_counter> {
    std::uint32_t count;   // entries in this subtree (beside the reference count)
    NodePtr child;
    EntryPtr left, right;
    std::uint64_t order : 56;  // creation sequence within this map
    std::uint64_t height : 8;
    static void* operator new(std::size_t bytes);
    static void operator delete(void* entry, std::size_t bytes);
  };
  // The shared representation: for small maps the children themselves in
  // creation order (slots), for large ones an AVL root.
  struct Rep : boost::intrusive_ref_counter<Rep, boost::thread_unsafe_counter> {
    std::vector<NodePtr> slots;  // small form, oldest first
    EntryPtr tree;               // large form
    std::uint64_t next_order = 0;
    std::uint32_t name_bytes = 0;
    // Large form only: the children in creation order, computed on the first
    // listing. The map never changes, so neither does this; a new map (any
    // update) starts without it. Only listed directories pay for it.
    mutable std::vector<NodePtr> ordered_cache;
    // Likewise the NUL-separated names (listing()), on the first DIRECTORY.
    mutable std::string listing_cache;
    bool small() const { return !tree; }
  };
  using RepPtr = boost::intrusive_ptr<const Rep>;

  explicit ChildMap(RepPtr rep) : rep_(std::move(rep)) {}
  // The children oldest first (rep_ must be set).
  const std::vector<NodePtr>& ordered() const;

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
  // try_put_in_place's descent from top, which is held only by its map.
  static PutInPlace put_unshared(EntryPtr& top, NodePtr& child, std::uint64_t order,
                                 bool insert_allowed);
  static EntryPtr erase(const EntryPtr& e, std::string_view name, bool* erased);
  static EntryPtr erase_min(const EntryPtr& e, EntryPtr* min_out);
  static const Entry* find_entry(const Entry* e, std::string_view name);

  RepPtr rep_;
};

template <class F>
void ChildMap::for_each(F&& visit) const {
  if (!rep_) return;
  if (rep_->small()) {
    for (const NodePtr& child : rep_->slots) visit(child);
  } else {
    visit_entries(rep_->tree.get(), visit);
  }
}

}  // namespace cxxenstored::store
