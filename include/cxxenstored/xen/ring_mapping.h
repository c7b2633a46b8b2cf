// A guest's xenstore ring page mapped into our address space. Owns the
// mapping: destroying it unmaps the page the way it was mapped (grant unmap,
// foreign-memory unmap or munmap), so the backend that made it must outlive it.
#pragma once

#include <cstdint>  // xs_wire.h uses uint32_t without including it
#include <xen/io/xs_wire.h>

#include <functional>
#include <utility>

namespace cxxenstored::xen {

class RingMapping {
 public:
  using Unmapper = std::function<void(xenstore_domain_interface*)>;

  RingMapping(xenstore_domain_interface* ring, Unmapper unmap)
      : ring_(ring), unmap_(std::move(unmap)) {}
  RingMapping(RingMapping&& other) noexcept
      : ring_(std::exchange(other.ring_, nullptr)), unmap_(std::move(other.unmap_)) {}
  RingMapping& operator=(RingMapping&& other) noexcept {
    if (this != &other) {
      release();
      ring_ = std::exchange(other.ring_, nullptr);
      unmap_ = std::move(other.unmap_);
    }
    return *this;
  }
  RingMapping(const RingMapping&) = delete;
  RingMapping& operator=(const RingMapping&) = delete;
  ~RingMapping() { release(); }

  xenstore_domain_interface* get() const { return ring_; }
  xenstore_domain_interface* operator->() const { return ring_; }

 private:
  void release() {
    if (ring_ && unmap_) unmap_(ring_);
    ring_ = nullptr;
  }

  xenstore_domain_interface* ring_ = nullptr;
  Unmapper unmap_;
};

}  // namespace cxxenstored::xen
