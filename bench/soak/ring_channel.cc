#include "ring_channel.h"

#include <cerrno>

namespace xssoak {

Result<std::string> RingChannel::call(std::uint32_t type, std::string_view payload, std::uint32_t tx_id) {
  auto reply = guest_.request(type, payload, tx_id, timeout_);
  if (!reply) return reply.error();  // ETIMEDOUT, EPIPE (ring marked bad), EIO (bogus indices)
  if (reply->type == XS_ERROR) return Error{xsperf::errno_from_name(reply->payload)};
  if (reply->type != type) return Error{EPROTO};
  return std::move(reply->payload);
}

std::vector<xsperf::WatchEvent> RingChannel::take_events() {
  std::vector<xsperf::WatchEvent> out;
  while (auto event = guest_.take_watch_event()) {
    auto parts = xsperf::split_strings(event->payload);
    parts.resize(2);  // a malformed event shows as empty strings, which the model flags
    out.push_back({std::move(parts[0]), std::move(parts[1])});
  }
  return out;
}

}  // namespace xssoak
