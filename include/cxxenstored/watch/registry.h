// Registered watches, indexed by a trie over path components so that a
// change at depth d is matched in O(d + matches), independent of how many
// watches exist elsewhere.
//
// Which watches fire follows the C daemon (xenstored 4.17):
//  * a change at P fires every watch on P or on an ancestor of P (a watch on
//    "/" sees everything, even "@" events);
//  * removing a subtree also fires each watch placed exactly on a removed
//    descendant, children before parents, siblings in creation order;
//  * a subscriber hears about a node only if it may read the node or its
//    parent (or could read it under its permissions before a SET_PERMS);
//  * "@introduceDomain"/"@releaseDomain" reach subscribers allowed to read
//    the special name's permissions;
//  * within one change, events go out per subscriber in subscription order
//    and, per subscriber, in the order its watches were registered.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cxxenstored/store/change.h"
#include "cxxenstored/store/node.h"
#include "cxxenstored/store/permissions.h"
#include "cxxenstored/util/result.h"

namespace cxxenstored::watch {

// Identifies a subscriber (one client connection). Ids are handed out in
// increasing order, which is also the order events are delivered in.
using SubscriberId = std::uint64_t;

struct Event {
  SubscriberId subscriber;
  std::string path;   // as the client sees it (relative watches: relative)
  std::string token;
};

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  void add_subscriber(SubscriberId id, const store::Caller& caller);
  void set_caller(SubscriberId id, const store::Caller& caller);
  // Drops the subscriber and all its watches.
  void remove_subscriber(SubscriberId id);

  // Registers a watch. path is canonical (or "@..."); relative_home is the
  // home prefix to strip from event paths for relative watches. EEXIST for
  // the same path and token twice.
  Result<void> add(SubscriberId id, std::string path, std::string token,
                   std::optional<std::string> relative_home);
  // Removes the watch with exactly this path and token; false when none.
  bool remove(SubscriberId id, std::string_view path, std::string_view token);
  // Removes every watch of the subscriber.
  void reset(SubscriberId id);
  bool contains(SubscriberId id, std::string_view path, std::string_view token) const;
  // A subscriber's watches in registration order (live update saves them).
  struct WatchInfo {
    std::string path;  // canonical (or "@...")
    std::string token;
    std::optional<std::string> relative_home;
  };
  std::vector<WatchInfo> list(SubscriberId id) const;
  std::size_t count(SubscriberId id) const;
  std::size_t total() const { return total_; }

  // The event a new watch gets at once (its path, as the client sees it).
  std::string event_path_for(SubscriberId id, std::string_view path, std::string_view token) const;

  // Where the events of a removed node itself go relative to those of
  // watches on its descendants: live removals report descendants first; a
  // committed transaction reports nodes in the order it first touched them,
  // which puts the removed node first.
  enum class RemovalOrder { kDescendantsFirst, kRemovedNodeFirst };

  // Events for one change against the live tree after it (for reading node
  // and parent permissions of nodes that still exist).
  std::vector<Event> match(const store::Change& change, const store::NodePtr& live_root,
                           RemovalOrder order = RemovalOrder::kDescendantsFirst) const;
  // Events for a special name ("@introduceDomain" / "@releaseDomain");
  // may_read says whether a caller may read the name's permissions.
  std::vector<Event> match_special(std::string_view name,
                                   const std::function<bool(const store::Caller&)>& may_read) const;

 private:
  struct Watch;
  struct TrieNode;
  struct Subscriber;
  struct Candidate;

  TrieNode* find_node(std::string_view path) const;
  TrieNode* find_or_create_node(std::string_view path);
  void prune(std::string_view path);
  void collect_removed(const TrieNode& trie, const store::Node& removed, const std::string& path,
                       const store::Node* parent, bool is_root,
                       std::vector<std::vector<Candidate>>& batches) const;
  void emit(std::vector<Candidate>& batch, std::string_view name, std::vector<Event>& out) const;

  std::unique_ptr<TrieNode> root_;
  std::map<std::string, std::vector<std::shared_ptr<Watch>>, std::less<>> special_;
  std::unordered_map<SubscriberId, Subscriber> subscribers_;
  std::uint64_t next_watch_seq_ = 0;
  std::size_t total_ = 0;
};

}  // namespace cxxenstored::watch
