#include "cxxenstored/observability/metrics.h"

#include <gtest/gtest.h>

namespace cxxenstored::observability {
namespace {

using std::chrono::microseconds;

TEST(Metrics, CountsPerDomainAndInTotal) {
  Metrics m;
  m.count_request(0, 2, 0, microseconds(3));      // READ
  m.count_request(0, 2, 2, microseconds(30));     // READ -> ENOENT
  m.count_request(5, 11, 0, microseconds(300));   // WRITE
  m.count_request(5, 999, 22, microseconds(1));   // unknown type
  m.count_eagain(5, EagainCause::kCommitConflict);
  m.count_quota_hit(5, QuotaKind::kNodes);
  m.count_watch_event(5, true);
  m.count_watch_event(5, false);
  m.count_bytes(5, Transport::kRing, 100, 40);

  ASSERT_EQ(m.domains().size(), 2u);
  const auto& dom0 = m.domains().at(0);
  EXPECT_EQ(dom0.requests[2], 2u);
  EXPECT_EQ(dom0.errors[2], 1u);
  const auto& dom5 = m.domains().at(5);
  EXPECT_EQ(dom5.requests[11], 1u);
  EXPECT_EQ(dom5.requests[kUnknownTypeSlot], 1u);
  EXPECT_EQ(dom5.errors[kUnknownTypeSlot], 1u);
  EXPECT_EQ(dom5.eagain[static_cast<std::size_t>(EagainCause::kCommitConflict)], 1u);
  EXPECT_EQ(dom5.quota_hits[static_cast<std::size_t>(QuotaKind::kNodes)], 1u);
  EXPECT_EQ(dom5.watch_events_sent, 1u);
  EXPECT_EQ(dom5.watch_events_dropped, 1u);
  EXPECT_EQ(dom5.bytes_received[static_cast<std::size_t>(Transport::kRing)], 100u);
  EXPECT_EQ(dom5.bytes_sent[static_cast<std::size_t>(Transport::kRing)], 40u);

  auto total = m.totals();
  EXPECT_EQ(total.requests[2], 2u);
  EXPECT_EQ(total.requests[11], 1u);
  EXPECT_EQ(m.latency().count(), 4u);
}

TEST(Metrics, ForgottenDomainsStayInTheTotals) {
  Metrics m;
  m.count_request(7, 2, 0, microseconds(1));
  m.count_request(8, 2, 0, microseconds(1));
  m.forget_domain(7);
  m.forget_domain(42);  // unknown: nothing happens
  EXPECT_EQ(m.domains().count(7), 0u);
  EXPECT_EQ(m.totals().requests[2], 2u);
  m.count_request(7, 2, 0, microseconds(1));  // a new domain 7
  EXPECT_EQ(m.domains().at(7).requests[2], 1u);
  EXPECT_EQ(m.totals().requests[2], 3u);
}

TEST(LatencyHistogram, BucketsAreCumulativeWithUpperBoundsInclusive) {
  LatencyHistogram h;
  h.observe(microseconds(5));     // == first bound (5us)
  h.observe(microseconds(6));     // second bucket
  h.observe(std::chrono::seconds(2));  // beyond every bound: +Inf only
  h.observe(std::chrono::nanoseconds(-3));  // clock went back: counts as 0
  EXPECT_EQ(h.cumulative(0), 2u);
  EXPECT_EQ(h.cumulative(1), 3u);
  EXPECT_EQ(h.cumulative(kLatencyBounds.size() - 1), 3u);
  EXPECT_EQ(h.count(), 4u);
  EXPECT_NEAR(h.sum_seconds(), 2.000011, 1e-9);
}

}  // namespace
}  // namespace cxxenstored::observability
