#include "cxxenstored/store/node_pool.h"

#include <array>
#include <cassert>
#include <mutex>
#include <new>
#include <vector>

namespace cxxenstored::store {
namespace {

constexpr std::size_t kChunkBytes = 64 * 1024;
constexpr std::size_t kClasses = NodePool::kMaxPooledBytes / NodePool::kGranule + 1;

// A free block holds the link to the next free block of its class.
struct FreeBlock {
  FreeBlock* next;
};

struct SizeClass {
  FreeBlock* free = nullptr;
  char* bump = nullptr;       // unused tail of the newest chunk of this class
  char* bump_end = nullptr;
};

char* new_chunk();

class Pool {
 public:
  void* allocate(std::size_t bytes) {
    SizeClass& c = classes_[bytes / NodePool::kGranule];
    if (c.free) {
      FreeBlock* block = c.free;
      c.free = block->next;
      free_bytes_ -= bytes;
      return block;
    }
    if (static_cast<std::size_t>(c.bump_end - c.bump) < bytes) {
      // The old chunk's tail (less than one block) stays unused.
      c.bump = new_chunk();
      c.bump_end = c.bump + kChunkBytes;
    }
    void* block = c.bump;
    c.bump += bytes;
    return block;
  }

  void release(void* block, std::size_t bytes) noexcept {
    SizeClass& c = classes_[bytes / NodePool::kGranule];
    c.free = new (block) FreeBlock{c.free};
    free_bytes_ += bytes;
  }

  std::size_t free_bytes() const { return free_bytes_; }

 private:
  std::array<SizeClass, kClasses> classes_{};
  std::size_t free_bytes_ = 0;
};

// Chunks of every thread's pool, for the life of the process: a node may
// outlive the thread that made it (or be freed on another), so its chunk
// must stay valid; listed here they are also not reported as leaks.
class Chunks {
 public:
  char* add() {
    std::lock_guard lock(mutex_);
    chunks_.push_back(static_cast<char*>(::operator new(kChunkBytes)));
    return chunks_.back();
  }
  std::size_t bytes() {
    std::lock_guard lock(mutex_);
    return chunks_.size() * kChunkBytes;
  }

 private:
  std::mutex mutex_;
  std::vector<char*> chunks_;
};

Chunks& chunks() {
  // Never destroyed: nodes held by other static objects may be freed during
  // exit, after any destructor order we could choose.
  static Chunks* const instance = new Chunks;
  return *instance;
}

char* new_chunk() { return chunks().add(); }

// One pool per thread, so taking and returning a block needs no lock (the
// daemon has one thread; tests run several daemons side by side). A block
// freed on another thread than its own joins that thread's free list, which
// is as good: a block is only memory. A thread's free blocks are lost for
// reuse when it exits; only tests start and stop threads.
Pool& pool() {
  thread_local Pool* const instance = new Pool;
  return *instance;
}

}  // namespace

// Under AddressSanitizer every node gets its own heap block, so a use after
// free of a node is caught rather than hidden inside a pool chunk.
#if defined(__SANITIZE_ADDRESS__)
#define CXXENSTORED_NODE_POOL_BYPASS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CXXENSTORED_NODE_POOL_BYPASS 1
#endif
#endif
#ifdef CXXENSTORED_NODE_POOL_BYPASS
constexpr bool kBypass = true;
#else
constexpr bool kBypass = false;
#endif

void* NodePool::allocate(std::size_t bytes) {
  assert(bytes % kGranule == 0 && bytes >= sizeof(FreeBlock));
  if (kBypass || bytes > kMaxPooledBytes) return ::operator new(bytes);
  return pool().allocate(bytes);
}

void NodePool::release(void* block, std::size_t bytes) noexcept {
  if (kBypass || bytes > kMaxPooledBytes) {
    ::operator delete(block);
    return;
  }
  pool().release(block, bytes);
}

bool NodePool::pooling() { return !kBypass; }

NodePool::Stats NodePool::stats() { return {chunks().bytes(), pool().free_bytes()}; }

}  // namespace cxxenstored::store
