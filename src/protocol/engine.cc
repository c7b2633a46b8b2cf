#include "cxxenstored/protocol/engine.h"

#include <algorithm>
#include <cerrno>
#include <set>
#include <tuple>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <xen/xen.h>

#include <spdlog/spdlog.h>

#include "cxxenstored/observability/metrics.h"
#include "cxxenstored/protocol/args.h"
#include "cxxenstored/store/path.h"
#include "cxxenstored/store/permissions.h"

namespace cxxenstored::protocol {

namespace {

// How the C daemon's dispatch table treats an operation.
struct OpFlags {
  bool known;       // has a handler at all (else ENOSYS)
  bool privileged;  // unprivileged callers get EACCES
  bool no_tx;       // the header's tx_id is not looked up
};

// Only WATCH and UNWATCH ignore tx_id. Every other operation, store
// operation or not, looks it up first, so an unknown id is ENOENT; even
// RESET_WATCHES, which ends every transaction of the connection (the same
// request again with that id is then ENOENT).
OpFlags flags_for(std::uint32_t type) {
  switch (type) {
    case XS_WATCH:
    case XS_UNWATCH: return {true, false, true};
    case XS_DIRECTORY:
    case XS_READ:
    case XS_GET_PERMS:
    case XS_TRANSACTION_START:
    case XS_TRANSACTION_END:
    case XS_WRITE:
    case XS_MKDIR:
    case XS_RM:
    case XS_SET_PERMS:
    case XS_DIRECTORY_PART:
    case XS_GET_DOMAIN_PATH:
    case XS_RESET_WATCHES: return {true, false, false};
    case XS_CONTROL:
    case XS_INTRODUCE:
    case XS_RELEASE:
    case XS_IS_DOMAIN_INTRODUCED:
    case XS_RESUME:
    case XS_SET_TARGET:
    case kGetFeature:
    case kSetFeature:
    case kGetQuota:
    case kSetQuota: return {true, true, false};
    default: return {false, false, false};
  }
}

Message reply_text(const Header& request, std::string text) {
  text.push_back('\0');
  return make_reply(request, request.type, std::move(text));
}

// The C daemon's special watch/permission names that exist.
bool is_known_special(std::string_view name) {
  return name == "@introduceDomain" || name == "@releaseDomain";
}

// A client path resolved against the caller's home without validation, as
// UNWATCH matches it.
std::string resolve_unchecked(std::string_view raw, store::DomainId domain) {
  if (!raw.empty() && (raw.front() == '/' || raw.front() == '@')) return std::string(raw);
  std::string path = store::home_path(domain);
  path.push_back('/');
  path.append(raw);
  return path;
}

// Parses a decimal unsigned value strictly (quota and feature values).
std::optional<std::uint64_t> parse_unsigned(std::string_view text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

}  // namespace

Engine::Engine(store::Store& store, watch::Registry& watches, DomainOps& domains,
               const ControlRegistry& control, Limits& limits, Outbox& outbox)
    : store_(store), watches_(watches), domains_(&domains), control_(control), limits_(limits),
      outbox_(outbox), conflicts_(limits.conflict) {
  // The memory quota is enforced by the store; the command line sets it here.
  store_.quotas().memory_per_domain = limits_.memory_per_domain;
}

void Engine::set_metrics(observability::Metrics* metrics) {
  metrics_ = metrics;
  reporter_.set_metrics(metrics);
}

std::size_t Engine::limit_for(DomainId domain, store::QuotaName quota) const {
  const store::Quotas& q = store_.quotas();
  if (auto own = q.per_domain.get(domain, quota)) return *own;
  switch (quota) {
    case store::QuotaName::kNodes: return q.nodes_per_domain;
    case store::QuotaName::kWatches: return limits_.watches_per_domain;
    case store::QuotaName::kTransactions: return limits_.transactions_per_domain;
    case store::QuotaName::kOutstanding: return limits_.outstanding_requests;
    case store::QuotaName::kTransactionNodes: return q.transaction_nodes;
    case store::QuotaName::kMemory: return q.memory_per_domain;
    case store::QuotaName::kNodeSize: return q.node_size;
    case store::QuotaName::kPathMax: return q.path_length;
    case store::QuotaName::kPermissions: return q.perms_per_node;
  }
  return 0;
}

bool Engine::throttled(DomainId domain) { return conflicts_.throttled(domain, clock_()); }

std::optional<ConflictCredit::Clock::duration> Engine::input_delay(SessionId session) {
  const store::Caller* c = caller(session);
  if (!c || (c->privileged && !limits_.conflict.throttle_dom0)) return std::nullopt;
  return conflicts_.throttled_for(c->domain, clock_());
}

void Engine::charge_restored_watch(SessionId id, std::string_view path, std::string_view token) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return;
  charge_watch(it->second, static_cast<std::int64_t>(path.size() + token.size()));
}

void Engine::charge_watch(Session& session, std::int64_t bytes) {
  session.watch_bytes += bytes;
  store_.charge_extra_bytes(session.caller.domain, bytes);
}

void Engine::review_quotas(DomainId domain) {
  const std::int64_t memory = store_.usage().memory(domain);
  reporter_.memory_level(domain, static_cast<std::size_t>(std::max<std::int64_t>(memory, 0)), limits_.memory_soft);
  if (!reporter_.any_reported(domain)) return;
  using store::QuotaName;
  // The count quotas refuse at ">= limit" (nodes, memory) or "> limit"
  // (watches, transactions, as the C daemon compares): below again is the
  // complement. The per-request quotas (node size, permissions, accessed
  // nodes) have no level to fall below: logged once per domain.
  const std::size_t memory_limit = limit_for(domain, QuotaName::kMemory);
  if (memory_limit == 0 || memory < static_cast<std::int64_t>(memory_limit)) reporter_.below(domain, QuotaName::kMemory);
  if (store_.usage().nodes(domain) < static_cast<std::int64_t>(limit_for(domain, QuotaName::kNodes)))
    reporter_.below(domain, QuotaName::kNodes);
  if (watches_of_domain(domain) <= limit_for(domain, QuotaName::kWatches)) reporter_.below(domain, QuotaName::kWatches);
  if (transactions_of_domain(domain) <= limit_for(domain, QuotaName::kTransactions))
    reporter_.below(domain, QuotaName::kTransactions);
}

void Engine::open_session(SessionId id, const store::Caller& caller) {
  sessions_[id].caller = caller;
  watches_.add_subscriber(id, caller);
}

void Engine::close_session(SessionId id) {
  if (auto it = sessions_.find(id); it != sessions_.end()) charge_watch(it->second, -it->second.watch_bytes);
  watches_.remove_subscriber(id);
  sessions_.erase(id);
}

void Engine::set_caller(SessionId id, const store::Caller& caller) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return;
  it->second.caller = caller;
  watches_.set_caller(id, caller);
}

