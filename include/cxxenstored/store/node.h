// One immutable node of the persistent tree.
//
// Nodes are never modified after construction: an update builds new nodes
// along the path from the root to the change and shares everything else, so
// a transaction's snapshot is just a root pointer.
//
// A host keeps 10^5..10^6 nodes, most of them leaves with a name and a value
// of a few bytes, so a node is one variable-size allocation: a 24-byte
// header, then (only where needed) the stamps that differ from the value
// stamp, the child pointers (or, past ChildMap::kSmallLimit children, one
// persistent child map), the name and the value. A typical leaf costs
// 24 bytes plus its name and value.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include <boost/smart_ptr/intrusive_ptr.hpp>
#include <boost/smart_ptr/intrusive_ref_counter.hpp>

#include "cxxenstored/store/child_map.h"
#include "cxxenstored/store/permissions.h"

namespace cxxenstored::store {

// Content identities. Each is a value from the store's stamp counter, taken
// when that part of the node last changed; a new node gets new stamps for
// all of them. Two nodes with the same stamp have the same content, so a
// transaction checks what it read by comparing stamps, and a change deep in
// a subtree (which copies every node on the path) changes no ancestor's stamps.
struct Stamps {
  std::uint64_t value = 0;     // last change of the value
  std::uint64_t perms = 0;     // last change of the permissions
  std::uint64_t children = 0;  // last change of the set of child names
  // The last change of the node's own record (DIRECTORY_PART's generation).
  std::uint64_t latest() const { return std::max({value, perms, children}); }
  friend bool operator==(const Stamps&, const Stamps&) = default;
};

// The children of a node, read-only: either the node's own small array (in
// creation order) or its persistent ChildMap.
class NodeChildren {
 public:
  std::size_t size() const;
  bool empty() const { return size() == 0; }
  // Sum of (name length + 1) over all children, as the node-size quota counts.
  std::size_t name_bytes() const;
  // The child with this name, or null.
  NodePtr find(std::string_view name) const;
  // The same without touching reference counts (path walks).
  const Node* find_ptr(std::string_view name) const;
  // Children, oldest first.
  std::vector<NodePtr> in_creation_order() const;
  // Appends the names oldest first, each followed by a NUL (a DIRECTORY
  // reply's payload).
  void append_listing(std::string& out) const;
  // Visits children oldest first without copying them.
  template <class F>
  void for_each_in_creation_order(F&& visit) const;
  // Visits every child in no particular order (cheaper than creation order).
  template <class F>
  void for_each(F&& visit) const;
  // The same children as a map an update can start from.
  ChildMap to_map() const;

 private:
  friend class Node;
  NodeChildren(const NodePtr* slots, std::size_t count) : slots_(slots), count_(count) {}
  explicit NodeChildren(const ChildMap* map) : map_(map) {}

  const NodePtr* slots_ = nullptr;
  std::size_t count_ = 0;
  const ChildMap* map_ = nullptr;  // set: the large form
};

class Node : public boost::intrusive_ref_counter<Node, boost::thread_unsafe_counter> {
 public:
  // Names are path components and values come from one wire message, so
  // both are far below these bounds; make() throws std::length_error above.
  static constexpr std::size_t kMaxName = 0xffff;
  static constexpr std::size_t kMaxValue = 0xffff;

  static NodePtr make(std::string_view name, std::string_view value, Permissions perms,
                      const ChildMap& children, Stamps stamps);

  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;
  // Nodes live in NodePool storage sized by make(); the reference count's
  // delete-expression lands here, where the node can still tell its size.
  static void operator delete(Node* node, std::destroying_delete_t);

  std::string_view name() const { return {chars(), name_size_}; }
  std::string_view value() const { return {chars() + name_size_, value_size_}; }
  const Permissions& perms() const { return perms_; }
  NodeChildren children() const;
  Stamps stamps() const;

  NodePtr child(std::string_view name) const { return children().find(name); }

  // Copies with one part replaced; the caller supplies the new stamp.
  NodePtr with_value(std::string_view value, std::uint64_t stamp) const;
  NodePtr with_perms(Permissions perms, std::uint64_t stamp) const;
  // Replaces or adds a child. stamp is used only when the child is new
  // (the set of names changes); replacing an existing child keeps stamps.
  NodePtr with_child(NodePtr child, std::uint64_t stamp) const;
  NodePtr without_child(std::string_view name, std::uint64_t stamp) const;

