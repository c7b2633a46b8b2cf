#include "cxxenstored/xen/message_bounds.h"

#include <gtest/gtest.h>

#include <string>

namespace cxxenstored::xen {
namespace {

std::string message(std::uint32_t len) {
  xsd_sockmsg header{XS_WRITE, 1, 0, len};
  std::string bytes(reinterpret_cast<const char*>(&header), sizeof header);
  return bytes + std::string(len <= XENSTORE_PAYLOAD_MAX ? len : 0, 'x');
}

TEST(MessageBounds, AcceptsMaximalMessagesFedByteByByte) {
  MessageBounds bounds;
  std::string stream = message(0) + message(XENSTORE_PAYLOAD_MAX) + message(7);
  for (char c : stream) ASSERT_EQ(bounds.feed(std::string_view(&c, 1)), MessageBounds::npos);
}

TEST(MessageBounds, FindsTheStartOfAnOversizedMessage) {
  MessageBounds bounds;
  std::string good = message(5);
  std::string stream = good + message(XENSTORE_PAYLOAD_MAX + 1);
  EXPECT_EQ(bounds.feed(stream), good.size());
}

TEST(MessageBounds, OversizedHeaderSplitAcrossFeedsReportsOffsetZero) {
  MessageBounds bounds;
  std::string stream = message(XENSTORE_PAYLOAD_MAX + 100);
  EXPECT_EQ(bounds.feed(std::string_view(stream).substr(0, 9)), MessageBounds::npos);
  EXPECT_EQ(bounds.feed(std::string_view(stream).substr(9)), 0u);
}

}  // namespace
}  // namespace cxxenstored::xen
