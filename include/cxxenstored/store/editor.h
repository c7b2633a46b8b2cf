// The xenstore operations, applied to one version of the tree.
//
// An Editor starts from a root and produces a new root; it never touches the
// live store itself. The Store runs live operations through an Editor and
// installs the result; a Transaction keeps its own Editor over its snapshot.
// Every rule of the C daemon lives here once: permission checks with their
// errno, implicit parent creation with inherited permissions, quotas,
// per-domain node accounting and change reporting.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cxxenstored/store/accounting.h"
#include "cxxenstored/store/change.h"
#include "cxxenstored/store/descent.h"
#include "cxxenstored/store/node.h"
#include "cxxenstored/store/permissions.h"
#include "cxxenstored/store/quota.h"
#include "cxxenstored/util/result.h"

namespace cxxenstored::store {

// Hands out content stamps (see Stamps); shared by the store and all its
// transactions so every stamp is unique. It also remembers which domain's
// operation took each recent stamp, so that when a transaction fails
// because a stamp it read changed, the domain whose write changed it can be
// charged (conflict credit). The history is kept as runs of consecutive
// stamps taken for one domain, the newest kMaxIssuerRuns of them.
class StampSource {
 public:
  static constexpr std::size_t kMaxIssuerRuns = 1 << 14;

  std::uint64_t next() {
    ++last_;
    if (runs_.empty() || runs_.rbegin()->second != issuer_) note_new_run();
    return last_;
  }
  std::uint64_t last() const { return last_; }
  // The domain on whose behalf the following stamps are taken.
  void set_issuer(DomainId domain) { issuer_ = domain; }
  // Who took stamp, if it is recent enough to be remembered.
  std::optional<DomainId> issuer_of(std::uint64_t stamp) const;

 private:
  void note_new_run();

  std::uint64_t last_ = 0;
  DomainId issuer_ = 0;
  std::map<std::uint64_t, DomainId> runs_;  // first stamp of a run -> its domain
};

// What a transaction observed of the tree it started from.
// kOwnedNodes is not about a node: it is how many nodes a domain owned in
// the live tree, which a refusal by the node quota depended on.
// kOwnedBytes likewise: the bytes a domain owned, which a refusal by the
// memory quota depended on.
enum class Aspect : std::uint8_t { kExistence, kValue, kPerms, kChildren, kOwnedNodes, kOwnedBytes };

// Receives what an edit depended on. Transactions implement it; live edits
// pass none.
class ReadObserver {
 public:
  virtual ~ReadObserver() = default;
  // The operation's result depended on this aspect of the node at path as
  // the editor's tree has it. node is null when the node does not exist.
  virtual void observed(std::string_view path, Aspect aspect, const Node* node) = 0;
  // A reply (a quota refusal) depended on how many nodes domain owns live.
  virtual void observed_usage(DomainId domain, std::int64_t live_nodes) = 0;
  // A reply (a memory-quota refusal) depended on how many bytes domain owns live.
  virtual void observed_bytes(DomainId domain, std::int64_t live_bytes) = 0;
  // The editor set the node's value or permissions, or changed its list of
  // children.
  virtual void wrote(std::string_view path, Aspect aspect) = 0;
  // The editor created the node at path (and everything below it that the
  // same operation created), where no node was.
  virtual void created(std::string_view path) = 0;
  // The editor removed the node at path with its subtree.
  virtual void removed(std::string_view path) = 0;
};

// The node at a canonical path under root, or null.
NodePtr lookup_node(const NodePtr& root, std::string_view path);
// The stamp an aspect of node has (0 for a missing node).
std::uint64_t aspect_stamp(const Node* node, Aspect aspect);

class Editor {
 public:
  // live_usage: node counts before this editor's changes, for quota checks.
  Editor(NodePtr root, StampSource& stamps, const Quotas& quotas, const Usage& live_usage,
         ReadObserver* observer = nullptr);

  // Paths must already be canonical (see canonicalize()).
  Result<std::string> read(const Caller& caller, std::string_view path);
  // Child names, oldest first.
  Result<std::vector<std::string>> directory(const Caller& caller, std::string_view path);
  // The same names as one string, each followed by a NUL (the wire form).
  Result<std::string> listing(const Caller& caller, std::string_view path);
  // The node's children stamp, which DIRECTORY_PART reports as generation.
  Result<std::uint64_t> children_generation(const Caller& caller, std::string_view path);
  Result<Permissions> get_perms(const Caller& caller, std::string_view path);

