// The access log: one line per request (who, what, on which path, the
// result, how long it took), written through spdlog's rotating file sink so
// it never outgrows max_bytes * (max_files + 1) on disk. Separate from the
// C-compatible trace file ("log on|off"), which has no rotation.
//
// Line format (after spdlog's timestamp):
//   dom=<domid> conn=<id> <TYPE> <first argument> -> <OK|ERRNAME> <usec>us
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "cxxenstored/util/result.h"

namespace spdlog {
class logger;
}

namespace cxxenstored::observability {

struct AccessLogOptions {
  std::string path;
  std::size_t max_bytes = 16 * 1024 * 1024;
  std::size_t max_files = 4;  // rotated copies kept: path.1 .. path.N
};

struct AccessEntry {
  std::uint32_t domid = 0;
  std::uint64_t connection = 0;
  std::uint32_t type = 0;
  std::string_view argument;  // the path, or the first payload string
  int error_code = 0;         // 0: success
  std::chrono::nanoseconds latency{0};
};

class AccessLog {
 public:
  // The errno of the failure when the file cannot be opened.
  static Result<AccessLog> open(const AccessLogOptions& options);

  void record(const AccessEntry& entry);
  void flush();

  // The line record() writes, without the timestamp (for tests and docs).
  static std::string format(const AccessEntry& entry);

 private:
  explicit AccessLog(std::shared_ptr<spdlog::logger> logger) : logger_(std::move(logger)) {}
  std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace cxxenstored::observability
