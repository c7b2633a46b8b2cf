// xsperf-echo --uring: the --epoll server's shape (one thread, every client)
// on io_uring instead of epoll and recv/send. Each client has one recv in
// flight; its completion queues the echo, the echo's the next recv, and
// one io_uring_enter submits everything queued in a pass and
// collects what completed. It measures whether a completion-based loop
// would lift a single-threaded daemon above the epoll bound: fewer system
// calls per request, the same kernel socket work and wake-ups.
#include "echo_uring.h"

#include <liburing.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <unistd.h>
#include <unordered_map>
#include <vector>

namespace {

constexpr unsigned kRingEntries = 256;
constexpr size_t kBufferSize = 64 * 1024;  // above any xenstore message (4 KiB + header)

enum class Op : uint32_t { kAccept = 1, kRecv = 2, kSend = 3, kConsume = 4 };

uint64_t tag(Op op, int fd) { return (static_cast<uint64_t>(op) << 32) | static_cast<uint32_t>(fd); }
Op op_of(uint64_t t) { return static_cast<Op>(t >> 32); }
int fd_of(uint64_t t) { return static_cast<int>(t & 0xffffffffU); }

class UringEcho {
 public:
  UringEcho(io_uring* ring, int listen_fd, bool consume_after_reply)
      : ring_(ring), listen_fd_(listen_fd), consume_after_reply_(consume_after_reply) {}

  int run(std::chrono::microseconds poll_window) {
    queue_accept();
    for (;;) {
      const int r = poll_window.count() > 0 ? submit_and_poll(poll_window) : io_uring_submit_and_wait(ring_, 1);
      if (r < 0 && r != -EINTR && r != -ETIME) {
        std::fprintf(stderr, "xsperf-echo: io_uring_enter: %s\n", std::strerror(-r));
        return 1;
      }
      handle_completions();
    }
  }

 private:
  // Submits, then asks for completions without sleeping for up to
  // `window` (each ask is an io_uring_enter: with DEFER_TASKRUN the
  // kernel finishes requests only when this thread enters it), as the
  // epoll server polls epoll_wait; sleeps only if nothing came.
  int submit_and_poll(std::chrono::microseconds window) {
    int r = io_uring_submit_and_get_events(ring_);
    const auto until = std::chrono::steady_clock::now() + window;
    while (io_uring_cq_ready(ring_) == 0 && std::chrono::steady_clock::now() < until) {
      r = io_uring_get_events(ring_);
    }
    if (io_uring_cq_ready(ring_) == 0) r = io_uring_submit_and_wait(ring_, 1);
    return r;
  }

  io_uring_sqe* next_sqe() {
    io_uring_sqe* sqe = io_uring_get_sqe(ring_);
    if (sqe == nullptr) {  // the queue is full: hand it to the kernel first
      io_uring_submit(ring_);
      sqe = io_uring_get_sqe(ring_);
    }
    return sqe;
  }

  void queue_accept() {
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_multishot_accept(sqe, listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    io_uring_sqe_set_data64(sqe, tag(Op::kAccept, listen_fd_));
  }

  void queue_recv(int fd) {
    std::vector<char>& buf = buffers_[fd];
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_recv(sqe, fd, buf.data(), buf.size(), consume_after_reply_ ? MSG_PEEK : 0);
    io_uring_sqe_set_data64(sqe, tag(Op::kRecv, fd));
  }

  // Peek, answer, consume: the request leaves the socket (waking its
  // sender) only once the reply is on its way.
  void queue_echo_then_consume(int fd, unsigned length) {
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_send(sqe, fd, buffers_[fd].data(), length, MSG_NOSIGNAL | MSG_WAITALL);
    io_uring_sqe_set_data64(sqe, tag(Op::kSend, fd));
    sqe->flags |= IOSQE_IO_LINK;
    sqe = next_sqe();
    io_uring_prep_recv(sqe, fd, buffers_[fd].data(), length, MSG_WAITALL);
    io_uring_sqe_set_data64(sqe, tag(Op::kConsume, fd));
  }

  // The echo. The next recv is queued when the send completes, so that it
  // cannot overwrite the buffer first (a recv linked behind the send made
  // one client's round trips a fifth slower, apparently waiting for the
  // next entry).
  // MSG_WAITALL makes io_uring finish a short send on a stream socket.
  void queue_echo(int fd, unsigned length) {
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_send(sqe, fd, buffers_[fd].data(), length, MSG_NOSIGNAL | MSG_WAITALL);
    io_uring_sqe_set_data64(sqe, tag(Op::kSend, fd));
  }

  void drop(int fd) {
    if (buffers_.erase(fd) != 0) ::close(fd);
  }

  void handle_completions() {
    io_uring_cqe* cqe = nullptr;
    unsigned head = 0;
    unsigned seen = 0;
    io_uring_for_each_cqe(ring_, head, cqe) {
      ++seen;
      const uint64_t t = io_uring_cqe_get_data64(cqe);
      const int fd = fd_of(t);
      switch (op_of(t)) {
        case Op::kAccept:
          if (cqe->res >= 0) {
            buffers_[cqe->res].resize(kBufferSize);
            queue_recv(cqe->res);
          }
          if ((cqe->flags & IORING_CQE_F_MORE) == 0) queue_accept();
          break;
        case Op::kRecv:
          if (cqe->res <= 0) {
            drop(fd);  // the peer is gone
          } else if (consume_after_reply_) {
            queue_echo_then_consume(fd, static_cast<unsigned>(cqe->res));
          } else {
            queue_echo(fd, static_cast<unsigned>(cqe->res));
          }
          break;
        case Op::kSend:
          if (cqe->res < 0) {
            if (!consume_after_reply_) drop(fd);  // else the cancelled consume drops it
          } else if (!consume_after_reply_) {
            queue_recv(fd);
          }
          break;
        case Op::kConsume:
          if (cqe->res <= 0) {
            drop(fd);
          } else {
            queue_recv(fd);
          }
          break;
      }
    }
    io_uring_cq_advance(ring_, seen);
  }

  io_uring* ring_;
  int listen_fd_;
  bool consume_after_reply_;
  std::unordered_map<int, std::vector<char>> buffers_;  // per client, by fd
};

}  // namespace

int serve_all_uring(int listen_fd, std::chrono::microseconds poll_window, bool consume_after_reply) {
  io_uring ring{};
  io_uring_params params{};
  // One thread submits everything, and completions are finished only when
  // it asks: no task_work interrupts the loop, as in an epoll loop.
  params.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
  const int r = io_uring_queue_init_params(kRingEntries, &ring, &params);
  if (r < 0) {
    // Kernels before 6.1, io_uring_disabled, or a seccomp filter (Docker's
    // default) refuse it: a fact about the host, told apart from a failure.
    std::fprintf(stderr, "xsperf-echo: io_uring unavailable here: %s\n", std::strerror(-r));
    return kUringUnavailable;
  }
  const int status = UringEcho(&ring, listen_fd, consume_after_reply).run(poll_window);
  io_uring_queue_exit(&ring);
  return status;
}
