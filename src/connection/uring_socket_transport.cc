#include "cxxenstored/connection/uring_socket_transport.h"

#include <liburing.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>

#include <boost/asio/post.hpp>

#include "cxxenstored/connection/output_queue.h"

namespace cxxenstored::connection {

class UringSocketTransport::Impl final : public UringQueue::Client, public std::enable_shared_from_this<Impl> {
 public:
  Impl(int fd, UringQueue& queue) : fd_(fd), queue_(&queue) {}
  // The descriptor is closed only here, when no operation of ours is in
  // flight or prepared any more (the queue holds us until then): closed
  // earlier, its number could be reused by the next client accepted and a
  // prepared entry would act on that client's socket.
  ~Impl() { ::close(fd_); }

  void start(Handlers handlers) {
    handlers_ = std::move(handlers);
    peek_next();
  }

  void send(std::string_view head, std::string body) {
    if (finished_) return;
    output_.push(head, std::move(body));
    if (!sending_ && output_.ready_to_send()) send_front();
  }

  void cork() { output_.cork(); }
  void uncork() {
    if (output_.uncork() && !sending_ && !finished_ && output_.ready_to_send()) send_front();
  }

  std::size_t pending() const { return output_.pending(); }

  void pause() { paused_ = true; }
  void resume() {
    paused_ = false;
    peek_next();
  }

  // Shutting the socket down ends the receive and send in flight (they
  // hold the socket, not its number); their completions find finished_.
  void close(CloseReason reason) {
    if (finished_) return;
    shut();
    boost::asio::post(queue_->executor(), [self = shared_from_this(), reason] {
      auto handler = std::move(self->handlers_.on_closed);
      self->handlers_ = {};
      if (handler) handler(reason);
    });
  }

  // The owner is gone: no callback may run any more.
  void detach() {
    handlers_ = {};
    if (!finished_) shut();
  }

  int fd() const { return fd_; }

  void on_completion(std::uint32_t op, int result) override {
    switch (static_cast<Op>(op)) {
      case Op::kPeek: on_peeked(result); break;
      case Op::kSend: on_sent(result); break;
      case Op::kConsume: on_consumed(result); break;
    }
  }

 private:
  enum class Op : std::uint32_t { kPeek = 1, kSend = 2, kConsume = 3 };

  // What was handed on is taken out first, as a daemon that reads
  // outright would have: a unix socket closed with unread input resets the
  // peer (ECONNRESET) instead of ending its stream (EOF), and a client
  // dropped for a bad message must see the end, as from the C daemon.
  void shut() {
    finished_ = true;
    for (std::size_t left = unconsumed_; left > 0;) {
      const ssize_t n = ::recv(fd_, buffer_.data(), std::min(left, buffer_.size()), MSG_DONTWAIT);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      left -= static_cast<std::size_t>(n);
    }
    set_unconsumed(0);
    ::shutdown(fd_, SHUT_RDWR);
  }

  // Keeps the queue's count of sockets holding input handed on.
  void set_unconsumed(std::size_t bytes) {
    if ((unconsumed_ > 0) != (bytes > 0)) {
      if (bytes > 0) queue_->input_unsettled();
      else queue_->input_settled();
    }
    unconsumed_ = bytes;
  }

  void peek_next() {
    if (peeking_ || unconsumed_ > 0 || paused_ || finished_) return;
    prepare_peek();
  }

  void prepare_peek() {
    peeking_ = true;
    io_uring_sqe* sqe = queue_->prepare(shared_from_this(), static_cast<std::uint32_t>(Op::kPeek));
    io_uring_prep_recv(sqe, fd_, buffer_.data(), buffer_.size(), MSG_PEEK);
  }

  void on_peeked(int result) {
    peeking_ = false;
    if (finished_) return;
    if (result == -EINTR || result == -EAGAIN || (result == -ECANCELED && unconsumed_ > 0)) {
      // Retried; or the consume it was linked behind fell short, and it
      // follows once that has been done.
      peek_next();
      return;
    }
    if (result <= 0) {
      close(result == 0 ? CloseReason::kPeerClosed : CloseReason::kIoError);
      return;
    }
    set_unconsumed(static_cast<std::size_t>(result));
    replied_ = false;
    if (handlers_.on_data) handlers_.on_data(std::string_view(buffer_.data(), unconsumed_));
    if (finished_) return;
    // Out of the socket right behind the reply: the entry after its send
    // when that was prepared just now; after the send in flight (or the
    // next) when the reply waits behind other output; at once when nothing
    // answers (part of a message, or a request that waits).
    //
    // Behind the send, not linked to it (IOSQE_IO_LINK): the kernel runs a
    // linked entry as deferred work, after the whole pass's sends, when the
    // client the reply woke may already be asleep in its next receive, and
    // freeing its request's bytes then wakes it again for nothing (5-11%
    // of tx-disjoint's requests; docs/performance.md). Issued right
    // after the send, in the same submission, it finds the client still
    // waking up. Should the send have to wait for room, the bytes leave
    // first: that costs at most such a wake-up, never a byte.
    if (!replied_ && (sending_ || (!output_.empty() && !output_.ready_to_send()))) {
      consume_after_send_ = true;
    } else {
      consume();
    }
  }

