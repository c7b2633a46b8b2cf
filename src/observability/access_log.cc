#include "cxxenstored/observability/access_log.h"

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdio>

#include "cxxenstored/protocol/errors.h"
#include "cxxenstored/protocol/wire.h"

namespace cxxenstored::observability {

Result<AccessLog> AccessLog::open(const AccessLogOptions& options) {
  if (options.path.empty() || options.max_bytes == 0) return Error{EINVAL};
  errno = 0;
  try {
    // Single-threaded sink: the daemon logs from its one event-loop thread.
    auto sink = std::make_shared<spdlog::sinks::rotating_file_sink_st>(
        options.path, options.max_bytes, options.max_files);
    // Not registered with spdlog's global registry: owned here only.
    auto logger = std::make_shared<spdlog::logger>("access", std::move(sink));
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%f %v");
    logger->set_level(spdlog::level::info);
    logger->flush_on(spdlog::level::warn);
    return AccessLog(std::move(logger));
  } catch (const spdlog::spdlog_ex&) {
    // spdlog reports the failing open(2) through errno.
    return Error{errno != 0 ? errno : EIO};
  }
}

std::string AccessLog::format(const AccessEntry& e) {
  std::string result = "OK";
  if (e.error_code != 0) {
    auto name = protocol::error_name(e.error_code);
    result = name ? std::string(*name) : "E" + std::to_string(e.error_code);
  }
  // Arguments may hold NULs or control characters: show them escaped so
  // one request stays one line.
  std::string arg;
  for (char c : e.argument) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
      arg += buf;
    } else {
      arg += c;
    }
  }
  return "dom=" + std::to_string(e.domid) + " conn=" + std::to_string(e.connection) + " " +
         std::string(protocol::type_name(e.type)) + " " + arg + " -> " + result + " " +
         std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(e.latency).count()) +
         "us";
}

void AccessLog::record(const AccessEntry& entry) { logger_->info(format(entry)); }

void AccessLog::flush() { logger_->flush(); }

}  // namespace cxxenstored::observability
