#include "cxxenstored/protocol/wire.h"

#include <array>
#include <cstring>

#include "cxxenstored/protocol/errors.h"

namespace cxxenstored::protocol {

std::array<char, kHeaderSize> header_bytes(const Header& header, std::size_t payload_size) {
  Header framed = header;
  framed.len = static_cast<std::uint32_t>(payload_size);
  std::array<char, kHeaderSize> bytes;
  std::memcpy(bytes.data(), &framed, kHeaderSize);
  return bytes;
}

std::string encode(const Message& message) {
  const auto header = header_bytes(message.header, message.payload.size());
  std::string out;
  out.reserve(kHeaderSize + message.payload.size());  // reserved, not zeroed: both parts overwrite it
  out.append(header.data(), header.size());
  out.append(message.payload);
  return out;
}

Message make_reply(const Header& request, std::uint32_t type, std::string payload) {
  Message reply;
  reply.header = request;
  reply.header.type = type;
  reply.header.len = static_cast<std::uint32_t>(payload.size());
  reply.payload = std::move(payload);
  return reply;
}

Message make_ack(const Header& request) {
  return make_reply(request, request.type, std::string("OK\0", 3));
}

Message make_error(const Header& request, int error) {
  std::string_view name = error_name(error).value_or("EINVAL");
  std::string payload(name);
  payload.push_back('\0');
  return make_reply(request, XS_ERROR, std::move(payload));
}

Message make_watch_event(std::string_view path, std::string_view token) {
  Message event;
  event.header.type = XS_WATCH_EVENT;
  event.payload.reserve(path.size() + token.size() + 2);
  event.payload.append(path);
  event.payload.push_back('\0');
  event.payload.append(token);
  event.payload.push_back('\0');
  event.header.len = static_cast<std::uint32_t>(event.payload.size());
  return event;
}

std::string_view type_name(std::uint32_t type) {
  static constexpr std::array<std::string_view, kTypeCount> kNames = {
      "DEBUG",          "DIRECTORY",  "READ",          "GET_PERMS",
      "WATCH",          "UNWATCH",    "TRANSACTION_START", "TRANSACTION_END",
      "INTRODUCE",      "RELEASE",    "GET_DOMAIN_PATH", "WRITE",
      "MKDIR",          "RM",         "SET_PERMS",     "WATCH_EVENT",
      "ERROR",          "IS_DOMAIN_INTRODUCED", "RESUME", "SET_TARGET",
      "RESTRICT",       "RESET_WATCHES", "DIRECTORY_PART", "GET_FEATURE",
      "SET_FEATURE",    "GET_QUOTA",  "SET_QUOTA"};
  static_assert(XS_DIRECTORY_PART == 22, "xs_wire.h numbering changed");
  return type < kNames.size() ? kNames[type] : std::string_view("UNKNOWN");
}

}  // namespace cxxenstored::protocol
