#include "cxxenstored/store/editor.h"

#include <algorithm>
#include <cerrno>
#include <utility>

#include <boost/container/small_vector.hpp>

namespace cxxenstored::store {

namespace {

// Counts the nodes and bytes of a subtree per owner, to un-charge a
// removal. path_length is the subtree root's.
void count_owners(const Node& node, std::size_t path_length, UsageDelta& delta, std::int64_t sign) {
  delta.add_nodes(node.perms().owner(), sign);
  delta.add_bytes(node.perms().owner(), sign * static_cast<std::int64_t>(node_memory(node, path_length)));
  node.children().for_each([&](const NodePtr& child) {
    count_owners(*child, child_path_length(path_length, child->name().size()), delta, sign);
  });
}

std::int64_t signed_size(std::size_t n) { return static_cast<std::int64_t>(n); }

std::uint64_t stamp_of(const Node* node, Aspect aspect) {
  if (!node) return 0;
  switch (aspect) {
    // Operations depend on whether a node exists, never on which
    // incarnation it is (its content has stamps of its own).
    case Aspect::kExistence: return 1;
    case Aspect::kValue: return node->stamps().value;
    case Aspect::kPerms: return node->stamps().perms;
    case Aspect::kChildren: return node->stamps().children;
    case Aspect::kOwnedNodes:
    case Aspect::kOwnedBytes: return 0;  // not node aspects
  }
  return 0;
}

}  // namespace

std::uint64_t aspect_stamp(const Node* node, Aspect aspect) { return stamp_of(node, aspect); }

std::size_t node_memory(const Node& node, std::size_t path_length) {
  return charged_node_memory(path_length, node.perms().size(), node.value().size(),
                             node.children().name_bytes());
}

void StampSource::note_new_run() {
  runs_.emplace_hint(runs_.end(), last_, issuer_);
  if (runs_.size() > kMaxIssuerRuns) runs_.erase(runs_.begin());
}

std::optional<DomainId> StampSource::issuer_of(std::uint64_t stamp) const {
  if (stamp == 0 || stamp > last_) return std::nullopt;
  auto it = runs_.upper_bound(stamp);
  if (it == runs_.begin()) return std::nullopt;  // older than the history
  return std::prev(it)->second;
}

Editor::Editor(NodePtr root, StampSource& stamps, const Quotas& quotas, const Usage& live_usage,
               ReadObserver* observer)
    : root_(std::move(root)), stamps_(stamps), quotas_(quotas), live_usage_(live_usage),
      observer_(observer) {}

NodePtr lookup_node(const NodePtr& root, std::string_view path) {
  // Raw pointers on the way down: one reference count change, at the end.
  const Node* node = root.get();
  PathComponents components(path);
  std::string_view name;
  while (node && components.next(&name)) node = node->children().find_ptr(name);
  return NodePtr(node);
}

void Editor::observe(std::string_view path, Aspect aspect, const Node* node) {
  if (observer_) observer_->observed(path, aspect, node);
}

std::int64_t Editor::owned_nodes(DomainId domain) const {
  return live_usage_.nodes(domain) + delta_.nodes(domain);
}

// The C daemon hides whether a node exists from callers who may not know:
// a missing node is reported as ENOENT only when the nearest existing
// ancestor grants the caller some of the access it asked for.
Error Editor::error_from_ancestors(const Caller& caller, std::string_view path,
                                  std::uint8_t wanted, Error error) {
  if (caller.privileged) return error;
  std::string_view ancestor = path;
  NodePtr node;
  do {
    ancestor = parent_path(ancestor);
    node = lookup_node(root_, ancestor);
    observe(ancestor, Aspect::kExistence, node.get());
  } while (!node && ancestor != "/");
  if (!node) return Error{EACCES};
  observe(ancestor, Aspect::kPerms, node.get());
  return (access_for(caller, node->perms()) & wanted) ? error : Error{EACCES};
}

Result<NodePtr> Editor::get_checked(const Caller& caller, std::string_view path,
                                    std::uint8_t wanted, Aspect aspect) {
  NodePtr node = lookup_node(root_, path);
  if (!node) {
    observe(path, Aspect::kExistence, nullptr);
    return error_from_ancestors(caller, path, wanted, Error{ENOENT});
  }
  if (!caller.privileged) {
    observe(path, Aspect::kPerms, node.get());
    if (!allows(caller, node->perms(), wanted)) return Error{EACCES};
  }
  observe(path, aspect, node.get());
  return node;
}

Result<std::string> Editor::read(const Caller& caller, std::string_view path) {
  auto node = get_checked(caller, path, kAccessRead, Aspect::kValue);
  if (!node) return node.error();
  return std::string((*node)->value());
}

Result<std::vector<std::string>> Editor::directory(const Caller& caller, std::string_view path) {
  auto node = get_checked(caller, path, kAccessRead, Aspect::kChildren);
  if (!node) return node.error();
  std::vector<std::string> names;
  names.reserve((*node)->children().size());
  (*node)->children().for_each_in_creation_order(
      [&](const NodePtr& child) { names.emplace_back(child->name()); });
  return names;
}

Result<std::string> Editor::listing(const Caller& caller, std::string_view path) {
  auto node = get_checked(caller, path, kAccessRead, Aspect::kChildren);
  if (!node) return node.error();
  std::string names;
  (*node)->children().append_listing(names);
  return names;
}

Result<std::uint64_t> Editor::children_generation(const Caller& caller, std::string_view path) {
  auto node = get_checked(caller, path, kAccessRead, Aspect::kChildren);
  if (!node) return node.error();
  // Like the C daemon's per-record generation: it moves whenever the node
  // itself is rewritten (value, permissions or child list), never for
  // changes further down.
  observe(path, Aspect::kValue, node->get());
  observe(path, Aspect::kPerms, node->get());
  return (*node)->stamps().latest();
}

Result<Permissions> Editor::get_perms(const Caller& caller, std::string_view path) {
  auto node = get_checked(caller, path, kAccessRead, Aspect::kPerms);
  if (!node) return node.error();
  return (*node)->perms();
}

void Editor::replace(std::string_view path, NodePtr node) {
  if (path == "/") {
    root_ = std::move(node);
    return;
  }
  const Descent ancestors(root_.get(), parent_path(path));
  replace(ancestors, ancestors.size(), std::move(node));
}

void Editor::replace(const Descent& path_nodes, std::size_t depth, NodePtr node) {
  if (depth == 0) {
    root_ = std::move(node);
    return;
  }
  // How many of the ancestors, from the root down, no one but this editor
  // can reach: the root held only by this editor, each further node only by
  // its parent. A transaction's tree after its first write, a commit's
  // replay after its first operation and the live tree while no snapshot
  // shares it are like that; a tree a snapshot or listing cache also holds
  // is not.
  std::size_t unshared = 0;
  if (root_->use_count() == 1) {
    unshared = 1;
    while (unshared < depth && path_nodes[unshared]->use_count() == 1) ++unshared;
  }
  // Rebuild upwards: each shared ancestor gets a copy pointing at the new
  // child. Replacing an existing child keeps the ancestors' stamps; adding
  // one (when node is new under the deepest ancestor) changes its children
  // stamp.
  const std::uint64_t stamp = stamps_.next();
  NodePtr current = std::move(node);
  std::size_t i = depth;
  for (; i > unshared; --i) current = path_nodes[i - 1]->with_child(std::move(current), stamp);
  // An unshared ancestor takes its new child in place, and the nodes above
  // it stay as they are; only adding a name (a bigger node, new stamps) still
  // copies it, for its own parent to take in place.
  for (; i > 0; --i) {
    // Unshared, as counted above: no other version of the tree refers to it.
    Node* owner = const_cast<Node*>(path_nodes[i - 1]);
    if (owner->put_child_in_place(current, stamp)) return;
    current = owner->with_child(std::move(current), stamp);
  }
  root_ = std::move(current);
}

Result<void> Editor::check_node_size(const Caller& caller, std::string_view path, const Node& node,
                                     std::size_t extra_children_bytes, std::size_t value_size,
                                     std::size_t perm_count) {
  if (caller.privileged) return {};
  const std::size_t size =
      charged_node_size(perm_count, value_size, node.children().name_bytes() + extra_children_bytes);
  if (size < quotas_.node_size) return {};
  // The refusal depends on the node's children; passing needs no record,
  // a replay checks again.
  observe(path, Aspect::kChildren, &node);
  return refuse(QuotaName::kNodeSize, Error{ENOSPC});
}

Result<void> Editor::charge_new_node(const Caller& caller, DomainId owner) {
  if (!caller.privileged &&
      owned_nodes(caller.domain) >= static_cast<std::int64_t>(quotas_.nodes_for(caller.domain))) {
    if (observer_) observer_->observed_usage(caller.domain, live_usage_.nodes(caller.domain));
    return refuse(QuotaName::kNodes, Error{ENOSPC});
  }
  delta_.add_nodes(owner, 1);
  return {};
}

bool Editor::exceeds_memory(const Caller& caller, DomainId domain, std::int64_t bytes_after) const {
  // dom0 is never limited, nor anything a privileged caller does.
  if (caller.privileged || domain == 0) return false;
  const std::size_t limit = quotas_.memory_for(domain);
  return limit != 0 && live_usage_.memory(domain) + bytes_after >= static_cast<std::int64_t>(limit);
}

Result<void> Editor::charge_bytes(const Caller& caller, DomainId domain, std::int64_t n) {
  if (n > 0 && exceeds_memory(caller, domain, delta_.bytes(domain) + n)) {
    if (observer_) observer_->observed_bytes(domain, live_usage_.memory(domain));
    return refuse(QuotaName::kMemory, Error{ENOMEM});
  }
  delta_.add_bytes(domain, n);
  return {};
}

Result<void> Editor::check_memory(const Caller& caller, const UsageDelta& before) {
  if (caller.privileged) return {};
  for (const UsageDelta::Entry& e : delta_.entries()) {
    // Only domains this operation charged more can have crossed.
    if (e.bytes <= before.bytes(e.domain) || !exceeds_memory(caller, e.domain, e.bytes)) continue;
    if (observer_) observer_->observed_bytes(e.domain, live_usage_.memory(e.domain));
    delta_ = before;
    return refuse(QuotaName::kMemory, Error{ENOMEM});
  }
  return {};
}

Result<void> Editor::create(const Caller& caller, std::string_view path, std::string_view value,
                            const Descent& walked) {
  // Every missing node from path up to just below the nearest existing
  // ancestor is created, with that ancestor's permissions (the caller owning
  // them when it is an unprivileged domain, as the C daemon does).
  const std::string_view ancestor = walked.deepest_path();
  const Node* parent = walked.deepest();
  boost::container::small_vector<std::string_view, 4> missing{path};
  for (std::string_view p = parent_path(path); p.size() > ancestor.size(); p = parent_path(p)) missing.push_back(p);
  // Nothing to observe here: the reply (OK) depends only on what
  // error_from_ancestors already checked, and what gets built (inherited
  // permissions, place among the siblings) is recomputed on the live tree
  // when a transaction's log is replayed.
  if (!caller.privileged && !(access_for(caller, parent->perms()) & kAccessWrite))
    return Error{EACCES};

  Permissions perms =
      caller.privileged ? parent->perms() : parent->perms().with_owner(caller.domain);
  const std::size_t perm_count = perms.size();

  // Quotas first, so a refused creation leaves no trace.
  UsageDelta saved = delta_;
  for (std::size_t i = 0; i < missing.size(); ++i) {
    if (auto charged = charge_new_node(caller, perms.owner()); !charged) {
      delta_ = std::move(saved);
      return charged;
    }
  }
  const std::string_view top = missing.back();
  if (auto fits = check_node_size(caller, ancestor, *parent, base_name(top).size() + 1, parent->value().size(),
                                  parent->perms().size());
      !fits) {
    delta_ = std::move(saved);
    return fits;
  }
  if (!caller.privileged && charged_node_size(perm_count, value.size(), 0) >= quotas_.node_size) {
    delta_ = std::move(saved);
    return refuse(QuotaName::kNodeSize, Error{ENOSPC});
  }
  // Memory: each new node's record and path, and the new child name in the
  // existing parent's record (charged to the parent's owner).
  for (std::size_t i = 0; i < missing.size(); ++i) {
    const std::size_t child_bytes = i == 0 ? 0 : base_name(missing[i - 1]).size() + 1;
    delta_.add_bytes(perms.owner(), signed_size(charged_node_memory(
                                        missing[i].size(), perm_count, i == 0 ? value.size() : 0, child_bytes)));
  }
  delta_.add_bytes(parent->perms().owner(), signed_size(base_name(top).size() + 1));
  if (auto fits = check_memory(caller, saved); !fits) return fits;

  const std::uint64_t stamp = stamps_.next();
  const Stamps fresh{stamp, stamp, stamp};
  NodePtr built = make_node(base_name(path), value, perms, ChildMap(), fresh);
  for (std::size_t i = 1; i < missing.size(); ++i) {
    built = make_node(base_name(missing[i]), std::string_view(), perms,
                      ChildMap().with(std::move(built)), fresh);
  }
  replace(walked, walked.size(), std::move(built));
  if (observer_) {
    observer_->created(top);
    observer_->wrote(ancestor, Aspect::kChildren);
  }
  changes_.push_back(Change{std::string(path), nullptr, std::nullopt});
  return {};
}

// For dom0, WRITE and MKDIR are blind: they succeed whatever the tree holds,
// so they observe nothing and never make a transaction conflict. For a
// guest the reply depends on which node's permissions apply.
Result<void> Editor::write(const Caller& caller, std::string_view path, std::string_view value) {
  stamps_.set_issuer(caller.domain);
  const Descent walked(root_.get(), path);
  const Node* node = walked.found() ? walked.deepest() : nullptr;
  if (!caller.privileged) observe(path, Aspect::kExistence, node);
  if (!node) {
    Error error = error_from_ancestors(caller, path, kAccessWrite, Error{ENOENT});
    if (error.code != ENOENT) return error;
    CXS_TRY(create(caller, path, value, walked));
    // The value is the writer's whether or not the node existed (unlike
    // MKDIR, which keeps a value someone else may have written meanwhile).
    if (observer_) observer_->wrote(path, Aspect::kValue);
    return {};
  }
  if (!caller.privileged) {
    observe(path, Aspect::kPerms, node);
    if (!allows(caller, node->perms(), kAccessWrite)) return Error{EACCES};
  }
  CXS_TRY(check_node_size(caller, path, *node, 0, value.size(), node->perms().size()));
  CXS_TRY(charge_bytes(caller, node->perms().owner(), signed_size(value.size()) - signed_size(node->value().size())));
  // node goes with the replacement: nothing uses it after this line.
  replace(walked, walked.size() - 1, node->with_value(value, stamps_.next()));
  if (observer_) observer_->wrote(path, Aspect::kValue);
  changes_.push_back(Change{std::string(path), nullptr, std::nullopt});
  return {};
}

Result<void> Editor::mkdir(const Caller& caller, std::string_view path) {
  stamps_.set_issuer(caller.domain);
  const Descent walked(root_.get(), path);
  const Node* node = walked.found() ? walked.deepest() : nullptr;
  if (!caller.privileged) observe(path, Aspect::kExistence, node);
  if (!node) {
    Error error = error_from_ancestors(caller, path, kAccessWrite, Error{ENOENT});
    if (error.code != ENOENT) return error;
    return create(caller, path, {}, walked);
  }
  // Already there: fine, if the caller could have written it.
  if (!caller.privileged) {
    observe(path, Aspect::kPerms, node);
    if (!allows(caller, node->perms(), kAccessWrite)) return Error{EACCES};
  }
  return {};
}

// RM replies OK when the node or its parent exists (a node implies its
// parent), so for dom0 the parent's existence is all the reply depends on.
Result<void> Editor::rm(const Caller& caller, std::string_view path) {
  stamps_.set_issuer(caller.domain);
  const Descent walked(root_.get(), path);
  const std::string_view parent = parent_path(path);
  if (!walked.found()) {
    if (!caller.privileged) observe(path, Aspect::kExistence, nullptr);
    Error error = error_from_ancestors(caller, path, kAccessWrite, Error{ENOENT});
    if (error.code != ENOENT) return error;
    // Removing what is already gone succeeds, as long as the parent exists.
    const bool parent_exists = walked.deepest_path() == parent;
    observe(parent, Aspect::kExistence, parent_exists ? walked.deepest() : nullptr);
    if (parent_exists) return {};
    return Error{ENOENT};
  }
  // Held for the change report; the parent stays a raw pointer, so that
  // replace() may still change it in place.
  NodePtr node(walked.deepest());
  if (!caller.privileged) {
    observe(path, Aspect::kExistence, node.get());
    observe(path, Aspect::kPerms, node.get());
    if (!allows(caller, node->perms(), kAccessWrite)) return Error{EACCES};
  }
  if (path == "/") return Error{EINVAL};

  const Node* parent_node = walked[walked.size() - 2];
  observe(parent, Aspect::kExistence, parent_node);
  count_owners(*node, path.size(), delta_, -1);
  delta_.add_bytes(parent_node->perms().owner(), -signed_size(base_name(path).size() + 1));
  replace(walked, walked.size() - 2, parent_node->without_child(base_name(path), stamps_.next()));
  if (observer_) {
    observer_->removed(path);
    observer_->wrote(parent, Aspect::kChildren);
  }
  changes_.push_back(Change{std::string(path), std::move(node), std::nullopt});
  return {};
}

Result<void> Editor::set_perms(const Caller& caller, std::string_view path, const Permissions& perms) {
  stamps_.set_issuer(caller.domain);
  if (!caller.privileged && perms.size() > quotas_.perms_per_node)
    return refuse(QuotaName::kPermissions, Error{ENOSPC});
  auto found = get_checked(caller, path, kAccessWrite | kAccessOwner, Aspect::kExistence);
  if (!found) return found.error();
  NodePtr node = std::move(*found);
  // Guests may not give their nodes away.
  if (!caller.privileged) {
    observe(path, Aspect::kPerms, node.get());
    if (perms.owner() != node->perms().owner()) return Error{EPERM};
  }
  // The record moves to the new owner (and may grow with more entries).
  const std::int64_t old_bytes = signed_size(node_memory(*node, path.size()));
  const std::int64_t new_bytes = signed_size(
      charged_node_memory(path.size(), perms.size(), node->value().size(), node->children().name_bytes()));
  if (perms.owner() == node->perms().owner()) {
    CXS_TRY(charge_bytes(caller, perms.owner(), new_bytes - old_bytes));
  } else {
    CXS_TRY(charge_bytes(caller, perms.owner(), new_bytes));
    delta_.add_bytes(node->perms().owner(), -old_bytes);
  }
  delta_.add_nodes(node->perms().owner(), -1);
  delta_.add_nodes(perms.owner(), 1);
  Permissions old = node->perms();
  replace(path, node->with_perms(perms, stamps_.next()));
  if (observer_) observer_->wrote(path, Aspect::kPerms);
  changes_.push_back(Change{std::string(path), nullptr, std::move(old)});
  return {};
}

namespace {

// Rebuilds a subtree without the nodes a dead domain owned (or with them
// handed to dom0), and with every other permission entry naming it marked
// ignored, so that a new domain reusing the id inherits nothing (XSA-322).
// Returns the node unchanged when nothing below changed, or null when the
// node itself goes.
NodePtr release_in(const NodePtr& node, const std::string& path, DomainId domain, bool keep_orphans,
                   StampSource& stamps, UsageDelta& delta, ChangeList& changes) {
  NodePtr current = node;
  if (node->perms().owner() == domain) {
    // The root cannot go: like orphans under -K it passes to dom0.
    if (!keep_orphans && path != "/") {
      count_owners(*node, path.size(), delta, -1);
      changes.push_back(Change{path, node, std::nullopt});
      return nullptr;
    }
    delta.add_nodes(domain, -1);
    delta.add_nodes(0, 1);
    const auto bytes = static_cast<std::int64_t>(node_memory(*node, path.size()));
    delta.add_bytes(domain, -bytes);
    delta.add_bytes(0, bytes);
    current = node->with_perms(node->perms().with_owner(0), stamps.next());
  }
  const auto& entries = current->perms().entries();
  bool names_domain = false;
  for (std::size_t i = 1; i < entries.size(); ++i)
    names_domain |= entries[i].domain == domain && !(entries[i].access & kAccessIgnore);
  if (names_domain) {
    std::vector<Perm> updated = entries;
    for (std::size_t i = 1; i < updated.size(); ++i)
      if (updated[i].domain == domain) updated[i].access |= kAccessIgnore;
    current = current->with_perms(Permissions(std::move(updated)), stamps.next());
  }
  std::vector<std::pair<std::string, NodePtr>> updates;  // name -> new child (null: removed)
  node->children().for_each([&](const NodePtr& child) {
    NodePtr updated = release_in(child, join_path(path, child->name()), domain, keep_orphans, stamps,
                                 delta, changes);
    if (updated != child) updates.emplace_back(child->name(), std::move(updated));
  });
  for (auto& [name, child] : updates) {
    if (!child) delta.add_bytes(current->perms().owner(), -static_cast<std::int64_t>(name.size() + 1));
    current = child ? current->with_child(std::move(child), stamps.next())
                    : current->without_child(name, stamps.next());
  }
  return current;
}

}  // namespace

void Editor::release_domain(DomainId domain, bool keep_orphans) {
  stamps_.set_issuer(0);  // the toolstack's doing, not any guest's
  root_ = release_in(root_, "/", domain, keep_orphans, stamps_, delta_, changes_);
}

}  // namespace cxxenstored::store