  // The next peek is linked behind: a lone client's request then costs
  // the loop one pass that collects it and one that sends the reply, takes
  // the request out and waits for the next.
  void consume() {
    consume_after_send_ = false;
    consuming_ = true;
    io_uring_sqe* sqe = queue_->prepare(shared_from_this(), static_cast<std::uint32_t>(Op::kConsume));
    // The bytes are there (peeked) and only we read them: MSG_WAITALL
    // only guards against a short receive (which also cancels the peek).
    io_uring_prep_recv(sqe, fd_, buffer_.data(), unconsumed_, MSG_WAITALL);
    if (!paused_ && !peeking_) {
      sqe->flags |= IOSQE_IO_LINK;
      prepare_peek();
    }
  }

  void on_consumed(int result) {
    consuming_ = false;
    if (finished_) return;
    if (result <= 0 || static_cast<std::size_t>(result) > unconsumed_) {
      // The socket failed: the peer is gone.
      close(CloseReason::kIoError);
      return;
    }
    set_unconsumed(unconsumed_ - static_cast<std::size_t>(result));
    if (unconsumed_ > 0) {
      consume();
      return;
    }
    peek_next();
  }

  // Hands the front of the queue (up to OutputQueue::kMaxGather messages)
  // to one sendmsg.
  void send_front() {
    sending_ = true;
    const OutputQueue::Gathered gathered = output_.gather(iov_);
    message_ = msghdr{};
    message_.msg_iov = iov_.data();
    message_.msg_iovlen = gathered.count;
    io_uring_sqe* sqe = queue_->prepare(shared_from_this(), static_cast<std::uint32_t>(Op::kSend));
    io_uring_prep_sendmsg(sqe, fd_, &message_, MSG_NOSIGNAL);
    replied_ = true;
  }

  void on_sent(int result) {
    sending_ = false;
    if (finished_) return;
    if (result < 0) {
      close(CloseReason::kIoError);
      return;
    }
    output_.drop_sent(static_cast<std::size_t>(result));
    if (consume_after_send_ && !consuming_) consume();
    if (output_.ready_to_send()) send_front();
    if (!output_.empty()) {
      if (handlers_.on_progress) handlers_.on_progress();
    } else if (handlers_.on_drained) {
      handlers_.on_drained();
    }
  }

  int fd_;
  UringQueue* queue_;
  Handlers handlers_;
  std::array<char, 16384> buffer_{};
  std::size_t unconsumed_ = 0;  // bytes handed on but still in the socket
  OutputQueue output_;
  OutputQueue::Iovecs iov_{};   // the send in flight points into these
  msghdr message_{};
  bool replied_ = false;  // a send was prepared while input was handed on
  bool peeking_ = false;
  bool consuming_ = false;
  bool consume_after_send_ = false;
  bool sending_ = false;
  bool paused_ = false;
  bool finished_ = false;
};

UringSocketTransport::UringSocketTransport(int fd, UringQueue& queue)
    : impl_(std::make_shared<Impl>(fd, queue)) {}

UringSocketTransport::~UringSocketTransport() { impl_->detach(); }

void UringSocketTransport::start(Handlers handlers) { impl_->start(std::move(handlers)); }
void UringSocketTransport::send(std::string bytes) { impl_->send({}, std::move(bytes)); }
void UringSocketTransport::send_message(std::string_view head, std::string body) {
  impl_->send(head, std::move(body));
}
void UringSocketTransport::cork() { impl_->cork(); }
void UringSocketTransport::uncork() { impl_->uncork(); }
std::size_t UringSocketTransport::pending_output() const { return impl_->pending(); }
void UringSocketTransport::pause_input() { impl_->pause(); }
void UringSocketTransport::resume_input() { impl_->resume(); }
void UringSocketTransport::close() { impl_->close(CloseReason::kLocalClose); }
int UringSocketTransport::native_fd() const { return impl_->fd(); }

std::string UringSocketTransport::describe() const { return "socket fd " + std::to_string(impl_->fd()); }

}  // namespace cxxenstored::connection
