#include "cxxenstored/watch/registry.h"

#include <algorithm>
#include <cerrno>

#include <xen/io/xs_wire.h>

#include "cxxenstored/store/path.h"

namespace cxxenstored::watch {

struct Registry::Watch {
  SubscriberId subscriber;
  std::uint64_t seq;  // registration order across the whole registry
  std::string path;
  std::string token;
  std::optional<std::string> relative_home;
};

struct Registry::TrieNode {
  std::map<std::string, std::unique_ptr<TrieNode>, std::less<>> children;
  std::vector<std::shared_ptr<Watch>> watches;  // watches placed exactly here
};

struct Registry::Subscriber {
  store::Caller caller;
  std::vector<std::shared_ptr<Watch>> watches;  // registration order
};

// A watch that matches a change, with what its permission check needs.
struct Registry::Candidate {
  const Watch* watch;
  const store::Node* node;    // the node the event is about (null: gone)
  const store::Node* parent;  // its parent (null: unknown)
  const std::optional<store::Permissions>* old_perms;
};

namespace {

bool is_special_name(std::string_view path) { return !path.empty() && path.front() == '@'; }

const store::Node* lookup(const store::NodePtr& root, std::string_view path) {
  const store::Node* node = root.get();
  store::PathComponents components(path);
  std::string_view name;
  while (node && components.next(&name)) node = node->children().find(name).get();
  return node;
}

std::string client_path(const std::optional<std::string>& home, std::string_view name) {
  if (!home) return std::string(name);
  name.remove_prefix(std::min(home->size(), name.size()));
  if (!name.empty() && name.front() == '/') name.remove_prefix(1);
  return std::string(name);
}

// The C daemon's watch_permitted(): the subscriber may read the node (or
// could before a permission change), or may read its parent.
bool permitted(const store::Caller& caller, const store::Node* node,
               const store::Node* parent, const std::optional<store::Permissions>& old_perms) {
  if (old_perms && store::allows(caller, *old_perms, store::kAccessRead)) return true;
  if (!node) return false;
  if (store::allows(caller, node->perms(), store::kAccessRead)) return true;
  return parent && store::allows(caller, parent->perms(), store::kAccessRead);
}

}  // namespace

Registry::Registry() : root_(std::make_unique<TrieNode>()) {}
Registry::~Registry() = default;

void Registry::add_subscriber(SubscriberId id, const store::Caller& caller) {
  subscribers_[id].caller = caller;
}

void Registry::set_caller(SubscriberId id, const store::Caller& caller) {
  auto it = subscribers_.find(id);
  if (it != subscribers_.end()) it->second.caller = caller;
}

void Registry::remove_subscriber(SubscriberId id) {
  reset(id);
  subscribers_.erase(id);
}

Registry::TrieNode* Registry::find_node(std::string_view path) const {
  TrieNode* node = root_.get();
  store::PathComponents components(path);
  std::string_view name;
  while (node && components.next(&name)) {
    auto it = node->children.find(name);
    node = it == node->children.end() ? nullptr : it->second.get();
  }
  return node;
}

Registry::TrieNode* Registry::find_or_create_node(std::string_view path) {
  TrieNode* node = root_.get();
  store::PathComponents components(path);
  std::string_view name;
  while (components.next(&name)) {
    auto it = node->children.find(name);
    if (it == node->children.end())
      it = node->children.emplace(std::string(name), std::make_unique<TrieNode>()).first;
    node = it->second.get();
  }
  return node;
}

void Registry::prune(std::string_view path) {
  // Walk down remembering the chain, then drop empty nodes bottom-up.
  std::vector<std::pair<TrieNode*, std::string_view>> chain;
  TrieNode* node = root_.get();
  store::PathComponents components(path);
  std::string_view name;
  while (components.next(&name)) {
    auto it = node->children.find(name);
    if (it == node->children.end()) return;
    chain.emplace_back(node, name);
    node = it->second.get();
  }
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    auto child = it->first->children.find(it->second);
    if (!child->second->watches.empty() || !child->second->children.empty()) break;
    it->first->children.erase(child);
  }
}

