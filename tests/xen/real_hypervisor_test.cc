// The real backend can only run on Xen (the end-to-end test under QEMU does
// that). Here: without a hypervisor it must say so and fail cleanly.
#include "cxxenstored/xen/real_hypervisor.h"

#include <gtest/gtest.h>

namespace cxxenstored::xen {
namespace {

TEST(RealHypervisor, WithoutXenOpeningFailsWithAnError) {
  if (RealHypervisor::present()) GTEST_SKIP() << "running on Xen: covered by tests/e2e";
  auto opened = RealHypervisor::open();
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().code, 0);
}

}  // namespace
}  // namespace cxxenstored::xen
