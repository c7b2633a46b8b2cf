// Randomized serializability check with unprivileged callers: guests and
// dom0 interleave live operations and transactions, including SET_PERMS,
// over homes with mixed permissions. A plain map-based model implementing
// the C daemon's rules (access, hiding of existence, inheritance, ownership)
// replays every committed transaction at its commit point; replies and the
// whole tree (values, permissions, listing order) must match.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cxxenstored/store/store.h"

namespace cxxenstored::store {
namespace {

using namespace std::string_literals;

enum class OpKind { kRead, kDirectory, kGetPerms, kWrite, kMkdir, kRm, kSetPerms };

struct Op {
  OpKind kind;
  Caller caller;
  std::string path;
  std::string value;  // kWrite: value; kSetPerms: wire form
  std::size_t perm_count = 0;
};

using Reply = std::string;
Reply error_reply(int code) { return "E" + std::to_string(code); }

class Model {
 public:
  Model() {
    const Permissions dom0_only;
    nodes_["/"] = Entry{"", dom0_only, next_++};
    nodes_["/tool"] = Entry{"", dom0_only, next_++};
    nodes_["/tool/xenstored"] = Entry{"", dom0_only, next_++};
  }

  Reply apply(const Op& op) {
    const Caller& c = op.caller;
    switch (op.kind) {
      case OpKind::kRead:
      case OpKind::kDirectory:
      case OpKind::kGetPerms: {
        auto err = check(c, op.path, kAccessRead);
        if (err) return error_reply(*err);
        const Entry& e = nodes_.at(op.path);
        if (op.kind == OpKind::kRead) return e.value;
        if (op.kind == OpKind::kGetPerms) return e.perms.to_wire();
        std::string joined;
        for (const std::string& name : children(op.path)) joined += name + "|";
        return joined;
      }
      case OpKind::kWrite:
      case OpKind::kMkdir: {
        auto err = check(c, op.path, kAccessWrite);
        if (err && *err != ENOENT) return error_reply(*err);
        if (!err) {
          if (op.kind == OpKind::kWrite) {
            if (!c.privileged && charged_node_size(nodes_[op.path].perms.size(), op.value.size(),
                                                   child_bytes(op.path)) >= quotas_.node_size)
              return error_reply(ENOSPC);
            nodes_[op.path].value = op.value;
          }
          return "OK";
        }
        return create(c, op.path, op.kind == OpKind::kWrite ? op.value : "");
      }
      case OpKind::kRm: {
        auto err = check(c, op.path, kAccessWrite);
        if (err) {
          if (*err != ENOENT) return error_reply(*err);
          return nodes_.count(std::string(parent_path(op.path))) ? "OK" : error_reply(ENOENT);
        }
        if (op.path == "/") return error_reply(EINVAL);
        for (auto it = nodes_.lower_bound(op.path); it != nodes_.end() && is_within(it->first, op.path);)
          it = nodes_.erase(it);
        return "OK";
      }
      case OpKind::kSetPerms: {
        if (!c.privileged && op.perm_count > quotas_.perms_per_node) return error_reply(ENOSPC);
        auto err = check(c, op.path, kAccessWrite | kAccessOwner);
        if (err) return error_reply(*err);
        Permissions perms = *Permissions::parse(op.value, op.perm_count);
        if (!c.privileged && perms.owner() != nodes_[op.path].perms.owner()) return error_reply(EPERM);
        nodes_[op.path].perms = perms;
        return "OK";
      }
    }
    return "?";
  }

  std::vector<std::string> children(const std::string& path) const {
    std::vector<std::pair<std::uint64_t, std::string>> found;
    for (const auto& [p, e] : nodes_)
      if (p != "/" && parent_path(p) == path) found.emplace_back(e.created, std::string(base_name(p)));
    std::sort(found.begin(), found.end());
    std::vector<std::string> names;
    for (auto& [o, n] : found) names.push_back(n);
    return names;
  }
  std::map<std::string, std::string> dump() const {
    std::map<std::string, std::string> out;
    for (const auto& [p, e] : nodes_) out[p] = e.value + " " + e.perms.to_wire();
    return out;
  }

 private:
  struct Entry {
    std::string value;
    Permissions perms;
    std::uint64_t created;
  };