const store::Caller* Engine::caller(SessionId id) const {
  auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : &it->second.caller;
}

std::size_t Engine::transactions_of(SessionId id) const {
  auto it = sessions_.find(id);
  return it == sessions_.end() ? 0 : it->second.transactions.size();
}

std::size_t Engine::transactions_of_domain(DomainId domain) const {
  std::size_t total = 0;
  for (const auto& [id, session] : sessions_) {
    if (session.caller.domain == domain) total += session.transactions.size();
  }
  return total;
}

std::size_t Engine::watches_of_domain(DomainId domain) const {
  std::size_t total = 0;
  for (const auto& [id, session] : sessions_) {
    if (session.caller.domain == domain) total += watches_.count(id);
  }
  return total;
}

void Engine::deliver_events(const std::vector<watch::Event>& events) {
  // One change can match several watches of a connection that would send
  // the very same event (same path as the client sees it, same token); the
  // C daemon queues it once. Usually every subscriber gets one event (a
  // fan-out to many connections): then there is nothing to compare.
  std::vector<SessionId> subscribers;
  subscribers.reserve(events.size());
  for (const watch::Event& event : events) subscribers.push_back(event.subscriber);
  std::sort(subscribers.begin(), subscribers.end());
  const bool repeats = std::adjacent_find(subscribers.begin(), subscribers.end()) != subscribers.end();
  std::set<std::tuple<SessionId, std::string_view, std::string_view>> sent;
  for (const watch::Event& event : events) {
    if (repeats && !sent.emplace(event.subscriber, event.path, event.token).second) continue;
    outbox_.deliver(event.subscriber, make_watch_event(event.path, event.token));
  }
}

