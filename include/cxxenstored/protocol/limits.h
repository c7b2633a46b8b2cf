// Limits enforced above the store (per connection/domain), with the C
// daemon's defaults. Store limits (nodes, node size, permissions, path
// length, transaction nodes) are store::Quotas.
#pragma once

#include <cstddef>

#include "cxxenstored/protocol/conflict_credit.h"

namespace cxxenstored::protocol {

struct Limits {
  std::size_t watches_per_domain = 128;      // -W/--watch-nb        ("watches")
  std::size_t transactions_per_domain = 10;  // -t/--transaction     ("transactions")
  std::size_t outstanding_requests = 20;     // -Q outstanding=      ("outstanding")
  // -Q memory= ("memory"): the command line's value. The store enforces it
  // (store::Quotas::memory_per_domain, installed by the Engine at
  // construction); at run time that copy is the one SET_QUOTA changes.
  std::size_t memory_per_domain = 2621440;
  std::size_t memory_soft = 2097152;         // -q memory=           (warning level)
  unsigned watch_event_timeout_s = 20;       // -w watch-event=
  ConflictPolicy conflict;                   // --conflict-* (fairness, see conflict_credit.h)
};

}  // namespace cxxenstored::protocol
