#include <gtest/gtest.h>

#include "cxxenstored/daemon/options.h"

namespace cxxenstored::daemon {
namespace {

std::variant<Options, ParseError> parse(std::vector<std::string> args) {
  std::vector<char*> argv;
  static std::string program = "xenstored";
  argv.push_back(program.data());
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return parse_options(static_cast<int>(argv.size() - 1), argv.data());
}

TEST(Options, DefaultsAreTheCDaemons) {
  auto o = std::get<Options>(parse({}));
  EXPECT_FALSE(o.foreground);
  EXPECT_EQ(o.quotas.nodes_per_domain, 1000u);
  EXPECT_EQ(o.quotas.node_size, 2048u);
  EXPECT_EQ(o.limits.watches_per_domain, 128u);
  EXPECT_EQ(o.limits.transactions_per_domain, 10u);
  EXPECT_EQ(o.quotas.perms_per_node, 5u);
  EXPECT_EQ(o.limits.watch_event_timeout_s, 20u);
}

TEST(Options, ShortAndLongForms) {
  auto o = std::get<Options>(parse({"-N", "-F", "/run/x.pid", "-T", "/tmp/trace", "-D", "-K", "-R", "-V",
                                    "-E", "77", "-S", "4096", "-W", "9", "-t", "3", "-A", "7", "-M", "1000",
                                    "-Q", "transaction-nodes=50", "-q", "memory=100", "-w", "watch-event=5"}));
  EXPECT_TRUE(o.foreground);
  EXPECT_EQ(o.pid_file, "/run/x.pid");
  EXPECT_EQ(o.trace_file, "/tmp/trace");
  EXPECT_FALSE(o.domain_init);
  EXPECT_TRUE(o.keep_orphans);
  EXPECT_FALSE(o.recovery);
  EXPECT_TRUE(o.verbose);
  EXPECT_EQ(o.quotas.nodes_per_domain, 77u);
  EXPECT_EQ(o.quotas.node_size, 4096u);
  EXPECT_EQ(o.limits.watches_per_domain, 9u);
  EXPECT_EQ(o.limits.transactions_per_domain, 3u);
  EXPECT_EQ(o.quotas.perms_per_node, 7u);
  EXPECT_EQ(o.quotas.path_length, 1000u);
  EXPECT_EQ(o.quotas.transaction_nodes, 50u);
  EXPECT_EQ(o.limits.memory_soft, 100u);
  EXPECT_EQ(o.limits.watch_event_timeout_s, 5u);

  auto l = std::get<Options>(parse({"--no-fork", "--pid-file=/p", "--trace-file", "/t", "--no-domain-init",
                                    "--entry-nb", "5", "--quota", "memory=123", "--keep-orphans",
                                    "--internal-db", "--help"}));
  EXPECT_TRUE(l.foreground);
  EXPECT_EQ(l.pid_file, "/p");
  EXPECT_EQ(l.trace_file, "/t");
  EXPECT_EQ(l.quotas.nodes_per_domain, 5u);
  EXPECT_EQ(l.limits.memory_per_domain, 123u);
  EXPECT_TRUE(l.show_help);
  EXPECT_TRUE(l.internal_db);
}

TEST(Options, InternalDbTakesOnOrOff) {
  EXPECT_FALSE(std::get<Options>(parse({"-I", "off"})).internal_db);
  EXPECT_TRUE(std::get<Options>(parse({"-I", "on", "-N"})).internal_db);
  EXPECT_TRUE(std::holds_alternative<ParseError>(parse({"-I", "maybe"})));
}

TEST(Options, ErrorsAreReported) {
  EXPECT_TRUE(std::holds_alternative<ParseError>(parse({"-E", "x"})));
  EXPECT_TRUE(std::holds_alternative<ParseError>(parse({"-Q", "bogus=1"})));
  EXPECT_TRUE(std::holds_alternative<ParseError>(parse({"-q", "nodes=1"})));
  EXPECT_TRUE(std::holds_alternative<ParseError>(parse({"-w", "other=1"})));
  EXPECT_TRUE(std::holds_alternative<ParseError>(parse({"-Z"})));
  EXPECT_TRUE(std::holds_alternative<ParseError>(parse({"stray"})));
}

TEST(Options, BusyPollTakesMicrosecondsUpToOneMillisecond) {
  EXPECT_EQ(std::get<Options>(parse({})).busy_poll, std::chrono::microseconds(200));
  EXPECT_EQ(std::get<Options>(parse({"--busy-poll", "0"})).busy_poll, std::chrono::microseconds(0));
  EXPECT_EQ(std::get<Options>(parse({"--busy-poll=1000"})).busy_poll, std::chrono::microseconds(1000));
  for (const char* bad : {"1001", "-1", "x", "5us", ""})
    EXPECT_TRUE(std::holds_alternative<ParseError>(parse({"--busy-poll", bad}))) << bad;
}

TEST(Options, UsageMentionsEveryOption) {
  std::string text = usage_text("xenstored");
  for (const char* opt : {"--no-domain-init", "--pid-file", "--help", "--no-fork", "--output-pid", "--trace-file",
                          "--entry-nb", "--entry-size", "--watch-nb", "--transaction", "--perm-nb", "--path-max",
                          "--quota", "--quota-soft", "--timeout", "--no-recovery", "--internal-db",
                          "--keep-orphans", "--verbose", "--conflict-burst-limit",
                          "--conflict-rate-limit", "--conflict-throttle-dom0", "--busy-poll"})
    EXPECT_NE(text.find(opt), std::string::npos) << opt;
}

}  // namespace
}  // namespace cxxenstored::daemon
