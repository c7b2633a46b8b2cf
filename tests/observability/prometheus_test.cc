#include "cxxenstored/observability/prometheus.h"

#include <gtest/gtest.h>

#include <regex>
#include <sstream>

namespace cxxenstored::observability {
namespace {

using std::chrono::microseconds;

bool contains(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

// Every line is a comment or "name{labels} value", as the exposition
// format requires; every sample's family has HELP and TYPE before it.
void expect_valid_exposition(const std::string& text) {
  static const std::regex sample(
      R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="[^"\\\n]*",?)*\})? (-?[0-9.e+-]+|\+Inf)$)");
  static const std::regex type_line(R"(^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary)$)");
  std::istringstream in(text);
  std::string line, family;
  while (std::getline(in, line)) {
    std::smatch m;
    if (line.rfind("# HELP ", 0) == 0) continue;
    if (std::regex_match(line, m, type_line)) {
      family = m[1];
      continue;
    }
    ASSERT_TRUE(std::regex_match(line, m, sample)) << line;
    EXPECT_EQ(m[1].str().rfind(family, 0), 0u) << line << " outside family " << family;
  }
}

Metrics sample_metrics() {
  Metrics m;
  m.count_request(0, 2, 0, microseconds(4));
  m.count_request(3, 2, 0, microseconds(40));
  m.count_request(3, 7, 11, microseconds(400));
  m.count_eagain(3, EagainCause::kCommitConflict);
  m.count_quota_hit(3, QuotaKind::kWatches);
  m.count_watch_event(3, false);
  m.count_bytes(3, Transport::kSocket, 10, 20);
  return m;
}

TEST(Prometheus, SummaryCarriesNoDomainLabel) {
  store::CommitStats commits{.fast = 4, .grafted = 5, .merged = 1, .conflicts = 2, .read_only = 3};
  std::string text = render_prometheus(sample_metrics(), commits, Scope::kSummary);
  expect_valid_exposition(text);
  EXPECT_TRUE(contains(text, "# TYPE xenstored_requests_total counter"));
  EXPECT_TRUE(contains(text, R"(xenstored_requests_total{type="READ"} 2)"));
  EXPECT_TRUE(contains(text, R"(xenstored_requests_total{type="TRANSACTION_END"} 1)"));
  EXPECT_TRUE(contains(text, "xenstored_request_errors_total 1"));
  EXPECT_TRUE(contains(text, R"(xenstored_eagain_total{cause="commit_conflict"} 1)"));
  EXPECT_TRUE(contains(text, R"(xenstored_quota_hits_total{quota="watches"} 1)"));
  EXPECT_TRUE(contains(text, R"(xenstored_watch_events_total{outcome="dropped"} 1)"));
  EXPECT_TRUE(contains(text, R"(xenstored_received_bytes_total{transport="socket"} 10)"));
  EXPECT_TRUE(contains(text, R"(xenstored_sent_bytes_total{transport="socket"} 20)"));
  EXPECT_TRUE(contains(text, R"(xenstored_transaction_commits_total{outcome="fast"} 4)"));
  EXPECT_TRUE(contains(text, R"(xenstored_transaction_commits_total{outcome="grafted"} 5)"));
  EXPECT_TRUE(contains(text, R"(xenstored_transaction_commits_total{outcome="merged"} 1)"));
  EXPECT_TRUE(contains(text, R"(xenstored_transaction_commits_total{outcome="conflict"} 2)"));
  EXPECT_TRUE(contains(text, "# TYPE xenstored_request_duration_seconds summary"));
  EXPECT_TRUE(contains(text, "xenstored_request_duration_seconds_count 3"));
  EXPECT_TRUE(contains(text, "xenstored_request_duration_seconds_sum 0.000444"));
  EXPECT_EQ(text.find("_bucket"), std::string::npos);
  EXPECT_EQ(text.find("# HELP"), std::string::npos);
  EXPECT_EQ(text.find("domid"), std::string::npos);
  // Zero series are left out.
  EXPECT_EQ(text.find(R"(type="WRITE")"), std::string::npos);
}

TEST(Prometheus, PerDomainLabelsEverySeries) {
  std::string text = render_prometheus(sample_metrics(), {}, Scope::kPerDomain);
  expect_valid_exposition(text);
  EXPECT_TRUE(contains(text, R"(xenstored_requests_total{domid="0",type="READ"} 1)"));
  EXPECT_TRUE(contains(text, R"(xenstored_requests_total{domid="3",type="READ"} 1)"));
  EXPECT_TRUE(contains(text, R"(xenstored_quota_hits_total{domid="3",quota="watches"} 1)"));
  EXPECT_TRUE(contains(text, R"(xenstored_request_errors_total{domid="3",type="TRANSACTION_END"} 1)"));
  EXPECT_TRUE(contains(text, "# HELP xenstored_requests_total Requests handled, by message type."));
  EXPECT_TRUE(contains(text, "# TYPE xenstored_request_duration_seconds histogram"));
  EXPECT_TRUE(contains(text, R"(xenstored_request_duration_seconds_bucket{le="5e-06"} 1)"));
  EXPECT_TRUE(contains(text, R"(xenstored_request_duration_seconds_bucket{le="5e-05"} 2)"));
  EXPECT_TRUE(contains(text, R"(xenstored_request_duration_seconds_bucket{le="+Inf"} 3)"));
}

TEST(Prometheus, BusyPollOutcomesOnlyOnceTheLoopPolled) {
  Metrics m;
  EXPECT_EQ(render_prometheus(m, {}, Scope::kSummary).find("busy_poll"), std::string::npos);
  m.count_poll(PollOutcome::kCaught);
  m.count_poll(PollOutcome::kCaught);
  m.count_poll(PollOutcome::kWithheld);
  for (auto scope : {Scope::kSummary, Scope::kPerDomain}) {
    std::string text = render_prometheus(m, {}, scope);
    expect_valid_exposition(text);
    EXPECT_TRUE(contains(text, "xenstored_busy_poll_total{outcome=\"caught\"} 2")) << text;
    EXPECT_TRUE(contains(text, "xenstored_busy_poll_total{outcome=\"withheld\"} 1")) << text;
    EXPECT_EQ(text.find("outcome=\"slept\""), std::string::npos) << text;  // zero: left out
  }
}

TEST(Prometheus, EmptyMetricsStillValid) {
  std::string text = render_prometheus(Metrics(), {}, Scope::kPerDomain);
  expect_valid_exposition(text);
  EXPECT_TRUE(contains(text, "xenstored_request_duration_seconds_count 0"));
}

}  // namespace
}  // namespace cxxenstored::observability
