// Plays a guest kernel's xenbus driver against a SimulatedHypervisor ring:
// writes requests into the req ring and signals the event channel, waits for
// the daemon's signal and reads replies and watch events from the rsp ring,
// with the same index protocol and barriers as a real guest. For tests it can
// also misbehave: split messages at arbitrary points and across notifications,
// stop reading, corrupt the indices, and run the reconnect handshake.
//
// Owns its mapping and descriptors, so it works from another thread or from a
// forked child process. Not thread-safe itself: one thread per guest.
#pragma once

#include <cstdint>  // xs_wire.h uses uint32_t without including it
#include <xen/io/xs_wire.h>

#include <chrono>
#include <deque>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cxxenstored/util/result.h"
#include "cxxenstored/xen/ring_mapping.h"
#include "cxxenstored/xen/simulated_hypervisor.h"

namespace cxxenstored::xen {

// One xenstore wire message (struct xsd_sockmsg + payload).
struct WireMessage {
  std::uint32_t type = 0;
  std::uint32_t req_id = 0;
  std::uint32_t tx_id = 0;
  std::string payload;

  // Header + payload as bytes.
  std::string encode() const;
};

class SimulatedGuest {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::milliseconds kDefaultTimeout{5000};

  static Result<SimulatedGuest> attach(GuestEndpoint endpoint);

  DomId domid() const { return endpoint_.domid; }
  EvtchnPort remote_port() const { return endpoint_.remote_port; }
  std::uint64_t frame() const { return endpoint_.frame; }
  xenstore_domain_interface* ring() const { return mapping_.get(); }

  // --- raw ring access -----------------------------------------------------
  // Signals the daemon.
  void kick();
  // Waits until the daemon signals (or the timeout); consumes the signal.
  bool wait_notification(std::chrono::milliseconds timeout);
  // Signals received so far (counting those consumed by waits).
  std::uint64_t notifications() const { return notifications_; }
  // Counts signals that arrived without waiting.
  void poll_notifications();
  // Writes as much of `bytes` as fits now (no kick); EIO on bogus indices.
  Result<std::size_t> write_some(std::string_view bytes);
  // Reads whatever the daemon produced (no kick).
  Result<std::string> read_some();

  // --- message level ---------------------------------------------------------
  // Writes `bytes` completely, at most `chunk` bytes per write, kicking after
  // each (so the daemon sees them across notifications), waiting for space.
  Result<void> write_all(std::string_view bytes, std::size_t chunk = XENSTORE_RING_SIZE,
                         std::chrono::milliseconds timeout = kDefaultTimeout);
  Result<void> send(const WireMessage& message, std::size_t chunk = XENSTORE_RING_SIZE);
  // Receives one whole message (reply or watch event). ETIMEDOUT if none.
  Result<WireMessage> receive(std::chrono::milliseconds timeout = kDefaultTimeout);
  // send + receive the reply, skipping (and keeping) watch events on the way.
  Result<WireMessage> request(std::uint32_t type, std::string_view payload,
                              std::uint32_t tx_id = 0,
                              std::chrono::milliseconds timeout = kDefaultTimeout);
  // Watch events received while waiting for replies, oldest first.
  std::optional<WireMessage> take_watch_event();

  // --- handshake -------------------------------------------------------------
  // Sets connection = XENSTORE_RECONNECT, kicks, waits for XENSTORE_CONNECTED.
  Result<void> reconnect(std::chrono::milliseconds timeout = kDefaultTimeout);

 private:
  SimulatedGuest(GuestEndpoint endpoint, RingMapping mapping)
      : endpoint_(std::move(endpoint)), mapping_(std::move(mapping)) {}

  GuestEndpoint endpoint_;
  RingMapping mapping_;
  std::uint64_t notifications_ = 0;
  std::uint32_t next_req_id_ = 1;
  std::string input_;  // bytes read from rsp, not yet a whole message
  std::deque<WireMessage> watch_events_;
};

}  // namespace cxxenstored::xen
