// Counters of what the daemon does, per domain and in total, and a request
// latency histogram. The daemon's request path calls the count_* methods;
// prometheus.h renders them for a metrics collector.
//
// Counters only ever grow. When a domain goes away its counters are folded
// into a "departed" total, so the global sums stay monotonic (what
// Prometheus' rate() needs) while memory stays bounded by live domains.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>

#include "cxxenstored/store/path.h"

namespace cxxenstored::observability {

using store::DomainId;

// XS_* message types, 0 .. XS_SET_QUOTA (xs_wire.h); others count as the
// last slot, "UNKNOWN".
inline constexpr std::size_t kRequestTypes = 28;
inline constexpr std::uint32_t kUnknownTypeSlot = kRequestTypes - 1;

// Why a client got EAGAIN.
enum class EagainCause : std::uint8_t {
  kCommitConflict,  // something the transaction read changed before commit
  kRestored,        // transaction open across a live update
  kOther,
};
inline constexpr std::size_t kEagainCauses = 3;
const char* eagain_cause_name(EagainCause cause);

// Which limit refused a request.
enum class QuotaKind : std::uint8_t {
  kNodes, kNodeSize, kPermissions, kPathLength, kWatches, kTransactions,
  kTransactionNodes, kOutstanding, kMemory,
};
inline constexpr std::size_t kQuotaKinds = 9;
// The C daemon's quota names ("nodes", "node-size", ...).
const char* quota_kind_name(QuotaKind kind);

enum class Transport : std::uint8_t { kSocket, kRing };
inline constexpr std::size_t kTransports = 2;

// How an idle period of the event loop's busy polling ended (event_loop.h).
enum class PollOutcome : std::uint8_t {
  kCaught,    // work arrived while it polled: no sleep, no wake-up
  kSlept,     // the window ran out; it slept
  kWithheld,  // other tasks filled the CPUs: it did not poll
};
inline constexpr std::size_t kPollOutcomes = 3;
const char* poll_outcome_name(PollOutcome outcome);

struct DomainCounters {
  std::array<std::uint64_t, kRequestTypes> requests{};
  std::array<std::uint64_t, kRequestTypes> errors{};  // replies of type XS_ERROR
  std::array<std::uint64_t, kEagainCauses> eagain{};
  std::array<std::uint64_t, kQuotaKinds> quota_hits{};
  std::uint64_t watch_events_sent = 0;
  std::uint64_t watch_events_dropped = 0;  // the peer's queue was full
  std::array<std::uint64_t, kTransports> bytes_received{};
  std::array<std::uint64_t, kTransports> bytes_sent{};

  void add(const DomainCounters& other);
};

// Cumulative buckets, upper bounds in seconds.
inline constexpr std::array<double, 13> kLatencyBounds = {
    5e-6, 10e-6, 25e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 10e-3, 50e-3, 250e-3, 1.0};

class LatencyHistogram {
 public:
  void observe(std::chrono::nanoseconds latency);
  // Observations <= kLatencyBounds[i] (cumulative, as Prometheus wants).
  std::uint64_t cumulative(std::size_t bucket) const;
  std::uint64_t count() const { return count_; }
  double sum_seconds() const { return static_cast<double>(sum_ns_) * 1e-9; }

 private:
  std::array<std::uint64_t, kLatencyBounds.size()> buckets_{};  // not cumulative
  std::uint64_t count_ = 0;
  std::uint64_t sum_ns_ = 0;
};

class Metrics {
 public:
  // error_code 0: answered normally; else the errno sent in XS_ERROR.
  void count_request(DomainId domain, std::uint32_t type, int error_code,
                     std::chrono::nanoseconds latency);
  void count_eagain(DomainId domain, EagainCause cause);
  void count_quota_hit(DomainId domain, QuotaKind kind);
  void count_watch_event(DomainId domain, bool delivered);
  void count_bytes(DomainId domain, Transport transport, std::uint64_t received,
                   std::uint64_t sent);

  void count_poll(PollOutcome outcome) { ++polls_[static_cast<std::size_t>(outcome)]; }

  // The domain is gone: fold its counters into the departed total.
  void forget_domain(DomainId domain);

  const std::map<DomainId, DomainCounters>& domains() const { return domains_; }
  DomainCounters totals() const;
  const LatencyHistogram& latency() const { return latency_; }
  const std::array<std::uint64_t, kPollOutcomes>& polls() const { return polls_; }

 private:
  DomainCounters& of(DomainId domain) { return domains_[domain]; }

  std::map<DomainId, DomainCounters> domains_;
  DomainCounters departed_;
  LatencyHistogram latency_;
  std::array<std::uint64_t, kPollOutcomes> polls_{};
};

}  // namespace cxxenstored::observability
