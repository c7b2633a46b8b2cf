// Commit by pointer comparison (the OXenstored paper's merge): where no one
// else changed a subtree since a transaction's snapshot, the live tree still
// holds the snapshot's very node there, and the transaction's version of the
// subtree can go in whole, with none of its operations redone.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "cxxenstored/store/node.h"

namespace cxxenstored::store {

// The live tree with the changes a transaction made put in as whole
// subtrees, or nullopt when they cannot be (the caller replays the
// transaction's operations instead).
//
// base is the transaction's snapshot, mine its tree, live the live tree
// (all three roots, none null). updated holds the canonical path of every
// update the transaction made: mine differs from base only on and below
// those paths (an update changes its node, the parents it creates and the
// child names of the nearest existing one).
//
// Each updated path is walked from the root down to the first node that
// live still shares with base; mine's node there takes its place. Every
// node above must be one mine left as base had it (same stamps: the same
// value, permissions and child names), since the changes made there by
// others stay; a node mine changed itself that others changed below is a
// case only a replay can merge, as is a path that ends (or a node that is
// missing on one side) before a shared node is found.
std::optional<NodePtr> graft(const NodePtr& base, const NodePtr& live, const NodePtr& mine,
                             const std::vector<std::string_view>& updated);

}  // namespace cxxenstored::store
