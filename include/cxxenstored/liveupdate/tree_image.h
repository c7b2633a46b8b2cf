// The store's tree as NODE_DATA records, and back.
//
// Capture order is the C daemon's: the special watch names first, then
// every node depth-first from "/" (a parent before its children, children
// oldest first), so a reader can build the tree in one pass and children
// keep their creation order (XS_DIRECTORY lists them in that order).
#pragma once

#include <vector>

#include "cxxenstored/liveupdate/migration_state.h"
#include "cxxenstored/store/store.h"
#include "cxxenstored/util/result.h"

namespace cxxenstored::liveupdate {

// The special names whose permissions the stream carries.
inline constexpr const char* kSpecialNodes[] = {"@releaseDomain", "@introduceDomain"};

std::vector<NodeRecord> capture_nodes(store::Store& store);

// Replaces the store's tree with the committed nodes of records (those of
// pending transactions are skipped) and restores the special names'
// permissions. EINVAL when a node's parent is missing or comes later, a
// path is not canonical, a node appears twice, or "/" is absent. The store
// is left unchanged on error.
Result<void> restore_nodes(store::Store& store, const std::vector<NodeRecord>& records);

}  // namespace cxxenstored::liveupdate
