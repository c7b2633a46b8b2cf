#include "cxxenstored/connection/unix_socket_transport.h"

#include <array>
#include <cerrno>
#include <cstring>

#include <sys/socket.h>
#include <sys/uio.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <vector>

#include "cxxenstored/connection/output_queue.h"
#include "cxxenstored/protocol/wire.h"

namespace cxxenstored::connection {

namespace asio = boost::asio;
using boost::system::error_code;

class UnixSocketTransport::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::local::stream_protocol::socket socket, LoopIdleness* idleness)
      : socket_(std::move(socket)), fd_(socket_.native_handle()), idleness_(idleness) {}

  void start(Handlers handlers) {
    handlers_ = std::move(handlers);
    read_more();
  }

  void send(std::string_view head, std::string body) {
    if (finished_) return;
    output_.push(head, std::move(body));
    if (!writing_ && output_.ready_to_send()) write_front();
  }

  void cork() { output_.cork(); }
  void uncork() {
    if (output_.uncork() && !writing_ && !finished_ && output_.ready_to_send()) write_front();
  }

  std::size_t pending() const { return output_.pending(); }

  void pause() { paused_ = true; }
  void resume() {
    paused_ = false;
    read_more();
  }

  void close(CloseReason reason) {
    if (finished_) return;
    finished_ = true;
    error_code ignored;
    socket_.shutdown(asio::socket_base::shutdown_both, ignored);
    socket_.close(ignored);
    // Report asynchronously so callers never see re-entrant callbacks.
    asio::post(socket_.get_executor(), [self = shared_from_this(), reason] {
      auto handler = std::move(self->handlers_.on_closed);
      self->handlers_ = {};
      if (handler) handler(reason);
    });
  }

  // The owner is gone: no callback may run any more.
  void detach() {
    handlers_ = {};
    if (!finished_) {
      finished_ = true;
      error_code ignored;
      socket_.close(ignored);
    }
  }

  int fd() const { return fd_; }

 private:
  // Taking a request out of a unix socket frees the sender's buffer space,
  // and the kernel then wakes every thread waiting on the sender's socket,
  // a client blocked for our reply included: woken for nothing, it often
  // sleeps again before the reply is there, and the reply has to wake it a
  // second time (on a VM, an inter-processor interrupt into a halted vCPU
  // each time). So a lone client's request, one that comes to an idle
  // event loop, is only peeked at, answered, and taken out after the reply
  // has left: one wake-up, carrying the reply. The choice is made when the
  // read is set up, before the request is there: a client whose last
  // request came to an idle loop and held one whole message is expected to
  // do so again. Anything else (a backlog, several requests sent at once)
  // is read outright: there the extra system call would only cost a busy
  // daemon time.
  void read_more() {
    if (reading_ || paused_ || finished_) return;
    reading_ = true;
    const bool peek = expect_lone_request_;
    socket_.async_receive(asio::buffer(buffer_), peek ? asio::socket_base::message_peek : 0,
                          [self = shared_from_this(), peek](error_code ec, std::size_t n) {
                            self->on_read(ec, n, peek);
                          });
  }

  void on_read(error_code ec, std::size_t n, bool peeked) {
    reading_ = false;
    if (finished_) return;
    if (ec) {
      close(ec == asio::error::eof ? CloseReason::kPeerClosed : CloseReason::kIoError);
      return;
    }
    const bool came_to_idle_loop = idleness_ != nullptr && idleness_->claim();
    expect_lone_request_ = came_to_idle_loop && holds_one_message(n);
    if (handlers_.on_data) handlers_.on_data(std::string_view(buffer_.data(), n));
    if (peeked) consume(n);
    read_more();
  }

  // Whether the first `size` bytes of buffer_ are exactly one message.
  bool holds_one_message(std::size_t size) const {
    if (size < protocol::kHeaderSize) return false;
    protocol::Header header;
    std::memcpy(&header, buffer_.data(), protocol::kHeaderSize);
    return size == protocol::kHeaderSize + header.len;
  }

  // Takes `size` bytes, already handed on, out of the socket.
  void consume(std::size_t size) {
    while (size > 0 && !finished_) {
      const ssize_t n = ::recv(fd_, buffer_.data(), std::min(size, buffer_.size()), MSG_DONTWAIT);
      if (n > 0) {
        size -= static_cast<std::size_t>(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else {
        // The bytes were there a moment ago and only this thread reads them.
        close(CloseReason::kIoError);
      }
    }
  }

  // Hands the queue to the socket. First directly, with non-blocking
  // gathered sendmsg calls: the socket nearly always has room, and then the
  // bytes are gone before this returns, with no write operation to set up
  // and no completion to run later (a large share of a small request's
  // cost). What the socket does not take waits for an asynchronous write.
  void write_front() {
    if (write_now()) return;
    writing_ = true;
    OutputQueue::Iovecs iov;
    const OutputQueue::Gathered gathered = output_.gather(iov);
    std::vector<asio::const_buffer> buffers;
    buffers.reserve(gathered.count);
    for (std::size_t i = 0; i < gathered.count; ++i) buffers.emplace_back(iov[i].iov_base, iov[i].iov_len);
    asio::async_write(socket_, buffers,
                      [self = shared_from_this()](error_code ec, std::size_t n) { self->on_written(ec, n); });
  }

  // Sends what the socket takes now (up to OutputQueue::kMaxGather messages a call).
  // True when nothing is left to wait for: all sent, or the socket failed
  // (closed here).
  bool write_now() {
    while (!output_.empty()) {
      OutputQueue::Iovecs iov;
      const OutputQueue::Gathered gathered = output_.gather(iov);
      msghdr msg{};
      msg.msg_iov = iov.data();
      msg.msg_iovlen = gathered.count;
      const ssize_t sent = ::sendmsg(fd_, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (sent < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return false;
        close(CloseReason::kIoError);
        return true;
      }
      output_.drop_sent(static_cast<std::size_t>(sent));
      if (static_cast<std::size_t>(sent) < gathered.bytes) return false;  // the socket is full
    }
    return true;
  }

  void on_written(error_code ec, std::size_t n) {
    writing_ = false;
    if (finished_) return;
    if (ec) {
      close(CloseReason::kIoError);
      return;
    }
    output_.drop_sent(n);
    if (!output_.empty()) write_front();  // may send all of it at once
    if (finished_) return;
    if (!output_.empty()) {
      if (handlers_.on_progress) handlers_.on_progress();
    } else if (handlers_.on_drained) {
      handlers_.on_drained();
    }
  }

  asio::local::stream_protocol::socket socket_;
  int fd_;
  LoopIdleness* idleness_;  // may be null: then input is read at once
  Handlers handlers_;
  std::array<char, 16384> buffer_{};
  OutputQueue output_;
  bool reading_ = false;
  bool expect_lone_request_ = false;  // peek, answer, then consume (read_more)
  bool writing_ = false;
  bool paused_ = false;
  bool finished_ = false;
};

UnixSocketTransport::UnixSocketTransport(asio::local::stream_protocol::socket socket,
                                         LoopIdleness* idleness)
    : impl_(std::make_shared<Impl>(std::move(socket), idleness)) {}

UnixSocketTransport::~UnixSocketTransport() { impl_->detach(); }

void UnixSocketTransport::start(Handlers handlers) { impl_->start(std::move(handlers)); }
void UnixSocketTransport::send(std::string bytes) { impl_->send({}, std::move(bytes)); }
void UnixSocketTransport::send_message(std::string_view head, std::string body) {
  impl_->send(head, std::move(body));
}
void UnixSocketTransport::cork() { impl_->cork(); }
void UnixSocketTransport::uncork() { impl_->uncork(); }
std::size_t UnixSocketTransport::pending_output() const { return impl_->pending(); }
void UnixSocketTransport::pause_input() { impl_->pause(); }
void UnixSocketTransport::resume_input() { impl_->resume(); }
void UnixSocketTransport::close() { impl_->close(CloseReason::kLocalClose); }
int UnixSocketTransport::native_fd() const { return impl_->fd(); }

std::string UnixSocketTransport::describe() const {
  return "socket fd " + std::to_string(impl_->fd());
}

}  // namespace cxxenstored::connection
