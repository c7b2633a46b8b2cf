#include "cxxenstored/observability/metrics.h"

#include <algorithm>

namespace cxxenstored::observability {

const char* eagain_cause_name(EagainCause cause) {
  switch (cause) {
    case EagainCause::kCommitConflict: return "commit_conflict";
    case EagainCause::kRestored: return "live_update";
    case EagainCause::kOther: break;
  }
  return "other";
}

const char* quota_kind_name(QuotaKind kind) {
  switch (kind) {
    case QuotaKind::kNodes: return "nodes";
    case QuotaKind::kNodeSize: return "node-size";
    case QuotaKind::kPermissions: return "permissions";
    case QuotaKind::kPathLength: return "path-max";
    case QuotaKind::kWatches: return "watches";
    case QuotaKind::kTransactions: return "transactions";
    case QuotaKind::kTransactionNodes: return "transaction-nodes";
    case QuotaKind::kOutstanding: return "outstanding";
    case QuotaKind::kMemory: break;
  }
  return "memory";
}

namespace {
template <std::size_t N>
void add_array(std::array<std::uint64_t, N>& to, const std::array<std::uint64_t, N>& from) {
  for (std::size_t i = 0; i < N; ++i) to[i] += from[i];
}
}  // namespace

void DomainCounters::add(const DomainCounters& o) {
  add_array(requests, o.requests);
  add_array(errors, o.errors);
  add_array(eagain, o.eagain);
  add_array(quota_hits, o.quota_hits);
  watch_events_sent += o.watch_events_sent;
  watch_events_dropped += o.watch_events_dropped;
  add_array(bytes_received, o.bytes_received);
  add_array(bytes_sent, o.bytes_sent);
}

void LatencyHistogram::observe(std::chrono::nanoseconds latency) {
  const auto ns = static_cast<std::uint64_t>(std::max<std::int64_t>(latency.count(), 0));
  const double seconds = static_cast<double>(ns) * 1e-9;
  auto bound = std::lower_bound(kLatencyBounds.begin(), kLatencyBounds.end(), seconds);
  if (bound != kLatencyBounds.end()) ++buckets_[static_cast<std::size_t>(bound - kLatencyBounds.begin())];
  ++count_;
  sum_ns_ += ns;
}

std::uint64_t LatencyHistogram::cumulative(std::size_t bucket) const {
  std::uint64_t total = 0;
  for (std::size_t i = 0; i <= bucket && i < buckets_.size(); ++i) total += buckets_[i];
  return total;
}

void Metrics::count_request(DomainId domain, std::uint32_t type, int error_code,
                            std::chrono::nanoseconds latency) {
  const std::size_t slot = type < kUnknownTypeSlot ? type : kUnknownTypeSlot;
  auto& c = of(domain);
  ++c.requests[slot];
  if (error_code != 0) ++c.errors[slot];
  latency_.observe(latency);
}

void Metrics::count_eagain(DomainId domain, EagainCause cause) {
  ++of(domain).eagain[static_cast<std::size_t>(cause)];
}

void Metrics::count_quota_hit(DomainId domain, QuotaKind kind) {
  ++of(domain).quota_hits[static_cast<std::size_t>(kind)];
}

void Metrics::count_watch_event(DomainId domain, bool delivered) {
  auto& c = of(domain);
  ++(delivered ? c.watch_events_sent : c.watch_events_dropped);
}

void Metrics::count_bytes(DomainId domain, Transport transport, std::uint64_t received,
                          std::uint64_t sent) {
  auto& c = of(domain);
  c.bytes_received[static_cast<std::size_t>(transport)] += received;
  c.bytes_sent[static_cast<std::size_t>(transport)] += sent;
}

void Metrics::forget_domain(DomainId domain) {
  auto it = domains_.find(domain);
  if (it == domains_.end()) return;
  departed_.add(it->second);
  domains_.erase(it);
}

const char* poll_outcome_name(PollOutcome outcome) {
  switch (outcome) {
    case PollOutcome::kCaught: return "caught";
    case PollOutcome::kSlept: return "slept";
    case PollOutcome::kWithheld: return "withheld";
  }
  return "unknown";
}

DomainCounters Metrics::totals() const {
  DomainCounters total = departed_;
  for (const auto& [domain, counters] : domains_) total.add(counters);
  return total;
}

}  // namespace cxxenstored::observability