Result<void> Registry::add(SubscriberId id, std::string path, std::string token,
                           std::optional<std::string> relative_home) {
  auto& subscriber = subscribers_[id];
  // The duplicate check looks only at the watches on this very path, not
  // at all of the subscriber's: dom0 has no watch quota, and a scan of its
  // list made N watches cost O(N^2).
  std::vector<std::shared_ptr<Watch>>& on_path =
      is_special_name(path) ? special_[path] : find_or_create_node(path)->watches;
  for (const auto& existing : on_path) {
    if (existing->subscriber == id && existing->token == token) return Error{EEXIST};
  }
  auto watch = std::make_shared<Watch>(
      Watch{id, next_watch_seq_++, std::move(path), std::move(token), std::move(relative_home)});
  on_path.push_back(watch);
  subscriber.watches.push_back(std::move(watch));
  ++total_;
  return {};
}

std::vector<Registry::WatchInfo> Registry::list(SubscriberId id) const {
  std::vector<WatchInfo> out;
  auto sub = subscribers_.find(id);
  if (sub == subscribers_.end()) return out;
  for (const auto& w : sub->second.watches) out.push_back({w->path, w->token, w->relative_home});
  return out;
}

bool Registry::remove(SubscriberId id, std::string_view path, std::string_view token) {
  auto sub = subscribers_.find(id);
  if (sub == subscribers_.end()) return false;
  auto& list = sub->second.watches;
  auto it = std::find_if(list.begin(), list.end(), [&](const auto& w) {
    return w->path == path && w->token == token;
  });
  if (it == list.end()) return false;
  std::shared_ptr<Watch> watch = *it;
  list.erase(it);
  --total_;
  if (is_special_name(watch->path)) {
    auto slot = special_.find(watch->path);
    std::erase(slot->second, watch);
    if (slot->second.empty()) special_.erase(slot);
  } else {
    std::erase(find_node(watch->path)->watches, watch);
    prune(watch->path);
  }
  return true;
}

void Registry::reset(SubscriberId id) {
  auto sub = subscribers_.find(id);
  if (sub == subscribers_.end()) return;
  while (!sub->second.watches.empty()) {
    const auto& last = sub->second.watches.back();
    std::string path = last->path, token = last->token;
    remove(id, path, token);
  }
}

bool Registry::contains(SubscriberId id, std::string_view path, std::string_view token) const {
  auto sub = subscribers_.find(id);
  if (sub == subscribers_.end()) return false;
  for (const auto& watch : sub->second.watches) {
    if (watch->path == path && watch->token == token) return true;
  }
  return false;
}

std::size_t Registry::count(SubscriberId id) const {
  auto sub = subscribers_.find(id);
  return sub == subscribers_.end() ? 0 : sub->second.watches.size();
}

std::string Registry::event_path_for(SubscriberId id, std::string_view path,
                                     std::string_view token) const {
  auto sub = subscribers_.find(id);
  if (sub != subscribers_.end()) {
    for (const auto& watch : sub->second.watches) {
      if (watch->path == path && watch->token == token)
        return client_path(watch->relative_home, watch->path);
    }
  }
  return std::string(path);
}

void Registry::emit(std::vector<Candidate>& batch, std::string_view name,
                    std::vector<Event>& out) const {
  std::sort(batch.begin(), batch.end(), [](const Candidate& a, const Candidate& b) {
    if (a.watch->subscriber != b.watch->subscriber) return a.watch->subscriber < b.watch->subscriber;
    return a.watch->seq < b.watch->seq;
  });
  static const std::optional<store::Permissions> kNoOldPerms;
  for (const Candidate& candidate : batch) {
    auto sub = subscribers_.find(candidate.watch->subscriber);
    if (sub == subscribers_.end()) continue;
    const auto& old_perms = candidate.old_perms ? *candidate.old_perms : kNoOldPerms;
    if (!permitted(sub->second.caller, candidate.node, candidate.parent, old_perms))
      continue;
    std::string path = client_path(candidate.watch->relative_home, name);
    // The C daemon never sends an event that would not fit in one message.
    if (path.size() + candidate.watch->token.size() + 2 > XENSTORE_PAYLOAD_MAX) continue;
    out.push_back(Event{candidate.watch->subscriber, std::move(path), candidate.watch->token});
  }
}

