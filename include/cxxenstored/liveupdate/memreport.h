// "memreport [<file>]": what the daemon's memory holds. The C daemon dumps
// its talloc tree; we have no talloc, so the report describes the live
// store (node count, bytes of names, values and permissions; nodes that
// only open transactions still reference are not counted) and whatever the
// daemon adds (connections, queues).
#pragma once

#include <string>

#include "cxxenstored/store/store.h"

namespace cxxenstored::liveupdate {

struct StoreFootprint {
  std::size_t nodes = 0;
  std::size_t name_bytes = 0;
  std::size_t value_bytes = 0;
  std::size_t perm_entries = 0;
  std::size_t largest_value = 0;
  std::size_t max_depth = 0;
};

StoreFootprint measure_store(const store::Store& store);

// Lines of "name: value", ending with a newline.
std::string format_memreport(const StoreFootprint& footprint, const std::string& daemon_lines);

}  // namespace cxxenstored::liveupdate
