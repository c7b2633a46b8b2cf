// The live-update session: the C daemon's sub-forms, replies and refusals.
#include "cxxenstored/liveupdate/session.h"

#include <gtest/gtest.h>

#include <cerrno>

namespace cxxenstored::liveupdate {
namespace {

using std::chrono::seconds;

const std::vector<std::string> kArgv{"/usr/sbin/xenstored", "--pid-file", "/run/x.pid"};

class Session : public ::testing::Test {
 protected:
  Session()
      : session_(kArgv, [this](const std::string& path) {
          probed_.push_back(path);
          if (path == "/missing") return BinaryStatus::kNotAccessible;
          if (path == "/etc/passwd") return BinaryStatus::kNotExecutable;
          return BinaryStatus::kExecutable;
        }) {}

  Result<SessionReply> run(OwnerId owner, std::vector<std::string_view> args,
                           std::vector<OpenTransaction> tx = {}, seconds at = seconds(0)) {
    return session_.handle(owner, args, tx, t0_ + at);
  }
  std::string text(OwnerId owner, std::vector<std::string_view> args,
                   std::vector<OpenTransaction> tx = {}, seconds at = seconds(0)) {
    auto r = run(owner, std::move(args), std::move(tx), at);
    return r ? r->text : "errno " + std::to_string(r.error().code);
  }

  Clock::time_point t0_ = Clock::now();
  std::vector<std::string> probed_;
  LiveUpdateSession session_;
};

TEST_F(Session, MalformedFormsAreEinval) {
  for (auto args : std::vector<std::vector<std::string_view>>{
           {}, {"-f"}, {"-f", "a", "b"}, {"-c"}, {"-a", "x"}, {"-F"}, {"-t", "5"},
           {"-b", "100"}, {"-x"}, {"-s", "-x"}, {"-s", "-t"}}) {
    auto r = run(1, args);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, EINVAL);
  }
}

TEST_F(Session, RepliesLikeTheCDaemonWithoutASession) {
  EXPECT_EQ(text(1, {"-a"}), "No live-update session active.");
  EXPECT_EQ(text(1, {"-c", "x"}), "Not in live-update session.");
  EXPECT_EQ(text(1, {"-s"}), "Not in live-update session.");
  EXPECT_EQ(text(1, {"-f", "/missing"}), "File not accessible.");
  EXPECT_EQ(text(1, {"-f", "/etc/passwd"}), "File not executable.");
  EXPECT_FALSE(session_.active());
}

TEST_F(Session, OneSessionOwnedByOneConnection) {
  EXPECT_EQ(text(1, {"-f", "/new"}), "OK");
  EXPECT_EQ(text(1, {"-f", "/new"}), "live-update session already active.");
  EXPECT_EQ(text(2, {"-f", "/new"}), "live-update session already active.");
  EXPECT_EQ(text(2, {"-c", "x"}), "Not in live-update session.");
  EXPECT_EQ(text(2, {"-s"}), "Not in live-update session.");
  EXPECT_EQ(text(1, {"-c", "-N"}), "OK");
  session_.connection_closed(2);
  EXPECT_TRUE(session_.active());
  session_.connection_closed(1);
  EXPECT_FALSE(session_.active());
  EXPECT_EQ(text(1, {"-f", "/new"}), "OK");
  EXPECT_EQ(text(2, {"-a"}), "OK");  // the C daemon lets anyone abort
  EXPECT_FALSE(session_.active());
}

TEST_F(Session, StartsAtOnceWithoutTransactions) {
  ASSERT_EQ(text(1, {"-f", "/usr/sbin/new-xenstored"}), "OK");
  auto r = run(1, {"-s", "-t", "60"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->text, "OK");
  ASSERT_TRUE(r->proceed);
  EXPECT_EQ(r->proceed->binary, "/usr/sbin/new-xenstored");
  EXPECT_EQ(r->proceed->argv, (std::vector<std::string>{"/usr/sbin/new-xenstored",
                                                        "--pid-file", "/run/x.pid", "-U"}));
  EXPECT_FALSE(session_.active());
}

TEST_F(Session, CommandLineReplacesArguments) {
  EXPECT_EQ(LiveUpdateSession::build_argv("/b", kArgv, std::string("  -N\t-T /t  ")),
            (std::vector<std::string>{"/b", "-N", "-T", "/t", "-U"}));
  EXPECT_EQ(LiveUpdateSession::build_argv("/b", kArgv, std::string("-U -N")),
            (std::vector<std::string>{"/b", "-U", "-N"}));
  EXPECT_EQ(LiveUpdateSession::build_argv("/b", {"/old", "-U"}, std::nullopt),
            (std::vector<std::string>{"/b", "-U"}));
}

TEST_F(Session, WaitsForTransactionsThenRefusesWithoutForce) {
  ASSERT_EQ(text(1, {"-f", "/new"}), "OK");
  std::vector<OpenTransaction> tx{{3, t0_ - seconds(1)}, {7, t0_}};
  EXPECT_EQ(text(1, {"-s", "-t", "10"}, tx), "BUSY");
  EXPECT_EQ(text(1, {"-s", "-t", "10"}, tx, seconds(9)), "BUSY");
  EXPECT_EQ(text(1, {"-s", "-t", "10"}, tx, seconds(10)),
            "Domains with long running transactions:\nDomain 3: 11 s\nDomain 7: 10 s");
  EXPECT_FALSE(session_.active());
}

TEST_F(Session, TransactionsEndingWhileWaitingLetItProceed) {
  ASSERT_EQ(text(1, {"-f", "/new"}), "OK");
  EXPECT_EQ(text(1, {"-s"}, {{3, t0_}}), "BUSY");
  auto r = run(1, {"-s"}, {}, seconds(2));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->text, "OK");
  EXPECT_TRUE(r->proceed);
}

TEST_F(Session, ForceProceedsOverLongRunningTransactions) {
  ASSERT_EQ(text(1, {"-f", "/new"}), "OK");
  // All transactions older than the timeout: at once.
  auto r = run(1, {"-s", "-F", "-t", "5"}, {{3, t0_ - seconds(6)}});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->proceed);

  ASSERT_EQ(text(1, {"-f", "/new"}), "OK");
  // A young one: wait out the timeout, then go anyway.
  std::vector<OpenTransaction> young{{3, t0_}};
  EXPECT_EQ(text(1, {"-s", "-F", "-t", "5"}, young), "BUSY");
  r = run(1, {"-s", "-F", "-t", "5"}, young, seconds(5));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->text, "OK");
  EXPECT_TRUE(r->proceed);
}

TEST(RejectReason, OverlappingWhenNoneIsLong) {
  auto now = Clock::now();
  EXPECT_EQ(reject_reason({{1, now}}, seconds(60), now), "Overlapping transactions");
}

}  // namespace
}  // namespace cxxenstored::liveupdate
