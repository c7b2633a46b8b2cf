// errno values <-> the names clients see in XS_ERROR replies. The table is
// the one in xen/io/xs_wire.h (xsd_errors), used as is.
#pragma once

#include <optional>
#include <string_view>

namespace cxxenstored::protocol {

// The name for errnum, or nullopt when the table has none (the C daemon
// then answers "EINVAL").
std::optional<std::string_view> error_name(int errnum);
// The errno for a name such as "ENOENT", or nullopt.
std::optional<int> error_number(std::string_view name);

}  // namespace cxxenstored::protocol
