// Request payload parsing with the C daemon's exact conventions: strings are
// NUL-terminated; what counts as "one argument" or "n arguments" differs per
// operation, and these helpers name each convention once.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace cxxenstored::protocol {

// The payload is exactly one NUL-terminated string (nothing after the NUL).
std::optional<std::string_view> one_arg(std::string_view payload);

// Up to max leading NUL-terminated strings (an unterminated tail is not a
// string). Callers compare the count with what they need.
std::vector<std::string_view> leading_strings(std::string_view payload, std::size_t max);

// Number of NUL bytes in the payload (xs_count_strings).
std::size_t count_nuls(std::string_view payload);

// C atoi(): optional whitespace and sign, decimal digits, stops at the first
// other character, 0 when there are none; the value wraps like a long cast
// to int.
int c_atoi(std::string_view text);

}  // namespace cxxenstored::protocol
