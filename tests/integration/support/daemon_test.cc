#include "daemon_test.h"

#include <cstdlib>
#include <iostream>

namespace cxxenstored::integration {

void DaemonTest::SetUp() {
  const DaemonConfig config = DaemonConfig::from_environment();
  try {
    daemon_ = std::make_unique<RunningDaemon>(config);
  } catch (const std::exception& e) {
    FAIL() << e.what();
  }
  // libxenstore (xs_open) and every client started from here find it so.
  setenv("XENSTORED_PATH", daemon_->socket_path().c_str(), 1);
}

void DaemonTest::TearDown() {
  unsetenv("XENSTORED_PATH");
  if (!daemon_) return;
  const bool alive = daemon_->running();
  EXPECT_TRUE(alive) << daemon_->config().kind_name() << " died during the test with "
                     << daemon_->describe_end();
  if (alive) {
    const ExitStatus end = daemon_->stop();
    EXPECT_TRUE(daemon_->ended_cleanly(end))
        << daemon_->config().kind_name() << " did not end cleanly on SIGTERM: "
        << end.describe();
  }
  if (HasFailure()) {
    std::cerr << "--- " << daemon_->config().kind_name() << " log ("
              << daemon_->run_dir().string() << ") ---\n"
              << daemon_->log() << "--- end of log ---\n";
  }
  daemon_.reset();
}

Completed DaemonTest::client(const std::vector<std::string>& argv) {
  return run(argv, {{"XENSTORED_PATH", daemon_->socket_path()}});
}

}  // namespace cxxenstored::integration