  Result<void> write(const Caller& caller, std::string_view path, std::string_view value);
  Result<void> mkdir(const Caller& caller, std::string_view path);
  Result<void> rm(const Caller& caller, std::string_view path);
  Result<void> set_perms(const Caller& caller, std::string_view path, const Permissions& perms);

  // Removes every node owned by domain (keep_orphans: gives them to dom0
  // instead), as the C daemon does when a domain dies. Never fails.
  void release_domain(DomainId domain, bool keep_orphans);

  const NodePtr& root() const { return root_; }
  const UsageDelta& delta() const { return delta_; }
  const ChangeList& changes() const { return changes_; }
  ChangeList take_changes() { return std::move(changes_); }
  // Which quota refused the last failed operation (none for other errors);
  // reading it clears it.
  std::optional<QuotaName> take_refusal() { return std::exchange(refusal_, std::nullopt); }

  // Rolls back to an earlier state (roots are persistent, so this is O(1)
  // apart from the small usage delta).
  void restore(NodePtr root, UsageDelta delta, std::size_t change_count) {
    root_ = std::move(root);
    delta_ = std::move(delta);
    changes_.resize(change_count);
  }

 private:
  Result<NodePtr> get_checked(const Caller& caller, std::string_view path, std::uint8_t wanted,
                              Aspect aspect);
  Error error_from_ancestors(const Caller& caller, std::string_view path, std::uint8_t wanted,
                             Error error);
  void observe(std::string_view path, Aspect aspect, const Node* node);
  // Creates path and its missing ancestors; walked is the walk down path
  // (which did not find it).
  Result<void> create(const Caller& caller, std::string_view path, std::string_view value,
                      const Descent& walked);
  Result<void> check_node_size(const Caller& caller, std::string_view path, const Node& node,
                               std::size_t extra_children_bytes,
                               std::size_t value_size, std::size_t perm_count);
  Result<void> charge_new_node(const Caller& caller, DomainId owner);
  // After an operation added its byte charges to delta_: refuses it (ENOMEM,
  // delta_ back to before) when an unprivileged caller pushed a domain whose
  // bytes grew to or past its memory quota, as the C daemon's db_write does.
  Result<void> check_memory(const Caller& caller, const UsageDelta& before);
  // Adds n bytes to domain's charge, or refuses (ENOMEM, nothing added)
  // when n > 0 pushes it to its memory quota; for single-domain changes.
  Result<void> charge_bytes(const Caller& caller, DomainId domain, std::int64_t n);
  // Whether domain owning bytes_after more than it owns live reaches its
  // memory quota, for this caller.
  bool exceeds_memory(const Caller& caller, DomainId domain, std::int64_t bytes_after) const;
  Error refuse(QuotaName quota, Error error) {
    refusal_ = quota;
    return error;
  }
  // Replaces the node at path (which must exist, as must every ancestor).
  // Nodes only this editor can reach are changed in place rather than
  // copied (a transaction's own tree after its first write).
  void replace(std::string_view path, NodePtr node);
  // The same, for a path already walked: node goes at depth (0: the root)
  // on it, path_nodes[0, depth) being its ancestors. The walk must be of
  // the current tree.
  void replace(const Descent& path_nodes, std::size_t depth, NodePtr node);
  std::int64_t owned_nodes(DomainId domain) const;

  NodePtr root_;
  StampSource& stamps_;
  const Quotas& quotas_;
  const Usage& live_usage_;
  ReadObserver* observer_;
  UsageDelta delta_;
  ChangeList changes_;
  std::optional<QuotaName> refusal_;
};

// The bytes a node costs its owner (charged_node_memory of its fields).
std::size_t node_memory(const Node& node, std::size_t path_length);
// The path length of a child of a node whose path has parent_length chars.
inline std::size_t child_path_length(std::size_t parent_length, std::size_t name_length) {
  return (parent_length == 1 ? 1 : parent_length + 1) + name_length;  // "/" has length 1
}

}  // namespace cxxenstored::store
