#include "wire_connection.h"

#include <cerrno>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <xen/io/xs_wire.h>

namespace xsdiff {

WireConnection::WireConnection(const std::string& socket_path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof addr.sun_path) {
    error_ = "socket path too long: " + socket_path;
    return;
  }
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    error_ = std::string("socket: ") + std::strerror(errno);
    return;
  }
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    error_ = "connect " + socket_path + ": " + std::strerror(errno);
    ::close(fd_);
    fd_ = -1;
  }
}

WireConnection::~WireConnection() { close(); }

WireConnection::WireConnection(WireConnection&& other) noexcept
    : fd_(other.fd_), error_(std::move(other.error_)), buffer_(std::move(other.buffer_)), eof_(other.eof_) {
  other.fd_ = -1;
}

WireConnection& WireConnection::operator=(WireConnection&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = other.fd_;
    error_ = std::move(other.error_);
    buffer_ = std::move(other.buffer_);
    eof_ = other.eof_;
    other.fd_ = -1;
  }
  return *this;
}

void WireConnection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool WireConnection::send(const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

Received WireConnection::receive(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (buffer_.size() >= sizeof(xsd_sockmsg)) {
      xsd_sockmsg header;
      std::memcpy(&header, buffer_.data(), sizeof header);
      size_t total = sizeof header + header.len;
      if (buffer_.size() >= total) {
        Message message{header.type, header.req_id, header.tx_id, header.len,
                        buffer_.substr(sizeof header, header.len)};
        buffer_.erase(0, total);
        return message;
      }
    }
    if (eof_ || fd_ < 0) return Closed{};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return TimedOut{};
    pollfd pfd{fd_, POLLIN, 0};
    int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return TimedOut{};
    char chunk[8192];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      // EOF or reset: whatever whole messages are buffered still count.
      eof_ = true;
      continue;
    }
    buffer_.append(chunk, static_cast<size_t>(n));
  }
}

}  // namespace xsdiff
