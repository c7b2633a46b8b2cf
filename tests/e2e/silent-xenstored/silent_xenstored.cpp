// silent-xenstored: a stand-in for xenstored that never answers.
//
// The end-to-end harness must fail, cleanly and by deadline, when the daemon
// under test is broken. This program behaves like xenstored on the outside
// (accepts --pid-file, daemonizes, writes its pid, listens on
// $XENSTORED_RUNDIR/socket, default /run/xenstored/socket) and then accepts
// every connection and reads and discards every request without ever
// replying. It never touches dom0's ring.
//
// Built static (see build.sh) so it needs nothing in dom0's image.

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "silent-xenstored: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

std::string pid_file_from(int argc, char** argv) {
  constexpr std::string_view option = "--pid-file";
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == option && i + 1 < argc) return argv[i + 1];
    if (arg.starts_with(option) && arg.size() > option.size() && arg[option.size()] == '=')
      return std::string(arg.substr(option.size() + 1));
  }
  return {};
}

std::string socket_path() {
  const char* dir = std::getenv("XENSTORED_RUNDIR");
  return std::string(dir != nullptr ? dir : "/run/xenstored") + "/socket";
}

int listen_on(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket");
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    errno = ENAMETOOLONG;
    die("socket path");
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  ::unlink(path.c_str());
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) die("bind");
  if (::chmod(path.c_str(), 0600) != 0) die("chmod");
  if (::listen(fd, 64) != 0) die("listen");
  return fd;
}

// Fork into the background like xenstored: the parent returns to the
// caller (start-stop-daemon) only once the child is ready to accept.
void daemonize() {
  const pid_t child = ::fork();
  if (child < 0) die("fork");
  if (child > 0) std::_Exit(0);
  if (::setsid() < 0) die("setsid");
  if (::chdir("/") != 0) die("chdir");
}

void write_pid_file(const std::string& path) {
  if (path.empty()) return;
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) die("pid file");
  std::fprintf(f, "%d\n", static_cast<int>(::getpid()));
  if (std::fclose(f) != 0) die("pid file");
}

[[noreturn]] void serve_silently(int listener) {
  std::vector<pollfd> fds{{listener, POLLIN, 0}};
  char discard[4096];
  for (;;) {
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      die("poll");
    }
    for (std::size_t i = fds.size(); i-- > 1;) {
      if (fds[i].revents == 0) continue;
      const ssize_t n = ::read(fds[i].fd, discard, sizeof(discard));
      if (n <= 0) {  // client went away (or error): forget it
        ::close(fds[i].fd);
        fds.erase(fds.begin() + static_cast<std::ptrdiff_t>(i));
      }
    }
    if ((fds[0].revents & POLLIN) != 0) {
      const int client = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
      if (client >= 0) fds.push_back({client, POLLIN, 0});
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  const int listener = listen_on(socket_path());
  daemonize();
  write_pid_file(pid_file_from(argc, argv));
  serve_silently(listener);
}
