#include "cxxenstored/protocol/quota_reporter.h"

#include <spdlog/spdlog.h>

#include "cxxenstored/observability/metrics.h"

namespace cxxenstored::protocol {

namespace {

observability::QuotaKind metrics_kind(QuotaName quota) {
  using observability::QuotaKind;
  switch (quota) {
    case QuotaName::kNodes: return QuotaKind::kNodes;
    case QuotaName::kWatches: return QuotaKind::kWatches;
    case QuotaName::kTransactions: return QuotaKind::kTransactions;
    case QuotaName::kOutstanding: return QuotaKind::kOutstanding;
    case QuotaName::kTransactionNodes: return QuotaKind::kTransactionNodes;
    case QuotaName::kMemory: return QuotaKind::kMemory;
    case QuotaName::kNodeSize: return QuotaKind::kNodeSize;
    case QuotaName::kPathMax: return QuotaKind::kPathLength;
    case QuotaName::kPermissions: return QuotaKind::kPermissions;
  }
  return QuotaKind::kNodes;
}

std::size_t slot(QuotaName quota) { return static_cast<std::size_t>(quota); }

}  // namespace

QuotaReporter::QuotaReporter()
    : sink_([](spdlog::level::level_enum level, const std::string& text) { spdlog::log(level, "{}", text); }) {}

void QuotaReporter::hit(DomainId domain, QuotaName quota) {
  if (metrics_) metrics_->count_quota_hit(domain, metrics_kind(quota));
  State& state = states_[domain];
  bool& reported = state.hard[slot(quota)];
  if (reported) return;
  reported = true;
  state.last_message = clock_();
  if (quota == QuotaName::kMemory) {
    // The C daemon's wording, so existing log watchers keep matching; it
    // stalls the domain's ring where we refuse the request (ENOMEM).
    sink_(spdlog::level::err, "Domain " + std::to_string(domain) +
                                  " exceeds hard memory quota, requests needing more memory are refused");
  } else {
    sink_(spdlog::level::warn,
          "Domain " + std::to_string(domain) + " exceeds " + std::string(store::quota_name(quota)) + " quota");
  }
}

void QuotaReporter::below(DomainId domain, QuotaName quota) {
  auto it = states_.find(domain);
  if (it == states_.end() || !it->second.hard[slot(quota)]) return;
  const Clock::time_point now = clock_();
  if (!may_tell(it->second, now)) return;
  it->second.hard[slot(quota)] = false;
  if (quota != QuotaName::kMemory) return;
  it->second.last_message = now;
    sink_(spdlog::level::info, "Domain " + std::to_string(domain) + " below hard memory quota again");
}

void QuotaReporter::memory_level(DomainId domain, std::size_t bytes, std::size_t soft_limit) {
  const bool above = soft_limit != 0 && bytes >= soft_limit;
  auto it = states_.find(domain);
  const bool was_above = it != states_.end() && it->second.soft_memory;
  if (above == was_above) return;
  State& state = it != states_.end() ? it->second : states_[domain];
  const Clock::time_point now = clock_();
  if (!may_tell(state, now)) return;
  state.soft_memory = above;
  state.last_message = now;
  if (above) {
    sink_(spdlog::level::warn, "Domain " + std::to_string(domain) + " exceeds soft memory quota");
  } else {
    sink_(spdlog::level::info, "Domain " + std::to_string(domain) + " below soft memory quota again");
  }
}

bool QuotaReporter::reported(DomainId domain, QuotaName quota) const {
  auto it = states_.find(domain);
  return it != states_.end() && it->second.hard[slot(quota)];
}

bool QuotaReporter::any_reported(DomainId domain) const {
  auto it = states_.find(domain);
  if (it == states_.end()) return false;
  for (bool b : it->second.hard)
    if (b) return true;
  return false;
}

}  // namespace cxxenstored::protocol
