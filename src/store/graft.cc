#include "cxxenstored/store/graft.h"

#include <algorithm>
#include <utility>

#include "cxxenstored/store/descent.h"
#include "cxxenstored/store/editor.h"
#include "cxxenstored/store/path.h"

namespace cxxenstored::store {
namespace {

struct GraftPoint {
  std::string_view path;  // a prefix of an updated path
  const Node* mine;
  const Node* shared;  // the node live and base both have there
};

// Walks path down the three trees; the graft point, or nullopt when there is none.
std::optional<GraftPoint> find_graft_point(const Node* base, const Node* live, const Node* mine,
                                           std::string_view path) {
  PathComponents components(path);
  std::string_view reached = path.substr(0, 1);
  std::string_view name;
  for (;;) {
    if (!base || !live || !mine) return std::nullopt;
    if (live == base) return GraftPoint{reached, mine, live};
    if (mine->stamps() != base->stamps() || !components.next(&name)) return std::nullopt;
    base = base->children().find_ptr(name);
    live = live->children().find_ptr(name);
    mine = mine->children().find_ptr(name);
    reached = path.substr(0, static_cast<std::size_t>(name.data() + name.size() - path.data()));
  }
}

// root with the node at path replaced by replacement, copying the nodes
// above it; nullopt if there is no node at path (never, for a graft point:
// the grafts before it changed only subtrees beside it).
std::optional<NodePtr> put_at(const NodePtr& root, std::string_view path, NodePtr replacement) {
  const Descent walk(root.get(), path);
  if (!walk.found()) return std::nullopt;
  NodePtr node = std::move(replacement);
  for (std::size_t depth = walk.size() - 1; depth > 0; --depth) {
    // The child exists, so its name's stamp argument is never used.
    node = walk[depth - 1]->with_child(std::move(node), 0);
  }
  return node;
}

}  // namespace

std::optional<NodePtr> graft(const NodePtr& base, const NodePtr& live, const NodePtr& mine,
                             const std::vector<std::string_view>& updated) {
  if (live == base) return mine;
  std::vector<GraftPoint> points;
  for (std::string_view path : updated) {
    // A walk stops at the first shared node, so a path at or below a point
    // already found would stop there too (points are never nested), and
    // updates of one transaction mostly share their subtree.
    if (std::any_of(points.begin(), points.end(), [&](const GraftPoint& p) { return is_within(path, p.path); }))
      continue;
    const std::optional<GraftPoint> point = find_graft_point(base.get(), live.get(), mine.get(), path);
    if (!point) return std::nullopt;
    points.push_back(*point);
  }
  NodePtr result = live;
  for (const GraftPoint& point : points) {
    if (point.mine == point.shared) continue;  // mine changed nothing there after all
    std::optional<NodePtr> put = put_at(result, point.path, NodePtr(point.mine));
    if (!put) return std::nullopt;
    result = std::move(*put);
  }
  return result;
}

}  // namespace cxxenstored::store
