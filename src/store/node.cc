#include "cxxenstored/store/node.h"

#include <algorithm>
#include <memory>
#include <new>
#include <stdexcept>
#include <utility>

#include "cxxenstored/store/name_compare.h"
#include "cxxenstored/store/node_pool.h"

namespace cxxenstored::store {
namespace {

constexpr std::uint64_t kNarrowStampLimit = std::uint64_t{1} << 48;

constexpr std::size_t round_up(std::size_t n, std::size_t to) { return (n + to - 1) / to * to; }

std::uint8_t stamp_layout_for(const Stamps& s) {
  std::uint8_t layout = 0;
  if (s.value >= kNarrowStampLimit) layout |= 1;
  if (s.perms != s.value) layout |= 2;
  if (s.children != s.value) layout |= 4;
  return layout;
}

std::size_t popcount3(std::uint8_t bits) { return (bits & 1) + ((bits >> 1) & 1) + ((bits >> 2) & 1); }

}  // namespace

static_assert(sizeof(Node) == 24, "the node header is part of every node's memory cost");
static_assert(alignof(Node) == 8);

// ---- NodeChildren --------------------------------------------------------

std::size_t NodeChildren::size() const { return map_ ? map_->size() : count_; }

std::size_t NodeChildren::name_bytes() const {
  if (map_) return map_->name_bytes();
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < count_; ++i) bytes += slots_[i]->name().size() + 1;
  return bytes;
}

NodePtr NodeChildren::find(std::string_view name) const {
  if (map_) return map_->find(name);
  for (std::size_t i = 0; i < count_; ++i) {
    if (same_name(slots_[i]->name(), name)) return slots_[i];
  }
  return nullptr;
}

const Node* NodeChildren::find_ptr(std::string_view name) const {
  if (map_) return map_->find_ptr(name);
  for (std::size_t i = 0; i < count_; ++i) {
    if (same_name(slots_[i]->name(), name)) return slots_[i].get();
  }
  return nullptr;
}

std::vector<NodePtr> NodeChildren::in_creation_order() const {
  if (map_) return map_->in_creation_order();
  return std::vector<NodePtr>(slots_, slots_ + count_);
}

void NodeChildren::append_listing(std::string& out) const {
  if (map_) {
    out.append(map_->listing());
    return;
  }
  for (std::size_t i = 0; i < count_; ++i) {
    out.append(slots_[i]->name());
    out.push_back('\0');
  }
}

ChildMap NodeChildren::to_map() const {
  if (map_) return *map_;
  ChildMap map;
  for (std::size_t i = 0; i < count_; ++i) map = map.with(slots_[i]);
  return map;
}

// ---- Node layout ---------------------------------------------------------

Node::Node(std::string_view name, std::string_view value, Permissions perms, Stamps stamps,
           std::uint8_t child_slots)
    : name_size_(static_cast<std::uint16_t>(name.size())),
      value_size_(static_cast<std::uint16_t>(value.size())),
      perms_(std::move(perms)),
      value_stamp_low_(static_cast<std::uint32_t>(stamps.value)),
      value_stamp_high_(static_cast<std::uint16_t>(stamps.value >> 32)),
      child_slots_(child_slots),
      stamp_layout_(stamp_layout_for(stamps)) {
  std::uint64_t* tail = tail_stamps();
  if (stamp_layout_ & kWideValueStamp) *tail++ = stamps.value;
  if (stamp_layout_ & kOwnPermsStamp) *tail++ = stamps.perms;
  if (stamp_layout_ & kOwnChildrenStamp) *tail++ = stamps.children;
  if (child_slots_ == kMapChildren) {
    new (map()) ChildMap();
  } else {
    std::uninitialized_value_construct_n(slots(), child_slots_);
  }
  // std::copy, not memcpy: an empty view may have a null data().
  std::copy(name.begin(), name.end(), chars());
  std::copy(value.begin(), value.end(), chars() + name.size());
}

Node::~Node() {
  if (child_slots_ == kMapChildren) {
    map()->~ChildMap();
  } else {
    std::destroy_n(slots(), child_slots_);
  }
}

std::size_t Node::allocation_bytes(std::size_t tail_stamps, std::size_t child_bytes,
                                   std::size_t name_size, std::size_t value_size) {
  return round_up(sizeof(Node) + tail_stamps * sizeof(std::uint64_t) + child_bytes + name_size + value_size,
                  NodePool::kGranule);
}

void Node::operator delete(Node* node, std::destroying_delete_t) {
  const std::size_t bytes =
      allocation_bytes(node->tail_stamp_count(), node->child_area_bytes(), node->name_size_, node->value_size_);
  node->~Node();
  NodePool::release(node, bytes);
}

Node* Node::allocate(std::string_view name, std::string_view value, Permissions perms, Stamps stamps,
                     std::uint8_t child_slots) {
  if (name.size() > kMaxName) throw std::length_error("xenstore node name too long");
  if (value.size() > kMaxValue) throw std::length_error("xenstore node value too long");
  const std::size_t child_bytes =
      child_slots == kMapChildren ? sizeof(ChildMap) : child_slots * sizeof(NodePtr);
  const std::size_t bytes =
      allocation_bytes(popcount3(stamp_layout_for(stamps)), child_bytes, name.size(), value.size());
  void* storage = NodePool::allocate(bytes);
  // The constructor cannot throw once the sizes are checked: it copies
  // bytes and builds null child pointers.
  return new (storage) Node(name, value, std::move(perms), stamps, child_slots);
}