void Registry::collect_removed(const TrieNode& trie, const store::Node& removed,
                               const std::string& path, const store::Node* parent, bool is_root,
                               std::vector<std::vector<Candidate>>& batches) const {
  // Children first, in creation order; only subtrees that hold watches are
  // visited, so the cost follows the watches, not the size of the removal.
  if (!trie.children.empty()) {
    for (const store::NodePtr& child : removed.children().in_creation_order()) {
      auto it = trie.children.find(child->name());
      if (it == trie.children.end()) continue;
      collect_removed(*it->second, *child, store::join_path(path, child->name()), &removed, false,
                      batches);
    }
  }
  if (is_root || trie.watches.empty()) return;
  std::vector<Candidate> batch;
  for (const auto& watch : trie.watches) batch.push_back(Candidate{watch.get(), &removed, parent, nullptr});
  batches.push_back(std::move(batch));
}

std::vector<Event> Registry::match(const store::Change& change, const store::NodePtr& live_root,
                                   RemovalOrder order) const {
  std::vector<Event> out;
  if (total_ == 0) return out;
  const store::Node* live_parent = lookup(live_root, store::parent_path(change.path));

  // The node itself and every ancestor's watchers.
  const store::Node* node = change.removed ? change.removed.get() : lookup(live_root, change.path);
  std::vector<Candidate> batch;
  const TrieNode* trie = root_.get();
  auto add_all = [&](const TrieNode& t) {
    for (const auto& watch : t.watches)
      batch.push_back(Candidate{watch.get(), node, live_parent, &change.old_perms});
  };
  add_all(*trie);
  store::PathComponents components(change.path);
  std::string_view name;
  const TrieNode* at_path = trie;
  while (at_path && components.next(&name)) {
    auto it = at_path->children.find(name);
    at_path = it == at_path->children.end() ? nullptr : it->second.get();
    if (at_path) add_all(*at_path);
  }

  if (order == RemovalOrder::kRemovedNodeFirst) emit(batch, change.path, out);
  if (change.removed && at_path) {
    // Watches exactly on removed descendants, deepest first.
    std::vector<std::vector<Candidate>> batches;
    collect_removed(*at_path, *change.removed, change.path, live_parent, true, batches);
    for (auto& exact : batches) {
      // Exact watches: the event names the watch's own path.
      std::string exact_name = exact.front().watch->path;
      emit(exact, exact_name, out);
    }
  }
  if (order == RemovalOrder::kDescendantsFirst) emit(batch, change.path, out);
  return out;
}

std::vector<Event> Registry::match_special(
    std::string_view name, const std::function<bool(const store::Caller&)>& may_read) const {
  std::vector<const Watch*> matched;
  for (const auto& watch : root_->watches) matched.push_back(watch.get());
  if (auto it = special_.find(name); it != special_.end()) {
    for (const auto& watch : it->second) matched.push_back(watch.get());
  }
  std::sort(matched.begin(), matched.end(), [](const Watch* a, const Watch* b) {
    if (a->subscriber != b->subscriber) return a->subscriber < b->subscriber;
    return a->seq < b->seq;
  });
  std::vector<Event> out;
  for (const Watch* watch : matched) {
    auto sub = subscribers_.find(watch->subscriber);
    if (sub == subscribers_.end() || !may_read(sub->second.caller)) continue;
    out.push_back(Event{watch->subscriber, client_path(watch->relative_home, name), watch->token});
  }
  return out;
}

}  // namespace cxxenstored::watch
