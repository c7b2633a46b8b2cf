#include "cxxenstored/xen/ring_queue.h"

#include <gtest/gtest.h>

#include <string>

namespace cxxenstored::xen {
namespace {

struct Page {
  xenstore_domain_interface intf{};
};

TEST(RingQueue, RoundTripAcrossTheRingEndAndIndexOverflow) {
  Page page;
  // Free-running indices just below 2^32 and off the buffer start: the next
  // 1000 bytes wrap both the buffer and the 32-bit counter.
  const XENSTORE_RING_IDX start = 0xFFFFFE00u;
  page.intf.req_cons = page.intf.req_prod = start;
  auto producer = RingQueue::requests(&page.intf);
  auto consumer = RingQueue::requests(&page.intf);
  std::string data;
  for (int i = 0; i < 1000; ++i) data.push_back(static_cast<char>('a' + i % 26));
  auto wrote = producer.write(data.data(), data.size());
  ASSERT_TRUE(wrote.ok());
  EXPECT_EQ(*wrote, data.size());
  EXPECT_EQ(page.intf.req_prod, start + 1000u);  // wrapped past zero
  EXPECT_EQ(*consumer.readable(), 1000u);
  std::string out(1000, '\0');
  auto got = consumer.read(out.data(), out.size());
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, 1000u);
  EXPECT_EQ(out, data);
  EXPECT_EQ(*consumer.readable(), 0u);
}

TEST(RingQueue, WriteStopsWhenFullAndResumesAfterRead) {
  Page page;
  auto q = RingQueue::responses(&page.intf);
  std::string big(XENSTORE_RING_SIZE + 100, 'x');
  EXPECT_EQ(*q.write(big.data(), big.size()), XENSTORE_RING_SIZE);
  EXPECT_EQ(*q.writable(), 0u);
  EXPECT_EQ(*q.write(big.data(), 1), 0u);
  char buf[10];
  EXPECT_EQ(*q.read(buf, sizeof buf), 10u);
  EXPECT_EQ(*q.writable(), 10u);
}

TEST(RingQueue, ProducerMoreThanARingAheadIsBogus) {
  Page page;
  page.intf.req_cons = 5;
  page.intf.req_prod = 5 + XENSTORE_RING_SIZE + 1;
  auto q = RingQueue::requests(&page.intf);
  char buf[16];
  ASSERT_FALSE(q.read(buf, sizeof buf).ok());
  EXPECT_EQ(q.read(buf, sizeof buf).error().code, EIO);
  EXPECT_FALSE(q.write(buf, 1).ok());
  // Exactly a full ring is fine.
  page.intf.req_prod = 5 + XENSTORE_RING_SIZE;
  EXPECT_EQ(*q.readable(), XENSTORE_RING_SIZE);
  // Consumer ahead of producer is bogus too (the difference wraps huge).
  page.intf.req_prod = 4;
  EXPECT_FALSE(q.readable().ok());
}

}  // namespace
}  // namespace cxxenstored::xen
