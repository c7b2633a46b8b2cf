#include "cxxenstored/daemon/trace_file.h"

#include <cerrno>
#include <ctime>

namespace cxxenstored::daemon {

TraceFile::~TraceFile() { close(); }

Result<void> TraceFile::open(std::string path) {
  close();
  path_ = std::move(path);
  return reopen();
}

Result<void> TraceFile::reopen() {
  close();
  if (path_.empty()) return {};
  file_ = std::fopen(path_.c_str(), "a");
  if (!file_) return Error{errno};
  std::fputs("\n***\n", file_);
  std::fflush(file_);
  return {};
}

void TraceFile::close() {
  if (file_) std::fclose(file_);
  file_ = nullptr;
}

void TraceFile::connection_created(const void* connection) {
  if (!file_) return;
  std::fprintf(file_, "CREATE connection %p\n", connection);
  std::fflush(file_);
}

void TraceFile::connection_destroyed(const void* connection) {
  if (!file_) return;
  std::fprintf(file_, "DESTROY connection %p\n", connection);
  std::fflush(file_);
}

void TraceFile::io(bool outgoing, const void* connection, const protocol::Message& message) {
  if (!file_) return;
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  std::string line;
  line.reserve(64 + message.payload.size());
  char head[128];
  std::snprintf(head, sizeof head, "%s %p %04d%02d%02d %02d:%02d:%02d ", outgoing ? "OUT" : "IN",
                connection, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  line += head;
  line += protocol::type_name(message.type());
  line += " (";
  for (char c : message.payload) line.push_back(c == '\0' ? ' ' : c);
  line += ")\n";
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fflush(file_);
}

}  // namespace cxxenstored::daemon
