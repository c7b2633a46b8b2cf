// Follows message boundaries in a guest's request stream just far enough to
// spot a header announcing a payload above XENSTORE_PAYLOAD_MAX, so the ring
// can be marked XENSTORE_ERROR_PROTO before the bytes reach the connection.
#pragma once

#include <cstdint>  // xs_wire.h uses uint32_t without including it
#include <xen/io/xs_wire.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string_view>

namespace cxxenstored::xen {

class MessageBounds {
 public:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  // Consumes the next bytes of the stream. Returns the offset in `bytes` at
  // which an oversized message begins (0 if it began in earlier bytes), or
  // npos if every header so far is acceptable.
  std::size_t feed(std::string_view bytes) {
    std::size_t i = 0;
    while (i < bytes.size()) {
      if (payload_left_ > 0) {
        std::size_t take = std::min<std::size_t>(payload_left_, bytes.size() - i);
        payload_left_ -= static_cast<std::uint32_t>(take);
        i += take;
        continue;
      }
      std::size_t header_start = header_have_ == 0 ? i : 0;
      std::size_t take = std::min(sizeof header_ - header_have_, bytes.size() - i);
      std::memcpy(header_ + header_have_, bytes.data() + i, take);
      header_have_ += take;
      i += take;
      if (header_have_ < sizeof header_) break;
      xsd_sockmsg header;
      std::memcpy(&header, header_, sizeof header);
      header_have_ = 0;
      if (header.len > XENSTORE_PAYLOAD_MAX) return header_start;
      payload_left_ = header.len;
    }
    return npos;
  }

 private:
  char header_[sizeof(xsd_sockmsg)];
  std::size_t header_have_ = 0;
  std::uint32_t payload_left_ = 0;
};

}  // namespace cxxenstored::xen
