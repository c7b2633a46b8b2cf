#include "cxxenstored/observability/metrics_control.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace cxxenstored::observability {
namespace {

using namespace std::string_literals;

TEST(MetricsControl, RepliesTotalsAndWritesPerDomainFile) {
  Metrics metrics;
  store::Store store;
  protocol::ControlRegistry registry;
  register_metrics_control(registry, {metrics, store});
  metrics.count_request(4, 2, 0, std::chrono::microseconds(9));

  auto reply = registry.run(store::Caller::dom0(), "metrics\0"s);
  ASSERT_TRUE(reply);
  EXPECT_NE(reply->find("xenstored_requests_total{type=\"READ\"} 1\n"), std::string::npos);
  EXPECT_NE(reply->find("xenstored_transaction_commits_total{outcome=\"fast\"} 0\n"),
            std::string::npos);

  auto file = std::filesystem::temp_directory_path() /
              ("metrics-" + std::to_string(::getpid()) + ".prom");
  reply = registry.run(store::Caller::dom0(), "metrics\0"s + file.string() + "\0"s);
  ASSERT_TRUE(reply);
  EXPECT_EQ(*reply, "OK");
  std::ifstream in(file);
  std::stringstream content;
  content << in.rdbuf();
  EXPECT_NE(content.str().find("xenstored_requests_total{domid=\"4\",type=\"READ\"} 1\n"),
            std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(file.string() + ".tmp"));
  std::filesystem::remove(file);

  EXPECT_EQ(registry.run(store::Caller::dom0(), "metrics\0/nonexistent/x\0"s).error().code,
            ENOENT);
  EXPECT_EQ(registry.run(store::Caller::dom0(), "metrics\0a\0b\0"s).error().code, EINVAL);
}

TEST(MetricsControl, TotalsFitAnXsControlReplyWithEverySeriesSet) {
  Metrics metrics;
  store::Store store;
  protocol::ControlRegistry registry;
  register_metrics_control(registry, {metrics, store});
  for (std::uint32_t domain = 0; domain < 50; ++domain) {
    for (std::uint32_t type = 0; type < kRequestTypes; ++type)
      metrics.count_request(domain, type, 1, std::chrono::microseconds(type));
    for (std::size_t i = 0; i < kEagainCauses; ++i)
      metrics.count_eagain(domain, static_cast<EagainCause>(i));
    for (std::size_t i = 0; i < kQuotaKinds; ++i)
      metrics.count_quota_hit(domain, static_cast<QuotaKind>(i));
  }
  auto reply = registry.run(store::Caller::dom0(), "metrics\0"s);
  ASSERT_TRUE(reply) << reply.error().code;
  EXPECT_LT(reply->size(), 4096u);
}

}  // namespace
}  // namespace cxxenstored::observability
