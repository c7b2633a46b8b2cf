// One direction of a xenstore ring (xen/io/xs_wire.h): a XENSTORE_RING_SIZE
// byte circular buffer with free-running 32-bit producer/consumer indices,
// shared with another domain that may touch it at any moment.
//
// Both ends use it: the server consumes `req` and produces `rsp`, a (simulated)
// guest the reverse. Each call reads the indices once, validates them
// (producer at most XENSTORE_RING_SIZE ahead of consumer, else EIO), copies,
// and publishes the new index behind a full barrier, as Xen's ring protocol
// requires.
#pragma once

#include <cstdint>  // xs_wire.h uses uint32_t without including it
#include <xen/io/xs_wire.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstring>

#include "cxxenstored/util/result.h"

namespace cxxenstored::xen {

class RingQueue {
 public:
  RingQueue(char* data, XENSTORE_RING_IDX* cons, XENSTORE_RING_IDX* prod)
      : data_(data), cons_(cons), prod_(prod) {}

  static RingQueue requests(xenstore_domain_interface* ring) {
    return RingQueue(ring->req, &ring->req_cons, &ring->req_prod);
  }
  static RingQueue responses(xenstore_domain_interface* ring) {
    return RingQueue(ring->rsp, &ring->rsp_cons, &ring->rsp_prod);
  }

  // Bytes waiting to be consumed.
  Result<std::size_t> readable() const {
    auto [cons, prod] = snapshot();
    if (!sane(cons, prod)) return Error{EIO};
    return std::size_t{prod - cons};
  }
  // Free space for the producer.
  Result<std::size_t> writable() const {
    auto [cons, prod] = snapshot();
    if (!sane(cons, prod)) return Error{EIO};
    return std::size_t{XENSTORE_RING_SIZE - (prod - cons)};
  }

  // Consumer: copies up to `max` bytes out and advances the consumer index.
  Result<std::size_t> read(char* out, std::size_t max) {
    auto [cons, prod] = snapshot();
    if (!sane(cons, prod)) return Error{EIO};
    std::size_t n = prod - cons;
    if (n > max) n = max;
    copy_out(cons, out, n);
    // The copy must complete before the producer may reuse the space.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    store(cons_, cons + static_cast<XENSTORE_RING_IDX>(n));
    return n;
  }

  // Producer: copies up to `len` bytes in and advances the producer index.
  Result<std::size_t> write(const char* in, std::size_t len) {
    auto [cons, prod] = snapshot();
    if (!sane(cons, prod)) return Error{EIO};
    std::size_t n = XENSTORE_RING_SIZE - (prod - cons);
    if (n > len) n = len;
    copy_in(prod, in, n);
    // The data must be visible before the consumer sees the new producer.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    store(prod_, prod + static_cast<XENSTORE_RING_IDX>(n));
    return n;
  }

  // Raw index access, for resets and for tests that corrupt rings.
  XENSTORE_RING_IDX consumer() const { return load(cons_); }
  XENSTORE_RING_IDX producer() const { return load(prod_); }
  void set_consumer(XENSTORE_RING_IDX v) { store(cons_, v); }
  void set_producer(XENSTORE_RING_IDX v) { store(prod_, v); }

 private:
  struct Indices {
    XENSTORE_RING_IDX cons, prod;
  };

  // Acquire/release on the indices on top of the full barriers: the barriers
  // are what the other domain's CPU needs; acquire/release also tells the
  // compiler and thread sanitizers which data an index publishes.
  static XENSTORE_RING_IDX load(XENSTORE_RING_IDX* p) {
    return std::atomic_ref<XENSTORE_RING_IDX>(*p).load(std::memory_order_acquire);
  }
  static void store(XENSTORE_RING_IDX* p, XENSTORE_RING_IDX v) {
    std::atomic_ref<XENSTORE_RING_IDX>(*p).store(v, std::memory_order_release);
  }
  // Reads both indices exactly once; the barrier orders them before any
  // access to the data they describe.
  Indices snapshot() const {
    Indices i{load(cons_), load(prod_)};
    std::atomic_thread_fence(std::memory_order_seq_cst);
    return i;
  }
  static bool sane(XENSTORE_RING_IDX cons, XENSTORE_RING_IDX prod) {
    return static_cast<XENSTORE_RING_IDX>(prod - cons) <= XENSTORE_RING_SIZE;
  }
  void copy_out(XENSTORE_RING_IDX from, char* out, std::size_t n) const {
    std::size_t off = MASK_XENSTORE_IDX(from);
    std::size_t first = XENSTORE_RING_SIZE - off;
    if (first > n) first = n;
    std::memcpy(out, data_ + off, first);
    std::memcpy(out + first, data_, n - first);
  }
  void copy_in(XENSTORE_RING_IDX at, const char* in, std::size_t n) {
    std::size_t off = MASK_XENSTORE_IDX(at);
    std::size_t first = XENSTORE_RING_SIZE - off;
    if (first > n) first = n;
    std::memcpy(data_ + off, in, first);
    std::memcpy(data_, in + first, n - first);
  }

  char* data_;
  XENSTORE_RING_IDX* cons_;
  XENSTORE_RING_IDX* prod_;
};

}  // namespace cxxenstored::xen