  std::size_t child_bytes(const std::string& path) const {
    std::size_t n = 0;
    for (const std::string& name : children(path)) n += name.size() + 1;
    return n;
  }

  // The errno a lookup with this access gives, or none.
  std::optional<int> check(const Caller& c, const std::string& path, std::uint8_t wanted) const {
    auto it = nodes_.find(path);
    if (it != nodes_.end()) {
      if (!allows(c, it->second.perms, wanted)) return EACCES;
      return std::nullopt;
    }
    if (c.privileged) return ENOENT;
    std::string p = path;
    do {
      p = std::string(parent_path(p));
    } while (!nodes_.count(p));
    return (access_for(c, nodes_.at(p).perms) & wanted) ? ENOENT : EACCES;
  }

  Reply create(const Caller& c, const std::string& path, const std::string& value) {
    std::vector<std::string> missing{path};
    std::string p(parent_path(path));
    while (!nodes_.count(p)) {
      missing.push_back(p);
      p = std::string(parent_path(p));
    }
    const Entry& parent = nodes_.at(p);
    Permissions perms = c.privileged ? parent.perms : parent.perms.with_owner(c.domain);
    if (!c.privileged) {
      std::int64_t owned = 0;
      for (const auto& [q, e] : nodes_) owned += e.perms.owner() == c.domain;
      if (owned + static_cast<std::int64_t>(missing.size()) > static_cast<std::int64_t>(quotas_.nodes_per_domain))
        return error_reply(ENOSPC);
      if (charged_node_size(parent.perms.size(), parent.value.size(),
                            child_bytes(p) + base_name(missing.back()).size() + 1) >= quotas_.node_size ||
          charged_node_size(perms.size(), value.size(), 0) >= quotas_.node_size)
        return error_reply(ENOSPC);
    }
    for (auto it = missing.rbegin(); it != missing.rend(); ++it)
      nodes_[*it] = Entry{*it == path ? value : "", perms, next_++};
    return "OK";
  }

  Quotas quotas_;
  std::map<std::string, Entry> nodes_;
  std::uint64_t next_ = 0;

 public:
  Quotas& quotas() { return quotas_; }
};

Reply run(Store& store, const Op& op, Transaction* tx) {
  auto status = [](const Result<void>& r) { return r ? Reply("OK") : error_reply(r.error().code); };
  switch (op.kind) {
    case OpKind::kRead: {
      auto r = store.read(op.caller, op.path, tx);
      return r ? *r : error_reply(r.error().code);
    }
    case OpKind::kDirectory: {
      auto r = store.directory(op.caller, op.path, tx);
      if (!r) return error_reply(r.error().code);
      std::string joined;
      for (const auto& n : *r) joined += n + "|";
      return joined;
    }
    case OpKind::kGetPerms: {
      auto r = store.get_perms(op.caller, op.path, tx);
      return r ? r->to_wire() : error_reply(r.error().code);
    }
    case OpKind::kWrite: return status(store.write(op.caller, op.path, op.value, tx));
    case OpKind::kMkdir: return status(store.mkdir(op.caller, op.path, tx));
    case OpKind::kRm: return status(store.rm(op.caller, op.path, tx));
    case OpKind::kSetPerms:
      return status(store.set_perms(op.caller, op.path, *Permissions::parse(op.value, op.perm_count), tx));
  }
  return "?";
}

void dump(const NodePtr& node, const std::string& path, std::map<std::string, std::string>* out,
          std::map<std::string, std::vector<std::string>>* listings) {
  (*out)[path] = std::string(node->value()) + " " + node->perms().to_wire();
  for (const NodePtr& child : node->children().in_creation_order()) {
    (*listings)[path].emplace_back(child->name());
    dump(child, join_path(path, child->name()), out, listings);
  }
}

class Generator {
 public:
  explicit Generator(std::uint64_t seed) : rng_(seed) {}
  std::uint64_t pick(std::uint64_t n) { return rng_() % n; }
  std::string path() {
    static const char* kHomes[] = {"/local/domain/1", "/local/domain/2", "/shared", "/local/domain"};
    static const char* kNames[] = {"a", "b", "c"};
    std::string p = kHomes[pick(4)];
    const auto depth = pick(3);
    for (std::uint64_t i = 0; i < depth; ++i) p += std::string("/") + kNames[pick(3)];
    return p;
  }
  Op op(const Caller& caller) {
    const auto r = pick(100);
    Op op{OpKind::kRead, caller, path(), "", 0};
    if (r < 20) op.kind = OpKind::kRead;
    else if (r < 30) op.kind = OpKind::kDirectory;
    else if (r < 38) op.kind = OpKind::kGetPerms;
    else if (r < 70) { op.kind = OpKind::kWrite; op.value = "v" + std::to_string(n_++); }
    else if (r < 78) op.kind = OpKind::kMkdir;
    else if (r < 88) op.kind = OpKind::kRm;
    else {
      op.kind = OpKind::kSetPerms;
      static const char kAccess[] = "nrwb";
      const DomainId owner = pick(4) == 0 ? static_cast<DomainId>(pick(3)) : caller.domain;
      op.perm_count = 1 + pick(3);
      op.value = kAccess[pick(4)] + std::to_string(owner) + '\0';
      for (std::size_t i = 1; i < op.perm_count; ++i) op.value += kAccess[pick(4)] + std::to_string(pick(3)) + '\0';
    }
    return op;
  }

