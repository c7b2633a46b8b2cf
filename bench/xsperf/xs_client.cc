#include "xs_client.h"

#include <cerrno>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace xsperf {

namespace {

constexpr size_t kHeaderSize = sizeof(xsd_sockmsg);
constexpr size_t kReadChunk = 256 * 1024;

struct ErrnoName {
  int code;
  const char* name;
};

// The table of xen/io/xs_wire.h, restated as a constexpr array so it is
// usable from C++ without relying on the header's static C array.
constexpr ErrnoName kErrnoNames[] = {
    {EINVAL, "EINVAL"}, {EACCES, "EACCES"}, {EEXIST, "EEXIST"},   {EISDIR, "EISDIR"},
    {ENOENT, "ENOENT"}, {ENOMEM, "ENOMEM"}, {ENOSPC, "ENOSPC"},   {EIO, "EIO"},
    {ENOTEMPTY, "ENOTEMPTY"}, {ENOSYS, "ENOSYS"}, {EROFS, "EROFS"}, {EBUSY, "EBUSY"},
    {EAGAIN, "EAGAIN"}, {EISCONN, "EISCONN"}, {E2BIG, "E2BIG"},   {EPERM, "EPERM"},
    {ETIMEDOUT, "ETIMEDOUT"}, {ECONNRESET, "ECONNRESET"}, {EPROTO, "EPROTO"},
};

Error last_errno() { return Error{errno == EAGAIN || errno == EWOULDBLOCK ? ETIMEDOUT : errno}; }

}  // namespace

int errno_from_name(std::string_view name) {
  if (!name.empty() && name.back() == '\0') name.remove_suffix(1);
  for (const auto& e : kErrnoNames)
    if (name == e.name) return e.code;
  return EIO;
}

std::string errno_name(int code) {
  for (const auto& e : kErrnoNames)
    if (code == e.code) return e.name;
  return "E?" + std::to_string(code);
}

std::string path_payload(std::string_view path) {
  std::string p(path);
  p.push_back('\0');
  return p;
}

std::string write_payload(std::string_view path, std::string_view value) {
  std::string p(path);
  p.push_back('\0');
  p.append(value);  // a value carries no terminator on the wire
  return p;
}

std::vector<std::string> split_strings(std::string_view payload) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < payload.size()) {
    size_t end = payload.find('\0', start);
    if (end == std::string_view::npos) end = payload.size();
    out.emplace_back(payload.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

Result<Connection> Connection::open(const std::string& socket_path, int timeout_ms) {
  sockaddr_un addr{};
  if (socket_path.size() >= sizeof(addr.sun_path)) return Error{ENAMETOOLONG};
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error{errno};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    Error e{errno};
    ::close(fd);
    return e;
  }
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  Connection c(fd);
  c.in_.resize(kReadChunk);
  return c;
}

Connection::Connection(Connection&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      out_(std::move(other.out_)),
      in_(std::move(other.in_)),
      in_begin_(other.in_begin_),
      in_end_(other.in_end_),
      events_(std::move(other.events_)) {}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    out_ = std::move(other.out_);
    in_ = std::move(other.in_);
    in_begin_ = other.in_begin_;
    in_end_ = other.in_end_;
    events_ = std::move(other.events_);
  }
  return *this;
}

Connection::~Connection() {
  if (fd_ >= 0) ::close(fd_);
}

void Connection::queue(uint32_t type, std::string_view payload, uint32_t tx_id, uint32_t req_id) {
  xsd_sockmsg h{type, req_id, tx_id, static_cast<uint32_t>(payload.size())};
  out_.append(reinterpret_cast<const char*>(&h), kHeaderSize);
  out_.append(payload);
}

Result<void> Connection::flush() {
  size_t done = 0;
  while (done < out_.size()) {
    ssize_t n = ::send(fd_, out_.data() + done, out_.size() - done, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      out_.clear();
      return last_errno();
    }
    done += static_cast<size_t>(n);
  }
  out_.clear();
  return {};
}

bool Connection::parse_buffered(Message& out) {
  size_t avail = in_end_ - in_begin_;
  if (avail < kHeaderSize) return false;
  xsd_sockmsg h;
  std::memcpy(&h, in_.data() + in_begin_, kHeaderSize);
  if (avail < kHeaderSize + h.len) return false;
  out.type = h.type;
  out.req_id = h.req_id;
  out.tx_id = h.tx_id;
  out.payload.assign(in_.data() + in_begin_ + kHeaderSize, h.len);
  in_begin_ += kHeaderSize + h.len;
  if (in_begin_ == in_end_) in_begin_ = in_end_ = 0;
  return true;
}

