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

// Version 1 is what Xen 4.17 writes and all this codec knows. Later Xen
// writes version 2, whose new records (global and per-domain quotas,
// features, depth-limited watches) cannot be skipped without losing state,
// so the reader refuses it rather than restore part of it.
inline constexpr std::uint32_t kStreamVersion = 1;

// E2BIG when a field does not fit its stream field (a value over 65535
// bytes, a domain id over 65535); EINVAL when a watch, transaction or
// transaction node names a connection (or transaction) the state lacks.
Result<std::string> encode_stream(const MigrationState& state,
                                  ByteOrder order = ByteOrder::kLittle);

// Unknown record types in a version 1 stream are skipped (and listed in
// skipped_record_types), as the C daemon skips them.
// EINVAL for anything malformed: wrong ident or version, reserved flags,
// a record running past the end, lengths inside a record that do not add
// up, strings without their NUL, references to unknown connections, a
// missing END record.
Result<MigrationState> decode_stream(std::string_view bytes);

}  // namespace cxxenstored::liveupdate
