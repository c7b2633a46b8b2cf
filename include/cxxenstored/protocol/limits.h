// Limits enforced above the store (per connection/domain), with the C
// daemon's defaults. Store limits (nodes, node size, permissions, path
// length, transaction nodes) are store::Quotas.
#pragma once

#include <cstddef>

namespace cxxenstored::protocol {

struct Limits {
  std::size_t watches_per_domain = 128;      // -W/--watch-nb        ("watches")
  std::size_t transactions_per_domain = 10;  // -t/--transaction     ("transactions")
  std::size_t outstanding_requests = 20;     // -Q outstanding=      ("outstanding")
  std::size_t memory_per_domain = 2621440;   // -Q memory=           ("memory")
  std::size_t memory_soft = 2097152;         // -q memory=           (warning level)
  unsigned watch_event_timeout_s = 20;       // -w watch-event=
};

}  // namespace cxxenstored::protocol
