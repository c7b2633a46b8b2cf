#include "cxxenstored/protocol/args.h"

#include <algorithm>
#include <cstdint>

namespace cxxenstored::protocol {

std::optional<std::string_view> one_arg(std::string_view payload) {
  if (payload.empty()) return std::nullopt;
  std::size_t nul = payload.find('\0');
  if (nul != payload.size() - 1) return std::nullopt;
  return payload.substr(0, nul);
}

std::vector<std::string_view> leading_strings(std::string_view payload, std::size_t max) {
  std::vector<std::string_view> out;
  while (out.size() < max) {
    std::size_t nul = payload.find('\0');
    if (nul == std::string_view::npos) break;
    out.push_back(payload.substr(0, nul));
    payload.remove_prefix(nul + 1);
  }
  return out;
}

std::size_t count_nuls(std::string_view payload) {
  return static_cast<std::size_t>(std::count(payload.begin(), payload.end(), '\0'));
}

int c_atoi(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && (text[i] == ' ' || (text[i] >= '\t' && text[i] <= '\r'))) ++i;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    negative = text[i] == '-';
    ++i;
  }
  // strtol saturates at the long range; the int conversion then truncates.
  std::uint64_t magnitude = 0;
  bool saturated = false;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    if (magnitude > (UINT64_MAX - 9) / 10) saturated = true;
    if (!saturated) magnitude = magnitude * 10 + static_cast<std::uint64_t>(text[i] - '0');
  }
  std::int64_t value;
  if (negative) {
    value = (saturated || magnitude > static_cast<std::uint64_t>(INT64_MAX) + 1)
                ? INT64_MIN
                : static_cast<std::int64_t>(0 - magnitude);
  } else {
    value = (saturated || magnitude > static_cast<std::uint64_t>(INT64_MAX))
                ? INT64_MAX
                : static_cast<std::int64_t>(magnitude);
  }
  return static_cast<int>(static_cast<std::uint32_t>(static_cast<std::uint64_t>(value)));
}

}  // namespace cxxenstored::protocol
