// One raw client connection to a xenstored unix socket. Sends arbitrary bytes
// (so malformed framing can be tested) and receives whole messages.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <variant>

namespace xsdiff {

struct Message {
  uint32_t type;
  uint32_t req_id;
  uint32_t tx_id;
  uint32_t len;
  std::string payload;
};

// The daemon closed the connection (EOF or reset).
struct Closed {};
// Nothing complete arrived in time.
struct TimedOut {};

using Received = std::variant<Message, Closed, TimedOut>;

class WireConnection {
 public:
  // Connects to `socket_path`; on failure valid() is false and error() says why.
  explicit WireConnection(const std::string& socket_path);
  ~WireConnection();
  WireConnection(const WireConnection&) = delete;
  WireConnection& operator=(const WireConnection&) = delete;
  WireConnection(WireConnection&& other) noexcept;
  WireConnection& operator=(WireConnection&& other) noexcept;

  bool valid() const { return fd_ >= 0; }
  const std::string& error() const { return error_; }

  // Writes all of `bytes`; false if the daemon has gone.
  bool send(const std::string& bytes);
  // Returns the next whole message, waiting at most `timeout` for it. A
  // message whose payload is still incomplete after the timeout stays
  // buffered for the next call.
  Received receive(std::chrono::milliseconds timeout);
  void close();

 private:
  int fd_ = -1;
  std::string error_;
  std::string buffer_;  // bytes received but not yet returned as a message
  bool eof_ = false;
};

}  // namespace xsdiff
