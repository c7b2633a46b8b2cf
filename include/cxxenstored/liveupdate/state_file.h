// Where the state stream lives between the old and the new daemon, and
// reading/writing it. The C xenstored uses "$XENSTORED_RUNDIR/state_dump"
// (default rundir /var/run/xenstored); so do we, so either daemon finds a
// stream the other wrote.
#pragma once

#include <string>
#include <string_view>

#include "cxxenstored/util/result.h"

namespace cxxenstored::liveupdate {

inline constexpr std::string_view kDefaultRunDir = "/var/run/xenstored";
inline constexpr std::string_view kStateFileName = "state_dump";

// rundir_env is the value of XENSTORED_RUNDIR (null or empty: the default).
std::string state_file_path(const char* rundir_env);

// Writes the whole stream to path (created 0600, truncated), synced to
// disk before returning. The errno of the failing call otherwise.
Result<void> write_state_file(const std::string& path, std::string_view bytes);

Result<std::string> read_state_file(const std::string& path);

// The new daemon removes the stream once restored, as the C daemon does.
Result<void> remove_state_file(const std::string& path);

}  // namespace cxxenstored::liveupdate