void Engine::fire(const store::ChangeList& changes) {
  if (watches_.total() == 0) return;
  for (const store::Change& change : changes) deliver_events(watches_.match(change, store_.root()));
}

namespace {
bool exists_in(const store::NodePtr& root, std::string_view path) {
  const store::Node* node = root.get();
  store::PathComponents components(path);
  std::string_view name;
  while (node && components.next(&name)) node = node->children().find(name).get();
  return node != nullptr;
}
}  // namespace

void Engine::fire_committed(const store::ChangeList& changes, const store::Transaction& tx) {
  if (watches_.total() == 0) return;
  // The C daemon reports each node a transaction changed once, in the order
  // the transaction first accessed it (reads and no-op updates count), and
  // nothing for a node that the transaction created and removed again. A
  // later removal of a node written earlier is reported as that removal (so
  // watchers below hear of it).
  const store::NodePtr& snapshot = tx.snapshot();
  std::vector<const store::Change*> ordered;
  std::unordered_map<std::string_view, std::size_t> position;
  for (const store::Change& change : changes) {
    auto [it, fresh] = position.emplace(change.path, ordered.size());
    if (fresh) {
      ordered.push_back(&change);
    } else if (change.removed) {
      ordered[it->second] = &change;
    }
  }
  std::stable_sort(ordered.begin(), ordered.end(), [&tx](const store::Change* a, const store::Change* b) {
    return tx.first_access(a->path) < tx.first_access(b->path);
  });
  for (const store::Change* change : ordered) {
    const bool before = exists_in(snapshot, change->path);
    const bool after = exists_in(store_.root(), change->path);
    if (!before && !after) continue;
    if (!change->removed && !after) {
      // Changed, then removed with an ancestor: its watchers hear of it as
      // of a node that existed (with its permissions as they were).
      store::Change gone{change->path, store::lookup_node(snapshot, change->path), std::nullopt};
      deliver_events(watches_.match(gone, store_.root(), watch::Registry::RemovalOrder::kRemovedNodeFirst));
      continue;
    }
    deliver_events(watches_.match(*change, store_.root(), watch::Registry::RemovalOrder::kRemovedNodeFirst));
  }
}

void Engine::fire_special(std::string_view name) {
  std::string special(name);
  auto may_read = [&](const store::Caller& caller) {
    auto perms = store_.get_perms(store::Caller::dom0(), special);
    return perms.ok() && store::allows(caller, *perms, store::kAccessRead);
  };
  deliver_events(watches_.match_special(name, may_read));
}

void Engine::domain_gone(DomainId domain) {
  reporter_.forget(domain);
  conflicts_.forget(domain);
  store_.quotas().per_domain.forget(domain);
  fire(store_.release_domain(domain, keep_orphans_));
  fire_special("@releaseDomain");
}

void Engine::handle(SessionId id, const Message& request) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return;
  Session& session = it->second;
  const Header& header = request.header;

  OpFlags flags = flags_for(header.type);
  if (!flags.known) {
    outbox_.deliver(id, make_error(header, ENOSYS));
    return;
  }
  if (flags.privileged && !session.caller.privileged) {
    outbox_.deliver(id, make_error(header, EACCES));
    return;
  }
  store::Transaction* tx = nullptr;
  if (!flags.no_tx && header.tx_id != 0) {
    auto found = session.transactions.find(header.tx_id);
    if (found == session.transactions.end()) {
      outbox_.deliver(id, make_error(header, ENOENT));
      return;
    }
    tx = found->second.get();
  }
  Request r{id, session, request, tx};
  const store::Caller caller = session.caller;
  engine_refusal_.reset();
  Result<Message> reply = dispatch(r);
  const std::optional<store::QuotaName> store_refusal = store_.take_refusal();
  if (!reply.ok()) {
    if (auto quota = engine_refusal_ ? engine_refusal_ : store_refusal) reporter_.hit(caller.domain, *quota);
  }
  if (!caller.privileged) review_quotas(caller.domain);
  // The handler may have ended the session's last reference (never the
  // session itself), so deliver by id.
  outbox_.deliver(id, reply.ok() ? std::move(reply).value() : make_error(header, reply.error().code));
}

