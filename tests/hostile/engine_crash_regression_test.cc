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
  expect_reply_without_crash(protocol::kGetQuota, "/", "E:EINVAL");
  expect_reply_without_crash(protocol::kGetQuota, "nodes", "E:EINVAL");
}

// Finding 2 (fuzz_engine, after ~650 000 runs; minimized to two requests):
// dom0 gives "/" to a guest, then the guest is released. release_in() skips
// the root, so "/" stays owned by the dead domain while its node count is
// erased: the accounting no longer matches the tree, and a new domain that
// reuses the id owns the whole store.
TEST(FuzzRegression, RootOwnedByAReleasedDomain) {
  EngineHarness h;
  SessionId dom0 = h.open_dom0();
  const std::string ok("OK\0", 3);
  ASSERT_EQ(h.call(dom0, XS_INTRODUCE, nul_join({"5", "4096", "1"})), ok);
  ASSERT_EQ(h.call(dom0, XS_SET_PERMS, nul_join({"/", "b5", "n0"})), ok);
  ASSERT_EQ(h.call(dom0, XS_RELEASE, nul_join({"5"})), ok);
  EXPECT_TRUE(h.check().empty());
  const std::string perms = h.call(dom0, XS_GET_PERMS, nul_join({"/"}));
  EXPECT_EQ(perms.substr(0, 3), std::string("b0\0", 3)) << "/ belongs to dom0 after the release";
  // A new domain 5 must not own the store.
  ASSERT_EQ(h.call(dom0, XS_INTRODUCE, nul_join({"5", "4096", "1"})), ok);
  // (It may still write there: dom0 gave "/" default access "b", which the
  // hand-over keeps; what it must not get is ownership.)
  SessionId reborn = h.open_guest(5);
  EXPECT_EQ(h.call(reborn, XS_SET_PERMS, nul_join({"/", "b5"})), "E:EACCES");
  EXPECT_TRUE(h.check().empty());
}

}  // namespace
}  // namespace cxxenstored::hostile