NodePtr Node::make_small(std::string_view name, std::string_view value, Permissions perms, Stamps stamps,
                         const NodePtr* children, std::size_t count) {
  Node* node = allocate(name, value, std::move(perms), stamps, static_cast<std::uint8_t>(count));
  NodePtr owner(node);
  std::copy_n(children, count, node->slots());
  return owner;
}

NodePtr Node::make_from(std::string_view name, std::string_view value, Permissions perms, Stamps stamps,
                        const ChildMap& children) {
  if (children.size() <= ChildMap::kSmallLimit) {
    const std::vector<NodePtr> ordered = children.in_creation_order();
    return make_small(name, value, std::move(perms), stamps, ordered.data(), ordered.size());
  }
  Node* node = allocate(name, value, std::move(perms), stamps, kMapChildren);
  NodePtr owner(node);
  *node->map() = children;
  return owner;
}

NodePtr Node::make(std::string_view name, std::string_view value, Permissions perms,
                   const ChildMap& children, Stamps stamps) {
  return make_from(name, value, std::move(perms), stamps, children);
}

NodeChildren Node::children() const {
  if (child_slots_ == kMapChildren) return NodeChildren(map());
  return NodeChildren(slots(), child_slots_);
}

Stamps Node::stamps() const {
  Stamps s;
  const std::uint64_t* tail = tail_stamps();
  s.value = (stamp_layout_ & kWideValueStamp)
                ? *tail++
                : (std::uint64_t{value_stamp_high_} << 32) | value_stamp_low_;
  s.perms = (stamp_layout_ & kOwnPermsStamp) ? *tail++ : s.value;
  s.children = (stamp_layout_ & kOwnChildrenStamp) ? *tail++ : s.value;
  return s;
}

// ---- Updates -------------------------------------------------------------

NodePtr Node::with_value(std::string_view value, std::uint64_t stamp) const {
  Stamps s = stamps();
  s.value = stamp;
  if (child_slots_ == kMapChildren) return make_from(name(), value, perms_, s, *map());
  return make_small(name(), value, perms_, s, slots(), child_slots_);
}

NodePtr Node::with_perms(Permissions perms, std::uint64_t stamp) const {
  Stamps s = stamps();
  s.perms = stamp;
  if (child_slots_ == kMapChildren) return make_from(name(), value(), std::move(perms), s, *map());
  return make_small(name(), value(), std::move(perms), s, slots(), child_slots_);
}

NodePtr Node::with_child(NodePtr child, std::uint64_t stamp) const {
  Stamps s = stamps();
  if (child_slots_ != kMapChildren) {
    const NodePtr* begin = slots();
    const NodePtr* end = begin + child_slots_;
    const NodePtr* same = std::find_if(begin, end, [&](const NodePtr& c) { return same_name(c->name(), child->name()); });
    if (same != end || child_slots_ < ChildMap::kSmallLimit) {
      NodePtr copies[ChildMap::kSmallLimit];
      std::copy(begin, end, copies);
      std::size_t count = child_slots_;
      if (same != end) {
        copies[same - begin] = std::move(child);
      } else {
        copies[count++] = std::move(child);
        s.children = stamp;
      }
      return make_small(name(), value(), perms_, s, copies, count);
    }
  }
  const ChildMap before = children().to_map();
  ChildMap after = before.with(std::move(child));
  if (after.size() != before.size()) s.children = stamp;
  return make_from(name(), value(), perms_, s, after);
}

bool Node::put_child_in_place(NodePtr& child, std::uint64_t stamp) {
  if (child_slots_ != kMapChildren) {
    NodePtr* begin = slots();
    NodePtr* end = begin + child_slots_;
    for (NodePtr* slot = begin; slot != end; ++slot) {
      if (same_name((*slot)->name(), child->name())) {
        *slot = std::move(child);
        return true;
      }
    }
    return false;  // the array has no room for another
  }
  // The children stamp is the last tail stamp (see stamps()), when there is
  // one of its own.
  const bool can_add = (stamp_layout_ & kOwnChildrenStamp) != 0;
  ChildMap& children = *map();
  switch (children.try_put_in_place(child, can_add)) {
    case ChildMap::PutInPlace::kReplaced: return true;
    case ChildMap::PutInPlace::kInserted:
      tail_stamps()[tail_stamp_count() - 1] = stamp;
      return true;
    case ChildMap::PutInPlace::kRefused: break;
  }
  const bool present = children.find_ptr(child->name()) != nullptr;
  if (!present && !can_add) return false;
  // The map is shared with other versions of this node: a new one, and
  // this node stays where it is.
  children = children.with(std::move(child));
  if (!present) tail_stamps()[tail_stamp_count() - 1] = stamp;
  return true;
}

NodePtr Node::without_child(std::string_view name, std::uint64_t stamp) const {
  Stamps s = stamps();
  s.children = stamp;
  if (child_slots_ != kMapChildren) {
    NodePtr kept[ChildMap::kSmallLimit];
    std::size_t count = 0;
    for (std::size_t i = 0; i < child_slots_; ++i) {
      if (slots()[i]->name() != name) kept[count++] = slots()[i];
    }
    return make_small(this->name(), value(), perms_, s, kept, count);
  }
  return make_from(this->name(), value(), perms_, s, map()->without(name));
}

}  // namespace cxxenstored::store
