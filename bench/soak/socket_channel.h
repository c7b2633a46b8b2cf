// A StoreChannel over a xenstored unix socket (the caller is dom0).
#pragma once

#include <memory>
#include <string>

#include "store_channel.h"

namespace xssoak {

class SocketChannel final : public StoreChannel {
 public:
  // Connects; null when the daemon cannot be reached. Reads that see
  // nothing for `timeout_ms` fail with ETIMEDOUT.
  static std::unique_ptr<SocketChannel> open(const std::string& socket_path, int timeout_ms = 30000);

  Result<std::string> call(std::uint32_t type, std::string_view payload, std::uint32_t tx_id = 0) override;
  std::vector<xsperf::WatchEvent> take_events() override;

 private:
  explicit SocketChannel(xsperf::Connection connection) : connection_(std::move(connection)) {}
  xsperf::Connection connection_;
};

}  // namespace xssoak
