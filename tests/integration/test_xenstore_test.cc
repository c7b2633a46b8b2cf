// Xen's own test program test-xenstore (Debian xen-utils-4.17) against a
// freshly started daemon: each of its tests, its iteration mode and its
// random mode must pass (exit status 0; it exits 3 on a failed test).
#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <string>
#include <vector>

#include "support/daemon_test.h"

#ifndef XEN_UTILS_DIR
#error "XEN_UTILS_DIR must name the folder holding test-xenstore"
#endif

namespace cxxenstored::integration {
namespace {

using namespace std::chrono_literals;

const std::string kTestXenstore = std::string(XEN_UTILS_DIR) + "/test-xenstore";

// test-xenstore's built-in tests, as `test-xenstore -l` lists them.
const std::vector<std::string> kTests = {
    "read 1",  "read 2000", "write 1",    "write 2000", "dir",    "rm node",
    "rm dir",  "ta empty",  "ta empty x", "ta rmw",     "ta rmw x", "ta err",
};

class TestXenstore : public DaemonTest {
 protected:
  void expect_passes(const std::vector<std::string>& args, std::chrono::seconds timeout) {
    std::vector<std::string> argv = {kTestXenstore};
    argv.insert(argv.end(), args.begin(), args.end());
    const Completed got = run(argv, {{"XENSTORED_PATH", daemon().socket_path()}}, timeout);
    ASSERT_FALSE(got.timed_out) << "test-xenstore hung; output:\n" << got.out << got.err;
    EXPECT_TRUE(got.status.success()) << "test-xenstore " << got.status.describe() << "\n"
                                      << got.out << got.err;
    // It reports transactions that needed too many retries but still passes.
    EXPECT_EQ(got.out.find("Exhaustive transaction retries"), std::string::npos) << got.out;
  }
};

class TestXenstoreCase : public TestXenstore,
                         public ::testing::WithParamInterface<std::string> {};

TEST_P(TestXenstoreCase, Passes) { expect_passes({"-t", GetParam()}, 60s); }

INSTANTIATE_TEST_SUITE_P(Each, TestXenstoreCase, ::testing::ValuesIn(kTests),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name;
                           for (char c : info.param) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return name;
                         });

TEST_F(TestXenstore, ListsTheTestsWeRun) {
  const Completed got = run({kTestXenstore, "-l"});
  ASSERT_TRUE(got.status.success());
  size_t pos = 0;
  std::vector<std::string> listed;
  while (pos < got.out.size()) {
    const size_t end = got.out.find('\n', pos);
    const std::string line = got.out.substr(pos, end - pos);
    const std::string name = line.substr(0, line.find(':'));
    listed.push_back(name.substr(0, name.find_last_not_of(' ') + 1));
    pos = end == std::string::npos ? got.out.size() : end + 1;
  }
  EXPECT_EQ(listed, kTests);
}

TEST_F(TestXenstore, AllTestsRepeated) { expect_passes({"-i", "20"}, 120s); }

TEST_F(TestXenstore, RandomForTenSeconds) { expect_passes({"-r", "10"}, 60s); }

}  // namespace
}  // namespace cxxenstored::integration