Result<Message> Engine::dispatch(Request& r) {
  switch (r.message.type()) {
    case XS_CONTROL: return do_control(r);
    case XS_DIRECTORY: return do_directory(r);
    case XS_READ: return do_read(r);
    case XS_GET_PERMS: return do_get_perms(r);
    case XS_WATCH: return do_watch(r);
    case XS_UNWATCH: return do_unwatch(r);
    case XS_TRANSACTION_START: return do_transaction_start(r);
    case XS_TRANSACTION_END: return do_transaction_end(r);
    case XS_INTRODUCE: return do_introduce(r);
    case XS_RELEASE: return do_release(r);
    case XS_GET_DOMAIN_PATH: return do_get_domain_path(r);
    case XS_WRITE: return do_write(r);
    case XS_MKDIR: return do_mkdir(r);
    case XS_RM: return do_rm(r);
    case XS_SET_PERMS: return do_set_perms(r);
    case XS_IS_DOMAIN_INTRODUCED: return do_is_domain_introduced(r);
    case XS_RESUME: return do_resume(r);
    case XS_SET_TARGET: return do_set_target(r);
    case XS_RESET_WATCHES: return do_reset_watches(r);
    case XS_DIRECTORY_PART: return do_directory_part(r);
    case kGetFeature: return do_get_feature(r);
    case kSetFeature: return do_set_feature(r);
    case kGetQuota: return do_get_quota(r);
    case kSetQuota: return do_set_quota(r);
    default: return Error{ENOSYS};
  }
}

Result<store::CanonicalPath> Engine::canonical(const Request& r, std::string_view raw) const {
  // "@" names are never taken as relative node names.
  if (!raw.empty() && raw.front() == '@') return Error{EINVAL};
  return store::canonicalize(raw, r.caller().domain, false, store_.quotas().path_length);
}

// --- node operations -------------------------------------------------------

Result<Message> Engine::do_read(Request& r) {
  auto arg = one_arg(r.payload());
  if (!arg) return Error{EINVAL};
  auto path = canonical(r, *arg);
  if (!path) return path.error();
  auto value = store_.read(r.caller(), *path, r.tx);
  if (!value) return value.error();
  return make_reply(r.message.header, XS_READ, std::move(value).value());
}

Result<Message> Engine::do_write(Request& r) {
  // The path ends at the first NUL; the value is everything after it, NULs
  // included. (Found directly: the one request that needs no list of
  // strings, and the most frequent update.)
  const std::size_t nul = r.payload().find('\0');
  if (nul == std::string_view::npos) return Error{EINVAL};
  const std::string_view value = r.payload().substr(nul + 1);
  auto path = canonical(r, r.payload().substr(0, nul));
  if (!path) return path.error();
  store::ChangeList changes;
  CXS_TRY(store_.write(r.caller(), *path, value, r.tx, &changes));
  fire(changes);
  return make_ack(r.message.header);
}

Result<Message> Engine::do_mkdir(Request& r) {
  auto arg = one_arg(r.payload());
  if (!arg) return Error{EINVAL};
  auto path = canonical(r, *arg);
  if (!path) return path.error();
  store::ChangeList changes;
  CXS_TRY(store_.mkdir(r.caller(), *path, r.tx, &changes));
  fire(changes);
  return make_ack(r.message.header);
}

Result<Message> Engine::do_rm(Request& r) {
  auto arg = one_arg(r.payload());
  if (!arg) return Error{EINVAL};
  auto path = canonical(r, *arg);
  if (!path) return path.error();
  store::ChangeList changes;
  CXS_TRY(store_.rm(r.caller(), *path, r.tx, &changes));
  fire(changes);
  return make_ack(r.message.header);
}

Result<Message> Engine::do_directory(Request& r) {
  auto arg = one_arg(r.payload());
  if (!arg) return Error{EINVAL};
  auto path = canonical(r, *arg);
  if (!path) return path.error();
  auto listing = store_.listing(r.caller(), *path, r.tx);
  if (!listing) return listing.error();
  if (listing->size() > kPayloadMax) return Error{E2BIG};
  return make_reply(r.message.header, XS_DIRECTORY, std::move(listing).value());
}

