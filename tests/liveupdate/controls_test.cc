// "live-update" and "memreport" through the ControlRegistry, as
// xenstore-control reaches them.
#include "cxxenstored/liveupdate/controls.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace cxxenstored::liveupdate {
namespace {

using namespace std::string_literals;

class Controls : public ::testing::Test {
 protected:
  Controls()
      : session_({"/usr/sbin/xenstored", "-N"}, probe_binary) {
    register_liveupdate_controls(
        registry_,
        LiveUpdateControlEnvironment{
            store_, session_, [this](const protocol::ControlRequest&) { return owner_; },
            [this] { return transactions_; },
            [this](ExecPlan plan) { scheduled_.push_back(std::move(plan)); },
            [] { return std::string("connections: 2\n"); },
            [this](std::string_view text) { logged_ += text; }});
  }

  std::string run(const std::string& payload) {
    auto r = registry_.run(store::Caller::dom0(), payload);
    return r ? *r : "errno " + std::to_string(r.error().code);
  }

  store::Store store_;
  LiveUpdateSession session_;
  protocol::ControlRegistry registry_;
  OwnerId owner_ = 1;
  std::vector<OpenTransaction> transactions_;
  std::vector<ExecPlan> scheduled_;
  std::string logged_;
};

TEST_F(Controls, HelpShowsTheCDaemonsUsage) {
  std::string help = run("help\0"s);
  EXPECT_NE(help.find("live-update\t[-c <cmdline>] [-F] [-t <timeout>] <file>\n"
                      "    Default timeout is 60 seconds.\n"),
            std::string::npos);
  EXPECT_NE(help.find("memreport\t[<file>]\n"), std::string::npos);
}

TEST_F(Controls, LiveUpdateFlowSchedulesTheExec) {
  EXPECT_EQ(run("live-update\0-s\0"s), "Not in live-update session.");
  EXPECT_EQ(run("live-update\0-f\0/nonexistent/xenstored\0"s), "File not accessible.");
  EXPECT_EQ(run("live-update\0-f\0/bin/sh\0"s), "OK");
  EXPECT_EQ(run("live-update\0-c\0-N -T /tmp/t\0"s), "OK");
  transactions_ = {{4, Clock::now()}};
  EXPECT_EQ(run("live-update\0-s\0-t\0" "60\0"s), "BUSY");
  EXPECT_TRUE(scheduled_.empty());
  transactions_.clear();
  EXPECT_EQ(run("live-update\0-s\0-t\0" "60\0"s), "OK");
  ASSERT_EQ(scheduled_.size(), 1u);
  EXPECT_EQ(scheduled_[0].argv,
            (std::vector<std::string>{"/bin/sh", "-N", "-T", "/tmp/t", "-U"}));
  EXPECT_EQ(run("live-update\0-b\0" "100\0"s), "errno " + std::to_string(EINVAL));
}

TEST_F(Controls, MemreportLogsOrAppendsToAFile) {
  ASSERT_TRUE(store_.write(store::Caller::dom0(), "/a", "12345"));
  EXPECT_EQ(run("memreport\0"s), "OK");
  EXPECT_NE(logged_.find("nodes: 4\n"), std::string::npos);
  EXPECT_NE(logged_.find("node value bytes: 5\n"), std::string::npos);
  EXPECT_NE(logged_.find("connections: 2\n"), std::string::npos);

  auto file = std::filesystem::temp_directory_path() /
              ("lu-memreport-" + std::to_string(::getpid()));
  EXPECT_EQ(run("memreport\0"s + file.string() + "\0"s), "OK");
  EXPECT_EQ(run("memreport\0"s + file.string() + "\0"s), "OK");
  std::ifstream in(file);
  std::stringstream content;
  content << in.rdbuf();
  std::filesystem::remove(file);
  EXPECT_EQ(content.str(), logged_ + logged_);
  EXPECT_EQ(run("memreport\0a\0b\0"s), "errno " + std::to_string(EINVAL));
  EXPECT_NE(run("memreport\0/dev/null/x\0"s).find("errno"), std::string::npos);
}

}  // namespace
}  // namespace cxxenstored::liveupdate
