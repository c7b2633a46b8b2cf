#include "cxxenstored/daemon/run_queue_probe.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace cxxenstored::daemon {
namespace {

TEST(RunQueueProbe, ReadsTheRunnableCount) {
  EXPECT_EQ(runnable_tasks("0.12 0.34 0.56 3/123 4567\n"), 3);
  EXPECT_EQ(runnable_tasks("10.00 9.50 8.25 17/2048 99"), 17);
}

TEST(RunQueueProbe, RejectsOtherText) {
  for (std::string_view text : {"", "0.12 0.34 0.56", "0.12 0.34 0.56 ", "0.12 0.34 0.56 x/12 1",
                                "0.12 0.34 0.56 3", "0.12 0.34 0.56 3 12", "a b c /12"})
    EXPECT_FALSE(runnable_tasks(text).has_value()) << text;
}

TEST(RunQueueProbe, ThisMachinesLoadIsReadable) {
  // Only that it answers: whether the machine is crowded is not ours to set.
  const RunQueueProbe probe;
  (void)probe.crowded();
  char text[128] = {};
  FILE* f = std::fopen("/proc/loadavg", "r");
  if (!f) GTEST_SKIP() << "no /proc/loadavg";
  const auto n = std::fread(text, 1, sizeof text - 1, f);
  std::fclose(f);
  auto runnable = runnable_tasks(std::string_view(text, n));
  ASSERT_TRUE(runnable.has_value()) << text;
  EXPECT_GE(*runnable, 1);  // this test is running
}

}  // namespace
}  // namespace cxxenstored::daemon