Result<Message> Engine::do_directory_part(Request& r) {
  // "<path>\0<offset>\0": exactly two NULs. The offset counts bytes of the
  // NUL-separated child list; the reply is "<generation hex>\0" then as many
  // whole names as fit, and a final extra NUL once the list is complete.
  if (count_nuls(r.payload()) != 2) return Error{EINVAL};
  auto strings = leading_strings(r.payload(), 2);
  auto path = canonical(r, strings[0]);
  if (!path) return path.error();
  auto listing = store_.listing(r.caller(), *path, r.tx);
  if (!listing) return listing.error();
  auto generation = store_.children_generation(r.caller(), *path, r.tx);
  if (!generation) return generation.error();
  const std::string& list = *listing;
  auto offset = static_cast<std::size_t>(static_cast<unsigned>(c_atoi(strings[1])));
  char gen[24];
  int gen_len = std::snprintf(gen, sizeof gen, "%" PRIx64, *generation);
  std::string reply(gen, static_cast<std::size_t>(gen_len));
  reply.push_back('\0');
  if (offset >= list.size()) {
    reply.push_back('\0');
    return make_reply(r.message.header, XS_DIRECTORY_PART, std::move(reply));
  }
  const std::size_t max_len = kPayloadMax - reply.size() - 1;
  std::size_t len = 0;
  while (offset + len < list.size()) {
    std::size_t name_len = std::char_traits<char>::length(list.data() + offset + len);
    if (len + name_len >= max_len) break;
    len += name_len + 1;
  }
  reply.append(list, offset, len);
  if (offset + len == list.size()) reply.push_back('\0');
  return make_reply(r.message.header, XS_DIRECTORY_PART, std::move(reply));
}

Result<Message> Engine::do_get_perms(Request& r) {
  auto arg = one_arg(r.payload());
  if (!arg) return Error{EINVAL};
  auto path = canonical(r, *arg);
  if (!path) return path.error();
  auto perms = store_.get_perms(r.caller(), *path, r.tx);
  if (!perms) return perms.error();
  return make_reply(r.message.header, XS_GET_PERMS, perms->to_wire());
}

Result<Message> Engine::do_set_perms(Request& r) {
  // "<path>\0<perm>\0<perm>\0...": every NUL after the path ends one entry.
  std::size_t nuls = count_nuls(r.payload());
  if (nuls < 2) return Error{EINVAL};
  std::size_t count = nuls - 1;
  if (!r.caller().privileged && count > store_.quotas().perms_per_node)
    return refuse(store::QuotaName::kPermissions, Error{ENOSPC});
  std::string_view name = r.payload().substr(0, r.payload().find('\0'));
  auto perms = store::Permissions::parse(r.payload().substr(name.size() + 1), count);
  if (!perms) return perms.error();
  // The owner must be a domain that can exist (the C daemon asks the
  // hypervisor and answers ENOENT for an unknown owner).
  constexpr store::DomainId kFirstReservedDomid = 0x7FF0;
  if (perms->owner() >= kFirstReservedDomid) return Error{ENOENT};

  if (!name.empty() && name.front() == '@') {
    if (!is_known_special(name)) return Error{ENOENT};
    CXS_TRY(store_.set_perms(r.caller(), name, *perms));
    return make_ack(r.message.header);
  }
  auto path = canonical(r, name);
  if (!path) return path.error();
  store::ChangeList changes;
  CXS_TRY(store_.set_perms(r.caller(), *path, *perms, r.tx, &changes));
  fire(changes);
  return make_ack(r.message.header);
}

// --- watches ---------------------------------------------------------------

