// A transaction: an O(1) snapshot of the tree plus a record of what the
// transaction's operations depended on (its read set) and did (its op log).
//
// Operations run on the transaction's private tree. At commit the Store
// installs that tree at once if nothing else committed meanwhile; otherwise
// it checks the read set against the live tree by stamps, then grafts the
// subtrees the op log names or replays the log there (see Store::commit),
// so only a real read/write conflict yields EAGAIN.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "cxxenstored/store/editor.h"

namespace cxxenstored::transaction {

using store::Caller;
using store::NodePtr;
using store::Permissions;

// Hash and equality that take a string_view, so that looking a path up in
// the per-path records makes no std::string (C++20 heterogeneous lookup):
// every operation of a transaction consults them several times.
struct PathHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view path) const noexcept { return std::hash<std::string_view>{}(path); }
};
template <class Value>
using PathMap = std::unordered_map<std::string, Value, PathHash, std::equal_to<>>;
using PathSet = std::unordered_set<std::string, PathHash, std::equal_to<>>;

// One successful update: its path tells a graft where to look, and a
// replay on the live tree runs it again.
struct LoggedOp {
  enum class Kind : std::uint8_t { kWrite, kMkdir, kRm, kSetPerms };
  Kind kind;
  Caller caller;
  std::string path;
  std::string value;          // kWrite
  std::optional<Permissions> perms;  // kSetPerms (a Permissions allocates)
};

// What the transaction saw: an aspect of a node and the stamp it had (0 when
// the node did not exist); for kOwnedNodes / kOwnedBytes, the domain's live
// node count / bytes.
struct ReadRecord {
  std::string path;
  store::Aspect aspect;
  std::uint64_t stamp;
  store::DomainId domain = 0;  // kOwnedNodes and kOwnedBytes only
};

class Transaction : private store::ReadObserver {
 public:
  Transaction(NodePtr snapshot, store::StampSource& stamps, const store::Quotas& quotas,
               const store::Usage& live_usage);
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  Result<std::string> read(const Caller& caller, std::string_view path);
  Result<std::vector<std::string>> directory(const Caller& caller, std::string_view path);
  Result<std::string> listing(const Caller& caller, std::string_view path);
  // The node's DIRECTORY_PART generation; kPrivateGeneration is set in the
  // count of a node this transaction rewrote (see the definition).
  Result<std::uint64_t> children_generation(const Caller& caller, std::string_view path);
  static constexpr std::uint64_t kPrivateGeneration = std::uint64_t{1} << 63;
  Result<Permissions> get_perms(const Caller& caller, std::string_view path);
  Result<void> write(const Caller& caller, std::string_view path, std::string_view value);
  Result<void> mkdir(const Caller& caller, std::string_view path);
  Result<void> rm(const Caller& caller, std::string_view path);
  Result<void> set_perms(const Caller& caller, std::string_view path, const Permissions& perms);

  const NodePtr& snapshot() const { return snapshot_; }
  // True while no update of this transaction has taken effect.
  bool unchanged() const { return log_.empty() && editor_.root() == snapshot_; }
  // Moves the snapshot to root, a later state of the live tree in which
  // every read recorded so far still holds (the caller checks that): the
  // operations to come then see the newest state, as in the C daemon, which
  // reads a node's live state when a transaction first touches it. Only
  // while unchanged(): after an update the transaction's tree is built on
  // its snapshot. Does nothing otherwise.
  void advance_snapshot(NodePtr root);
  const NodePtr& root() const { return editor_.root(); }
  const store::UsageDelta& delta() const { return editor_.delta(); }
  const store::ChangeList& changes() const { return editor_.changes(); }
  store::ChangeList take_changes() { return editor_.take_changes(); }
  const std::vector<ReadRecord>& reads() const { return reads_; }
  const std::vector<LoggedOp>& log() const { return log_; }
  bool wrote_anything() const { return !log_.empty(); }
  // A transaction that wrote nothing serialises at its snapshot, unless a
  // quota refusal made a reply depend on the live tree at that moment.
  bool needs_validation() const { return wrote_anything() || depends_on_live_usage_; }
  // Distinct nodes this transaction touched (the transaction-nodes quota).
  std::size_t nodes_touched() const { return touched_count_; }
  // When the transaction first accessed the node at path, counted over its
  // operations (reads and no-op updates included, as the C daemon's list of
  // accessed nodes counts them); SIZE_MAX when it never did. Watch events at
  // commit come in this order.
  std::size_t first_access(std::string_view path) const;
  // Which quota refused the last failed operation, if one did; clears it.
  std::optional<store::QuotaName> take_refusal();

