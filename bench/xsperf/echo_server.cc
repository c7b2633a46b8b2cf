// xsperf-echo: the bound for the read workloads. A unix-socket server that
// sends every byte back unchanged, one thread per client, blocking I/O:
// the least work any server can do per round trip on this machine.
//   xsperf-echo SOCKET_PATH     (runs until killed)
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sys/socket.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

void echo_client(int fd) {
  std::vector<char> buf(256 * 1024);
  for (;;) {
    ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    ssize_t done = 0;
    while (done < n) {
      ssize_t w = ::send(fd, buf.data() + done, static_cast<size_t>(n - done), MSG_NOSIGNAL);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        ::close(fd);
        return;
      }
      done += w;
    }
  }
  ::close(fd);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: xsperf-echo SOCKET_PATH\n");
    return 2;
  }
  sockaddr_un addr{};
  if (std::strlen(argv[1]) >= sizeof(addr.sun_path)) {
    std::fprintf(stderr, "xsperf-echo: socket path too long\n");
    return 2;
  }
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, argv[1]);
  ::unlink(argv[1]);
  int lfd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (lfd < 0 || ::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(lfd, 128) != 0) {
    std::perror("xsperf-echo");
    return 1;
  }
  for (;;) {
    int fd = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      std::perror("xsperf-echo: accept");
      return 1;
    }
    std::thread(echo_client, fd).detach();
  }
}
