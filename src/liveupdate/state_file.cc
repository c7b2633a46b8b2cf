#include "cxxenstored/liveupdate/state_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace cxxenstored::liveupdate {
namespace {

// Closes the descriptor on every path out of the functions below.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() {
    if (fd_ >= 0) ::close(fd_);
  }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;
  int release() { int fd = fd_; fd_ = -1; return fd; }

 private:
  int fd_;
};

}  // namespace

std::string state_file_path(const char* rundir_env) {
  std::string dir = (rundir_env && *rundir_env) ? rundir_env : std::string(kDefaultRunDir);
  return dir + "/" + std::string(kStateFileName);
}

Result<void> write_state_file(const std::string& path, std::string_view bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, S_IRUSR | S_IWUSR);
  if (fd < 0) return Error{errno};
  FdCloser closer(fd);
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error{errno};
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  if (::fsync(fd) != 0) return Error{errno};
  if (::close(closer.release()) != 0) return Error{errno};
  return {};
}

Result<std::string> read_state_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error{errno};
  FdCloser closer(fd);
  std::string data;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error{errno};
    }
    if (n == 0) break;
    data.append(buf, static_cast<std::size_t>(n));
  }
  return data;
}

Result<void> remove_state_file(const std::string& path) {
  if (::unlink(path.c_str()) != 0) return Error{errno};
  return {};
}

}  // namespace cxxenstored::liveupdate