Result<Message> Engine::do_watch(Request& r) {
  auto strings = leading_strings(r.payload(), 2);
  // Exactly path and token: the C daemon refuses extra strings.
  if (strings.size() != 2 || count_nuls(r.payload()) != 2) return Error{EINVAL};
  std::string path;
  std::optional<std::string> relative_home;
  if (!strings[0].empty() && strings[0].front() == '@') {
    if (strings[0].size() > XENSTORE_REL_PATH_MAX) return Error{EINVAL};
    path.assign(strings[0]);
  } else {
    auto resolved = canonical(r, strings[0]);
    if (!resolved) return resolved.error();
    path.assign(resolved->view());
    if (strings[0].empty() || strings[0].front() != '/')
      relative_home = store::home_path(r.caller().domain);
  }
  // Duplicate before quota, as in the C daemon.
  if (watches_.contains(r.id, path, strings[1])) return Error{EEXIST};
  const DomainId domain = r.caller().domain;
  if (!r.caller().privileged && watches_of_domain(domain) > limit_for(domain, store::QuotaName::kWatches))
    return refuse(store::QuotaName::kWatches, Error{E2BIG});
  // A watch costs its domain the bytes of its path and token (C: add_watch).
  const auto cost = static_cast<std::int64_t>(path.size() + strings[1].size());
  const std::size_t memory_limit = limit_for(domain, store::QuotaName::kMemory);
  if (!r.caller().privileged && domain != 0 && memory_limit != 0 &&
      store_.usage().memory(domain) + cost >= static_cast<std::int64_t>(memory_limit))
    return refuse(store::QuotaName::kMemory, Error{ENOMEM});
  std::string token(strings[1]);
  CXS_TRY(watches_.add(r.id, path, token, relative_home));
  charge_watch(r.session, cost);
  // The ack, then the initial event naming the watched path.
  outbox_.deliver(r.id, make_ack(r.message.header));
  std::string event_path = watches_.event_path_for(r.id, path, token);
  return make_watch_event(event_path, token);
}

Result<Message> Engine::do_unwatch(Request& r) {
  auto strings = leading_strings(r.payload(), 2);
  if (strings.size() != 2) return Error{EINVAL};
  std::string path = resolve_unchecked(strings[0], r.caller().domain);
  if (!watches_.remove(r.id, path, strings[1])) return Error{ENOENT};
  // Never refund more than this session was charged (watches restored by
  // live update without charge_restored_watch were never charged).
  charge_watch(r.session, -std::min(static_cast<std::int64_t>(path.size() + strings[1].size()),
                                    r.session.watch_bytes));
  return make_ack(r.message.header);
}

Result<Message> Engine::do_reset_watches(Request& r) {
  watches_.reset(r.id);
  charge_watch(r.session, -r.session.watch_bytes);
  r.session.transactions.clear();
  r.tx = nullptr;  // it named one of them
  return make_ack(r.message.header);
}

// --- transactions ----------------------------------------------------------

Result<Message> Engine::do_transaction_start(Request& r) {
  if (r.tx) return Error{EBUSY};
  if (!r.caller().privileged &&
      r.session.transactions.size() > limit_for(r.caller().domain, store::QuotaName::kTransactions))
    return refuse(store::QuotaName::kTransactions, Error{ENOSPC});
  // Ids are per session, never 0, never one still in use.
  std::uint32_t id;
  do {
    id = r.session.next_transaction_id++;
  } while (id == 0 || r.session.transactions.count(id) != 0);
  r.session.transactions.emplace(id, store_.begin_transaction());
  std::erase_if(r.session.transaction_started,
                [&](const auto& entry) { return r.session.transactions.count(entry.first) == 0; });
  r.session.transaction_started[id] = std::chrono::steady_clock::now();
  return reply_text(r.message.header, std::to_string(id));
}

Result<Message> Engine::do_transaction_end(Request& r) {
  auto arg = one_arg(r.payload());
  if (!arg || (*arg != "T" && *arg != "F")) return Error{EINVAL};
  if (!r.tx) return Error{ENOENT};
  // The transaction is over whatever the outcome.
  auto node = r.session.transactions.extract(r.message.header.tx_id);
  std::unique_ptr<store::Transaction> tx = std::move(node.mapped());
  r.tx = nullptr;
  if (*arg == "T") return commit(r, *tx);
  return make_ack(r.message.header);
}

Result<Message> Engine::commit(Request& r, store::Transaction& tx) {
  const DomainId domain = r.caller().domain;
  const bool exempt = r.caller().privileged && !limits_.conflict.throttle_dom0;
  if (!exempt && conflicts_.throttled(domain, clock_())) {
    // Fairness: this domain's writes have been failing others' transactions;
    // its own commits lose until it has credit again (clients retry EAGAIN).
    if (metrics_) metrics_->count_eagain(domain, observability::EagainCause::kOther);
    return Error{EAGAIN};
  }
  auto changes = store_.commit(tx);
  if (!changes) {
    if (changes.error().code == EAGAIN) {
      if (metrics_) metrics_->count_eagain(domain, observability::EagainCause::kCommitConflict);
      const std::optional<DomainId> culprit = store_.last_conflict_cause();
      if (culprit && *culprit != domain && (*culprit != 0 || limits_.conflict.throttle_dom0) &&
          conflicts_.charge(*culprit, clock_())) {
        spdlog::warn("Domain {} throttled: its writes keep making other domains' transactions fail", *culprit);
      }
    }
    return changes.error();
  }
  fire_committed(*changes, tx);
  return make_ack(r.message.header);
}

