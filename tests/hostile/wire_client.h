// A raw xenstore wire client over a unix socket, for sending what no library
// would: oversized headers, bytes one at a time, unknown types, unterminated
// payloads. Every wait has a deadline so a daemon that hangs fails the test.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cxxenstored::hostile {

struct WireReply {
  std::uint32_t type = 0;
  std::uint32_t req_id = 0;
  std::uint32_t tx_id = 0;
  std::string payload;
};

class WireClient {
 public:
  // Connects to the daemon's socket; throws std::runtime_error on failure.
  explicit WireClient(const std::string& socket_path);
  ~WireClient();
  WireClient(WireClient&& other) noexcept;
  WireClient(const WireClient&) = delete;
  WireClient& operator=(const WireClient&) = delete;
  WireClient& operator=(WireClient&&) = delete;

  // Writes bytes as they are. False when the daemon has closed the socket.
  bool send_raw(std::string_view bytes);
  // A header with an explicit len (which may lie) followed by the payload.
  static std::string frame(std::uint32_t type, std::string_view payload, std::uint32_t tx_id = 0,
                           std::uint32_t req_id = 0, std::optional<std::uint32_t> len = {});
  bool send(std::uint32_t type, std::string_view payload, std::uint32_t tx_id = 0);

  // The next message, or nullopt when the socket closed or the timeout passed
  // (closed() tells which).
  std::optional<WireReply> receive(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // The next reply that is not a watch event (events are kept for event()).
  std::optional<WireReply> reply(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // send + reply, with the result rendered as in the engine tests:
  // payload, or "E:<name>" for XS_ERROR, "<closed>" or "<timeout>".
  std::string call(std::uint32_t type, std::string_view payload, std::uint32_t tx_id = 0);
  // True once the daemon closed the connection (EOF or reset seen).
  bool closed() const { return closed_; }
  // Waits until the daemon closes the connection; false on timeout.
  bool wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  int fd() const { return fd_; }

 private:
  bool fill(std::size_t want, std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  bool closed_ = false;
  std::string input_;
  std::uint32_t next_req_id_ = 1;
};

// "a\0b\0" from {"a", "b"}.
std::string nul_terms(std::initializer_list<std::string_view> parts);

}  // namespace cxxenstored::hostile
