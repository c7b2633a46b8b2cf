// Inputs the fuzzers found that crashed the daemon (docs/security.md,
// "Fuzzing findings"). Each runs in a child process (a death-test
// sandbox), so a regression fails this test instead of killing the suite,
// and must then get the exact reply the C daemon rules give.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "engine_harness.h"

namespace cxxenstored::hostile {
namespace {

// Runs `request` for a dom0 session in a child; the child exits 0 when the
// reply equals `expected`, 1 when it differs, and dies if the engine crashes.
void expect_reply_without_crash(std::uint32_t type, const std::string& payload,
                                const std::string& expected) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        EngineHarness h;
        SessionId dom0 = h.open_dom0();
        const std::string reply = h.call(dom0, type, payload);
        std::exit(reply == expected ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

// Finding 1 (fuzz_engine, first minutes): GET_QUOTA whose payload holds no
// NUL at all made Engine::do_get_quota take strings.back() of an empty
// vector (undefined behaviour: a wild read, then a crash or garbage).
TEST(FuzzRegression, GetQuotaWithoutAnyNul) {
  HOSTILE_NEEDS(
      "Engine::do_get_quota (src/protocol/engine.cc): return EINVAL when the payload has no "
      "NUL-terminated string (leading_strings() empty) before strings.back()");
  expect_reply_without_crash(protocol::kGetQuota, "/", "E:EINVAL");
  expect_reply_without_crash(protocol::kGetQuota, "nodes", "E:EINVAL");
}

}  // namespace
}  // namespace cxxenstored::hostile
