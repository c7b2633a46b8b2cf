#include "cxxenstored/protocol/builtin_controls.h"

#include <cerrno>
#include <cstdio>
#include <map>
#include <string>

#include "cxxenstored/protocol/args.h"
#include "cxxenstored/protocol/engine.h"

namespace cxxenstored::protocol {

namespace {

std::optional<std::size_t> strict_number(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  std::size_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::size_t>(c - '0');
  }
  return value;
}

struct QuotaEntry {
  const char* name;
  const char* description;
  std::size_t* value;
};

// The C daemon's "quota" table, in its order.
std::vector<QuotaEntry> hard_quotas(store::Quotas& q, Limits& l) {
  return {
      {"nodes", "Nodes per domain", &q.nodes_per_domain},
      {"watches", "Watches per domain", &l.watches_per_domain},
      {"transactions", "Transactions per domain", &l.transactions_per_domain},
      {"outstanding", "Outstanding requests per domain", &l.outstanding_requests},
      {"transaction-nodes", "Max. number of accessed nodes per transaction", &q.transaction_nodes},
      {"memory", "Total Xenstore memory per domain (error level)", &q.memory_per_domain},
      {"node-size", "Max. size of a node", &q.node_size},
      {"path-max", "Max. length of a node path", &q.path_length},
      {"permissions", "Max. number of permissions per node", &q.perms_per_node},
  };
}

std::vector<QuotaEntry> soft_quotas(Limits& l) {
  return {{"memory", "Total Xenstore memory per domain (warning level)", &l.memory_soft}};
}

std::string format_settings(const std::vector<QuotaEntry>& table) {
  std::string out = "Quota settings:\n";
  char line[160];
  for (const QuotaEntry& e : table) {
    std::snprintf(line, sizeof line, "%-17s: %8zu %s\n", e.name, *e.value, e.description);
    out += line;
  }
  return out;
}

Result<std::string> set_quota(const std::vector<QuotaEntry>& table, const ControlRequest& req) {
  // "set <name> <value>"
  if (req.args.size() != 3 || req.args[0] != "set") return Error{EINVAL};
  auto value = strict_number(req.args[2]);
  if (!value) return Error{EINVAL};
  for (const QuotaEntry& e : table) {
    if (req.args[1] == e.name) {
      *e.value = *value;
      return std::string("OK");
    }
  }
  return Error{EINVAL};
}

// Recounts what each domain owns: nodes, and bytes as the memory quota
// charges them (record + path length).
void count_nodes(const store::Node& node, std::size_t path_length,
                 std::map<store::DomainId, std::int64_t>& counts,
                 std::map<store::DomainId, std::int64_t>& bytes) {
  ++counts[node.perms().owner()];
  bytes[node.perms().owner()] += static_cast<std::int64_t>(store::node_memory(node, path_length));
  node.children().for_each([&](const store::NodePtr& child) {
    count_nodes(*child, store::child_path_length(path_length, child->name().size()), counts, bytes);
  });
}

}  // namespace

std::vector<std::string> check_store(const store::Store& store) {
  std::map<store::DomainId, std::int64_t> counted;
  std::map<store::DomainId, std::int64_t> bytes;
  if (store.root()) count_nodes(*store.root(), 1, counted, bytes);
  std::vector<std::string> problems;
  for (const auto& [domain, n] : bytes) {
    if (store.usage().bytes(domain) != n)
      problems.push_back("domain " + std::to_string(domain) + " owns " + std::to_string(n) +
                         " bytes, accounted " + std::to_string(store.usage().bytes(domain)));
  }
  for (const auto& [domain, n] : store.usage().all_bytes()) {
    if (n != 0 && bytes.find(domain) == bytes.end())
      problems.push_back("domain " + std::to_string(domain) + " owns no bytes, accounted " +
                         std::to_string(n));
  }
  for (const auto& [domain, n] : counted) {
    if (store.usage().nodes(domain) != n)
      problems.push_back("domain " + std::to_string(domain) + " owns " + std::to_string(n) +
                         " nodes, accounted " + std::to_string(store.usage().nodes(domain)));
  }
  for (const auto& [domain, n] : store.usage().all()) {
    if (n != 0 && counted.find(domain) == counted.end())
      problems.push_back("domain " + std::to_string(domain) + " owns no node, accounted " +
                         std::to_string(n));
  }
  return problems;
}

void register_builtin_controls(ControlRegistry& registry, ControlEnvironment env) {
  auto shared = std::make_shared<ControlEnvironment>(std::move(env));

  registry.add("check", "", [shared](const ControlRequest& req) -> Result<std::string> {
    if (!req.args.empty()) return Error{EINVAL};
    for (const std::string& problem : check_store(shared->store)) shared->log("check: " + problem);
    return std::string("OK");
  });

  registry.add("log", "on|off", [shared](const ControlRequest& req) -> Result<std::string> {
    if (req.args.size() != 1) return Error{EINVAL};
    if (req.args[0] != "on" && req.args[0] != "off") return Error{EINVAL};
    CXS_TRY(shared->set_trace(req.args[0] == "on"));
    return std::string("OK");
  });

  registry.add("logfile", "<file>", [shared](const ControlRequest& req) -> Result<std::string> {
    if (req.args.size() != 1) return Error{EINVAL};
    CXS_TRY(shared->set_trace_file(req.args[0]));
    return std::string("OK");
  });

  registry.add("print", "<string>", [shared](const ControlRequest& req) -> Result<std::string> {
    if (req.args.size() != 1) return Error{EINVAL};
    shared->log("control: " + std::string(req.args[0]));
    return std::string("OK");
  });

  registry.add("quota", "[set <name> <val>|<domid>]",
               [shared](const ControlRequest& req) -> Result<std::string> {
                 auto table = hard_quotas(shared->store.quotas(), shared->limits);
                 if (req.args.empty()) return format_settings(table);
                 if (req.args[0] == "set") return set_quota(table, req);
                 auto domain = static_cast<store::DomainId>(static_cast<unsigned>(c_atoi(req.args[0])));
                 if (!shared->engine.domains().is_introduced(domain)) return Error{ENOENT};
                 const std::size_t outstanding = shared->outstanding_of ? shared->outstanding_of(domain) : 0;
                 char text[256];
                 std::snprintf(text, sizeof text,
                               "Domain %u:\n%-16s: %8lld\n%-16s: %8zu\n%-16s: %8zu\n%-16s: %8zu\n"
                               "%-16s: %8lld\n",
                               domain, "nodes",
                               static_cast<long long>(shared->store.usage().nodes(domain)),
                               "watches", shared->engine.watches_of_domain(domain), "transactions",
                               shared->engine.transactions_of_domain(domain), "outstanding", outstanding,
                               "memory", static_cast<long long>(shared->store.usage().memory(domain)));
                 return std::string(text);
               });

  registry.add("quota-soft", "[set <name> <val>]",
               [shared](const ControlRequest& req) -> Result<std::string> {
                 auto table = soft_quotas(shared->limits);
                 if (req.args.empty()) return format_settings(table);
                 return set_quota(table, req);
               });
}

}  // namespace cxxenstored::protocol
