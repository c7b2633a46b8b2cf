// Storage for tree nodes: size classes in 8-byte steps, carved from 64 KiB
// chunks, with no per-block header.
//
// Why not plain operator new: a host's store is 10^5..10^6 nodes of 32..64
// bytes each, and glibc's malloc adds an 8-byte header and rounds every
// block to 16, about a fifth of a typical node (docs/performance.md,
// "memory"). A node knows its own size, so the pool needs no header to free it.
//
// The pool is not a store's, like malloc's arenas, because a node does not
// know which store it belongs to (and a snapshot may outlive one). It holds
// only free memory, never xenstore state. Free lists are per thread, so a
// node costs no lock (tests run daemons on threads side by side); chunks are
// kept for the life of the process, as malloc keeps its arenas. Freed blocks
// go back to their size class and are reused by the next node of that size.
#pragma once

#include <cstddef>

namespace cxxenstored::store {

class NodePool {
 public:
  // Blocks up to this size come from the pool; larger ones from operator new.
  static constexpr std::size_t kMaxPooledBytes = 512;
  static constexpr std::size_t kGranule = 8;

  // bytes must be a multiple of kGranule.
  static void* allocate(std::size_t bytes);
  // bytes must be the size given to allocate().
  static void release(void* block, std::size_t bytes) noexcept;

  // False in AddressSanitizer builds, where every block is its own heap
  // allocation so that use after free of a node is caught.
  static bool pooling();

  struct Stats {
    std::size_t chunk_bytes = 0;  // obtained from operator new for pooled classes
    std::size_t free_bytes = 0;   // in this thread's free lists, ready for reuse
  };
  static Stats stats();
};

}  // namespace cxxenstored::store
