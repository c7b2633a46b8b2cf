#include "cxxenstored/liveupdate/tree_image.h"

#include <cerrno>
#include <map>
#include <string>
#include <utility>

namespace cxxenstored::liveupdate {
namespace {

constexpr Error kInvalid{EINVAL};

void capture_subtree(const store::Node& node, const std::string& path,
                     std::vector<NodeRecord>& out) {
  NodeRecord record;
  record.path = path;
  record.value = std::string(node.value());
  record.perms = node.perms().entries();
  out.push_back(std::move(record));
  for (const auto& child : node.children().in_creation_order()) {
    std::string child_path = (path == "/" ? "/" : path + "/").append(child->name());
    capture_subtree(*child, child_path, out);
  }
}

// One node while the tree is rebuilt: children by index, in record order.
struct PendingNode {
  std::string name;
  const NodeRecord* record;
  std::vector<std::size_t> children;
};

store::NodePtr build(const std::vector<PendingNode>& nodes, std::size_t index,
                     std::uint64_t& stamp) {
  const PendingNode& pending = nodes[index];
  store::ChildMap children;
  for (std::size_t child : pending.children) children = children.with(build(nodes, child, stamp));
  const std::uint64_t s = ++stamp;
  store::Stamps stamps;
  stamps.value = s;
  stamps.perms = s;
  stamps.children = s;
  return store::make_node(pending.name, pending.record->value,
                          store::Permissions(pending.record->perms), std::move(children), stamps);
}

bool is_special(const std::string& path) { return !path.empty() && path[0] == '@'; }

}  // namespace

std::vector<NodeRecord> capture_nodes(store::Store& store) {
  std::vector<NodeRecord> out;
  for (const char* name : kSpecialNodes) {
    auto perms = store.get_perms(store::Caller::dom0(), name);
    if (!perms) continue;  // a store without that name has nothing to carry
    NodeRecord record;
    record.path = name;
    record.perms = perms->entries();
    out.push_back(std::move(record));
  }
  capture_subtree(*store.root(), "/", out);
  return out;
}

Result<void> restore_nodes(store::Store& store, const std::vector<NodeRecord>& records) {
  std::vector<PendingNode> nodes;
  std::map<std::string, std::size_t, std::less<>> index_of;
  std::vector<std::pair<std::string, store::Permissions>> specials;

  for (const auto& record : records) {
    if (record.conn_id != 0) continue;  // a pending transaction's view
    if (record.perms.empty()) return kInvalid;
    if (is_special(record.path)) {
      specials.emplace_back(record.path, store::Permissions(record.perms));
      continue;
    }
    const std::string& path = record.path;
    if (path.empty() || path[0] != '/' || (path.size() > 1 && path.back() == '/') ||
        path.find("//") != std::string::npos || index_of.count(path))
      return kInvalid;
    if (path == "/") {
      index_of.emplace(path, nodes.size());
      nodes.push_back(PendingNode{"", &record, {}});
      continue;
    }
    auto slash = path.rfind('/');
    std::string parent = slash == 0 ? "/" : path.substr(0, slash);
    auto parent_it = index_of.find(parent);
    if (parent_it == index_of.end()) return kInvalid;
    std::size_t index = nodes.size();
    nodes.push_back(PendingNode{path.substr(slash + 1), &record, {}});
    nodes[parent_it->second].children.push_back(index);
    index_of.emplace(path, index);
  }
  auto root = index_of.find("/");
  if (root == index_of.end()) return kInvalid;

  // Fresh stamps, above every stamp the store handed out before, so a
  // transaction that somehow survived cannot mistake new content for old.
  std::uint64_t stamp = store.stamps().last();
  store::NodePtr tree = build(nodes, root->second, stamp);
  store.reset(std::move(tree), stamp);
  for (const auto& [name, perms] : specials) {
    // dom0 may always set them; a name this store does not know is skipped
    // (a newer stream may carry more).
    (void)store.set_perms(store::Caller::dom0(), name, perms);
  }
  return {};
}

}  // namespace cxxenstored::liveupdate
