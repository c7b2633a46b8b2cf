// Randomized check of transactions against a serial reference model.
//
// Several simulated connections interleave live operations and transactions
// at random on a small tree (so they collide often). The reference model is
// a plain map from path to value plus creation order, updated serially:
//  * every committed transaction, replayed on the model at its commit point,
//    must give exactly the replies the transaction got (serializability, no
//    lost or invented update); read-only ones must match the model as of
//    their start, or of the later point the store moved their snapshot to
//    (Store::advance);
//  * after every step the store's tree equals the model;
//  * an EAGAIN is "spurious" when no transaction committed after this one
//    started changed anything this one's replies depended on. The count of
//    spurious EAGAINs must be zero.
// CXS_MODEL_SEED and CXS_MODEL_OPS override the seed and operation count.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cxxenstored/store/store.h"

namespace cxxenstored::store {
namespace {

const Caller kDom0 = Caller::dom0();

enum class OpKind { kRead, kDirectory, kWrite, kMkdir, kRm };

struct Op {
  OpKind kind;
  std::string path;
  std::string value;
};

// What a client saw: a value, a listing joined with '|', "OK", or an error.
using Reply = std::string;

std::string error_reply(int code) { return "E" + std::to_string(code); }

// The serial reference: nothing persistent, nothing clever.
class Model {
 public:
  Model() {
    create("/", "");
    create("/tool", "");
    create("/tool/xenstored", "");
  }

  // Applies op; the items its reply depended on go to *reads (when given),
  // the items it changed are stamped with version.
  Reply apply(const Op& op, std::uint64_t version, std::vector<std::string>* reads) {
    auto note = [&](std::string item) { if (reads) reads->push_back(std::move(item)); };
    switch (op.kind) {
      case OpKind::kRead:
        if (!exists(op.path)) { note("e" + op.path); return error_reply(ENOENT); }
        note("v" + op.path);
        return nodes_.at(op.path).value;
      case OpKind::kDirectory: {
        if (!exists(op.path)) { note("e" + op.path); return error_reply(ENOENT); }
        note("c" + op.path);
        std::string joined;
        for (const std::string& child : children(op.path)) joined += child + "|";
        return joined;
      }
      case OpKind::kWrite:
      case OpKind::kMkdir:
        if (exists(op.path)) {
          if (op.kind == OpKind::kWrite) {
            nodes_[op.path].value = op.value;
            modified_["v" + op.path] = version;
          }
          return "OK";
        }
        create_with_parents(op.path, op.kind == OpKind::kWrite ? op.value : "", version);
        return "OK";
      case OpKind::kRm: {
        const std::string parent(parent_path(op.path));
        note("e" + parent);
        if (!exists(op.path)) return exists(parent) ? "OK" : error_reply(ENOENT);
        remove(op.path, version);
        return "OK";
      }
    }
    return "?";
  }

  bool exists(const std::string& path) const { return nodes_.count(path) != 0; }
  std::uint64_t modified(const std::string& item) const {
    auto it = modified_.find(item);
    return it == modified_.end() ? 0 : it->second;
  }
  std::vector<std::string> children(const std::string& path) const {
    std::vector<std::pair<std::uint64_t, std::string>> found;
    for (const auto& [p, node] : nodes_) {
      if (p != "/" && parent_path(p) == path) found.emplace_back(node.created, std::string(base_name(p)));
    }
    std::sort(found.begin(), found.end());
    std::vector<std::string> names;
    for (auto& [order, name] : found) names.push_back(name);
    return names;
  }
  const std::map<std::string, std::string> values() const {
    std::map<std::string, std::string> out;
    for (const auto& [p, node] : nodes_) out[p] = node.value;
    return out;
  }

