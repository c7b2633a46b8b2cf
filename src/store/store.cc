#include "cxxenstored/store/store.h"

#include <algorithm>
#include <cerrno>

#include <boost/container/small_vector.hpp>

#include "cxxenstored/store/graft.h"

namespace cxxenstored::store {
namespace {

// Dom0 owns the initial nodes; nobody else may read them.
const Permissions kDom0Only{std::vector<Perm>{Perm{0, kAccessNone}}};

void count_all(const Node& node, std::size_t path_length, UsageDelta& delta) {
  delta.add_nodes(node.perms().owner(), 1);
  delta.add_bytes(node.perms().owner(), static_cast<std::int64_t>(node_memory(node, path_length)));
  node.children().for_each([&](const NodePtr& child) {
    count_all(*child, child_path_length(path_length, child->name().size()), delta);
  });
}

}  // namespace

Store::Store(Quotas quotas)
    : quotas_(quotas), introduce_perms_(kDom0Only), release_perms_(kDom0Only) {
  const std::uint64_t s = stamps_.next();
  const Stamps fresh{s, s, s};
  NodePtr xenstored = make_node("xenstored", "", kDom0Only, ChildMap(), fresh);
  NodePtr tool = make_node("tool", "", kDom0Only, ChildMap().with(xenstored), fresh);
  reset(make_node("", "", kDom0Only, ChildMap().with(tool), fresh), stamps_.last());
}

void Store::reset(NodePtr root, std::uint64_t last_stamp) {
  root_ = std::move(root);
  while (stamps_.last() < last_stamp) stamps_.next();
  usage_.clear_tree_counts();
  UsageDelta all;
  count_all(*root_, 1, all);
  usage_.apply(all);
}

template <class F>
auto Store::live_update(ChangeList* changes, F&& edit) -> decltype(edit(std::declval<Editor&>())) {
  // The editor takes the live root instead of sharing it: while no
  // transaction holds a snapshot, the nodes on the way to the change are
  // held once, so they are updated in place rather than copied (see
  // Editor::replace). Every operation checks all it needs before its one
  // replace(), so a refused one has changed nothing and the root it hands
  // back is the one it took.
  struct GiveBack {
    NodePtr& root;
    Editor& editor;
    ~GiveBack() { root = editor.root(); }
  };
  Editor editor(std::move(root_), stamps_, quotas_, usage_);
  GiveBack give_back{root_, editor};
  auto result = edit(editor);
  refusal_ = result ? std::nullopt : editor.take_refusal();
  if (result) {
    usage_.apply(editor.delta());
    if (changes && changes->empty()) {
      *changes = editor.take_changes();  // the usual case: no list to append to
    } else if (changes) {
      for (Change& change : editor.take_changes()) changes->push_back(std::move(change));
    }
  }
  return result;
}

Result<std::string> Store::read(const Caller& caller, std::string_view path, Transaction* tx) {
  return query(tx, [&](auto& reader) { return reader.read(caller, path); });
}

Result<std::vector<std::string>> Store::directory(const Caller& caller, std::string_view path,
                                                  Transaction* tx) {
  return query(tx, [&](auto& reader) { return reader.directory(caller, path); });
}

Result<std::string> Store::listing(const Caller& caller, std::string_view path, Transaction* tx) {
  return query(tx, [&](auto& reader) { return reader.listing(caller, path); });
}

Result<std::uint64_t> Store::children_generation(const Caller& caller, std::string_view path,
                                                 Transaction* tx) {
  return query(tx, [&](auto& reader) { return reader.children_generation(caller, path); });
}

Result<Permissions> Store::get_perms(const Caller& caller, std::string_view path, Transaction* tx) {
  if (path == "@introduceDomain") return introduce_perms_;
  if (path == "@releaseDomain") return release_perms_;
  return query(tx, [&](auto& reader) { return reader.get_perms(caller, path); });
}

Result<void> Store::write(const Caller& caller, std::string_view path, std::string_view value,
                          Transaction* tx, ChangeList* changes) {
  if (tx) return in_transaction(*tx, [&] { return tx->write(caller, path, value); });
  return live_update(changes, [&](Editor& e) { return e.write(caller, path, value); });
}

Result<void> Store::mkdir(const Caller& caller, std::string_view path, Transaction* tx,
                          ChangeList* changes) {
  if (tx) return in_transaction(*tx, [&] { return tx->mkdir(caller, path); });
  return live_update(changes, [&](Editor& e) { return e.mkdir(caller, path); });
}

Result<void> Store::rm(const Caller& caller, std::string_view path, Transaction* tx,
                       ChangeList* changes) {
  if (tx) return in_transaction(*tx, [&] { return tx->rm(caller, path); });
  return live_update(changes, [&](Editor& e) { return e.rm(caller, path); });
}

Result<void> Store::set_perms(const Caller& caller, std::string_view path, const Permissions& perms,
                              Transaction* tx, ChangeList* changes) {
  Permissions* special = path == "@introduceDomain" ? &introduce_perms_
                         : path == "@releaseDomain" ? &release_perms_
                                                    : nullptr;
  if (special) {
    // Special names are not nodes and not transactional; only whoever may
    // own them (in practice the toolstack) can change who is told about
    // domain introduction and release.
    if (!allows(caller, *special, kAccessWrite | kAccessOwner)) return Error{EACCES};
    *special = perms;
    return {};
  }
  if (tx) return in_transaction(*tx, [&] { return tx->set_perms(caller, path, perms); });
  return live_update(changes, [&](Editor& e) { return e.set_perms(caller, path, perms); });
}

std::unique_ptr<Transaction> Store::begin_transaction() {
  return std::make_unique<Transaction>(root_, stamps_, quotas_, usage_);
}

void Store::advance(Transaction& tx) const {
  if (tx.snapshot() == root_ || !tx.unchanged()) return;
  if (tx.reads().size() > kMaxReadsRecheckedToAdvance || first_stale_read(tx)) return;
  tx.advance_snapshot(root_);
}

const transaction::ReadRecord* Store::first_stale_read(const Transaction& tx) const {
  for (const transaction::ReadRecord& read : tx.reads()) {
    // A quota refusal counted the transaction's own earlier charges as well
    // as the live usage, and those charges (how many nodes a removal freed,
    // how many missing parents a write created) came from the snapshot
    // without a record each: on a changed tree the same operations may
    // charge differently, and an equal live count proves nothing. Only the
    // unchanged tree of the fast path keeps a refusal valid.
    if (read.aspect == Aspect::kOwnedNodes || read.aspect == Aspect::kOwnedBytes) return &read;
    NodePtr live = lookup_node(root_, read.path);
    if (aspect_stamp(live.get(), read.aspect) != read.stamp) return &read;
  }
  return nullptr;
}

// The stamp that made the read stale names the operation that took it: the
// changed aspect's stamp, a (re)created node's creation stamp (the smallest
// of its stamps), or for a removed node the children stamp its nearest
// surviving ancestor got when the child went. Usage changes have no stamp.
std::optional<DomainId> Store::cause_of(const transaction::ReadRecord& stale) const {
  if (stale.aspect == Aspect::kOwnedNodes || stale.aspect == Aspect::kOwnedBytes) return std::nullopt;
  std::string_view path = stale.path;
  NodePtr live = lookup_node(root_, path);
  if (live) {
    const Stamps stamps = live->stamps();
    const std::uint64_t stamp = stale.aspect == Aspect::kExistence
                                    ? std::min({stamps.value, stamps.perms, stamps.children})
                                    : aspect_stamp(live.get(), stale.aspect);
    return stamps_.issuer_of(stamp);
  }
  while (!live && path != "/") {
    path = parent_path(path);
    live = lookup_node(root_, path);
  }
  return live ? stamps_.issuer_of(live->stamps().children) : std::nullopt;
}

Result<ChangeList> Store::commit(Transaction& tx) {
  refusal_.reset();
  conflict_cause_.reset();
  if (!tx.needs_validation()) {
    // Reads alone are consistent with the snapshot, which was a real state
    // of the store: the transaction serialises at its start.
    ++commit_stats_.read_only;
    return ChangeList{};
  }
  if (root_ == tx.snapshot()) {
    ++commit_stats_.fast;
    root_ = tx.root();
    usage_.apply(tx.delta());
    return tx.take_changes();
  }
  if (const transaction::ReadRecord* stale = first_stale_read(tx)) {
    ++commit_stats_.conflicts;
    conflict_cause_ = cause_of(*stale);
    return Error{EAGAIN};
  }
  // Everything the transaction depended on is unchanged, so its updates do
  // on the live tree exactly what they did on the snapshot, and the result
  // equals running the transaction now, after the others: where the others
  // left the updated subtrees alone, the transaction's own versions of them
  // are that result already.
  if (std::optional<NodePtr> root = grafted(tx)) {
    ++commit_stats_.grafted;
    root_ = std::move(*root);
    usage_.apply(tx.delta());
    return tx.take_changes();
  }
  // Else the updates are replayed on the live tree.
  Editor editor = live_editor();
  using Kind = transaction::LoggedOp::Kind;
  for (const transaction::LoggedOp& op : tx.log()) {
    Result<void> done = [&]() -> Result<void> {
      switch (op.kind) {
        case Kind::kWrite: return editor.write(op.caller, op.path, op.value);
        case Kind::kMkdir: return editor.mkdir(op.caller, op.path);
        case Kind::kRm: return editor.rm(op.caller, op.path);
        case Kind::kSetPerms: return editor.set_perms(op.caller, op.path, *op.perms);
      }
      return Error{EINVAL};
    }();
    // Only quotas can differ on the live tree (others' nodes count there).
    if (!done) {
      refusal_ = editor.take_refusal();
      return done.error();
    }
  }
  ++commit_stats_.merged;
  root_ = editor.root();
  usage_.apply(editor.delta());
  return editor.take_changes();
}

std::optional<NodePtr> Store::grafted(const Transaction& tx) {
  // A quota check is the one part of an update that looks beyond the
  // update's own subtree (at what the caller owns across the whole store,
  // which the others' commits change), so only updates exempt from quotas
  // are grafted; a guest's are replayed and checked against live usage.
  if (tx.log().empty()) return std::nullopt;
  boost::container::small_vector<std::string_view, 8> updated;  // no allocation for a usual transaction
  for (const transaction::LoggedOp& op : tx.log()) {
    if (!op.caller.privileged) return std::nullopt;
    updated.push_back(op.path);
  }
  // New children stamps are the transaction's doing (a replay's would be).
  stamps_.set_issuer(tx.log().front().caller.domain);
  return graft(tx.snapshot(), root_, tx.root(), {updated.data(), updated.size()}, stamps_);
}

ChangeList Store::release_domain(DomainId domain, bool keep_orphans) {
  ChangeList changes;
  Editor editor = live_editor();
  editor.release_domain(domain, keep_orphans);
  root_ = editor.root();
  usage_.apply(editor.delta());
  usage_.erase(domain);
  changes = editor.take_changes();
  return changes;
}

}  // namespace cxxenstored::store
