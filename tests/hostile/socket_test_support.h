// Fixture for hostile-input tests against a real daemon process over its
// unix socket: ours (cxxenstored) or Debian's C xenstored, chosen by
// CXXENSTORED_TEST_DAEMON as in tests/integration, so every expectation is
// proven on the daemon we replace. Each test gets a fresh daemon.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "support/daemon_under_test.h"
#include "wire_client.h"

namespace cxxenstored::hostile {

class SocketTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  bool is_reference() const;
  WireClient connect() const;
  // A fresh client reads /tool and writes and reads back a node: the daemon
  // still serves others.
  void expect_others_served();
  // The whole tree (paths, values, permissions) as text, read by dom0.
  std::string dump();
  // Resident memory of the daemon process in KiB (from /proc).
  long daemon_rss_kib() const;

  std::unique_ptr<integration::RunningDaemon> daemon_;
};

}  // namespace cxxenstored::hostile
