// What the socket transport tests send and look at: a request as a client
// writes it, and how much input a socket still holds.
#pragma once

#include <sys/ioctl.h>

#include <cstdint>
#include <string>

#include "cxxenstored/protocol/wire.h"

namespace cxxenstored::connection::testing_support {

inline std::string message(std::uint32_t req_id, const std::string& payload) {
  protocol::Header header{};
  header.type = XS_READ;
  header.req_id = req_id;
  header.len = static_cast<std::uint32_t>(payload.size());
  std::string bytes(reinterpret_cast<const char*>(&header), sizeof header);
  return bytes + payload;
}

// Bytes in `fd`'s receive queue not yet read (FIONREAD).
inline int unread_bytes(int fd) {
  int n = -1;
  ::ioctl(fd, FIONREAD, &n);
  return n;
}

}  // namespace cxxenstored::connection::testing_support