 private:
  std::mt19937_64 rng_;
  std::uint64_t n_ = 0;
};

// Runs `total` random steps from `seed` against the store and the model.
void check_serializable(std::uint64_t seed, std::uint64_t total) {
  std::printf("guest model test seed=%llu ops=%llu\n", static_cast<unsigned long long>(seed),
              static_cast<unsigned long long>(total));

  Generator gen(seed);
  Store store;
  Model model;
  // Small quotas so that they are hit too.
  store.quotas().nodes_per_domain = model.quotas().nodes_per_domain = 12;
  store.quotas().node_size = model.quotas().node_size = 60;
  store.quotas().transaction_nodes = model.quotas().transaction_nodes = 1000000;
  const Caller dom0 = Caller::dom0();
  auto setup = [&](const std::string& path, const std::string& perms, std::size_t n) {
    Op w{OpKind::kMkdir, dom0, path, "", 0};
    ASSERT_EQ(run(store, w, nullptr), model.apply(w));
    Op s{OpKind::kSetPerms, dom0, path, perms, n};
    ASSERT_EQ(run(store, s, nullptr), model.apply(s));
  };
  setup("/local/domain/1", "n1\0r2\0"s, 2);
  setup("/local/domain/2", "n2\0"s, 1);
  setup("/shared", "r0\0b1\0w2\0"s, 3);

  struct Open {
    std::unique_ptr<Transaction> tx;
    Model at_start;
    std::vector<Op> ops;
    std::vector<Reply> replies;
  };
  const Caller callers[] = {dom0, Caller::guest(1), Caller::guest(2), Caller::guest(1), Caller::guest(2)};
  std::vector<std::optional<Open>> open(std::size(callers));
  std::uint64_t commits = 0, conflicts = 0, quota_failures = 0;
  for (std::uint64_t step = 0; step < total; ++step) {
    const std::size_t who = gen.pick(std::size(callers));
    auto& slot = open[who];
    if (!slot) {
      if (gen.pick(100) < 30) {
        slot.emplace(Open{store.begin_transaction(), model, {}, {}});
        continue;
      }
      const Op op = gen.op(callers[who]);
      ASSERT_EQ(run(store, op, nullptr), model.apply(op)) << "live op " << op.path << " step " << step;
      continue;
    }
    Open& t = *slot;
    if (gen.pick(100) >= 15 || t.ops.empty()) {
      const Op op = gen.op(callers[who]);
      const NodePtr before = t.tx->snapshot();
      t.replies.push_back(run(store, op, t.tx.get()));
      t.ops.push_back(op);
      // The store moved the snapshot forward (every earlier reply holds
      // now too): a read-only transaction serialises from here.
      if (t.tx->snapshot() != before) t.at_start = model;
      continue;
    }
    auto committed = store.commit(*t.tx);
    if (committed) {
      ++commits;
      Model& reference = t.tx->needs_validation() ? model : t.at_start;
      if (std::getenv("CXS_MODEL_DEBUG")) {
        Model copy = reference;
        for (std::size_t i = 0; i < t.ops.size(); ++i) {
          std::string v = t.ops[i].value;
          for (char& ch : v) if (ch == '\0') ch = ',';
          std::printf("  op%zu by %u kind %d %s '%s' got '%s' model '%s'\n", i, t.ops[i].caller.domain,
                      static_cast<int>(t.ops[i].kind), t.ops[i].path.c_str(), v.c_str(),
                      t.replies[i].c_str(), copy.apply(t.ops[i]).c_str());
        }
        for (const auto& r : t.tx->reads()) std::printf("  read %s %d %llu\n", r.path.c_str(), static_cast<int>(r.aspect), static_cast<unsigned long long>(r.stamp));
      }
      for (std::size_t i = 0; i < t.ops.size(); ++i)
        ASSERT_EQ(reference.apply(t.ops[i]), t.replies[i]) << "tx op " << i << " " << t.ops[i].path << " step " << step;
    } else if (committed.error().code == EAGAIN) {
      ++conflicts;
    } else {
      // The replay hit a quota that others' nodes now fill: nothing applied.
      ASSERT_EQ(committed.error().code, ENOSPC);
      ++quota_failures;
    }
    slot.reset();
    std::map<std::string, std::string> got;
    std::map<std::string, std::vector<std::string>> listings;
    dump(store.root(), "/", &got, &listings);
    ASSERT_EQ(got, model.dump()) << "step " << step;
    // Recount nodes and bytes (record + path, as the memory quota charges
    // them) from the tree; live and replayed commits must both agree.
    std::map<DomainId, std::int64_t> owned;
    std::map<DomainId, std::int64_t> owned_bytes;
    std::function<void(const NodePtr&, const std::string&)> count = [&](const NodePtr& n, const std::string& path) {
      ++owned[n->perms().owner()];
      owned_bytes[n->perms().owner()] += static_cast<std::int64_t>(
          charged_node_memory(path.size(), n->perms().size(), n->value().size(), n->children().name_bytes()));
      n->children().for_each([&](const NodePtr& c) {
        count(c, (path == "/" ? path : path + "/") + std::string(c->name()));
      });
    };
    count(store.root(), "/");
    for (const auto& [domain, n] : owned) ASSERT_EQ(store.usage().nodes(domain), n) << "usage of " << domain << " step " << step;
    for (const auto& [domain, n] : store.usage().all()) ASSERT_EQ(owned[domain], n) << "usage of " << domain << " step " << step;
    for (const auto& [domain, n] : owned_bytes) ASSERT_EQ(store.usage().bytes(domain), n) << "bytes of " << domain << " step " << step;
    for (const auto& [domain, n] : store.usage().all_bytes()) ASSERT_EQ(owned_bytes[domain], n) << "bytes of " << domain << " step " << step;
    for (const auto& [path, names] : listings) ASSERT_EQ(names, model.children(path)) << path;
  }
  std::printf("commits=%llu conflicts=%llu quota_failures=%llu grafted=%llu merged=%llu\n",
              static_cast<unsigned long long>(commits), static_cast<unsigned long long>(conflicts),
              static_cast<unsigned long long>(quota_failures),
              static_cast<unsigned long long>(store.commit_stats().grafted),
              static_cast<unsigned long long>(store.commit_stats().merged));
  EXPECT_GT(store.commit_stats().merged, 100u);
}

TEST(GuestTransactionModel, RandomGuestAndDom0InterleavingsAreSerializable) {
  const char* seed_env = std::getenv("CXS_MODEL_SEED");
  const char* ops_env = std::getenv("CXS_MODEL_OPS");
  check_serializable(seed_env ? std::strtoull(seed_env, nullptr, 0) : std::random_device{}(),
                     ops_env ? std::strtoull(ops_env, nullptr, 0) : 100000);
}

// Seeds that once found a bug (each has a unit test in transaction_test.cc
// too): a node removed and made again in a transaction, a quota refusal
// after the transaction's own removal, and a node made before the
// transaction set its parent's permissions.
TEST(GuestTransactionModel, SeedsThatFoundBugs) {
  for (std::uint64_t seed : {2461185794ull, 1988266688ull, 2330070458ull}) {
    SCOPED_TRACE(seed);
    check_serializable(seed, 100000);
    if (HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace cxxenstored::store
