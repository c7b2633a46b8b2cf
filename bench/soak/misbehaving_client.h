// Soak clients that break the rules, each in its own way, in a loop until
// stopped: they must never hurt the daemon or the well-behaved clients.
#pragma once

#include <atomic>
#include <chrono>
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

// never_reads_hold: how long a kNeverReads client stays before hanging up,
// and then stays away; zero: it stays the whole run. Its unread events
// keep the guests that caused them at their outstanding-requests quota (as
// in the C daemon, dom0's events never time out), so a guest soak needs it
// to come and go.
void run_misbehaving(Misbehaviour kind, const std::string& socket, std::uint64_t seed,
                     const std::atomic<bool>& stop, MisbehaviourStats& stats,
                     std::chrono::milliseconds never_reads_hold = std::chrono::milliseconds(0));

}  // namespace xssoak