 private:
  struct Entry {
    std::string value;
    std::uint64_t created;
  };
  void create(const std::string& path, const std::string& value) {
    nodes_[path] = Entry{value, next_created_++};
  }
  void create_with_parents(const std::string& path, const std::string& value, std::uint64_t version) {
    const std::string parent(parent_path(path));
    if (!exists(parent)) create_with_parents(parent, "", version);
    create(path, value);
    for (const char* kind : {"e", "v", "c"}) modified_[kind + path] = version;
    modified_["c" + parent] = version;
  }
  void remove(const std::string& path, std::uint64_t version) {
    for (auto it = nodes_.lower_bound(path); it != nodes_.end() && is_within(it->first, path);) {
      for (const char* kind : {"e", "v", "c"}) modified_[kind + it->first] = version;
      it = nodes_.erase(it);
    }
    modified_["c" + std::string(parent_path(path))] = version;
  }

  std::map<std::string, Entry> nodes_;
  std::map<std::string, std::uint64_t> modified_;
  std::uint64_t next_created_ = 0;
};

Reply run_on_store(Store& store, const Op& op, Transaction* tx) {
  auto status = [](const Result<void>& r) { return r ? Reply("OK") : error_reply(r.error().code); };
  switch (op.kind) {
    case OpKind::kRead: {
      auto r = store.read(kDom0, op.path, tx);
      return r ? *r : error_reply(r.error().code);
    }
    case OpKind::kDirectory: {
      auto r = store.directory(kDom0, op.path, tx);
      if (!r) return error_reply(r.error().code);
      std::string joined;
      for (const std::string& name : *r) joined += name + "|";
      return joined;
    }
    case OpKind::kWrite: return status(store.write(kDom0, op.path, op.value, tx));
    case OpKind::kMkdir: return status(store.mkdir(kDom0, op.path, tx));
    case OpKind::kRm: return status(store.rm(kDom0, op.path, tx));
  }
  return "?";
}

// Everything the store holds below "/", as path -> value, plus listings.
void collect(const NodePtr& node, const std::string& path, std::map<std::string, std::string>* values,
             std::map<std::string, std::vector<std::string>>* listings) {
  (*values)[path] = node->value();
  auto& names = (*listings)[path];
  for (const NodePtr& child : node->children().in_creation_order()) {
    names.emplace_back(child->name());
    collect(child, join_path(path, child->name()), values, listings);
  }
}

struct OpenTransaction;
bool depends_on_change(const OpenTransaction& t, const Model& live);

struct OpenTransaction {
  std::unique_ptr<Transaction> tx;
  Model start_model;          // the model when it started (for read-only checks)
  std::uint64_t start_version;
  std::vector<Op> ops;
  std::vector<Reply> replies;
};

// Replays t on its start state, tracking its own removals, creations and
// value writes, and checks every item its replies depended on against the
// versions in the live model.
bool depends_on_change(const OpenTransaction& t, const Model& live) {
  Model replay = t.start_model;
  std::set<std::string> removed, created, valued;
  auto own_ancestor = [&](const std::string& path) -> std::pair<std::string, bool> {
    for (std::string p = path;; p = std::string(parent_path(p))) {
      if (removed.count(p)) return {p, true};
      if (created.count(p)) return {p, false};
      if (p == "/") return {"", false};
    }
  };
  for (const Op& op : t.ops) {
    std::vector<std::string> reads;
    // Creation tops must be known before applying: the highest missing node.
    std::string top;
    if ((op.kind == OpKind::kWrite || op.kind == OpKind::kMkdir) && !replay.exists(op.path)) {
      top = op.path;
      while (!replay.exists(std::string(parent_path(top)))) top = std::string(parent_path(top));
    }
    const bool existed = replay.exists(op.path);
    replay.apply(op, 0, &reads);
    for (const std::string& item : reads) {
      const char kind = item[0];
      const std::string path = item.substr(1);
      if (kind == 'v' && valued.count(path)) continue;
      auto [own, by_removal] = own_ancestor(path);
      std::string depends = item;
      if (!own.empty()) {
        if (by_removal || (own == path && kind == 'e')) continue;
        depends = "e" + own;
      }
      if (live.modified(depends) > t.start_version) return true;
    }
    if (!top.empty()) {
      auto [own, by_removal] = own_ancestor(top);
      (by_removal ? removed : created).insert(top);
    }
    if (op.kind == OpKind::kWrite) valued.insert(op.path);
    if (op.kind == OpKind::kRm && existed) removed.insert(op.path);
  }
  return false;
}

class Generator {
 public:
  explicit Generator(std::uint64_t seed) : rng_(seed) {}
  std::uint64_t pick(std::uint64_t n) { return rng_() % n; }
  std::string path() {
    static const char* kNames[] = {"a", "b", "c", "d"};
    std::string p = "/t";
    const auto depth = 1 + pick(3);
    for (std::uint64_t i = 0; i < depth; ++i) p += std::string("/") + kNames[pick(4)];
    return pick(10) == 0 ? "/t" : p;
  }
  Op op() {
    const auto r = pick(100);
    if (r < 30) return Op{OpKind::kRead, path(), ""};
    if (r < 45) return Op{OpKind::kDirectory, path(), ""};
    if (r < 80) return Op{OpKind::kWrite, path(), "v" + std::to_string(next_value_++)};
    if (r < 88) return Op{OpKind::kMkdir, path(), ""};
    return Op{OpKind::kRm, path(), ""};
  }

