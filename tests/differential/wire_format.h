// Wire-level helpers of the differential harness: message type names, the
// escaped text form of byte strings used by scripts and transcripts, and
// header encoding. Deliberately independent of cxxenstored's own protocol
// code, so the harness is an outside oracle for both daemons.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <xen/io/xs_wire.h>

namespace xsdiff {

// Types that Xen master adds after XS_DIRECTORY_PART; Debian's 4.17 header
// does not name them, so the harness numbers them itself.
inline constexpr uint32_t kGetFeature = XS_DIRECTORY_PART + 1;
inline constexpr uint32_t kSetFeature = XS_DIRECTORY_PART + 2;
inline constexpr uint32_t kGetQuota = XS_DIRECTORY_PART + 3;
inline constexpr uint32_t kSetQuota = XS_DIRECTORY_PART + 4;

// "WRITE" for XS_WRITE, the decimal number for types without a name.
std::string type_name(uint32_t type);
// Accepts a name as printed by type_name ("WRITE", "DEBUG" too) or a decimal.
std::optional<uint32_t> parse_type(std::string_view word);

// Text form of bytes: printable ASCII as is, except '\\' and '"'; NUL as \0;
// anything else as \xHH. Runs longer than 16 identical characters collapse to
// \{N*c} so 4 KiB payloads stay readable.
std::string escape(std::string_view bytes);
// Inverse of escape, plus \s (space), \t, \n and \{N*text} (text repeated N
// times). Returns nullopt with `error` set on malformed input.
std::optional<std::string> unescape(std::string_view text, std::string& error);

std::string encode_header(uint32_t type, uint32_t req_id, uint32_t tx_id, uint32_t len);

}  // namespace xsdiff
