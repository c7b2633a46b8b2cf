#include "wire_format.h"

#include <array>
#include <charconv>
#include <cstring>

namespace xsdiff {
namespace {

struct TypeName {
  uint32_t type;
  std::string_view name;
};

constexpr std::array kTypeNames{
    TypeName{XS_CONTROL, "CONTROL"},
    TypeName{XS_DIRECTORY, "DIRECTORY"},
    TypeName{XS_READ, "READ"},
    TypeName{XS_GET_PERMS, "GET_PERMS"},
    TypeName{XS_WATCH, "WATCH"},
    TypeName{XS_UNWATCH, "UNWATCH"},
    TypeName{XS_TRANSACTION_START, "TRANSACTION_START"},
    TypeName{XS_TRANSACTION_END, "TRANSACTION_END"},
    TypeName{XS_INTRODUCE, "INTRODUCE"},
    TypeName{XS_RELEASE, "RELEASE"},
    TypeName{XS_GET_DOMAIN_PATH, "GET_DOMAIN_PATH"},
    TypeName{XS_WRITE, "WRITE"},
    TypeName{XS_MKDIR, "MKDIR"},
    TypeName{XS_RM, "RM"},
    TypeName{XS_SET_PERMS, "SET_PERMS"},
    TypeName{XS_WATCH_EVENT, "WATCH_EVENT"},
    TypeName{XS_ERROR, "ERROR"},
    TypeName{XS_IS_DOMAIN_INTRODUCED, "IS_DOMAIN_INTRODUCED"},
    TypeName{XS_RESUME, "RESUME"},
    TypeName{XS_SET_TARGET, "SET_TARGET"},
    TypeName{XS_RESET_WATCHES, "RESET_WATCHES"},
    TypeName{XS_DIRECTORY_PART, "DIRECTORY_PART"},
    TypeName{kGetFeature, "GET_FEATURE"},
    TypeName{kSetFeature, "SET_FEATURE"},
    TypeName{kGetQuota, "GET_QUOTA"},
    TypeName{kSetQuota, "SET_QUOTA"},
};

std::optional<uint32_t> parse_number(std::string_view text) {
  uint32_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void escape_char(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  if (c == 0) {
    out += "\\0";
  } else if (c == '\\' || c == '"') {
    out += '\\';
    out += static_cast<char>(c);
  } else if (c >= 0x21 && c < 0x7f) {
    out += static_cast<char>(c);
  } else if (c == ' ') {
    out += "\\s";
  } else {
    out += "\\x";
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
}

}  // namespace

std::string type_name(uint32_t type) {
  for (const auto& entry : kTypeNames)
    if (entry.type == type) return std::string(entry.name);
  return std::to_string(type);
}

std::optional<uint32_t> parse_type(std::string_view word) {
  if (word == "DEBUG") return XS_DEBUG;
  for (const auto& entry : kTypeNames)
    if (entry.name == word) return entry.type;
  return parse_number(word);
}

std::string escape(std::string_view bytes) {
  std::string out;
  for (size_t i = 0; i < bytes.size();) {
    size_t run = 1;
    while (i + run < bytes.size() && bytes[i + run] == bytes[i]) ++run;
    if (run > 16) {
      out += "\\{" + std::to_string(run) + "*";
      std::string one;
      escape_char(one, static_cast<unsigned char>(bytes[i]));
      // '}' inside the repeated text would end the group early.
      out += bytes[i] == '}' ? "\\x7d" : one;
      out += "}";
      i += run;
    } else {
      escape_char(out, static_cast<unsigned char>(bytes[i]));
      ++i;
    }
  }
  return out;
}

std::optional<std::string> unescape(std::string_view text, std::string& error) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out += text[i];
      continue;
    }
    if (++i == text.size()) {
      error = "trailing backslash";
      return std::nullopt;
    }
    switch (text[i]) {
      case '0': out += '\0'; break;
      case 's': out += ' '; break;
      case 't': out += '\t'; break;
      case 'n': out += '\n'; break;
      case '\\': out += '\\'; break;
      case '"': out += '"'; break;
      case 'x': {
        if (i + 2 >= text.size()) {
          error = "short \\x escape";
          return std::nullopt;
        }
        int hi = hex_digit(text[i + 1]);
        int lo = hex_digit(text[i + 2]);
        if (hi < 0 || lo < 0) {
          error = "bad \\x escape";
          return std::nullopt;
        }
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        break;
      }
      case '{': {
        size_t star = text.find('*', i);
        size_t close = text.find('}', i);
        if (star == std::string_view::npos || close == std::string_view::npos || star > close) {
          error = "bad \\{N*text} repetition";
          return std::nullopt;
        }
        auto count = parse_number(text.substr(i + 1, star - i - 1));
        auto inner = unescape(text.substr(star + 1, close - star - 1), error);
        if (!count || !inner) {
          if (error.empty()) error = "bad repetition count";
          return std::nullopt;
        }
        for (uint32_t n = 0; n < *count; ++n) out += *inner;
        i = close;
        break;
      }
      default:
        error = std::string("unknown escape \\") + text[i];
        return std::nullopt;
    }
  }
  return out;
}

std::string encode_header(uint32_t type, uint32_t req_id, uint32_t tx_id, uint32_t len) {
  xsd_sockmsg header{type, req_id, tx_id, len};
  std::string out(sizeof header, '\0');
  std::memcpy(out.data(), &header, sizeof header);
  return out;
}

}  // namespace xsdiff