 private:
  void observed(std::string_view path, store::Aspect aspect, const store::Node* node) override;
  void depends_on(std::string_view path, store::Aspect aspect, bool own_perms_count);
  void wrote(std::string_view path, store::Aspect aspect) override;
  void created(std::string_view path) override;
  void observed_usage(store::DomainId domain, std::int64_t live_nodes) override;
  void observed_bytes(store::DomainId domain, std::int64_t live_bytes) override;
  void removed(std::string_view path) override;
  void mark(std::string_view path, std::uint8_t bits);
  // Counts path as touched (and notes it in the undo list) if it is new.
  void touch(std::string_view path);
  void record(std::string_view path, store::Aspect aspect);
  // The nearest of path and its ancestors that this transaction removed or
  // created, with the mark found; empty when none.
  std::pair<std::string_view, std::uint8_t> own_ancestor(std::string_view path) const;
  // Runs one editor call, undoing it when it pushed the transaction past
  // its node quota.
  template <class F>
  auto guarded(const Caller& caller, F&& op) -> decltype(op());
  // Notes the access of an operation on path: the node itself if it exists
  // now, else (after an update created it) it and the parents it created.
  template <class F>
  auto accessing(std::string_view path, F&& op) -> decltype(op());
  void note_access(std::string_view path);
  // What the operation in progress showed of the node at its own path: the
  // first report the editor made of it, before it changed anything there
  // (existed: 1, 0, or -1 when none came), and the highest node it created
  // on the way to it, if it created any.
  struct OpPath {
    std::string_view path;
    int existed = -1;
    std::string_view made_top;
    void saw(std::string_view seen, bool exists);
    void made(std::string_view top);
  };
  OpPath op_path_;

  NodePtr snapshot_;
  const store::Quotas& quotas_;
  store::Editor editor_;
  std::vector<ReadRecord> reads_;
  std::vector<LoggedOp> log_;
  // What this transaction knows of each path it went near, in one table so
  // that a path costs one key string and one hash lookup per question.
  struct PathState {
    // Bits (1 << Aspect) recorded from the snapshot (so each is recorded
    // once), and written itself (so reads of its own writes are never
    // checked against the live tree), plus the removed/created marks.
    std::uint8_t recorded = 0;
    std::uint8_t written = 0;
    // Counted against the transaction-nodes quota.
    bool touched = false;
    // Order of first access (SIZE_MAX: none yet).
    std::size_t first_access = SIZE_MAX;
  };
  PathState& state(std::string_view path);
  const PathState* find_state(std::string_view path) const;

  PathMap<PathState> paths_;
  // The entry state() found last (find_state() reads it too): an operation
  // asks about the same path several times in a row, and a hit costs a
  // comparison instead of hashing the path. Entries are never erased and an
  // unordered map never moves them, so the pointer stays valid.
  std::pair<const std::string, PathState>* last_state_ = nullptr;
  // Whether any path ever got a removed or created mark (undone ones
  // included): until then no path has an own ancestor to look for.
  bool marked_structure_ = false;
  std::size_t touched_count_ = 0;
  std::size_t access_count_ = 0;
  bool depends_on_live_usage_ = false;
  bool refused_transaction_nodes_ = false;
  // What the current operation changed in paths_, so an operation refused
  // for the node quota can be undone completely. Entries of an unordered
  // map stay where they are, so pointers to them are safe to keep.
  std::vector<std::pair<PathState*, std::uint8_t>> written_undo_;
  std::vector<PathState*> touched_undo_;
};

}  // namespace cxxenstored::transaction
