// The request engine: executes one decoded request for one client session
// against the store, the watch registry and the domain operations, and
// hands replies and watch events to an Outbox. It does no I/O, so every
// operation and error path is unit-testable (and fuzzable) without sockets.
//
// Argument parsing, the order of checks and the errors follow the C daemon
// (xenstored 4.17) exactly; docs/protocol.md lists them per operation.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <string_view>
#include <unordered_map>

#include "cxxenstored/protocol/conflict_credit.h"
#include "cxxenstored/protocol/control.h"
#include "cxxenstored/protocol/domain_ops.h"
#include "cxxenstored/protocol/limits.h"
#include "cxxenstored/protocol/quota_reporter.h"
#include "cxxenstored/protocol/wire.h"
#include "cxxenstored/store/store.h"
#include "cxxenstored/watch/registry.h"

namespace cxxenstored::observability {
class Metrics;
}

namespace cxxenstored::protocol {

// Where the engine puts what it produces. Messages for one session arrive
// in the order the client must see them (watch events fired by a request
// come before that request's reply, as in the C daemon).
class Outbox {
 public:
  virtual ~Outbox() = default;
  virtual void deliver(SessionId session, Message message) = 0;
};

// Server feature bits (xs_wire.h XENSTORE_SERVER_FEATURE_*) this daemon has.
inline constexpr std::uint32_t kServerFeatures =
    XENSTORE_SERVER_FEATURE_RECONNECTION | XENSTORE_SERVER_FEATURE_ERROR;

class Engine {
 public:
  Engine(store::Store& store, watch::Registry& watches, DomainOps& domains,
         const ControlRegistry& control, Limits& limits, Outbox& outbox);
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Replaces the domain operations (the Xen part installs its own; the
  // default is whatever the constructor got).
  void set_domain_ops(DomainOps& domains) { domains_ = &domains; }
  const DomainOps& domains() const { return *domains_; }

  // keep_orphans (-K): nodes of a released domain go to dom0 instead.
  void set_keep_orphans(bool keep) { keep_orphans_ = keep; }

  // Counters for quota refusals and commit conflicts (null: none kept).
  void set_metrics(observability::Metrics* metrics);
  QuotaReporter& quota_reporter() { return reporter_; }
  // The time conflict credit and quota log intervals are computed with
  // (tests install their own).
  void set_clock(std::function<ConflictCredit::Clock::time_point()> clock) {
    reporter_.set_clock(clock);
    clock_ = std::move(clock);
  }

  // The value of a quota that applies to domain: its own (SET_QUOTA with a
  // domid), else the global one. The connection layer asks for
  // QuotaName::kOutstanding here.
  std::size_t limit_for(DomainId domain, store::QuotaName quota) const;
  // Whether the domain is throttled for making others' transactions fail
  // (its transaction commits are answered EAGAIN meanwhile).
  bool throttled(DomainId domain);
  // How long the connection layer should leave the session's input unread:
  // its domain is throttled and not exempt (dom0 unless
  // --conflict-throttle-dom0). nullopt: serve it now.
  std::optional<ConflictCredit::Clock::duration> input_delay(SessionId session);
  // A watch was added to the registry directly (live-update restore): its
  // path (absolute, as registered) and token are charged to the session's
  // domain without a quota check, as the C daemon's read_state_watch does.
  void charge_restored_watch(SessionId id, std::string_view path, std::string_view token);

  void open_session(SessionId id, const store::Caller& caller);
  // Ends the session: its transactions are discarded, its watches removed.
  void close_session(SessionId id);
  void set_caller(SessionId id, const store::Caller& caller);
  const store::Caller* caller(SessionId id) const;

  // Executes one request from session id.
  void handle(SessionId id, const Message& request);

  // Fires watches for changes made outside a request (or by one).
  void fire(const store::ChangeList& changes);
  // Fires the changes of a committed transaction that started from
  // snapshot, as the C daemon reports them (see engine.cc).
  void fire_committed(const store::ChangeList& changes, const store::Transaction& tx);
  // Fires "@introduceDomain" / "@releaseDomain".
  void fire_special(std::string_view name);
  // A domain is gone (released or dead): removes (or, keep_orphans, hands
  // to dom0) its nodes, fires their watches, then @releaseDomain.
  void domain_gone(DomainId domain);

  std::size_t transactions_of(SessionId id) const;
  // When the session's oldest open transaction started (live update's
  // "transactions older than the timeout" rule), or nullopt if none is open.
  std::optional<std::chrono::steady_clock::time_point> oldest_transaction_start(SessionId id) const;
  std::size_t transactions_of_domain(DomainId domain) const;
  std::size_t watches_of_domain(DomainId domain) const;
  std::size_t session_count() const { return sessions_.size(); }

 private:
  struct Session {
    store::Caller caller;
    std::map<std::uint32_t, std::unique_ptr<store::Transaction>> transactions;
    std::uint32_t next_transaction_id = 1;
    // Start time per transaction id; entries of ended transactions are
    // pruned at the next start and ignored by oldest_transaction_start.
    std::map<std::uint32_t, std::chrono::steady_clock::time_point> transaction_started;
    // Bytes the session's watches charge its domain (path + token each).
    std::int64_t watch_bytes = 0;
  };

  // One request being executed: its session, header and transaction.
  struct Request {
    SessionId id;
    Session& session;
    const Message& message;
    store::Transaction* tx;
    std::string_view payload() const { return message.payload; }
    const store::Caller& caller() const { return session.caller; }
  };

  Result<Message> dispatch(Request& request);
  Result<Message> do_read(Request& r);
  Result<Message> do_write(Request& r);
  Result<Message> do_mkdir(Request& r);
  Result<Message> do_rm(Request& r);
  Result<Message> do_directory(Request& r);
  Result<Message> do_directory_part(Request& r);
  Result<Message> do_get_perms(Request& r);
  Result<Message> do_set_perms(Request& r);
  Result<Message> do_watch(Request& r);
  Result<Message> do_unwatch(Request& r);
  Result<Message> do_reset_watches(Request& r);
  Result<Message> do_transaction_start(Request& r);
  Result<Message> do_transaction_end(Request& r);
  Result<Message> do_get_domain_path(Request& r);
  Result<Message> do_is_domain_introduced(Request& r);
  Result<Message> do_introduce(Request& r);
  Result<Message> do_release(Request& r);
  Result<Message> do_resume(Request& r);
  Result<Message> do_set_target(Request& r);
  Result<Message> do_control(Request& r);
  Result<Message> do_get_feature(Request& r);
  Result<Message> do_set_feature(Request& r);
  Result<Message> do_get_quota(Request& r);
  Result<Message> do_set_quota(Request& r);

  // Records that a quota of the engine's own refused the request.
  Error refuse(store::QuotaName quota, Error error) {
    engine_refusal_ = quota;
    return error;
  }
  // After a request of an unprivileged domain: soft-memory level and which
  // logged quota hits no longer hold.
  void review_quotas(DomainId domain);
  void charge_watch(Session& session, std::int64_t bytes);
  Result<Message> commit(Request& r, store::Transaction& tx);

  // A client path made canonical and checked (EINVAL when invalid).
  Result<store::CanonicalPath> canonical(const Request& r, std::string_view raw) const;
  void deliver_events(const std::vector<watch::Event>& events);

  store::Store& store_;
  watch::Registry& watches_;
  DomainOps* domains_;
  const ControlRegistry& control_;
  Limits& limits_;
  Outbox& outbox_;
  bool keep_orphans_ = false;
  std::unordered_map<SessionId, Session> sessions_;
  QuotaReporter reporter_;
  ConflictCredit conflicts_;
  observability::Metrics* metrics_ = nullptr;
  std::function<ConflictCredit::Clock::time_point()> clock_ = [] { return ConflictCredit::Clock::now(); };
  std::optional<store::QuotaName> engine_refusal_;
};

inline std::optional<std::chrono::steady_clock::time_point> Engine::oldest_transaction_start(
    SessionId id) const {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  std::optional<std::chrono::steady_clock::time_point> oldest;
  for (const auto& [tx, started] : it->second.transaction_started) {
    if (it->second.transactions.count(tx) == 0) continue;  // ended
    if (!oldest || started < *oldest) oldest = started;
  }
  return oldest;
}

}  // namespace cxxenstored::protocol
