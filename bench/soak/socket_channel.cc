#include "socket_channel.h"

namespace xssoak {

std::unique_ptr<SocketChannel> SocketChannel::open(const std::string& socket_path, int timeout_ms) {
  auto opened = xsperf::Connection::open(socket_path, timeout_ms);
  if (!opened) return nullptr;
  return std::unique_ptr<SocketChannel>(new SocketChannel(std::move(opened).value()));
}

Result<std::string> SocketChannel::call(std::uint32_t type, std::string_view payload, std::uint32_t tx_id) {
  return connection_.call(type, payload, tx_id);
}

std::vector<xsperf::WatchEvent> SocketChannel::take_events() {
  auto& queued = connection_.events();
  std::vector<xsperf::WatchEvent> out(std::make_move_iterator(queued.begin()),
                                      std::make_move_iterator(queued.end()));
  queued.clear();
  return out;
}

}  // namespace xssoak
