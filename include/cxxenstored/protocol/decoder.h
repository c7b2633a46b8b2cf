// Incremental message decoder: bytes arrive in arbitrary pieces (a header
// split across reads or ring wraps); complete messages come out in order.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "cxxenstored/protocol/wire.h"
#include "cxxenstored/util/result.h"

namespace cxxenstored::protocol {

class Decoder {
 public:
  // Appends bytes to the pending input. Returns the number of bytes
  // consumed (all of them unless the stream is already broken).
  std::size_t feed(std::string_view bytes);

  // The next complete message, if any. Once a header announces a payload
  // above XENSTORE_PAYLOAD_MAX the stream is broken for good: the C daemon
  // drops such a client, and so does the connection layer on seeing it.
  std::optional<Message> next();
  // The same into `out`, whose payload keeps its capacity from one message
  // to the next: a connection's steady stream of requests then allocates
  // nothing here. False (and `out` unspecified) when no message is complete.
  bool next(Message& out);
  bool broken() const { return broken_; }

  // Bytes received but not yet returned as a message.
  std::size_t buffered() const { return buffer_.size() - offset_; }
  std::string_view unconsumed() const { return std::string_view(buffer_).substr(offset_); }

 private:
  std::string buffer_;
  std::size_t offset_ = 0;
  bool broken_ = false;
};

}  // namespace cxxenstored::protocol
