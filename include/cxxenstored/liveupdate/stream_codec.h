// The migration stream's byte layout: an 16-byte preamble ("xenstore",
// version and flags, big-endian), then records of {type, length, body},
// each padded with zeros to a multiple of 8 bytes, ending with END.
//
// As the C xenstored 4.17 does, the record length counts the padding and
// record fields are in the byte order the preamble's flags name (bit 0:
// 1 = big endian). The reader accepts either order and either way of
// counting padding; the writer emits little endian, as x86 C daemons do.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cxxenstored/liveupdate/migration_state.h"
#include "cxxenstored/util/result.h"

namespace cxxenstored::liveupdate {

enum class ByteOrder { kLittle, kBig };

// Version 1 is what Xen 4.17 writes. Version 2 (later Xen) adds record types
// this reader skips; the records it shares with version 1 are unchanged.
inline constexpr std::uint32_t kStreamVersion = 1;

// E2BIG when a field does not fit its stream field (a value over 65535
// bytes, a domain id over 65535); EINVAL when a watch, transaction or
// transaction node names a connection (or transaction) the state lacks.
Result<std::string> encode_stream(const MigrationState& state,
                                  ByteOrder order = ByteOrder::kLittle);

// EINVAL for anything malformed: wrong ident or version, reserved flags,
// a record running past the end, lengths inside a record that do not add
// up, strings without their NUL, references to unknown connections, a
// missing END record.
Result<MigrationState> decode_stream(std::string_view bytes);

}  // namespace cxxenstored::liveupdate
