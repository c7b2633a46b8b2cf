// Soak clients that break the rules, each in its own way, in a loop until
// stopped: they must never hurt the daemon or the well-behaved clients.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace xssoak {

enum class Misbehaviour {
  kNeverReads,        // watches "/" with a long token and never reads a byte
  kGarbage,           // random bytes, then hangs up
  kHalfHeader,        // part of a header, then silence, then hangs up
  kTransactionHoard,  // starts transactions, writes in them, hangs up
  kOversizedHeader,   // announces len > 4096: must be disconnected
  kPipelineNoRead,    // thousands of requests, never reads a reply
};
inline constexpr int kMisbehaviourCount = 6;
const char* misbehaviour_name(Misbehaviour m);

struct MisbehaviourStats {
  std::uint64_t connections = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t oversize_not_closed = 0;  // the daemon kept a client it must drop
};

void run_misbehaving(Misbehaviour kind, const std::string& socket, std::uint64_t seed,
                     const std::atomic<bool>& stop, MisbehaviourStats& stats);

}  // namespace xssoak
