// A StoreChannel over a simulated guest's ring: the caller is that guest
// (or dom0 through dom0's own ring).
#pragma once

#include <chrono>

#include "cxxenstored/xen/simulated_guest.h"
#include "store_channel.h"

namespace xssoak {

class RingChannel final : public StoreChannel {
 public:
  // The timeout is generous: a sanitized daemon on a loaded machine can be
  // slow, and a reply that never comes is reported as ETIMEDOUT anyway.
  explicit RingChannel(cxxenstored::xen::SimulatedGuest guest,
                       std::chrono::milliseconds timeout = std::chrono::seconds(30))
      : guest_(std::move(guest)), timeout_(timeout) {}

  Result<std::string> call(std::uint32_t type, std::string_view payload, std::uint32_t tx_id = 0) override;
  std::vector<xsperf::WatchEvent> take_events() override;

  cxxenstored::xen::SimulatedGuest& guest() { return guest_; }

 private:
  cxxenstored::xen::SimulatedGuest guest_;
  std::chrono::milliseconds timeout_;
};

}  // namespace xssoak
