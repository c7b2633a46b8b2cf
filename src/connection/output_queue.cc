#include "cxxenstored/connection/output_queue.h"

#include <algorithm>

namespace cxxenstored::connection {

void OutputQueue::push(std::string_view head, std::string body) {
  if (head.size() + body.size() == 0) return;
  Pending message;
  if (head.size() <= message.head.size()) {
    std::copy(head.begin(), head.end(), message.head.begin());
    message.head_size = head.size();
    message.body = std::move(body);
  } else {
    message.body.reserve(head.size() + body.size());
    message.body.append(head);
    message.body.append(body);
  }
  pending_ += message.size();
  queue_.push_back(std::move(message));
}

OutputQueue::Gathered OutputQueue::gather(Iovecs& iov) {
  Gathered gathered;
  std::size_t skip = front_sent_;
  const auto add = [&](char* data, std::size_t size) {
    if (skip >= size) {
      skip -= size;
      return;
    }
    iov[gathered.count].iov_base = data + skip;
    iov[gathered.count].iov_len = size - skip;
    ++gathered.count;
    gathered.bytes += size - skip;
    skip = 0;
  };
  std::size_t messages = 0;
  for (auto it = queue_.begin(); it != queue_.end() && messages < kMaxGather; ++it, ++messages) {
    add(it->head.data(), it->head_size);
    add(it->body.data(), it->body.size());
  }
  return gathered;
}

void OutputQueue::drop_sent(std::size_t n) {
  pending_ -= n;
  while (n > 0) {
    const std::size_t left = queue_.front().size() - front_sent_;
    if (n < left) {
      front_sent_ += n;
      return;
    }
    n -= left;
    queue_.pop_front();
    front_sent_ = 0;
  }
}

}  // namespace cxxenstored::connection
