// xsperf-echo: the bound for the read workloads. A unix-socket server that
// sends every byte back unchanged, one thread per client: the least work any
// server can do per round trip on this machine.
//   xsperf-echo [--poll] SOCKET_PATH     (runs until killed)
// Blocking I/O by default. With --poll each client's thread first polls for
// input for up to 200 us after each reply, as cxxenstored does before it
// sleeps: the bound for a server that never sleeps between a client's
// requests, so that only the client's own wake-up is left. Like the daemon,
// it does not poll when it may run on one CPU only (polling there would only
// keep the client off the CPU).
#include <sched.h>
#include <sys/epoll.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <sys/socket.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

constexpr auto kPollWindow = std::chrono::microseconds(200);

// Waits for the next bytes. With an epoll set (of this socket alone), first
// asks it without blocking for up to kPollWindow, as the daemon's event loop
// does (non-blocking recv() calls on the socket itself were slower here),
// and blocks in recv() only if nothing came meanwhile.
ssize_t receive(int fd, int epoll_fd, char* buf, size_t size) {
  if (epoll_fd >= 0) {
    const auto until = std::chrono::steady_clock::now() + kPollWindow;
    epoll_event ready{};
    while (::epoll_wait(epoll_fd, &ready, 1, 0) == 0 && std::chrono::steady_clock::now() < until) {
    }
  }
  return ::recv(fd, buf, size, 0);
}

// An epoll set holding fd alone (level-triggered), or -1.
int epoll_set_of(int fd) {
  const int epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd < 0) return -1;
  epoll_event interest{};
  interest.events = EPOLLIN;
  interest.data.fd = fd;
  if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &interest) != 0) {
    ::close(epoll_fd);
    return -1;
  }
  return epoll_fd;
}

// Sends all n bytes; false once the peer is gone.
bool send_all(int fd, const char* data, ssize_t n) {
  ssize_t done = 0;
  while (done < n) {
    ssize_t w = ::send(fd, data + done, static_cast<size_t>(n - done), MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    done += w;
  }
  return true;
}

void echo_client(int fd, bool poll) {
  std::vector<char> buf(256 * 1024);
  const int epoll_fd = poll ? epoll_set_of(fd) : -1;
  for (;;) {
    ssize_t n = receive(fd, epoll_fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || !send_all(fd, buf.data(), n)) break;
  }
  if (epoll_fd >= 0) ::close(epoll_fd);
  ::close(fd);
}

}  // namespace

int main(int argc, char** argv) {
  const bool poll = argc == 3 && std::strcmp(argv[1], "--poll") == 0;
  if (argc != 2 + (poll ? 1 : 0) || argv[argc - 1][0] == '-') {
    std::fprintf(stderr, "usage: xsperf-echo [--poll] SOCKET_PATH\n");
    return 2;
  }
  const char* path = argv[argc - 1];
  cpu_set_t cpus;
  const bool several_cpus = ::sched_getaffinity(0, sizeof(cpus), &cpus) == 0 && CPU_COUNT(&cpus) >= 2;
  sockaddr_un addr{};
  if (std::strlen(path) >= sizeof(addr.sun_path)) {
    std::fprintf(stderr, "xsperf-echo: socket path too long\n");
    return 2;
  }
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, path);
  ::unlink(path);
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
    std::thread(echo_client, fd, poll && several_cpus).detach();
  }
}
