// libFuzzer target for the framing layer: the incremental Decoder fed in
// arbitrary pieces, and the ring index protocol (RingQueue) on a page whose
// indices the "guest" sets to anything.
//
// Input: byte 0 selects the mode; the rest is the stream (decoder) or the
// ring indices followed by ring contents (ring).
//
// Invariants checked (abort on violation, which libFuzzer reports):
//  * every message out has len <= XENSTORE_PAYLOAD_MAX and payload size == len;
//  * the stream is broken exactly when some header announces more than
//    XENSTORE_PAYLOAD_MAX, and nothing is returned after that;
//  * feeding in pieces yields the same messages as feeding it whole;
//  * bytes out (headers + payloads) + bytes buffered == bytes fed;
//  * a ring with producer more than a ring ahead of its consumer is refused
//    (EIO) and never copies; otherwise reads stay within the ring.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cxxenstored/protocol/decoder.h"
#include "cxxenstored/xen/ring_queue.h"

namespace {

using cxxenstored::protocol::Decoder;
using cxxenstored::protocol::kHeaderSize;
using cxxenstored::protocol::kPayloadMax;
using cxxenstored::protocol::Message;

#define FUZZ_CHECK(cond)                                                  \
  do {                                                                    \
    if (!(cond)) {                                                        \
      __builtin_fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                       \
    }                                                                     \
  } while (0)

struct Outcome {
  std::vector<Message> messages;
  bool broken = false;
  std::size_t buffered = 0;
};

Outcome decode(std::string_view stream, const std::vector<std::size_t>& cuts) {
  Decoder decoder;
  Outcome out;
  std::size_t pos = 0;
  std::size_t cut = 0;
  while (pos < stream.size()) {
    std::size_t n = cuts.empty() ? stream.size() : cuts[cut++ % cuts.size()];
    if (n == 0) n = 1;
    n = std::min(n, stream.size() - pos);
    decoder.feed(stream.substr(pos, n));
    pos += n;
    while (auto m = decoder.next()) {
      FUZZ_CHECK(m->header.len <= kPayloadMax);
      FUZZ_CHECK(m->payload.size() == m->header.len);
      out.messages.push_back(std::move(*m));
    }
  }
  out.broken = decoder.broken();
  out.buffered = decoder.buffered();
  FUZZ_CHECK(!decoder.next().has_value() || !out.broken);
  return out;
}

void fuzz_decoder(std::string_view data) {
  // The first bytes choose the piece sizes (1..16), the rest is the stream.
  std::vector<std::size_t> cuts;
  std::size_t ncuts = data.empty() ? 0 : static_cast<unsigned char>(data[0]) % 8;
  if (!data.empty()) data.remove_prefix(1);
  for (std::size_t i = 0; i < ncuts && !data.empty(); ++i) {
    cuts.push_back(1 + static_cast<unsigned char>(data[0]) % 16);
    data.remove_prefix(1);
  }
  Outcome whole = decode(data, {});
  Outcome pieces = decode(data, cuts);
  FUZZ_CHECK(whole.broken == pieces.broken);
  FUZZ_CHECK(whole.messages.size() == pieces.messages.size());
  for (std::size_t i = 0; i < whole.messages.size(); ++i) {
    FUZZ_CHECK(std::memcmp(&whole.messages[i].header, &pieces.messages[i].header, kHeaderSize) == 0);
    FUZZ_CHECK(whole.messages[i].payload == pieces.messages[i].payload);
  }
  // Walk the stream independently: where must it break?
  std::size_t pos = 0;
  std::size_t expected_messages = 0;
  bool expected_broken = false;
  while (data.size() - pos >= kHeaderSize) {
    xsd_sockmsg h;
    std::memcpy(&h, data.data() + pos, kHeaderSize);
    if (h.len > kPayloadMax) {
      expected_broken = true;
      break;
    }
    if (data.size() - pos - kHeaderSize < h.len) break;
    pos += kHeaderSize + h.len;
    ++expected_messages;
  }
  FUZZ_CHECK(whole.broken == expected_broken);
  FUZZ_CHECK(whole.messages.size() == expected_messages);
  if (!expected_broken) FUZZ_CHECK(pos + whole.buffered == data.size());
}

void fuzz_ring(std::string_view data) {
  // The page as a hostile guest left it: indices from the input, then data.
  auto page = std::make_unique<xenstore_domain_interface>();
  std::memset(page.get(), 0, sizeof *page);
  std::uint32_t idx[4] = {};
  for (int i = 0; i < 4 && data.size() >= 4; ++i) {
    std::memcpy(&idx[i], data.data(), 4);
    data.remove_prefix(4);
  }
  page->req_cons = idx[0];
  page->req_prod = idx[1];
  page->rsp_cons = idx[2];
  page->rsp_prod = idx[3];
  std::memcpy(page->req, data.data(), std::min(data.size(), sizeof page->req));
  auto requests = cxxenstored::xen::RingQueue::requests(page.get());
  const bool sane = idx[1] - idx[0] <= XENSTORE_RING_SIZE;
  auto readable = requests.readable();
  FUZZ_CHECK(readable.ok() == sane);
  char out[XENSTORE_RING_SIZE + 64];
  std::memset(out, 0x5a, sizeof out);
  auto got = requests.read(out, XENSTORE_RING_SIZE);
  FUZZ_CHECK(got.ok() == sane);
  if (got.ok()) {
    FUZZ_CHECK(*got == idx[1] - idx[0]);
    FUZZ_CHECK(page->req_cons == idx[1]);
    for (std::size_t i = *got; i < sizeof out; ++i) FUZZ_CHECK(out[i] == 0x5a);
  } else {
    FUZZ_CHECK(page->req_cons == idx[0]);
  }
  // The daemon's side of the response ring with the guest's indices.
  auto responses = cxxenstored::xen::RingQueue::responses(page.get());
  const bool rsp_sane = idx[3] - idx[2] <= XENSTORE_RING_SIZE;
  auto space = responses.writable();
  FUZZ_CHECK(space.ok() == rsp_sane);
  if (space.ok()) FUZZ_CHECK(*space <= XENSTORE_RING_SIZE);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  std::string_view data(reinterpret_cast<const char*>(bytes), size);
  if (data.empty()) return 0;
  const unsigned mode = static_cast<unsigned char>(data[0]);
  data.remove_prefix(1);
  if (mode & 1) {
    fuzz_ring(data);
  } else {
    fuzz_decoder(data);
  }
  return 0;
}
