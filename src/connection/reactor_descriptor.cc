#include "cxxenstored/connection/reactor_descriptor.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include <boost/asio/posix/stream_descriptor.hpp>

namespace cxxenstored::connection {

namespace {

// Whether the epoll set `fd` watches `target` (a "tfd:" line of its fdinfo).
bool epoll_set_watches(int fd, int target) {
  std::ifstream info("/proc/self/fdinfo/" + std::to_string(fd));
  std::string line;
  while (std::getline(info, line)) {
    constexpr std::string_view kTag = "tfd:";
    if (line.rfind(kTag, 0) != 0) continue;
    std::string_view rest(line);
    rest.remove_prefix(kTag.size());
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
    int watched = -1;
    std::from_chars(rest.data(), rest.data() + rest.size(), watched);
    if (watched == target) return true;
  }
  return false;
}

}  // namespace

Result<int> reactor_descriptor(boost::asio::io_context& io) {
  const int probe_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (probe_fd < 0) return Error{errno};
  // Assigning a descriptor registers it with the reactor (epoll_ctl ADD).
  boost::asio::posix::stream_descriptor probe(io, probe_fd);
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    std::error_code link_ec;
    const auto target = std::filesystem::read_symlink(entry.path(), link_ec);
    if (link_ec || target != "anon_inode:[eventpoll]") continue;
    int fd = -1;
    const std::string name = entry.path().filename().string();
    std::from_chars(name.data(), name.data() + name.size(), fd);
    if (fd >= 0 && epoll_set_watches(fd, probe_fd)) return fd;
  }
  return Error{ENOENT};
}

}  // namespace cxxenstored::connection