bool Connection::has_buffered_message() const {
  size_t avail = in_end_ - in_begin_;
  if (avail < kHeaderSize) return false;
  xsd_sockmsg h;
  std::memcpy(&h, in_.data() + in_begin_, kHeaderSize);
  return avail >= kHeaderSize + h.len;
}

Result<void> Connection::fill() {
  // Keep room for a maximal message after what is already buffered.
  if (in_begin_ > 0 && in_.size() - in_end_ < kHeaderSize + XENSTORE_PAYLOAD_MAX) {
    std::memmove(in_.data(), in_.data() + in_begin_, in_end_ - in_begin_);
    in_end_ -= in_begin_;
    in_begin_ = 0;
  }
  for (;;) {
    ssize_t n = ::recv(fd_, in_.data() + in_end_, in_.size() - in_end_, 0);
    if (n > 0) {
      in_end_ += static_cast<size_t>(n);
      return {};
    }
    if (n == 0) return Error{ECONNRESET};
    if (errno != EINTR) return last_errno();
  }
}

Result<void> Connection::fill_nonblocking() {
  if (in_begin_ > 0 && in_.size() - in_end_ < kHeaderSize + XENSTORE_PAYLOAD_MAX) {
    std::memmove(in_.data(), in_.data() + in_begin_, in_end_ - in_begin_);
    in_end_ -= in_begin_;
    in_begin_ = 0;
  }
  ssize_t n = ::recv(fd_, in_.data() + in_end_, in_.size() - in_end_, MSG_DONTWAIT);
  if (n > 0) {
    in_end_ += static_cast<size_t>(n);
    return {};
  }
  if (n == 0) return Error{ECONNRESET};
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return {};
  return Error{errno};
}

Result<Message> Connection::receive() {
  Message m;
  while (!parse_buffered(m)) {
    // A header announcing more than the protocol allows would never
    // complete: fail instead of waiting for it.
    if (in_end_ - in_begin_ >= kHeaderSize) {
      xsd_sockmsg h;
      std::memcpy(&h, in_.data() + in_begin_, kHeaderSize);
      if (h.len > XENSTORE_PAYLOAD_MAX) return Error{EPROTO};
    }
    CXS_TRY(fill());
  }
  return m;
}

Result<std::string> Connection::call(uint32_t type, std::string_view payload, uint32_t tx_id) {
  queue(type, payload, tx_id);
  CXS_TRY(flush());
  for (;;) {
    auto m = receive();
    if (!m) return m.error();
    if (m->type == XS_WATCH_EVENT) {
      auto parts = split_strings(m->payload);
      if (parts.size() < 2) return Error{EPROTO};
      events_.push_back({std::move(parts[0]), std::move(parts[1])});
      continue;
    }
    if (m->type == XS_ERROR) return Error{errno_from_name(m->payload)};
    if (m->type != type) return Error{EPROTO};
    return std::move(m->payload);
  }
}

namespace {
Result<void> discard(Result<std::string> r) {
  if (!r) return r.error();
  return {};
}
}  // namespace

Result<std::string> Connection::read(std::string_view path, uint32_t tx_id) {
  return call(XS_READ, path_payload(path), tx_id);
}

Result<void> Connection::write(std::string_view path, std::string_view value, uint32_t tx_id) {
  return discard(call(XS_WRITE, write_payload(path, value), tx_id));
}

Result<void> Connection::mkdir(std::string_view path, uint32_t tx_id) {
  return discard(call(XS_MKDIR, path_payload(path), tx_id));
}

Result<void> Connection::rm(std::string_view path, uint32_t tx_id) {
  return discard(call(XS_RM, path_payload(path), tx_id));
}

Result<void> Connection::set_perms(std::string_view path, const std::vector<std::string>& perms,
                                   uint32_t tx_id) {
  std::string p = path_payload(path);
  for (const auto& e : perms) p.append(e).push_back('\0');
  return discard(call(XS_SET_PERMS, p, tx_id));
}

Result<std::vector<std::string>> Connection::directory(std::string_view path, uint32_t tx_id) {
  auto r = call(XS_DIRECTORY, path_payload(path), tx_id);
  if (!r) return r.error();
  return split_strings(*r);
}

Result<uint32_t> Connection::transaction_start() {
  auto r = call(XS_TRANSACTION_START, std::string_view("", 1));
  if (!r) return r.error();
  return static_cast<uint32_t>(std::strtoul(r->c_str(), nullptr, 10));
}

Result<void> Connection::transaction_end(uint32_t tx_id, bool commit) {
  return discard(call(XS_TRANSACTION_END, std::string_view(commit ? "T" : "F", 2), tx_id));
}

Result<void> Connection::watch(std::string_view path, std::string_view token) {
  std::string p = path_payload(path);
  p.append(token).push_back('\0');
  return discard(call(XS_WATCH, p));
}

}  // namespace xsperf
