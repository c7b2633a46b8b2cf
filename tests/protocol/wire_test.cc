#include <cerrno>
#include <cstring>
#include <string>

#include <gtest/gtest.h>

#include "cxxenstored/protocol/args.h"
#include "cxxenstored/protocol/decoder.h"
#include "cxxenstored/protocol/errors.h"
#include "cxxenstored/protocol/wire.h"

namespace cxxenstored::protocol {
namespace {

using namespace std::string_literals;

Message request(std::uint32_t type, std::string payload, std::uint32_t req = 0x1234,
                std::uint32_t tx = 0) {
  Message m;
  m.header.type = type;
  m.header.req_id = req;
  m.header.tx_id = tx;
  m.header.len = static_cast<std::uint32_t>(payload.size());
  m.payload = std::move(payload);
  return m;
}

TEST(Wire, EncodeIsHeaderThenPayloadLittleEndian) {
  std::string bytes = encode(request(XS_READ, "/a\0"s, 7, 3));
  ASSERT_EQ(bytes.size(), 16u + 3u);
  std::uint32_t fields[4];
  std::memcpy(fields, bytes.data(), 16);
  EXPECT_EQ(fields[0], static_cast<std::uint32_t>(XS_READ));
  EXPECT_EQ(fields[1], 7u);
  EXPECT_EQ(fields[2], 3u);
  EXPECT_EQ(fields[3], 3u);
  EXPECT_EQ(bytes.substr(16), "/a\0"s);
}

TEST(Wire, ReplyKeepsRequestIdAndTransaction) {
  Message req = request(XS_WRITE, "/a\0v"s, 99, 5);
  Message ack = make_ack(req.header);
  EXPECT_EQ(ack.header.type, static_cast<std::uint32_t>(XS_WRITE));
  EXPECT_EQ(ack.header.req_id, 99u);
  EXPECT_EQ(ack.header.tx_id, 5u);
  EXPECT_EQ(ack.payload, "OK\0"s);
  EXPECT_EQ(ack.header.len, 3u);
}

TEST(Wire, ErrorCarriesErrnoName) {
  Message req = request(XS_READ, "/a\0"s, 1, 2);
  Message err = make_error(req.header, ENOENT);
  EXPECT_EQ(err.header.type, static_cast<std::uint32_t>(XS_ERROR));
  EXPECT_EQ(err.header.req_id, 1u);
  EXPECT_EQ(err.header.tx_id, 2u);
  EXPECT_EQ(err.payload, "ENOENT\0"s);
  // Untranslatable errno values become EINVAL, as the C daemon sends.
  EXPECT_EQ(make_error(req.header, EBADF).payload, "EINVAL\0"s);
}

TEST(Wire, WatchEventHasZeroIds) {
  Message ev = make_watch_event("/a/b", "tok");
  EXPECT_EQ(ev.header.type, static_cast<std::uint32_t>(XS_WATCH_EVENT));
  EXPECT_EQ(ev.header.req_id, 0u);
  EXPECT_EQ(ev.header.tx_id, 0u);
  EXPECT_EQ(ev.payload, "/a/b\0tok\0"s);
}

TEST(Wire, MasterTypesFollowDirectoryPart) {
  EXPECT_EQ(kGetFeature, 23u);
  EXPECT_EQ(kSetFeature, 24u);
  EXPECT_EQ(kGetQuota, 25u);
  EXPECT_EQ(kSetQuota, 26u);
  EXPECT_EQ(type_name(XS_TRANSACTION_START), "TRANSACTION_START");
  EXPECT_EQ(type_name(XS_CONTROL), "DEBUG");
  EXPECT_EQ(type_name(kSetQuota), "SET_QUOTA");
  EXPECT_EQ(type_name(1000), "UNKNOWN");
}

TEST(Errors, TableRoundTrips) {
  for (int e : {EINVAL, EACCES, EEXIST, EISDIR, ENOENT, ENOMEM, ENOSPC, EIO, ENOTEMPTY, ENOSYS,
                EROFS, EBUSY, EAGAIN, EISCONN, E2BIG, EPERM}) {
    auto name = error_name(e);
    ASSERT_TRUE(name) << e;
    EXPECT_EQ(error_number(*name), e);
  }
  EXPECT_EQ(error_name(ENOENT), "ENOENT");
  EXPECT_FALSE(error_name(EBADF));
  EXPECT_FALSE(error_number("EWHATEVER"));
}

TEST(Decoder, WholeMessagesInOrder) {
  Decoder d;
  std::string bytes = encode(request(XS_READ, "/a\0"s, 1)) + encode(request(XS_READ, "/b\0"s, 2));
  d.feed(bytes);
  auto first = d.next();
  auto second = d.next();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->header.req_id, 1u);
  EXPECT_EQ(first->payload, "/a\0"s);
  EXPECT_EQ(second->header.req_id, 2u);
  EXPECT_FALSE(d.next());
  EXPECT_EQ(d.buffered(), 0u);
}

TEST(Decoder, IntoOneMessageReusedAcrossLongerAndShorterOnes) {
  Decoder d;
  const std::string long_path = "/local/domain/7/device/vif/0/state\0"s;
  d.feed(encode(request(XS_READ, long_path, 1)) + encode(request(XS_WRITE, "/a\0b"s, 2)) +
         encode(request(XS_TRANSACTION_START, "", 3)));
  Message m;
  ASSERT_TRUE(d.next(m));
  EXPECT_EQ(m.header.type, static_cast<std::uint32_t>(XS_READ));
  EXPECT_EQ(m.payload, long_path);
  const std::size_t capacity = m.payload.capacity();
  ASSERT_TRUE(d.next(m));
  EXPECT_EQ(m.header.req_id, 2u);
  EXPECT_EQ(m.payload, "/a\0b"s);  // nothing left of the longer one
  EXPECT_EQ(m.payload.capacity(), capacity);
  ASSERT_TRUE(d.next(m));
  EXPECT_EQ(m.header.req_id, 3u);
  EXPECT_TRUE(m.payload.empty());
  EXPECT_FALSE(d.next(m));
  // Half a message: not yet.
  const std::string bytes = encode(request(XS_READ, "/b\0"s, 4));
  d.feed(bytes.substr(0, 10));
  EXPECT_FALSE(d.next(m));
  d.feed(bytes.substr(10));
  ASSERT_TRUE(d.next(m));
  EXPECT_EQ(m.header.req_id, 4u);
  EXPECT_EQ(m.payload, "/b\0"s);
}

TEST(Decoder, ByteByByteHeaderAndBody) {
  Decoder d;
  std::string bytes = encode(request(XS_WRITE, "/a/b\0value"s, 42));
  for (std::size_t i = 0; i + 1 < bytes.size(); ++i) {
    d.feed(bytes.substr(i, 1));
    EXPECT_FALSE(d.next()) << "complete after " << i + 1 << " bytes";
  }
  d.feed(bytes.substr(bytes.size() - 1));
  auto m = d.next();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->header.req_id, 42u);
  EXPECT_EQ(m->payload, "/a/b\0value"s);
}

