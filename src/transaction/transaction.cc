#include "cxxenstored/transaction/transaction.h"

#include <cerrno>
#include <utility>

#include "cxxenstored/store/path.h"

namespace cxxenstored::transaction {

using store::Aspect;

namespace {
std::uint8_t bit(Aspect aspect) { return static_cast<std::uint8_t>(1u << static_cast<unsigned>(aspect)); }
}  // namespace

Transaction::PathState& Transaction::state(std::string_view path) {
  if (last_state_ && last_state_->first == path) return last_state_->second;
  auto it = paths_.find(path);
  if (it == paths_.end()) it = paths_.emplace(std::string(path), PathState{}).first;
  last_state_ = &*it;
  return it->second;
}

const Transaction::PathState* Transaction::find_state(std::string_view path) const {
  if (last_state_ && last_state_->first == path) return &last_state_->second;
  auto it = paths_.find(path);
  return it == paths_.end() ? nullptr : &it->second;
}

void Transaction::touch(std::string_view path) {
  PathState& s = state(path);
  if (s.touched) return;
  s.touched = true;
  ++touched_count_;
  touched_undo_.push_back(&s);
}

Transaction::Transaction(NodePtr snapshot, store::StampSource& stamps, const store::Quotas& quotas,
                         const store::Usage& live_usage)
    : snapshot_(snapshot), quotas_(quotas), editor_(std::move(snapshot), stamps, quotas, live_usage, this) {}

void Transaction::advance_snapshot(NodePtr root) {
  if (!unchanged()) return;
  snapshot_ = root;
  editor_.restore(std::move(root), editor_.delta(), editor_.changes().size());
}

// Marks in PathState::written, besides the aspect bits for kValue and kPerms.
constexpr std::uint8_t kRemovedMark = 1u << 6;  // removed (whatever is there now is ours)
constexpr std::uint8_t kCreatedMark = 1u << 7;  // created where the snapshot had nothing

std::pair<std::string_view, std::uint8_t> Transaction::own_ancestor(std::string_view path) const {
  if (!marked_structure_) return {};
  for (std::string_view p = path;; p = store::parent_path(p)) {
    const PathState* s = find_state(p);
    if (s && (s->written & (kRemovedMark | kCreatedMark))) return {p, s->written};
    if (p == "/") return {};
  }
}

// Decides whether what an operation saw came from the snapshot (so it must
// still hold at commit) or from this transaction's own writes:
//  * a value or permissions it set itself are its own;
//  * below a node it removed, everything is its own: replaying the removal
//    clears whatever the live tree has there; except the permissions of
//    nodes it made there again, inherited from the removed node's parent;
//  * below a node it created, content is its own only while that node is
//    still absent from the live tree (replayed on a node someone else
//    created meanwhile, the write would merge into theirs), so the node's
//    absence is recorded instead, and only now that a read relies on it:
//    creations nobody reads back stay blind and never conflict; their
//    permissions, inherited, depend on the parent they were made under too;
//  * a child list it changed stays checked: a listing shows the snapshot's
//    other children too.
void Transaction::observed(std::string_view path, Aspect aspect, const store::Node* node) {
  op_path_.saw(path, node != nullptr);
  depends_on(path, aspect, true);
}

// Inherited permissions were the parent's when the node was made, which may
// be before the transaction set the parent's own: they then came from the
// snapshot. Without a record of that order, an inherited dependency ignores
// the transaction's own permission writes (own_perms_count false): at worst
// a needless dependency when it had set them before.
void Transaction::depends_on(std::string_view path, Aspect aspect, bool own_perms_count) {
  touch(path);
  if (aspect == Aspect::kValue || (aspect == Aspect::kPerms && own_perms_count)) {
    const PathState* s = find_state(path);
    if (s && (s->written & bit(aspect))) return;
  }
  auto [own, marks] = own_ancestor(path);
  if (own.empty()) return record(path, aspect);
  if (marks & kRemovedMark) {
    if (aspect != Aspect::kPerms) return;
  } else {
    if (own == path && aspect == Aspect::kExistence) return;  // exists either way
    record(own, Aspect::kExistence);
  }
  // Made again below a removal or made anew: inherited from own's parent.
  if (aspect == Aspect::kPerms && own != "/") depends_on(store::parent_path(own), Aspect::kPerms, false);
}

void Transaction::record(std::string_view path, Aspect aspect) {
  std::uint8_t& seen = state(path).recorded;
  if (seen & bit(aspect)) return;
  seen |= bit(aspect);
  store::NodePtr original = store::lookup_node(snapshot_, path);
  reads_.push_back(ReadRecord{std::string(path), aspect, store::aspect_stamp(original.get(), aspect)});
}

void Transaction::mark(std::string_view path, std::uint8_t bits) {
  touch(path);
  PathState& s = state(path);
  written_undo_.emplace_back(&s, s.written);
  s.written |= bits;
  if (bits & (kRemovedMark | kCreatedMark)) marked_structure_ = true;
}

void Transaction::wrote(std::string_view path, Aspect aspect) {
  op_path_.saw(path, true);  // after created() when the write made it
  if (aspect == Aspect::kValue || aspect == Aspect::kPerms) mark(path, bit(aspect));
  else touch(path);
}

void Transaction::observed_usage(store::DomainId domain, std::int64_t live_nodes) {
  depends_on_live_usage_ = true;
  reads_.push_back(ReadRecord{{}, Aspect::kOwnedNodes, static_cast<std::uint64_t>(live_nodes), domain});
}

void Transaction::observed_bytes(store::DomainId domain, std::int64_t live_bytes) {
  depends_on_live_usage_ = true;
  reads_.push_back(ReadRecord{{}, Aspect::kOwnedBytes, static_cast<std::uint64_t>(live_bytes), domain});
}

std::optional<store::QuotaName> Transaction::take_refusal() {
  auto refusal = editor_.take_refusal();
  if (std::exchange(refused_transaction_nodes_, false)) return store::QuotaName::kTransactionNodes;
  return refusal;
}

void Transaction::removed(std::string_view path) {
  op_path_.saw(path, true);
  mark(path, kRemovedMark);
}

void Transaction::created(std::string_view path) {
  op_path_.made(path);
  // Recreating inside something this transaction removed: the absence was
  // its own doing, so the new content is unconditionally its own.
  auto [own, marks] = own_ancestor(path);
  mark(path, !own.empty() && (marks & kRemovedMark) ? kRemovedMark : kCreatedMark);
}

template <class F>
auto Transaction::guarded(const Caller& caller, F&& op) -> decltype(op()) {
  written_undo_.clear();
  touched_undo_.clear();
  if (caller.privileged) return op();
  // The transaction-nodes quota: an operation that makes an unprivileged
  // caller's transaction touch too many nodes fails and leaves no trace.
  NodePtr root_before = editor_.root();
  store::UsageDelta delta_before = editor_.delta();
  const std::size_t changes_before = editor_.changes().size();
  auto result = op();
  if (touched_count_ > quotas_.transaction_nodes) {
    editor_.restore(std::move(root_before), std::move(delta_before), changes_before);
    for (auto it = written_undo_.rbegin(); it != written_undo_.rend(); ++it) it->first->written = it->second;
    for (PathState* s : touched_undo_) s->touched = false;
    touched_count_ -= touched_undo_.size();
    refused_transaction_nodes_ = true;
    return Error{ENOSPC};
  }
  return result;
}

void Transaction::note_access(std::string_view path) {
  PathState& s = state(path);
  if (s.first_access == SIZE_MAX) s.first_access = access_count_++;
}

std::size_t Transaction::first_access(std::string_view path) const {
  const PathState* s = find_state(path);
  return s ? s->first_access : SIZE_MAX;
}

void Transaction::OpPath::saw(std::string_view seen, bool exists) {
  if (existed < 0 && seen == path) existed = exists ? 1 : 0;
}

void Transaction::OpPath::made(std::string_view top) {
  // top is the path or the highest of the ancestors made with it.
  if (!store::is_within(path, top)) return;
  made_top = top;
  if (existed < 0) existed = 0;
}

template <class F>
auto Transaction::accessing(std::string_view path, F&& op) -> decltype(op()) {
  // Whether the node existed before the operation comes from what the
  // editor reports of it on the way (it looks at the node before it changes
  // it), so no walk of the path is spent on finding out; a walk only when
  // the operation said nothing of the node, which means it changed nothing
  // there either.
  op_path_ = OpPath{path};
  auto result = op();
  const OpPath seen = std::exchange(op_path_, OpPath{});
  if (!seen.made_top.empty()) {
    // Created now: the node, each parent created with it, and the parent
    // they were created under (which the creation read).
    if (!result) return result;
    for (std::string_view p = path;; p = store::parent_path(p)) {
      note_access(p);
      if (p == seen.made_top) break;
    }
    note_access(store::parent_path(seen.made_top));
    return result;
  }
  const bool existed = seen.existed >= 0 ? seen.existed == 1 : store::lookup_node(editor_.root(), path) != nullptr;
  if (existed) note_access(path);
  return result;
}

Result<std::string> Transaction::read(const Caller& caller, std::string_view path) {
  return accessing(path, [&] { return guarded(caller, [&] { return editor_.read(caller, path); }); });
}

Result<std::vector<std::string>> Transaction::directory(const Caller& caller, std::string_view path) {
  return accessing(path, [&] { return guarded(caller, [&] { return editor_.directory(caller, path); }); });
}

Result<std::string> Transaction::listing(const Caller& caller, std::string_view path) {
  return accessing(path, [&] { return guarded(caller, [&] { return editor_.listing(caller, path); }); });
}

// The C daemon gives every node a transaction wrote a new generation when
// the commit makes it live, so a count read inside the transaction is never
// read again outside it. A commit here may install the transaction's nodes
// as they are, stamps included, so the count of a node this transaction
// rewrote is reported in a range that live counts never reach (stamps count
// changes from 1 and never get near 2^63).
Result<std::uint64_t> Transaction::children_generation(const Caller& caller, std::string_view path) {
  auto generation =
      accessing(path, [&] { return guarded(caller, [&] { return editor_.children_generation(caller, path); }); });
  if (!generation) return generation;
  const NodePtr before = store::lookup_node(snapshot_, path);
  if (before && before->stamps().latest() == *generation) return generation;
  return *generation | kPrivateGeneration;
}

Result<Permissions> Transaction::get_perms(const Caller& caller, std::string_view path) {
  return accessing(path, [&] { return guarded(caller, [&] { return editor_.get_perms(caller, path); }); });
}

Result<void> Transaction::write(const Caller& caller, std::string_view path, std::string_view value) {
  auto result = accessing(path, [&] { return guarded(caller, [&] { return editor_.write(caller, path, value); }); });
  if (result) log_.push_back(LoggedOp{LoggedOp::Kind::kWrite, caller, std::string(path), std::string(value), {}});
  return result;
}

Result<void> Transaction::mkdir(const Caller& caller, std::string_view path) {
  auto result = accessing(path, [&] { return guarded(caller, [&] { return editor_.mkdir(caller, path); }); });
  if (result) log_.push_back(LoggedOp{LoggedOp::Kind::kMkdir, caller, std::string(path), {}, {}});
  return result;
}

Result<void> Transaction::rm(const Caller& caller, std::string_view path) {
  auto result = accessing(path, [&] { return guarded(caller, [&] { return editor_.rm(caller, path); }); });
  if (result) log_.push_back(LoggedOp{LoggedOp::Kind::kRm, caller, std::string(path), {}, {}});
  return result;
}

Result<void> Transaction::set_perms(const Caller& caller, std::string_view path, const Permissions& perms) {
  auto result = accessing(path, [&] { return guarded(caller, [&] { return editor_.set_perms(caller, path, perms); }); });
  if (result) log_.push_back(LoggedOp{LoggedOp::Kind::kSetPerms, caller, std::string(path), {}, perms});
  return result;
}

}  // namespace cxxenstored::transaction
