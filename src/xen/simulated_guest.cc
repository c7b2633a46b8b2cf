#include "cxxenstored/xen/simulated_guest.h"

#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "cxxenstored/xen/ring_queue.h"

namespace cxxenstored::xen {
namespace {

constexpr std::size_t kPageSize = 4096;

std::uint32_t load_field(std::uint32_t& field) {
  std::atomic_thread_fence(std::memory_order_seq_cst);
  return std::atomic_ref<std::uint32_t>(field).load(std::memory_order_acquire);
}

std::chrono::milliseconds remaining(SimulatedGuest::Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - SimulatedGuest::Clock::now());
  return left.count() > 0 ? left : std::chrono::milliseconds(0);
}

}  // namespace

std::string WireMessage::encode() const {
  xsd_sockmsg header{};
  header.type = type;
  header.req_id = req_id;
  header.tx_id = tx_id;
  header.len = static_cast<std::uint32_t>(payload.size());
  std::string bytes(reinterpret_cast<const char*>(&header), sizeof header);
  bytes += payload;
  return bytes;
}

Result<SimulatedGuest> SimulatedGuest::attach(GuestEndpoint endpoint) {
  void* page = ::mmap(nullptr, kPageSize, PROT_READ | PROT_WRITE, MAP_SHARED,
                      endpoint.ring.get(), 0);
  if (page == MAP_FAILED) return Error{errno};
  RingMapping mapping(static_cast<xenstore_domain_interface*>(page),
                      [](xenstore_domain_interface* p) { ::munmap(p, kPageSize); });
  return SimulatedGuest(std::move(endpoint), std::move(mapping));
}

void SimulatedGuest::kick() {
  std::uint64_t one = 1;
  (void)!::write(endpoint_.kick.get(), &one, sizeof one);
}

void SimulatedGuest::poll_notifications() {
  std::uint64_t count = 0;
  if (::read(endpoint_.notification.get(), &count, sizeof count) == sizeof count) {
    notifications_ += count;
  }
}

bool SimulatedGuest::wait_notification(std::chrono::milliseconds timeout) {
  pollfd pfd{endpoint_.notification.get(), POLLIN, 0};
  int n = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
  if (n <= 0) return false;
  std::uint64_t count = 0;
  if (::read(endpoint_.notification.get(), &count, sizeof count) != sizeof count) return false;
  notifications_ += count;
  return true;
}

Result<std::size_t> SimulatedGuest::write_some(std::string_view bytes) {
  return RingQueue::requests(ring()).write(bytes.data(), bytes.size());
}

Result<std::string> SimulatedGuest::read_some() {
  char buffer[XENSTORE_RING_SIZE];
  auto got = RingQueue::responses(ring()).read(buffer, sizeof buffer);
  if (!got) return got.error();
  return std::string(buffer, *got);
}

Result<void> SimulatedGuest::write_all(std::string_view bytes, std::size_t chunk,
                                       std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  const bool split = chunk < bytes.size();
  while (!bytes.empty()) {
    if (load_field(ring()->error) != XENSTORE_ERROR_NONE) return Error{EPIPE};
    auto wrote = write_some(bytes.substr(0, chunk));
    if (!wrote) return wrote.error();
    if (*wrote > 0) {
      bytes.remove_prefix(*wrote);
      kick();
      if (!split) continue;
      // Make the split visible: wait until the daemon took this piece, so the
      // next one arrives with a later notification.
      while (true) {
        auto left = RingQueue::requests(ring()).readable();
        if (!left) return left.error();
        if (*left == 0) break;
        if (load_field(ring()->error) != XENSTORE_ERROR_NONE) return Error{EPIPE};
        if (!wait_notification(std::min(remaining(deadline), std::chrono::milliseconds(50))) &&
            remaining(deadline).count() == 0) {
          return Error{ETIMEDOUT};
        }
      }
      continue;
    }
    // Ring full: the daemon signals when it consumed something.
    if (!wait_notification(remaining(deadline)) && remaining(deadline).count() == 0) {
      return Error{ETIMEDOUT};
    }
  }
  return {};
}

Result<void> SimulatedGuest::send(const WireMessage& message, std::size_t chunk) {
  return write_all(message.encode(), chunk);
}

Result<WireMessage> SimulatedGuest::receive(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    if (input_.size() >= sizeof(xsd_sockmsg)) {
      xsd_sockmsg header;
      std::memcpy(&header, input_.data(), sizeof header);
      if (input_.size() >= sizeof header + header.len) {
        WireMessage message{header.type, header.req_id, header.tx_id,
                            input_.substr(sizeof header, header.len)};
        input_.erase(0, sizeof header + header.len);
        return message;
      }
    }
    auto got = read_some();
    if (!got) return got.error();
    if (!got->empty()) {
      input_ += *got;
      kick();  // we freed space the daemon may be waiting for
      continue;
    }
    // Replies written before the daemon marked the ring bad are still read.
    if (load_field(ring()->error) != XENSTORE_ERROR_NONE) return Error{EPIPE};
    if (!wait_notification(remaining(deadline)) && remaining(deadline).count() == 0) {
      return Error{ETIMEDOUT};
    }
  }
}

Result<WireMessage> SimulatedGuest::request(std::uint32_t type, std::string_view payload,
                                            std::uint32_t tx_id,
                                            std::chrono::milliseconds timeout) {
  WireMessage message{type, next_req_id_++, tx_id, std::string(payload)};
  CXS_TRY(send(message));
  while (true) {
    auto reply = receive(timeout);
    if (!reply) return reply.error();
    if (reply->type == XS_WATCH_EVENT) {
      watch_events_.push_back(std::move(*reply));
      continue;
    }
    if (reply->req_id != message.req_id) return Error{EPROTO};
    return reply;
  }
}

std::optional<WireMessage> SimulatedGuest::take_watch_event() {
  if (watch_events_.empty()) return std::nullopt;
  WireMessage event = std::move(watch_events_.front());
  watch_events_.pop_front();
  return event;
}

Result<void> SimulatedGuest::reconnect(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::atomic_thread_fence(std::memory_order_seq_cst);
  std::atomic_ref<std::uint32_t>(ring()->connection)
      .store(XENSTORE_RECONNECT, std::memory_order_release);
  std::atomic_thread_fence(std::memory_order_seq_cst);
  kick();
  while (load_field(ring()->connection) != XENSTORE_CONNECTED) {
    if (!wait_notification(remaining(deadline)) && remaining(deadline).count() == 0) {
      return Error{ETIMEDOUT};
    }
  }
  // Everything in flight was discarded on both sides.
  input_.clear();
  watch_events_.clear();
  return {};
}

}  // namespace cxxenstored::xen
