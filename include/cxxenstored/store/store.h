// The live store: the current root, the stamp counter, per-domain usage,
// quotas, and the permissions of the special watch names. Operations take an
// optional transaction; without one they take effect immediately.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cxxenstored/store/accounting.h"
#include "cxxenstored/store/change.h"
#include "cxxenstored/store/editor.h"
#include "cxxenstored/store/node.h"
#include "cxxenstored/store/quota.h"
#include "cxxenstored/transaction/transaction.h"
#include "cxxenstored/util/result.h"

namespace cxxenstored::store {

using transaction::Transaction;

struct CommitStats {
  std::uint64_t fast = 0;       // nothing else committed: root installed as is
  std::uint64_t grafted = 0;    // others committed elsewhere: changed subtrees put in whole
  std::uint64_t merged = 0;     // others committed, reads still valid: replayed
  std::uint64_t conflicts = 0;  // a read changed: EAGAIN
  std::uint64_t read_only = 0;  // wrote nothing
};

class Store {
 public:
  // Builds the tree a freshly started C daemon has: "/", "/tool" and
  // "/tool/xenstored", owned by dom0 with no access for others.
  explicit Store(Quotas quotas = {});

  // Queries. Paths must be canonical; "@" names are accepted by get_perms
  // and set_perms only.
  Result<std::string> read(const Caller& caller, std::string_view path, Transaction* tx = nullptr);
  Result<std::vector<std::string>> directory(const Caller& caller, std::string_view path,
                                             Transaction* tx = nullptr);
  // The child names, each followed by a NUL: DIRECTORY's reply payload.
  Result<std::string> listing(const Caller& caller, std::string_view path, Transaction* tx = nullptr);
  Result<std::uint64_t> children_generation(const Caller& caller, std::string_view path,
                                            Transaction* tx = nullptr);
  Result<Permissions> get_perms(const Caller& caller, std::string_view path,
                                Transaction* tx = nullptr);

  // Updates. Without a transaction the change is live at once and its
  // watch-relevant effects are appended to *changes (if given); in one, they
  // are reported by commit().
  Result<void> write(const Caller& caller, std::string_view path, std::string_view value,
                     Transaction* tx = nullptr, ChangeList* changes = nullptr);
  Result<void> mkdir(const Caller& caller, std::string_view path, Transaction* tx = nullptr,
                     ChangeList* changes = nullptr);
  Result<void> rm(const Caller& caller, std::string_view path, Transaction* tx = nullptr,
                  ChangeList* changes = nullptr);
  Result<void> set_perms(const Caller& caller, std::string_view path, const Permissions& perms,
                         Transaction* tx = nullptr, ChangeList* changes = nullptr);

  // How many recorded reads a transaction that changed nothing may have for
  // its snapshot still to move forward before an operation (advance()).
  static constexpr std::size_t kMaxReadsRecheckedToAdvance = 16;

  // Starts a transaction: O(1), a snapshot of the current root.
  std::unique_ptr<Transaction> begin_transaction();
  // Commits: the changes to fire watches for, or EAGAIN when something the
  // transaction read has changed since it started, or a quota error when
  // its replay would exceed one.
  Result<ChangeList> commit(Transaction& tx);

  // Which quota refused the last failed update or commit (none when it
  // failed for another reason); reading it clears it.
  std::optional<QuotaName> take_refusal() { return std::exchange(refusal_, std::nullopt); }
  // After commit() answered EAGAIN: the domain whose operation made the
  // transaction's reads stale, when the store still remembers it.
  std::optional<DomainId> last_conflict_cause() const { return conflict_cause_; }

  // A domain died or was released: its nodes go (or, keep_orphans, pass to
  // dom0) and its usage is forgotten.
  ChangeList release_domain(DomainId domain, bool keep_orphans);

  const NodePtr& root() const { return root_; }
  const Usage& usage() const { return usage_; }
  // Charges (n > 0) or releases (n < 0) bytes the engine accounts to a
  // domain outside the tree (watches), so the memory quota sees them.
  void charge_extra_bytes(DomainId domain, std::int64_t n) { usage_.add_extra_bytes(domain, n); }
  Quotas& quotas() { return quotas_; }
  const Quotas& quotas() const { return quotas_; }
  const CommitStats& commit_stats() const { return commit_stats_; }
  StampSource& stamps() { return stamps_; }

  // Replaces the whole tree (live-update restore); recomputes usage.
  void reset(NodePtr root, std::uint64_t last_stamp);

 private:
  template <class F>
  auto live_update(ChangeList* changes, F&& edit) -> decltype(edit(std::declval<Editor&>()));
  Editor live_editor() { return Editor(root_, stamps_, quotas_, usage_); }
  // The live tree with tx's changes grafted in (see graft()), when they
  // can be.
  std::optional<NodePtr> grafted(const Transaction& tx);
  // Before each operation of a transaction that has changed nothing yet:
  // moves its snapshot to the live root when every read it recorded still
  // holds there, so that it reads what the C daemon's transaction would and
  // conflicts only on what changed after it looked. Rechecks at most
  // kMaxReadsRecheckedToAdvance reads: a long read-only transaction keeps its
  // snapshot rather than paying for all its reads on every operation.
  void advance(Transaction& tx) const;
  // The first read of tx that no longer holds, or null.
  const transaction::ReadRecord* first_stale_read(const Transaction& tx) const;
  std::optional<DomainId> cause_of(const transaction::ReadRecord& stale) const;
  // Runs a query on tx (its snapshot advanced first) or on the live tree;
  // both have the same query methods.
  template <class F>
  auto query(Transaction* tx, F&& op) {
    if (!tx) {
      Editor live = live_editor();
      return op(live);
    }
    advance(*tx);
    return op(*tx);
  }
  // Runs one operation of tx and keeps which quota refused it, if any.
  template <class F>
  auto in_transaction(Transaction& tx, F&& op) -> decltype(op()) {
    advance(tx);
    auto result = op();
    auto refusal = tx.take_refusal();
    refusal_ = result ? std::nullopt : refusal;
    return result;
  }

  Quotas quotas_;
  StampSource stamps_;
  NodePtr root_;
  Usage usage_;
  Permissions introduce_perms_;
  Permissions release_perms_;
  CommitStats commit_stats_;
  std::optional<QuotaName> refusal_;
  std::optional<DomainId> conflict_cause_;
};

}  // namespace cxxenstored::store
