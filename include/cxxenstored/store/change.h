// What an update did, in the form the watch layer needs to fire events.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cxxenstored/store/node.h"

namespace cxxenstored::store {

struct Change {
  std::string path;  // canonical path of the node written, created or removed
  // For RM (and nodes removed with a dead domain): the removed subtree as it
  // was. Watches on the path, its ancestors and anywhere below it fire; the
  // watch layer looks up nodes below in this subtree to filter by their
  // permissions, so a huge removal costs O(watches), not O(nodes).
  NodePtr removed;
  // For SET_PERMS: the permissions before the change. A watcher must have
  // been able to read the node under these as well as the new ones.
  std::optional<Permissions> old_perms;
};

using ChangeList = std::vector<Change>;

}  // namespace cxxenstored::store
