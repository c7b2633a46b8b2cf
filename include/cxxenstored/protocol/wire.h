// The xenstore wire format: a struct xsd_sockmsg header (from Xen's public
// xen/io/xs_wire.h, never redefined here) followed by up to
// XENSTORE_PAYLOAD_MAX bytes of payload.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include <xen/io/xs_wire.h>

namespace cxxenstored::protocol {

using Header = ::xsd_sockmsg;

inline constexpr std::size_t kHeaderSize = sizeof(Header);
inline constexpr std::size_t kPayloadMax = XENSTORE_PAYLOAD_MAX;

// Message types Xen master appends after XS_DIRECTORY_PART. Debian's 4.17
// header stops at XS_DIRECTORY_PART, so they are spelled out here by value
// (master: XS_GET_FEATURE = XS_DIRECTORY_PART + 1, ... in this order).
inline constexpr std::uint32_t kGetFeature = XS_DIRECTORY_PART + 1;
inline constexpr std::uint32_t kSetFeature = XS_DIRECTORY_PART + 2;
inline constexpr std::uint32_t kGetQuota = XS_DIRECTORY_PART + 3;
inline constexpr std::uint32_t kSetQuota = XS_DIRECTORY_PART + 4;
// One past the last type this daemon knows.
inline constexpr std::uint32_t kTypeCount = kSetQuota + 1;
// The retired XS_RESTRICT slot (XS_SET_TARGET + 1).
inline constexpr std::uint32_t kRestrict = XS_SET_TARGET + 1;

// One framed message.
struct Message {
  Header header{};
  std::string payload;

  std::uint32_t type() const { return header.type; }
};

// The header's bytes on the wire, with len set to payload_size.
std::array<char, kHeaderSize> header_bytes(const Header& header, std::size_t payload_size);

// Serializes header (with len set from payload) and payload.
std::string encode(const Message& message);

// Builds a reply to request: same req_id and tx_id, the given type/payload.
Message make_reply(const Header& request, std::uint32_t type, std::string payload);
// "OK\0" acknowledgement of request's type.
Message make_ack(const Header& request);
// XS_ERROR carrying the errno name ("EINVAL\0"); unknown errno -> EINVAL,
// as the C daemon does.
Message make_error(const Header& request, int error);
// XS_WATCH_EVENT: "path\0token\0", req_id and tx_id 0.
Message make_watch_event(std::string_view path, std::string_view token);

// The operation's name as the C daemon's trace shows it ("READ", ...), or
// "UNKNOWN" for a type it does not know.
std::string_view type_name(std::uint32_t type);

}  // namespace cxxenstored::protocol
