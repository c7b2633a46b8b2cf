#include "wire_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <xen/io/xs_wire.h>

namespace cxxenstored::hostile {

using Clock = std::chrono::steady_clock;

WireClient::WireClient(const std::string& socket_path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof addr.sun_path) throw std::runtime_error("socket path too long");
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int e = errno;
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error("connect " + socket_path + ": " + std::strerror(e));
  }
}

WireClient::~WireClient() {
  if (fd_ >= 0) ::close(fd_);
}

WireClient::WireClient(WireClient&& other) noexcept
    : fd_(other.fd_), closed_(other.closed_), input_(std::move(other.input_)),
      next_req_id_(other.next_req_id_) {
  other.fd_ = -1;
}

bool WireClient::send_raw(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      closed_ = true;
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::string WireClient::frame(std::uint32_t type, std::string_view payload, std::uint32_t tx_id,
                              std::uint32_t req_id, std::optional<std::uint32_t> len) {
  xsd_sockmsg header{};
  header.type = type;
  header.req_id = req_id;
  header.tx_id = tx_id;
  header.len = len ? *len : static_cast<std::uint32_t>(payload.size());
  std::string out(reinterpret_cast<const char*>(&header), sizeof header);
  out.append(payload);
  return out;
}

bool WireClient::send(std::uint32_t type, std::string_view payload, std::uint32_t tx_id) {
  return send_raw(frame(type, payload, tx_id, next_req_id_++));
}

bool WireClient::fill(std::size_t want, Clock::time_point deadline) {
  char buf[65536];
  while (input_.size() < want) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      closed_ = true;
      return false;
    }
    input_.append(buf, static_cast<std::size_t>(n));
  }
  return true;
}

std::optional<WireReply> WireClient::receive(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  if (!fill(sizeof(xsd_sockmsg), deadline)) return std::nullopt;
  xsd_sockmsg header;
  std::memcpy(&header, input_.data(), sizeof header);
  if (!fill(sizeof header + header.len, deadline)) return std::nullopt;
  WireReply reply{header.type, header.req_id, header.tx_id, input_.substr(sizeof header, header.len)};
  input_.erase(0, sizeof header + header.len);
  return reply;
}

std::optional<WireReply> WireClient::reply(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    auto m = receive(left);
    if (!m || m->type != XS_WATCH_EVENT) return m;
  }
}

std::string WireClient::call(std::uint32_t type, std::string_view payload, std::uint32_t tx_id) {
  if (!send(type, payload, tx_id)) return "<closed>";
  auto m = reply();
  if (!m) return closed_ ? "<closed>" : "<timeout>";
  if (m->type == XS_ERROR) {
    std::string name = m->payload;
    if (!name.empty() && name.back() == '\0') name.pop_back();
    return "E:" + name;
  }
  return m->payload;
}

bool WireClient::wait_closed(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!closed_) {
    // Discard whatever arrives until EOF.
    if (!fill(input_.size() + 1, deadline) && !closed_) return false;
    input_.clear();
  }
  return true;
}

std::string nul_terms(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view p : parts) {
    out.append(p);
    out.push_back('\0');
  }
  return out;
}

}  // namespace cxxenstored::hostile
