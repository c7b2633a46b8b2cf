#include "cxxenstored/store/child_map.h"

#include <algorithm>
#include <utility>

#include "cxxenstored/store/name_compare.h"
#include "cxxenstored/store/node.h"
#include "cxxenstored/store/node_pool.h"

namespace cxxenstored::store {
namespace {

template <class E>
std::uint8_t height_of(const E& e) { return e ? static_cast<std::uint8_t>(e->height) : 0; }
template <class E>
std::uint32_t count_of(const E& e) { return e ? e->count : 0; }

constexpr std::size_t pooled_size(std::size_t bytes) {
  return (bytes + NodePool::kGranule - 1) / NodePool::kGranule * NodePool::kGranule;
}

}  // namespace

void* ChildMap::Entry::operator new(std::size_t bytes) {
  static_assert(sizeof(Entry) == 40, "one entry per child of every large directory");
  return NodePool::allocate(pooled_size(bytes));
}
void ChildMap::Entry::operator delete(void* entry, std::size_t bytes) {
  NodePool::release(entry, pooled_size(bytes));
}

ChildMap::EntryPtr ChildMap::make(NodePtr child, std::uint64_t order, EntryPtr left, EntryPtr right) {
  auto* e = new Entry;
  e->height = static_cast<std::uint8_t>(1 + std::max(height_of(left), height_of(right)));
  e->count = 1 + count_of(left) + count_of(right);
  e->child = std::move(child);
  e->order = order;
  e->left = std::move(left);
  e->right = std::move(right);
  return EntryPtr(e);
}

// Rebuilds one entry from its parts and restores the AVL invariant (the
// subtrees differ in height by at most one) with at most two rotations.
ChildMap::EntryPtr ChildMap::balance(NodePtr child, std::uint64_t order, EntryPtr left, EntryPtr right) {
  const int hl = height_of(left);
  const int hr = height_of(right);
  if (hl > hr + 1) {
    const Entry& l = *left;
    if (height_of(l.left) >= height_of(l.right)) {
      return make(l.child, l.order, l.left, make(std::move(child), order, l.right, std::move(right)));
    }
    const Entry& lr = *l.right;
    return make(lr.child, lr.order, make(l.child, l.order, l.left, lr.left),
                make(std::move(child), order, lr.right, std::move(right)));
  }
  if (hr > hl + 1) {
    const Entry& r = *right;
    if (height_of(r.right) >= height_of(r.left)) {
      return make(r.child, r.order, make(std::move(child), order, std::move(left), r.left), r.right);
    }
    const Entry& rl = *r.left;
    return make(rl.child, rl.order, make(std::move(child), order, std::move(left), rl.left),
                make(r.child, r.order, rl.right, r.right));
  }
  return make(std::move(child), order, std::move(left), std::move(right));
}

ChildMap::EntryPtr ChildMap::insert(const EntryPtr& e, const NodePtr& child, std::uint64_t order,
                                    bool* replaced) {
  if (!e) return make(child, order, nullptr, nullptr);
  const int cmp = compare_names(child->name(), e->child->name());
  if (cmp == 0) {
    *replaced = true;
    return make(child, e->order, e->left, e->right);
  }
  if (cmp < 0) return balance(e->child, e->order, insert(e->left, child, order, replaced), e->right);
  return balance(e->child, e->order, e->left, insert(e->right, child, order, replaced));
}

ChildMap::EntryPtr ChildMap::erase_min(const EntryPtr& e, EntryPtr* min_out) {
  if (!e->left) {
    *min_out = e;
    return e->right;
  }
  return balance(e->child, e->order, erase_min(e->left, min_out), e->right);
}

ChildMap::EntryPtr ChildMap::erase(const EntryPtr& e, std::string_view name, bool* erased) {
  if (!e) return nullptr;
  const int cmp = compare_names(e->child->name(), name);
  if (cmp == 0) {
    *erased = true;
    if (!e->left) return e->right;
    if (!e->right) return e->left;
    EntryPtr successor;
    EntryPtr right = erase_min(e->right, &successor);
    return balance(successor->child, successor->order, e->left, std::move(right));
  }
  if (cmp > 0) {
    EntryPtr left = erase(e->left, name, erased);
    if (!*erased) return e;
    return balance(e->child, e->order, std::move(left), e->right);
  }
  EntryPtr right = erase(e->right, name, erased);
  if (!*erased) return e;
  return balance(e->child, e->order, e->left, std::move(right));
}

const ChildMap::Entry* ChildMap::find_entry(const Entry* e, std::string_view name) {
  while (e) {
    const int cmp = compare_names(e->child->name(), name);
    if (cmp == 0) return e;
    e = cmp > 0 ? e->left.get() : e->right.get();
  }
  return nullptr;
}

std::size_t ChildMap::size() const {
  if (!rep_) return 0;
  return rep_->small() ? rep_->slots.size() : rep_->tree->count;
}

std::size_t ChildMap::name_bytes() const { return rep_ ? rep_->name_bytes : 0; }

NodePtr ChildMap::find(std::string_view name) const {
  if (!rep_) return nullptr;
  if (rep_->small()) {
    for (const NodePtr& child : rep_->slots) {
      if (same_name(child->name(), name)) return child;
    }
    return nullptr;
  }
  const Entry* e = find_entry(rep_->tree.get(), name);
  return e ? e->child : nullptr;
}

const Node* ChildMap::find_ptr(std::string_view name) const {
  if (!rep_) return nullptr;
  if (rep_->small()) {
    for (const NodePtr& child : rep_->slots) {
      if (same_name(child->name(), name)) return child.get();
    }
    return nullptr;
  }
  const Entry* e = find_entry(rep_->tree.get(), name);
  return e ? e->child.get() : nullptr;
}

ChildMap::PutInPlace ChildMap::put_unshared(EntryPtr& top, NodePtr& child, std::uint64_t order,
                                            bool insert_allowed) {
  // Iterative, with the slots on the way down kept for the way back up: a
  // large directory's tree is ~17 levels deep and a call per level cost more
  // than the level's own work. Every slot kept is held only by its parent
  // (checked at every step down), so changing it changes no other version.
  // An AVL tree of 2^32 entries is at most 46 levels high.
  EntryPtr* path[64];
  std::size_t depth = 0;
  EntryPtr* slot = &top;
  const std::string_view name = child->name();
  for (;;) {
    if (!*slot) {
      if (!insert_allowed) return PutInPlace::kRefused;
      *slot = make(std::move(child), order, nullptr, nullptr);
      break;
    }
    if ((*slot)->use_count() != 1) {
      // Another version shares this subtree: copy the path from here down.
      if (!insert_allowed && !find_entry(slot->get(), name)) return PutInPlace::kRefused;
      bool replaced = false;
      *slot = insert(*slot, child, order, &replaced);
      if (replaced) return PutInPlace::kReplaced;
      break;
    }
    Entry* e = const_cast<Entry*>(slot->get());
    const int cmp = compare_names(name, e->child->name());
    if (cmp == 0) {
      e->child = std::move(child);
      return PutInPlace::kReplaced;
    }
    path[depth++] = slot;
    slot = cmp < 0 ? &e->left : &e->right;
  }
  // Inserted: nothing changed on the way down (so a refusal left the map as
  // it was); now each entry above counts one more, and its height follows.
  while (depth > 0) {
    EntryPtr& above = *path[--depth];
    Entry* e = const_cast<Entry*>(above.get());
    const int hl = height_of(e->left);
    const int hr = height_of(e->right);
    if (hl > hr + 1 || hr > hl + 1) {
      // A rotation (at most one per insertion): rebuilt as with() does.
      above = balance(e->child, e->order, e->left, e->right);
      continue;
    }
    e->count += 1;
    e->height = static_cast<std::uint8_t>(1 + std::max(hl, hr));
  }
  return PutInPlace::kInserted;
}

ChildMap::PutInPlace ChildMap::try_put_in_place(NodePtr& child, bool insert_allowed) {
  if (!rep_ || rep_->use_count() != 1) return PutInPlace::kRefused;
  // Unshared (checked above and, for entries, on the way down): the const
  // of the persistent form protects other versions, and there are none.
  Rep* rep = const_cast<Rep*>(rep_.get());
  const std::uint32_t added_bytes = static_cast<std::uint32_t>(child->name().size() + 1);
  if (rep->small()) {
    for (NodePtr& slot : rep->slots) {
      if (same_name(slot->name(), child->name())) {
        slot = std::move(child);
        return PutInPlace::kReplaced;
      }
    }
    if (!insert_allowed || rep->slots.size() >= kSmallLimit) return PutInPlace::kRefused;
    rep->slots.push_back(std::move(child));
    rep->name_bytes += added_bytes;
    rep->listing_cache.clear();
    return PutInPlace::kInserted;
  }
  const PutInPlace put = put_unshared(rep->tree, child, rep->next_order, insert_allowed);
  if (put == PutInPlace::kRefused) return put;
  // The cached order holds the old child; the listing (the names) changes
  // only with a new name.
  rep->ordered_cache.clear();
  if (put == PutInPlace::kInserted) {
    ++rep->next_order;
    rep->name_bytes += added_bytes;
    rep->listing_cache.clear();
  }
  return put;
}

ChildMap ChildMap::with(NodePtr child) const {
  auto rep = boost::intrusive_ptr<Rep>(new Rep);
  const std::uint32_t added_bytes = static_cast<std::uint32_t>(child->name().size() + 1);
  if (!rep_ || rep_->small()) {
    if (rep_) rep->slots = rep_->slots;
    rep->name_bytes = rep_ ? rep_->name_bytes : 0;
    for (NodePtr& slot : rep->slots) {
      if (same_name(slot->name(), child->name())) {
        slot = std::move(child);
        return ChildMap(std::move(rep));
      }
    }
    rep->name_bytes += added_bytes;
    if (rep->slots.size() < kSmallLimit) {
      rep->slots.push_back(std::move(child));
      return ChildMap(std::move(rep));
    }
    // Grows past the small form: the slots' order becomes explicit.
    bool replaced = false;
    for (const NodePtr& slot : rep->slots) rep->tree = insert(rep->tree, slot, rep->next_order++, &replaced);
    rep->slots.clear();
    rep->slots.shrink_to_fit();
    rep->tree = insert(rep->tree, child, rep->next_order++, &replaced);
    return ChildMap(std::move(rep));
  }
  bool replaced = false;
  rep->tree = insert(rep_->tree, child, rep_->next_order, &replaced);
  rep->next_order = rep_->next_order + (replaced ? 0 : 1);
  rep->name_bytes = rep_->name_bytes + (replaced ? 0 : added_bytes);
  return ChildMap(std::move(rep));
}

ChildMap ChildMap::without(std::string_view name) const {
  if (!rep_ || !find(name)) return *this;
  if (size() == 1) return ChildMap();
  auto rep = boost::intrusive_ptr<Rep>(new Rep);
  rep->name_bytes = rep_->name_bytes - static_cast<std::uint32_t>(name.size() + 1);
  if (rep_->small()) {
    rep->slots.reserve(rep_->slots.size() - 1);
    for (const NodePtr& slot : rep_->slots) {
      if (slot->name() != name) rep->slots.push_back(slot);
    }
    return ChildMap(std::move(rep));
  }
  bool erased = false;
  rep->tree = erase(rep_->tree, name, &erased);
  rep->next_order = rep_->next_order;
  return ChildMap(std::move(rep));
}

std::vector<NodePtr> ChildMap::in_creation_order() const {
  if (!rep_) return {};
  return ordered();
}

const std::string& ChildMap::listing() const {
  static const std::string kEmpty;
  if (!rep_) return kEmpty;
  std::string& cache = rep_->listing_cache;
  if (cache.empty()) {
    const std::vector<NodePtr>& children = ordered();
    cache.reserve(rep_->name_bytes);
    for (const NodePtr& child : children) {
      cache.append(child->name());
      cache.push_back('\0');
    }
  }
  return cache;
}

const std::vector<NodePtr>& ChildMap::ordered() const {
  if (rep_->small() || !rep_->ordered_cache.empty()) return rep_->small() ? rep_->slots : rep_->ordered_cache;
  std::vector<std::pair<std::uint64_t, const NodePtr*>> ordered;
  ordered.reserve(size());
  // An explicit stack: the tree is balanced, but recursion per child would
  // still be a function call per entry.
  std::vector<const Entry*> stack;
  for (const Entry* e = rep_->tree.get(); e || !stack.empty();) {
    if (e) {
      stack.push_back(e);
      e = e->left.get();
    } else {
      e = stack.back();
      stack.pop_back();
      ordered.emplace_back(static_cast<std::uint64_t>(e->order), &e->child);
      e = e->right.get();
    }
  }
  std::sort(ordered.begin(), ordered.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<NodePtr>& cache = rep_->ordered_cache;
  cache.reserve(ordered.size());
  for (const auto& [order, child] : ordered) cache.push_back(*child);
  return cache;
}

}  // namespace cxxenstored::store
