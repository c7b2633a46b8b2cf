#include "cxxenstored/protocol/conflict_credit.h"

#include <algorithm>

namespace cxxenstored::protocol {

ConflictCredit::Account& ConflictCredit::refreshed(DomainId domain, Clock::time_point now) {
  auto [it, fresh] = accounts_.try_emplace(domain, Account{policy_.burst, now});
  Account& account = it->second;
  if (!fresh && now > account.updated) {
    const double seconds = std::chrono::duration<double>(now - account.updated).count();
    account.credit = std::min(policy_.burst, account.credit + seconds * policy_.regain_per_second);
    account.updated = now;
  }
  return account;
}

bool ConflictCredit::charge(DomainId culprit, Clock::time_point now) {
  Account& account = refreshed(culprit, now);
  const bool was_throttled = account.credit < 0;
  account.credit -= 1.0;
  return !was_throttled && account.credit < 0;
}

bool ConflictCredit::throttled(DomainId domain, Clock::time_point now) {
  auto it = accounts_.find(domain);
  if (it == accounts_.end()) return false;  // never charged: nothing to refresh
  Account& account = refreshed(domain, now);
  if (account.credit >= policy_.burst) {
    accounts_.erase(it);  // back to full: forget it, the table holds culprits only
    return false;
  }
  return account.credit < 0;
}

std::optional<ConflictCredit::Clock::duration> ConflictCredit::throttled_for(DomainId domain,
                                                                             Clock::time_point now) {
  if (!throttled(domain, now)) return std::nullopt;
  const double deficit = -accounts_.at(domain).credit;
  // No regain configured: look again in a second (a later policy change or
  // a restart of the account is the only way out).
  const double seconds = policy_.regain_per_second > 0 ? deficit / policy_.regain_per_second : 1.0;
  // Rounded up to a millisecond so that, once waited, the domain is not
  // throttled by a rounding hair.
  return std::chrono::ceil<std::chrono::milliseconds>(std::chrono::duration<double>(seconds)) +
         std::chrono::milliseconds(1);
}

double ConflictCredit::credit(DomainId domain, Clock::time_point now) {
  if (accounts_.find(domain) == accounts_.end()) return policy_.burst;
  return refreshed(domain, now).credit;
}

}  // namespace cxxenstored::protocol
