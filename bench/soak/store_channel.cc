#include "store_channel.h"

#include <cerrno>
#include <charconv>

namespace xssoak {
namespace {

Result<void> discard(Result<std::string> r) {
  if (!r) return r.error();
  return {};
}

}  // namespace

Result<std::string> StoreChannel::read(std::string_view path, std::uint32_t tx_id) {
  return call(XS_READ, xsperf::path_payload(path), tx_id);
}

Result<void> StoreChannel::write(std::string_view path, std::string_view value, std::uint32_t tx_id) {
  return discard(call(XS_WRITE, xsperf::write_payload(path, value), tx_id));
}

Result<void> StoreChannel::mkdir(std::string_view path, std::uint32_t tx_id) {
  return discard(call(XS_MKDIR, xsperf::path_payload(path), tx_id));
}

Result<void> StoreChannel::rm(std::string_view path, std::uint32_t tx_id) {
  return discard(call(XS_RM, xsperf::path_payload(path), tx_id));
}

Result<std::vector<std::string>> StoreChannel::directory(std::string_view path, std::uint32_t tx_id) {
  auto r = call(XS_DIRECTORY, xsperf::path_payload(path), tx_id);
  if (!r) return r.error();
  return xsperf::split_strings(*r);
}

Result<std::uint32_t> StoreChannel::transaction_start() {
  auto r = call(XS_TRANSACTION_START, xsperf::path_payload(""));
  if (!r) return r.error();
  std::uint32_t id = 0;
  const std::string& text = *r;
  const char* end = text.data() + text.size();
  if (!text.empty() && text.back() == '\0') --end;
  auto [ptr, ec] = std::from_chars(text.data(), end, id);
  if (ec != std::errc() || ptr != end) return Error{EPROTO};
  return id;
}

Result<void> StoreChannel::transaction_end(std::uint32_t tx_id, bool commit) {
  return discard(call(XS_TRANSACTION_END, xsperf::path_payload(commit ? "T" : "F"), tx_id));
}

Result<void> StoreChannel::watch(std::string_view path, std::string_view token) {
  std::string payload = xsperf::path_payload(path);
  payload += xsperf::path_payload(token);
  return discard(call(XS_WATCH, payload));
}

bool is_transport_error(int code) {
  return code == EIO || code == ETIMEDOUT || code == EPIPE || code == ECONNRESET || code == EPROTO;
}

}  // namespace xssoak