// --- domains ---------------------------------------------------------------

Result<Message> Engine::do_get_domain_path(Request& r) {
  auto arg = one_arg(r.payload());
  if (!arg) return Error{EINVAL};
  auto domain = static_cast<DomainId>(static_cast<unsigned>(c_atoi(*arg)));
  return reply_text(r.message.header, store::home_path(domain));
}

Result<Message> Engine::do_is_domain_introduced(Request& r) {
  auto arg = one_arg(r.payload());
  if (!arg) return Error{EINVAL};
  auto domain = static_cast<DomainId>(static_cast<unsigned>(c_atoi(*arg)));
  // DOMID_SELF names the caller, which is introduced by definition.
  bool introduced = domain == DOMID_SELF || domains_->is_introduced(domain);
  return reply_text(r.message.header, introduced ? "T" : "F");
}

Result<Message> Engine::do_introduce(Request& r) {
  // "<domid>\0<mfn>\0<port>\0" (anything after the third string ignored).
  auto strings = leading_strings(r.payload(), 3);
  if (strings.size() < 3) return Error{EINVAL};
  auto domain = static_cast<DomainId>(static_cast<unsigned>(c_atoi(strings[0])));
  std::string mfn_text(strings[1]);
  std::uint64_t mfn = std::strtoull(mfn_text.c_str(), nullptr, 10);
  int port = c_atoi(strings[2]);
  if (port <= 0) return Error{EINVAL};
  auto introduced = domains_->introduce(domain, mfn, static_cast<std::uint32_t>(port));
  if (!introduced) return introduced.error();
  if (*introduced) fire_special("@introduceDomain");
  return make_ack(r.message.header);
}

namespace {
// RELEASE and RESUME name one domain other than dom0.
Result<DomainId> one_domain(std::string_view payload) {
  auto arg = one_arg(payload);
  if (!arg) return Error{EINVAL};
  int domain = c_atoi(*arg);
  if (domain == 0) return Error{EINVAL};
  return static_cast<DomainId>(static_cast<unsigned>(domain));
}
}  // namespace

Result<Message> Engine::do_release(Request& r) {
  auto domain = one_domain(r.payload());
  if (!domain) return domain.error();
  CXS_TRY(domains_->release(*domain));
  domain_gone(*domain);
  return make_ack(r.message.header);
}

Result<Message> Engine::do_resume(Request& r) {
  auto domain = one_domain(r.payload());
  if (!domain) return domain.error();
  CXS_TRY(domains_->resume(*domain));
  return make_ack(r.message.header);
}

Result<Message> Engine::do_set_target(Request& r) {
  auto strings = leading_strings(r.payload(), 2);
  if (strings.size() < 2) return Error{EINVAL};
  auto domain = static_cast<DomainId>(static_cast<unsigned>(c_atoi(strings[0])));
  auto target = static_cast<DomainId>(static_cast<unsigned>(c_atoi(strings[1])));
  CXS_TRY(domains_->set_target(domain, target));
  for (SessionId id : domains_->connections_of(domain)) {
    if (const store::Caller* old = caller(id)) {
      store::Caller updated = *old;
      updated.target = target;
      set_caller(id, updated);
    }
  }
  return make_ack(r.message.header);
}

// --- control, features, quotas ---------------------------------------------

Result<Message> Engine::do_control(Request& r) {
  auto text = control_.run(r.caller(), r.payload(), r.id);
  if (!text) return text.error();
  return reply_text(r.message.header, std::move(text).value());
}

Result<Message> Engine::do_get_feature(Request& r) {
  // "" or "<domid>\0": the server's features, or those of one domain.
  auto strings = leading_strings(r.payload(), 1);
  if (r.payload().empty() || (strings.size() == 1 && strings[0].empty())) {
    return reply_text(r.message.header, std::to_string(kServerFeatures));
  }
  if (strings.size() != 1) return Error{EINVAL};
  auto domain = parse_unsigned(strings[0]);
  if (!domain) return Error{EINVAL};
  auto features = domains_->features(static_cast<DomainId>(*domain));
  if (!features) return Error{ENOENT};
  return reply_text(r.message.header, std::to_string(*features));
}

