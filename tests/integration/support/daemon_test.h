// GoogleTest fixture: every test gets its own freshly started xenstored (ours
// or the reference, see DaemonConfig) in its own run directory, with
// XENSTORED_PATH pointing libxenstore and the xenstore-* tools at it. At
// teardown the daemon must still be running (it did not crash during the
// test) and must end cleanly on SIGTERM; its log is printed when a test fails.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "daemon_under_test.h"
#include "subprocess.h"

namespace cxxenstored::integration {

class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  RunningDaemon& daemon() { return *daemon_; }
  bool is_reference() const { return daemon_->config().kind == DaemonKind::reference; }

  // Runs a client program against this test's daemon.
  Completed client(const std::vector<std::string>& argv);

 private:
  std::unique_ptr<RunningDaemon> daemon_;
};

}  // namespace cxxenstored::integration
