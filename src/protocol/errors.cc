#include "cxxenstored/protocol/errors.h"

#include <cerrno>
#include <iterator>

#include <xen/io/xs_wire.h>  // needs <cerrno> first: the table is under #ifdef EINVAL

namespace cxxenstored::protocol {

std::optional<std::string_view> error_name(int errnum) {
  for (const auto& entry : xsd_errors) {
    if (entry.errnum == errnum) return std::string_view(entry.errstring);
  }
  return std::nullopt;
}

std::optional<int> error_number(std::string_view name) {
  for (const auto& entry : xsd_errors) {
    if (name == entry.errstring) return entry.errnum;
  }
  return std::nullopt;
}

}  // namespace cxxenstored::protocol
