// Commit by pointer comparison (the OXenstored paper's merge): where no one
// else changed a subtree since a transaction's snapshot, the live tree still
// holds the snapshot's very node there, and the transaction's version of the
// subtree can go in whole, with none of its operations redone.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "cxxenstored/store/editor.h"
#include "cxxenstored/store/node.h"

namespace cxxenstored::store {

// The live tree with the changes a transaction made put in, or nullopt
// when only a replay of its operations can merge them.
//
// base is the transaction's snapshot, mine its tree, live the live tree
// (all three roots, none null). updated holds the canonical path of every
// update the transaction made: mine differs from base only on and below
// those paths (an update changes its node, the parents it creates and the
// child names of the nearest existing one).
//
// Going down from the root along the updated paths: where live still has
// base's very node (no one else changed it or anything below it), mine's
// node goes in whole. Above such points, both sides changed something
// below the node, and the merged node is live's with mine's changes to its
// children put in: mine may have changed nothing of the node itself but
// its child names, by removing children live still has as base had them,
// or by making one child live does not have (made children go at the end,
// so with one the order is the replay's; several would need mine's order).
// A node made again, or a change both sides made to one node, needs the
// replay. A node whose child names change gets a new children stamp from
// stamps, as a replay's update would.
std::optional<NodePtr> graft(const NodePtr& base, const NodePtr& live, const NodePtr& mine,
                             std::span<const std::string_view> updated, StampSource& stamps);

}  // namespace cxxenstored::store