 private:
  std::mt19937_64 rng_;
  std::uint64_t next_value_ = 0;  // every written value is unique
};

TEST(TransactionModel, RandomInterleavingsAreSerializableWithoutSpuriousConflicts) {
  const char* seed_env = std::getenv("CXS_MODEL_SEED");
  const char* ops_env = std::getenv("CXS_MODEL_OPS");
  const std::uint64_t seed = seed_env ? std::strtoull(seed_env, nullptr, 0) : std::random_device{}();
  const std::uint64_t total_ops = ops_env ? std::strtoull(ops_env, nullptr, 0) : 120000;
  std::printf("model test seed=%llu ops=%llu (rerun with CXS_MODEL_SEED=%llu)\n",
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(total_ops),
              static_cast<unsigned long long>(seed));

  Generator gen(seed);
  Store store;
  Model model;
  std::uint64_t version = 0;  // bumped by every committed change
  constexpr int kConnections = 6;
  std::vector<std::optional<OpenTransaction>> open(kConnections);
  std::uint64_t commits = 0, conflicts = 0, spurious = 0, aborts = 0, live_ops = 0;

  for (std::uint64_t step = 0; step < total_ops; ++step) {
    auto& slot = open[gen.pick(kConnections)];
    if (!slot) {
      if (gen.pick(100) < 35) {
        slot.emplace(OpenTransaction{store.begin_transaction(), model, version, {}, {}});
        continue;
      }
      const Op op = gen.op();
      const Reply got = run_on_store(store, op, nullptr);
      const Reply expected = model.apply(op, version + 1, nullptr);
      ASSERT_EQ(got, expected) << "live op on " << op.path << " at step " << step;
      if (op.kind != OpKind::kRead && op.kind != OpKind::kDirectory) ++version;
      ++live_ops;
      continue;
    }
    OpenTransaction& t = *slot;
    const auto r = gen.pick(100);
    if (r < 3) {  // abort: nothing happens
      ++aborts;
      slot.reset();
      continue;
    }
    if (r >= 15 || t.ops.empty()) {
      const Op op = gen.op();
      const NodePtr before = t.tx->snapshot();
      t.replies.push_back(run_on_store(store, op, t.tx.get()));
      t.ops.push_back(op);
      if (t.tx->snapshot() != before) {
        // The store moved the snapshot forward (every earlier reply holds
        // now too): the transaction serialises from here, and only what
        // changes from now on can make it conflict.
        t.start_model = model;
        t.start_version = version;
      }
      continue;
    }
    auto committed = store.commit(*t.tx);
    const bool wrote = t.tx->wrote_anything();
    if (committed) {
      ++commits;
      if (!wrote) {
        // Read-only: serialises at its (last) snapshot.
        Model at_start = t.start_model;
        for (std::size_t i = 0; i < t.ops.size(); ++i)
          ASSERT_EQ(at_start.apply(t.ops[i], 0, nullptr), t.replies[i]) << "read-only tx op " << i;
      } else {
        ++version;
        for (std::size_t i = 0; i < t.ops.size(); ++i)
          ASSERT_EQ(model.apply(t.ops[i], version, nullptr), t.replies[i])
              << "committed tx op " << i << " (" << t.ops[i].path << ") at step " << step;
      }
    } else {
      ASSERT_EQ(committed.error().code, EAGAIN);
      ++conflicts;
      // Real conflict: an item the replies depended on changed after the
      // transaction started. What the replies depended on is worked out
      // on the model, serially: items the transaction had itself written
      // before reading them are its own, except that content below a node
      // it created (rather than one it removed) depends on that node
      // having been absent, and a listing depends on the others' children.
      bool real = t.start_version < version && depends_on_change(t, model);
      if (!real) {
        ++spurious;
        if (std::getenv("CXS_MODEL_DEBUG") && spurious <= 2) {
          for (std::size_t i = 0; i < t.ops.size(); ++i)
            std::printf("  op %d %s '%s' -> '%s'\n", static_cast<int>(t.ops[i].kind), t.ops[i].path.c_str(),
                        t.ops[i].value.c_str(), t.replies[i].c_str());
          for (const auto& read : t.tx->reads()) {
            NodePtr live = lookup_node(store.root(), read.path);
            std::printf("  read %s aspect %d stamp %llu live %llu\n", read.path.c_str(),
                        static_cast<int>(read.aspect), static_cast<unsigned long long>(read.stamp),
                        static_cast<unsigned long long>(aspect_stamp(live.get(), read.aspect)));
          }
        }
      }
    }
    slot.reset();

    // The live tree equals the model after every commit.
    std::map<std::string, std::string> values;
    std::map<std::string, std::vector<std::string>> listings;
    collect(store.root(), "/", &values, &listings);
    ASSERT_EQ(values, model.values()) << "step " << step;
    for (const auto& [path, names] : listings) ASSERT_EQ(names, model.children(path)) << path;
    // And the usage kept through commits of every kind equals a recount.
    Store recount;
    recount.reset(store.root(), store.stamps().last());
    ASSERT_EQ(store.usage().nodes(0), recount.usage().nodes(0)) << "step " << step;
    ASSERT_EQ(store.usage().bytes(0), recount.usage().bytes(0)) << "step " << step;
  }
  std::printf("commits=%llu conflicts(EAGAIN)=%llu spurious=%llu aborts=%llu live_ops=%llu "
              "fast=%llu grafted=%llu merged=%llu\n",
              static_cast<unsigned long long>(commits), static_cast<unsigned long long>(conflicts),
              static_cast<unsigned long long>(spurious), static_cast<unsigned long long>(aborts),
              static_cast<unsigned long long>(live_ops),
              static_cast<unsigned long long>(store.commit_stats().fast),
              static_cast<unsigned long long>(store.commit_stats().grafted),
              static_cast<unsigned long long>(store.commit_stats().merged));
  EXPECT_EQ(spurious, 0u) << "EAGAIN without a real read/write conflict";
  EXPECT_GT(store.commit_stats().grafted, 100u) << "the graft path was hardly exercised";
  EXPECT_GT(store.commit_stats().merged, 100u) << "the replay path was hardly exercised";
  EXPECT_GT(conflicts, 10u) << "the workload produced too few real conflicts to mean anything";
}

}  // namespace
}  // namespace cxxenstored::store
