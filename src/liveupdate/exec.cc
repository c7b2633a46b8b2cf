#include "cxxenstored/liveupdate/exec.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>

namespace cxxenstored::liveupdate {

Result<void> keep_across_exec(const std::vector<int>& fds) {
  for (int fd : fds) {
    if (fd < 0) continue;
    int flags = ::fcntl(fd, F_GETFD);
    if (flags < 0) return Error{errno};
    if (::fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) < 0) return Error{errno};
  }
  return {};
}

Result<void> exec_new_binary(const ExecPlan& plan) {
  if (plan.argv.empty()) return Error{EINVAL};
  std::vector<char*> argv;
  argv.reserve(plan.argv.size() + 1);
  for (const auto& arg : plan.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  ::execv(plan.binary.c_str(), argv.data());
  return Error{errno};
}

bool is_live_update_start(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "-U" || arg == "--live-update") return true;
  }
  return false;
}

}  // namespace cxxenstored::liveupdate