  // Puts child in place of this node's child of the same name (stamps
  // stay, as with_child keeps them), or adds it (the children stamp becomes
  // stamp), changing this node itself: only for a node no one else can see
  // (Editor::replace checks that every node from its private root down is
  // held once). Adding needs room: a node with a child map and a children
  // stamp of its own (a large directory after its first update). False,
  // with nothing changed, when there is none: use with_child.
  bool put_child_in_place(NodePtr& child, std::uint64_t stamp);

 private:
  // child_slots_ value meaning "one ChildMap follows instead of pointers".
  static constexpr std::uint8_t kMapChildren = 0xff;
  // stamp_layout_ bits: which stamps are stored after the header.
  static constexpr std::uint8_t kWideValueStamp = 1;  // value stamp >= 2^48
  static constexpr std::uint8_t kOwnPermsStamp = 2;   // perms stamp != value stamp
  static constexpr std::uint8_t kOwnChildrenStamp = 4;

  Node(std::string_view name, std::string_view value, Permissions perms, Stamps stamps,
       std::uint8_t child_slots);

  // Allocates a node whose child area the caller fills: child_slots small
  // pointers (default-constructed, i.e. null) or, for kMapChildren, a map.
  static Node* allocate(std::string_view name, std::string_view value, Permissions perms,
                        Stamps stamps, std::uint8_t child_slots);
  static NodePtr make_small(std::string_view name, std::string_view value, Permissions perms,
                            Stamps stamps, const NodePtr* slots, std::size_t count);
  static NodePtr make_from(std::string_view name, std::string_view value, Permissions perms,
                           Stamps stamps, const ChildMap& children);

  static std::size_t allocation_bytes(std::size_t tail_stamps, std::size_t child_bytes,
                                      std::size_t name_size, std::size_t value_size);
  // The layout accessors are inline: every path step compares child names,
  // so finding a name's bytes must cost a few instructions, not a call.
  // The number of bits set in the three layout bits, looked up in a
  // constant of 4-bit counts (__builtin_popcount is a libgcc call without
  // -mpopcnt).
  std::size_t tail_stamp_count() const { return (0x32212110u >> ((stamp_layout_ & 7u) * 4)) & 0xfu; }
  std::size_t child_area_bytes() const {
    return child_slots_ == kMapChildren ? sizeof(ChildMap) : child_slots_ * sizeof(NodePtr);
  }
  const std::uint64_t* tail_stamps() const { return reinterpret_cast<const std::uint64_t*>(this + 1); }
  std::uint64_t* tail_stamps() { return reinterpret_cast<std::uint64_t*>(this + 1); }
  const NodePtr* slots() const { return reinterpret_cast<const NodePtr*>(tail_stamps() + tail_stamp_count()); }
  NodePtr* slots() { return reinterpret_cast<NodePtr*>(tail_stamps() + tail_stamp_count()); }
  const ChildMap* map() const { return reinterpret_cast<const ChildMap*>(slots()); }
  ChildMap* map() { return reinterpret_cast<ChildMap*>(slots()); }
  const char* chars() const { return reinterpret_cast<const char*>(slots()) + child_area_bytes(); }
  char* chars() { return reinterpret_cast<char*>(slots()) + child_area_bytes(); }

  // The reference count (4 bytes, in the base) comes first.
  std::uint16_t name_size_;
  std::uint16_t value_size_;
  Permissions perms_;
  std::uint32_t value_stamp_low_;
  std::uint16_t value_stamp_high_;
  std::uint8_t child_slots_;   // 0..ChildMap::kSmallLimit, or kMapChildren
  std::uint8_t stamp_layout_;
};

template <class... Args>
NodePtr make_node(Args&&... args) {
  return Node::make(std::forward<Args>(args)...);
}

template <class F>
void NodeChildren::for_each_in_creation_order(F&& visit) const {
  if (map_) {
    map_->for_each_in_creation_order(visit);
    return;
  }
  for (std::size_t i = 0; i < count_; ++i) visit(slots_[i]);
}

template <class F>
void NodeChildren::for_each(F&& visit) const {
  if (map_) {
    map_->for_each(visit);
    return;
  }
  for (std::size_t i = 0; i < count_; ++i) visit(slots_[i]);
}

}  // namespace cxxenstored::store
