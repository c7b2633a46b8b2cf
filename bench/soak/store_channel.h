// What a soak model client talks through: one request at a time to a
// xenstored, whatever carries the bytes (a unix socket for dom0 clients, a
// simulated ring for guests), so the model logic exists once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "xs_client.h"

namespace xssoak {

using cxxenstored::Error;
using cxxenstored::Result;

class StoreChannel {
 public:
  virtual ~StoreChannel() = default;

  // Sends one request and waits for its reply, keeping watch events that
  // arrive first. An XS_ERROR reply becomes Error{errno}; a reply of another
  // type than the request EPROTO; a broken or silent carrier one of the
  // codes is_transport_error() accepts.
  virtual Result<std::string> call(std::uint32_t type, std::string_view payload,
                                   std::uint32_t tx_id = 0) = 0;
  // Watch events received so far, oldest first; the channel forgets them.
  virtual std::vector<xsperf::WatchEvent> take_events() = 0;

  // The operations, spelled as libxenstore spells them.
  Result<std::string> read(std::string_view path, std::uint32_t tx_id = 0);
  Result<void> write(std::string_view path, std::string_view value, std::uint32_t tx_id = 0);
  Result<void> mkdir(std::string_view path, std::uint32_t tx_id = 0);
  Result<void> rm(std::string_view path, std::uint32_t tx_id = 0);
  Result<std::vector<std::string>> directory(std::string_view path, std::uint32_t tx_id = 0);
  Result<std::uint32_t> transaction_start();
  Result<void> transaction_end(std::uint32_t tx_id, bool commit);
  Result<void> watch(std::string_view path, std::string_view token);
};

// Errors that say the carrier failed, not the daemon refused: the client
// cannot go on after them.
bool is_transport_error(int code);

}  // namespace xssoak