Result<Message> Engine::do_set_feature(Request& r) {
  auto strings = leading_strings(r.payload(), 2);
  if (strings.size() != 2) return Error{EINVAL};
  auto domain = parse_unsigned(strings[0]);
  auto features = parse_unsigned(strings[1]);
  if (!domain || !features || (*features & ~std::uint64_t{kServerFeatures}) != 0)
    return Error{EINVAL};
  CXS_TRY(domains_->set_features(static_cast<DomainId>(*domain), static_cast<std::uint32_t>(*features)));
  return make_ack(r.message.header);
}

namespace {
// The global value of each quota, by the names the C daemon uses.
std::size_t* quota_slot(store::QuotaName name, store::Quotas& q, Limits& l) {
  switch (name) {
    case store::QuotaName::kNodes: return &q.nodes_per_domain;
    case store::QuotaName::kWatches: return &l.watches_per_domain;
    case store::QuotaName::kTransactions: return &l.transactions_per_domain;
    case store::QuotaName::kOutstanding: return &l.outstanding_requests;
    case store::QuotaName::kTransactionNodes: return &q.transaction_nodes;
    case store::QuotaName::kMemory: return &q.memory_per_domain;
    case store::QuotaName::kNodeSize: return &q.node_size;
    case store::QuotaName::kPathMax: return &q.path_length;
    case store::QuotaName::kPermissions: return &q.perms_per_node;
  }
  return nullptr;
}
constexpr std::string_view kQuotaNames =
    "nodes watches transactions outstanding transaction-nodes memory node-size path-max permissions";
}  // namespace

Result<Message> Engine::do_get_quota(Request& r) {
  // "": the quota names; "<name>\0": a global value; "<domid>\0<name>\0":
  // the value that applies to that domain (its own, else the global one).
  auto strings = leading_strings(r.payload(), 3);
  if (r.payload().empty() || (strings.size() == 1 && strings[0].empty()))
    return reply_text(r.message.header, std::string(kQuotaNames));
  if (strings.empty() || count_nuls(r.payload()) != strings.size() || strings.size() > 2)
    return Error{EINVAL};
  auto name = store::quota_by_name(strings.back());
  if (strings.size() == 2) {
    auto domain = parse_unsigned(strings[0]);
    if (!domain) return Error{EINVAL};
    if (!domains_->is_introduced(static_cast<DomainId>(*domain))) return Error{ENOENT};
    if (!name) return Error{EINVAL};
    return reply_text(r.message.header, std::to_string(limit_for(static_cast<DomainId>(*domain), *name)));
  }
  if (!name) return Error{EINVAL};
  return reply_text(r.message.header, std::to_string(*quota_slot(*name, store_.quotas(), limits_)));
}

Result<Message> Engine::do_set_quota(Request& r) {
  // "<name>\0<value>\0" sets a global quota; "<domid>\0<name>\0<value>\0"
  // gives one domain its own value of a per-domain quota (nodes, watches,
  // transactions, outstanding, memory), which replaces the global value for
  // it until it is released. The domain must be introduced (ENOENT).
  auto strings = leading_strings(r.payload(), 4);
  if ((strings.size() != 2 && strings.size() != 3) || count_nuls(r.payload()) != strings.size())
    return Error{EINVAL};
  auto name = store::quota_by_name(strings[strings.size() - 2]);
  auto value = parse_unsigned(strings.back());
  if (strings.size() == 3) {
    auto domain = parse_unsigned(strings[0]);
    if (!domain) return Error{EINVAL};
    if (!domains_->is_introduced(static_cast<DomainId>(*domain))) return Error{ENOENT};
    if (!name || !value || !store::quota_is_per_domain(*name)) return Error{EINVAL};
    store_.quotas().per_domain.set(static_cast<DomainId>(*domain), *name, static_cast<std::size_t>(*value));
    return make_ack(r.message.header);
  }
  if (!name || !value) return Error{EINVAL};
  *quota_slot(*name, store_.quotas(), limits_) = static_cast<std::size_t>(*value);
  return make_ack(r.message.header);
}

}  // namespace cxxenstored::protocol
