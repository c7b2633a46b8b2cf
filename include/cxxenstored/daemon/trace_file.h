// The -T trace file, in the C daemon's format:
//   IN 0x55d0c0a1b2c0 20250101 12:00:00 READ (/local/domain/0 )
// NUL bytes of the payload are written as spaces; CREATE/DESTROY lines for
// connections. SIGHUP and "log on" reopen it (for logrotate).
#pragma once

#include <cstdio>
#include <string>

#include "cxxenstored/connection/trace_sink.h"
#include "cxxenstored/util/result.h"

namespace cxxenstored::daemon {

class TraceFile final : public connection::TraceSink {
 public:
  TraceFile() = default;
  ~TraceFile() override;
  TraceFile(const TraceFile&) = delete;
  TraceFile& operator=(const TraceFile&) = delete;

  // Sets the file (empty: none) and opens it.
  Result<void> open(std::string path);
  Result<void> reopen();
  void close();
  bool active() const { return file_ != nullptr; }
  const std::string& path() const { return path_; }

  void connection_created(const void* connection) override;
  void connection_destroyed(const void* connection) override;
  void io(bool outgoing, const void* connection, const protocol::Message& message) override;

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
};

}  // namespace cxxenstored::daemon
