#include "socket_test_support.h"

#include <fstream>
#include <functional>
#include <sstream>

#include <xen/io/xs_wire.h>

namespace cxxenstored::hostile {

void SocketTest::SetUp() {
  daemon_ = std::make_unique<integration::RunningDaemon>(integration::DaemonConfig::from_environment());
}

void SocketTest::TearDown() {
  if (!daemon_) return;
  EXPECT_TRUE(daemon_->running()) << "daemon died: " << daemon_->describe_end();
  if (HasFailure()) std::cerr << "--- daemon log ---\n" << daemon_->log() << "\n";
  auto end = daemon_->stop();
  EXPECT_TRUE(daemon_->ended_cleanly(end)) << end.describe();
  daemon_.reset();
}

bool SocketTest::is_reference() const {
  return daemon_->config().kind == integration::DaemonKind::reference;
}

WireClient SocketTest::connect() const { return WireClient(daemon_->socket_path()); }

void SocketTest::expect_others_served() {
  WireClient other = connect();
  EXPECT_EQ(other.call(XS_READ, nul_terms({"/tool"})), "");
  EXPECT_EQ(other.call(XS_WRITE, std::string("/hostile-probe\0alive", 20)), std::string("OK\0", 3));
  EXPECT_EQ(other.call(XS_READ, nul_terms({"/hostile-probe"})), "alive");
  EXPECT_EQ(other.call(XS_RM, nul_terms({"/hostile-probe"})), std::string("OK\0", 3));
}

std::string SocketTest::dump() {
  WireClient c = connect();
  std::string out;
  std::function<void(const std::string&)> walk = [&](const std::string& path) {
    out += path + "=" + c.call(XS_READ, nul_terms({path})) + " " +
           c.call(XS_GET_PERMS, nul_terms({path})) + "\n";
    std::string list = c.call(XS_DIRECTORY, nul_terms({path}));
    std::size_t pos = 0;
    while (pos < list.size()) {
      std::size_t end = list.find('\0', pos);
      if (end == std::string::npos) break;
      walk((path == "/" ? "" : path) + "/" + list.substr(pos, end - pos));
      pos = end + 1;
    }
  };
  walk("/");
  return out;
}

long SocketTest::daemon_rss_kib() const {
  std::ifstream status("/proc/" + std::to_string(daemon_->pid()) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

}  // namespace cxxenstored::hostile
