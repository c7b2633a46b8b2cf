// Guests that break the rules, over simulated rings, against the
// in-process daemon. Each thread owns one domid and, round after round,
// creates that domain, has dom0 introduce it, misbehaves in the next way of
// the list, checks the outcome the daemon must produce, then destroys the
// domain and checks that the daemon released it (home gone,
// @releaseDomain, no transaction, watch or node left), so the same domid is
// introduced again next round.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "cxxenstored/daemon/options.h"
#include "cxxenstored/xen/types.h"
#include "in_process_daemon.h"

namespace xssoak {

enum class GuestMisbehaviour {
  kNeverReads,      // pipelines reads of a 1.5 KiB value, never reads a reply: held at the outstanding quota
  kGarbage,         // framed messages of random type, transaction and bytes: each answered, ring kept
  kOversizedHeader, // header len > 4096: XENSTORE_ERROR_PROTO, not served until it reconnects
  kBogusIndices,    // producer beyond consumer + ring size (either ring): XENSTORE_ERROR_RINGIDX
  kQuotas,          // nodes, watches, transactions past their quotas: refused exactly there
  kDiesWithState,   // dies with transactions, watches and unanswered requests pending
};
inline constexpr int kGuestMisbehaviourCount = 6;
const char* guest_misbehaviour_name(GuestMisbehaviour m);

struct GuestMisbehaviourStats {
  std::array<std::uint64_t, kGuestMisbehaviourCount> rounds{};  // per kind, completed
  std::uint64_t requests = 0;  // requests the misbehaving guests wrote
  std::uint64_t failures = 0;  // rounds where the daemon did not do what it must
  std::vector<std::string> first_failures;  // the first few, for the report
};

// Runs rounds until stop is set (the current round is finished, so the
// domain is always destroyed and released at the end). `first` is the kind
// of the first round; later rounds take the following kinds in turn.
void run_misbehaving_guest(InProcessDaemon& daemon, const cxxenstored::daemon::Options& options,
                           cxxenstored::xen::DomId domid, int first, std::uint64_t seed,
                           const std::atomic<bool>& stop, GuestMisbehaviourStats& stats);

}  // namespace xssoak
