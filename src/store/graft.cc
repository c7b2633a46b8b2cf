#include "cxxenstored/store/graft.h"

#include <algorithm>
#include <utility>

#include <boost/container/small_vector.hpp>

namespace cxxenstored::store {
namespace {

// Paths at or below one node.
using Paths = std::span<const std::string_view>;

// The component of path (which lies strictly below at) right below at,
// and the path down to it, both views of path. Components are short: a
// loop, not a call to memchr.
std::pair<std::string_view, std::string_view> next_step(std::string_view path, std::string_view at) {
  const std::size_t start = at.size() == 1 ? 1 : at.size() + 1;  // past "/" or "<at>/"
  std::size_t end = start;
  while (end < path.size() && path[end] != '/') ++end;
  return {path.substr(start, end - start), path.substr(0, end)};
}

// Whether node is a new node in place of old (removed and made again): a
// new node takes fresh stamps for all three aspects. A node that only had
// all three changed counts too, which costs a replay, never a wrong result.
bool made_again(const Node& node, const Node& old) {
  const Stamps now = node.stamps();
  const Stamps before = old.stamps();
  return now.value != before.value && now.perms != before.perms && now.children != before.children;
}

class Merge {
 public:
  explicit Merge(StampSource& stamps) : stamps_(stamps) {}

  // The node at path `at` for the merged tree: live's with mine's changes
  // to base put in. paths: the updated paths at or below `at`.
  std::optional<NodePtr> node(const Node* base, const NodePtr& live, const Node* mine, std::string_view at,
                              Paths paths) {
    if (!base || !live || !mine) return std::nullopt;
    if (live.get() == base) return NodePtr(mine);  // no one else changed anything here
    const Stamps before = base->stamps();
    const Stamps now = mine->stamps();
    // Both sides changed something at or below here: mine may have changed
    // nothing of the node but its child names, and those only with the
    // node's owner and permissions as they were (a new child inherits
    // them, and the owner pays for its name).
    if (now.value != before.value || now.perms != before.perms) return std::nullopt;
    const bool names_changed = now.children != before.children;
    if (names_changed && live->stamps().perms != before.perms) return std::nullopt;

    // The children updated, in the order first updated: name, path.
    boost::container::small_vector<std::pair<std::string_view, std::string_view>, 4> steps;
    // Each updated path below here, with the name of the child it goes through.
    boost::container::small_vector<std::pair<std::string_view, std::string_view>, 8> routed;
    bool updates_here = false;  // an update of this node that changed nothing of it
    for (std::string_view path : paths) {
      if (path.size() == at.size()) {
        updates_here = true;
        continue;
      }
      const auto step = next_step(path, at);
      routed.emplace_back(step.first, path);
      if (std::none_of(steps.begin(), steps.end(), [&](const auto& s) { return s.first == step.first; }))
        steps.push_back(step);
    }
    NodePtr result = live;
    std::size_t added = 0;
    std::size_t removed = 0;
    std::uint64_t names_stamp = 0;
    for (const auto& [name, child_at] : steps) {
      const Node* base_child = base->children().find_ptr(name);
      const Node* mine_child = mine->children().find_ptr(name);
      NodePtr live_child = live->children().find(name);
      if (base_child == mine_child) {
        // Updates that changed nothing here (removing what was not there,
        // making what was): on a live tree others changed here, a replay
        // may find something to do.
        if (live_child.get() != base_child) return std::nullopt;
        continue;
      }
      if (!base_child) {
        // Made by mine. The only one made here: replay appends it to
        // live's children, and mine has it after all of base's, so the
        // order agrees (with two, mine's order would have to be read).
        if (live_child || !names_changed || ++added > 1) return std::nullopt;
        result = result->with_child(NodePtr(mine_child), stamp(names_stamp));
      } else if (!mine_child) {
        if (live_child.get() != base_child || !names_changed) return std::nullopt;  // others changed what mine removed
        ++removed;
        result = result->without_child(name, stamp(names_stamp));
      } else {
        // Made again, the child moved to the end of mine's names.
        if (made_again(*mine_child, *base_child)) return std::nullopt;
        std::optional<NodePtr> child;
        if (steps.size() == 1 && !updates_here) {
          child = node(base_child, live_child, mine_child, child_at, paths);  // all of them go there
        } else {
          boost::container::small_vector<std::string_view, 8> below;
          for (const auto& [through, path] : routed) {
            if (through == name) below.push_back(path);
          }
          child = node(base_child, live_child, mine_child, child_at, Paths(below.data(), below.size()));
        }
        if (!child) return std::nullopt;
        if (*child != live_child) result = result->with_child(std::move(*child), 0);  // replaces: no stamp
      }
    }
    // Every change of mine's names must be one of those above.
    if (names_changed && (added + removed == 0 ||
                          mine->children().size() + removed != base->children().size() + added))
      return std::nullopt;
    return result;
  }

 private:
  // One new children stamp per node whose names change, as a replay gives.
  std::uint64_t stamp(std::uint64_t& taken) { return taken ? taken : (taken = stamps_.next()); }

  StampSource& stamps_;
};

}  // namespace

std::optional<NodePtr> graft(const NodePtr& base, const NodePtr& live, const NodePtr& mine,
                             std::span<const std::string_view> updated, StampSource& stamps) {
  return Merge(stamps).node(base.get(), live, mine.get(), "/", updated);
}

}  // namespace cxxenstored::store