TEST(Decoder, EmptyPayloadIsAMessage) {
  Decoder d;
  d.feed(encode(request(XS_TRANSACTION_START, "")));
  auto m = d.next();
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->payload.empty());
}

TEST(Decoder, MaximumPayloadAccepted) {
  Decoder d;
  d.feed(encode(request(XS_WRITE, std::string(kPayloadMax, 'x'))));
  auto m = d.next();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->payload.size(), kPayloadMax);
  EXPECT_FALSE(d.broken());
}

TEST(Decoder, OversizedLengthBreaksTheStream) {
  Decoder d;
  Message big = request(XS_WRITE, "");
  big.header.len = kPayloadMax + 1;
  std::string bytes(16, '\0');
  std::memcpy(bytes.data(), &big.header, 16);
  d.feed(bytes);
  EXPECT_FALSE(d.next());
  EXPECT_TRUE(d.broken());
  // Nothing after it is ever decoded.
  d.feed(encode(request(XS_READ, "/\0"s)));
  EXPECT_FALSE(d.next());
}

TEST(Args, OneArgNeedsExactlyOneTerminatedString) {
  EXPECT_EQ(one_arg("/a\0"s), "/a");
  EXPECT_EQ(one_arg("\0"s), "");
  EXPECT_FALSE(one_arg(""));
  EXPECT_FALSE(one_arg("/a"));
  EXPECT_FALSE(one_arg("/a\0x"s));
  EXPECT_FALSE(one_arg("/a\0\0"s));
}

TEST(Args, LeadingStringsIgnoreUnterminatedTail) {
  const std::string payload = "a\0b\0tail"s;  // the views point into it
  auto v = leading_strings(payload, 5);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0], "a");
  EXPECT_EQ(v[1], "b");
  EXPECT_EQ(leading_strings("a\0b\0c\0"s, 2).size(), 2u);
  EXPECT_TRUE(leading_strings("abc", 2).empty());
}

TEST(Args, CountNuls) {
  EXPECT_EQ(count_nuls(""), 0u);
  EXPECT_EQ(count_nuls("a\0b\0\0"s), 3u);
}

TEST(Args, AtoiLikeC) {
  EXPECT_EQ(c_atoi("42"), 42);
  EXPECT_EQ(c_atoi("  7x"), 7);
  EXPECT_EQ(c_atoi("abc"), 0);
  EXPECT_EQ(c_atoi(""), 0);
  EXPECT_EQ(c_atoi("-1"), -1);
  EXPECT_EQ(c_atoi("+5"), 5);
  // strtol's long value truncated to int, as glibc's atoi does.
  EXPECT_EQ(static_cast<unsigned>(c_atoi("99999999999")), 1215752191u);
}

}  // namespace
}  // namespace cxxenstored::protocol
