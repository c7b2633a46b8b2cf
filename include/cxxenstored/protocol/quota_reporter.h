// Tells the operator, once, when a domain hits a quota: the C daemon logs
// "Domain N exceeds hard memory quota" / "... soft memory quota" once per
// crossing and "... below ... quota again" when the domain drops back, no
// sooner than 10 s (MEM_WARN_MINTIME_SEC) after its previous message; we do
// the same for memory and log every other quota's first refusal per domain
// ("Domain N exceeds nodes quota") until the domain is below that quota
// again (same 10 s rule, so a domain hovering at a limit cannot flood the
// log). Every refusal, logged or not, is counted in Metrics.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>

#include <spdlog/common.h>

#include "cxxenstored/store/quota.h"

namespace cxxenstored::observability {
class Metrics;
}

namespace cxxenstored::protocol {

using store::DomainId;
using store::QuotaName;

class QuotaReporter {
 public:
  // Where messages go; the default is spdlog's default logger.
  using Sink = std::function<void(spdlog::level::level_enum, const std::string&)>;

  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::seconds kMinInterval{10};

  QuotaReporter();
  void set_clock(std::function<Clock::time_point()> clock) { clock_ = std::move(clock); }

  void set_metrics(observability::Metrics* metrics) { metrics_ = metrics; }
  void set_sink(Sink sink) { sink_ = std::move(sink); }

  // A request of domain was refused by quota.
  void hit(DomainId domain, QuotaName quota);
  // The domain is below quota again: its next hit is logged again.
  void below(DomainId domain, QuotaName quota);
  // The domain's memory now: logs crossing the soft level (either way).
  void memory_level(DomainId domain, std::size_t bytes, std::size_t soft_limit);
  // Whether a hit of quota by domain has been logged and not cleared.
  bool reported(DomainId domain, QuotaName quota) const;
  bool any_reported(DomainId domain) const;
  // The domain is gone: a new one with its id starts afresh.
  void forget(DomainId domain) { states_.erase(domain); }

 private:
  struct State {
    std::array<bool, store::kQuotaNameCount> hard{};
    bool soft_memory = false;
    std::optional<Clock::time_point> last_message;
  };
  // Whether a level change may be told now (10 s after the last message).
  bool may_tell(const State& state, Clock::time_point now) const {
    return !state.last_message || now - *state.last_message >= kMinInterval;
  }

  Sink sink_;
  std::function<Clock::time_point()> clock_ = [] { return Clock::now(); };
  observability::Metrics* metrics_ = nullptr;
  std::unordered_map<DomainId, State> states_;
};

}  // namespace cxxenstored::protocol
