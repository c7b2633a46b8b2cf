#include "misbehaving_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <utility>

#include <xen/io/xs_wire.h>

namespace xssoak {
namespace {

using namespace std::chrono_literals;

// A raw socket, closed on scope exit.
class RawSocket {
 public:
  explicit RawSocket(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), std::min(path.size() + 1, sizeof addr.sun_path - 1));
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~RawSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;
  bool ok() const { return fd_ >= 0; }
  // Gives up ownership of the descriptor.
  int release() { return std::exchange(fd_, -1); }
  int fd() const { return fd_; }
  // Sends without blocking forever (a daemon that stopped reading us is fine).
  std::size_t send(const std::string& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        done += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EAGAIN) {
        pollfd p{fd_, POLLOUT, 0};
        if (::poll(&p, 1, 200) <= 0) break;
        continue;
      }
      break;
    }
    return done;
  }
  // True when the daemon closed the socket within the timeout.
  bool closed_within(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    char buf[4096];
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN)) return true;
    }
    return false;
  }

 private:
  int fd_ = -1;
};

std::string frame(std::uint32_t type, const std::string& payload, std::uint32_t tx = 0,
                  std::uint32_t len_override = 0) {
  xsd_sockmsg h{};
  h.type = type;
  h.req_id = 1;
  h.tx_id = tx;
  h.len = len_override ? len_override : static_cast<std::uint32_t>(payload.size());
  return std::string(reinterpret_cast<const char*>(&h), sizeof h) + payload;
}

std::string nul(const std::string& a) { return a + std::string(1, '\0'); }

void pause_for(const std::atomic<bool>& stop, std::chrono::milliseconds total) {
  for (auto waited = 0ms; waited < total && !stop; waited += 20ms) std::this_thread::sleep_for(20ms);
}

}  // namespace

const char* misbehaviour_name(Misbehaviour m) {
  switch (m) {
    case Misbehaviour::kNeverReads: return "never-reads";
    case Misbehaviour::kGarbage: return "garbage";
    case Misbehaviour::kHalfHeader: return "half-header";
    case Misbehaviour::kTransactionHoard: return "transaction-hoard";
    case Misbehaviour::kOversizedHeader: return "oversized-header";
    case Misbehaviour::kPipelineNoRead: return "pipeline-no-read";
  }
  return "?";
}

void run_misbehaving(Misbehaviour kind, const std::string& socket, std::uint64_t seed,
                     const std::atomic<bool>& stop, MisbehaviourStats& stats,
                     std::chrono::milliseconds never_reads_hold) {
  std::mt19937_64 rng(seed);
  while (!stop) {
    RawSocket s(socket);
    if (!s.ok()) {
      pause_for(stop, 100ms);
      continue;
    }
    ++stats.connections;
    switch (kind) {
      case Misbehaviour::kNeverReads: {
        int small = 4096;
        ::setsockopt(s.fd(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
        stats.bytes_sent += s.send(frame(XS_WATCH, nul("/") + nul(std::string(2000, 't'))));
        // Stays connected (for the whole run, or the hold), never reading.
        if (never_reads_hold.count() > 0) {
          pause_for(stop, never_reads_hold);
          ::close(s.release());
          pause_for(stop, never_reads_hold);  // away as long: the guests it held get their turn
        } else {
          while (!stop) pause_for(stop, 1000ms);
        }
        break;
      }
      case Misbehaviour::kGarbage: {
        std::string junk(1 + rng() % 2000, '\0');
        for (char& c : junk) c = static_cast<char>(rng());
        stats.bytes_sent += s.send(junk);
        pause_for(stop, std::chrono::milliseconds(rng() % 50));
        break;
      }
      case Misbehaviour::kHalfHeader: {
        stats.bytes_sent += s.send(frame(XS_READ, nul("/tool")).substr(0, 1 + rng() % 15));
        pause_for(stop, std::chrono::milliseconds(200 + rng() % 800));
        break;
      }
      case Misbehaviour::kTransactionHoard: {
        std::string out;
        for (std::uint32_t i = 1; i <= 20; ++i) out += frame(XS_TRANSACTION_START, nul(""));
        for (std::uint32_t i = 1; i <= 20; ++i)
          out += frame(XS_WRITE, nul("/soak/hoard" + std::to_string(i)) + "value", i);
        stats.bytes_sent += s.send(out);
        pause_for(stop, std::chrono::milliseconds(rng() % 100));
        break;
      }
      case Misbehaviour::kOversizedHeader: {
        stats.bytes_sent += s.send(frame(XS_WRITE, nul("/soak/x"), 0, XENSTORE_PAYLOAD_MAX + 1 + rng() % 100000));
        if (!s.closed_within(5000ms)) ++stats.oversize_not_closed;
        pause_for(stop, 50ms);
        break;
      }
      case Misbehaviour::kPipelineNoRead: {
        std::string burst;
        for (int i = 0; i < 5000; ++i) burst += frame(XS_READ, nul("/tool"));
        stats.bytes_sent += s.send(burst);
        pause_for(stop, std::chrono::milliseconds(500 + rng() % 1000));
        break;
      }
    }
  }
}

}  // namespace xssoak
