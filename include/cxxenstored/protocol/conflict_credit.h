// Fairness between transactions (oxenstored's "conflict credit", XSA-218
// era): a domain whose writes keep making other domains' transactions fail
// with EAGAIN loses credit; without credit it is throttled, so its victims
// get through. Each domain holds up to `burst` credit, pays 1 per
// transaction of another domain it made fail, and regains `regain_per_second`
// (a token bucket). It is throttled while its credit is below zero.
//
// The store names the culprit exactly (Store::last_conflict_cause: the
// domain whose operation took the stamp the failed transaction found
// changed), so unlike oxenstored no history of recent commits is scanned.
#pragma once

#include <chrono>
#include <optional>
#include <unordered_map>

#include "cxxenstored/store/path.h"

namespace cxxenstored::protocol {

using store::DomainId;

struct ConflictPolicy {
  double burst = 5.0;              // --conflict-burst-limit
  double regain_per_second = 1.0;  // --conflict-rate-limit
  bool throttle_dom0 = false;      // --conflict-throttle-dom0
};

class ConflictCredit {
 public:
  using Clock = std::chrono::steady_clock;

  explicit ConflictCredit(const ConflictPolicy& policy) : policy_(policy) {}

  // culprit's write made another domain's transaction fail. Returns true
  // when this charge started a throttled period (for logging it once).
  bool charge(DomainId culprit, Clock::time_point now);
  bool throttled(DomainId domain, Clock::time_point now);
  // How long a throttled domain stays throttled if nothing more is charged
  // (its credit back to zero); nullopt when it is not throttled.
  std::optional<Clock::duration> throttled_for(DomainId domain, Clock::time_point now);
  double credit(DomainId domain, Clock::time_point now);
  void forget(DomainId domain) { accounts_.erase(domain); }

 private:
  struct Account {
    double credit;
    Clock::time_point updated;
  };
  Account& refreshed(DomainId domain, Clock::time_point now);

  const ConflictPolicy& policy_;
  std::unordered_map<DomainId, Account> accounts_;
};

}  // namespace cxxenstored::protocol
