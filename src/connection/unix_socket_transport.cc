#include "cxxenstored/connection/unix_socket_transport.h"

#include <array>
#include <cerrno>
#include <deque>

#include <sys/socket.h>
#include <sys/uio.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <vector>

namespace cxxenstored::connection {

namespace asio = boost::asio;
using boost::system::error_code;

class UnixSocketTransport::Impl : public std::enable_shared_from_this<Impl> {
 public:
  explicit Impl(asio::local::stream_protocol::socket socket)
      : socket_(std::move(socket)), fd_(socket_.native_handle()) {}

  void start(Handlers handlers) {
    handlers_ = std::move(handlers);
    read_more();
  }

  void send(std::string bytes) {
    if (finished_ || bytes.empty()) return;
    pending_ += bytes.size();
    queue_.push_back(std::move(bytes));
    if (!writing_ && corks_ == 0) write_front();
  }

  void cork() { ++corks_; }
  void uncork() {
    if (corks_ > 0 && --corks_ > 0) return;
    if (!writing_ && !finished_ && !queue_.empty()) write_front();
  }

  std::size_t pending() const { return pending_; }

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
  void read_more() {
    if (reading_ || paused_ || finished_) return;
    reading_ = true;
    socket_.async_read_some(asio::buffer(buffer_),
                            [self = shared_from_this()](error_code ec, std::size_t n) {
                              self->on_read(ec, n);
                            });
  }

  void on_read(error_code ec, std::size_t n) {
    reading_ = false;
    if (finished_) return;
    if (ec) {
      close(ec == asio::error::eof ? CloseReason::kPeerClosed : CloseReason::kIoError);
      return;
    }
    if (handlers_.on_data) handlers_.on_data(std::string_view(buffer_.data(), n));
    read_more();
  }

  // Hands the queue to the socket. First directly, with non-blocking
  // gathered sendmsg calls: the socket nearly always has room, and then the
  // bytes are gone before this returns, with no write operation to set up
  // and no completion to run later (a large share of a small request's
  // cost). What the socket does not take waits for an asynchronous write.
  void write_front() {
    if (write_now()) return;
    writing_ = true;
    in_flight_ = std::min(queue_.size(), kMaxGather);
    auto done = [self = shared_from_this()](error_code ec, std::size_t n) { self->on_written(ec, n); };
    if (in_flight_ == 1) {
      asio::async_write(socket_, asio::buffer(queue_.front()), std::move(done));
      return;
    }
    std::vector<asio::const_buffer> buffers;
    buffers.reserve(in_flight_);
    for (std::size_t i = 0; i < in_flight_; ++i) buffers.push_back(asio::buffer(queue_[i]));
    asio::async_write(socket_, buffers, std::move(done));
  }

  // Sends what the socket takes now (up to kMaxGather messages a call).
  // True when nothing is left to wait for: all sent, or the socket failed
  // (closed here).
  bool write_now() {
    while (!queue_.empty()) {
      std::array<iovec, kMaxGather> iov;
      const std::size_t count = std::min(queue_.size(), kMaxGather);
      std::size_t offered = 0;
      for (std::size_t i = 0; i < count; ++i) {
        iov[i].iov_base = queue_[i].data();
        iov[i].iov_len = queue_[i].size();
        offered += queue_[i].size();
      }
      msghdr msg{};
      msg.msg_iov = iov.data();
      msg.msg_iovlen = count;
      const ssize_t sent = ::sendmsg(fd_, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (sent < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return false;
        close(CloseReason::kIoError);
        return true;
      }
      drop_sent(static_cast<std::size_t>(sent));
      if (static_cast<std::size_t>(sent) < offered) return false;  // the socket is full
    }
    return true;
  }

  // Removes n sent bytes from the front of the queue.
  void drop_sent(std::size_t n) {
    pending_ -= n;
    while (n > 0) {
      std::string& front = queue_.front();
      if (n < front.size()) {
        front.erase(0, n);
        return;
      }
      n -= front.size();
      queue_.pop_front();
    }
  }

  void on_written(error_code ec, std::size_t n) {
    writing_ = false;
    if (finished_) return;
    if (ec) {
      close(CloseReason::kIoError);
      return;
    }
    pending_ -= n;
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(in_flight_));
    if (!queue_.empty()) write_front();  // may send all of it at once
    if (finished_) return;
    if (!queue_.empty()) {
      if (handlers_.on_progress) handlers_.on_progress();
    } else if (handlers_.on_drained) {
      handlers_.on_drained();
    }
  }

  static constexpr std::size_t kMaxGather = 64;  // IOV_MAX is 1024; a bounded batch
  asio::local::stream_protocol::socket socket_;
  int fd_;
  Handlers handlers_;
  std::array<char, 16384> buffer_{};
  std::deque<std::string> queue_;
  std::size_t in_flight_ = 0;  // messages the current write covers
  std::size_t pending_ = 0;
  bool reading_ = false;
  bool writing_ = false;
  int corks_ = 0;  // cork() calls not yet matched by uncork()
  bool paused_ = false;
  bool finished_ = false;
};

UnixSocketTransport::UnixSocketTransport(asio::local::stream_protocol::socket socket)
    : impl_(std::make_shared<Impl>(std::move(socket))) {}

UnixSocketTransport::~UnixSocketTransport() { impl_->detach(); }

void UnixSocketTransport::start(Handlers handlers) { impl_->start(std::move(handlers)); }
void UnixSocketTransport::send(std::string bytes) { impl_->send(std::move(bytes)); }
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
