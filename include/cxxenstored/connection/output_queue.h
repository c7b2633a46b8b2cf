// The messages a socket transport has queued for its peer and not yet
// handed over, and the gathered (scatter/gather) view of their unsent bytes
// that one sendmsg takes. Shared by the epoll and the io_uring socket
// transports, which differ only in how they hand the bytes over.
#pragma once

#include <array>
#include <cstddef>
#include <deque>
#include <string>
#include <string_view>

#include <sys/uio.h>

#include "cxxenstored/protocol/wire.h"

namespace cxxenstored::connection {

class OutputQueue {
 public:
  static constexpr std::size_t kMaxGather = 64;  // messages one write takes; IOV_MAX is 1024
  using Iovecs = std::array<iovec, 2 * kMaxGather>;

  struct Gathered {
    std::size_t count = 0;  // iovecs filled
    std::size_t bytes = 0;  // what they hold
  };

  // Queues `head` then `body` (either may be empty; an empty message is
  // dropped). The body is sent from where it is, not copied.
  void push(std::string_view head, std::string body);
  // The unsent bytes of the first kMaxGather messages, in order.
  Gathered gather(Iovecs& iov);
  // Removes n sent bytes from the front.
  void drop_sent(std::size_t n);

  bool empty() const { return queue_.empty(); }
  std::size_t pending() const { return pending_; }

  // Transport::cork()/uncork(): while corked, messages only queue; they
  // nest. uncork() says whether the last cork is gone.
  void cork() { ++corks_; }
  bool uncork() { return corks_ == 0 || --corks_ == 0; }
  // Whether queued bytes may be handed to the socket now.
  bool ready_to_send() const { return corks_ == 0 && !queue_.empty(); }

 private:
  // A message: its header, then its payload (raw bytes have no head).
  struct Pending {
    std::array<char, protocol::kHeaderSize> head{};
    std::size_t head_size = 0;
    std::string body;

    std::size_t size() const { return head_size + body.size(); }
  };

  std::deque<Pending> queue_;  // element addresses stay put: a write in flight points into them
  std::size_t front_sent_ = 0;  // bytes of queue_.front() already sent
  std::size_t pending_ = 0;
  int corks_ = 0;  // cork() calls not yet matched by uncork()
};

}  // namespace cxxenstored::connection
