// xsperf-echo: the bound for the read workloads. A unix-socket server that
// sends every byte back unchanged, one thread per client: the least work any
// server can do per round trip on this machine.
//   xsperf-echo [--poll] SOCKET_PATH     (runs until killed)
// Blocking I/O by default. With --poll each client's thread first tries
// non-blocking reads for up to 200 us after each reply, as cxxenstored polls
// before it sleeps: the bound for a server that never sleeps between a
// client's requests, so that only the client's own wake-up is left. Like
// the daemon, it does not poll when it may run on one CPU only (polling
// there would only keep the client off the CPU).
#include <sched.h>

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

// Like recv(), but with `poll` tries non-blocking reads first, for up to
// kPollWindow, and blocks only if nothing came meanwhile.
ssize_t receive(int fd, char* buf, size_t size, bool poll) {
  if (poll) {
    const auto until = std::chrono::steady_clock::now() + kPollWindow;
    do {
      ssize_t n = ::recv(fd, buf, size, MSG_DONTWAIT);
      if (n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) return n;
    } while (std::chrono::steady_clock::now() < until);
  }
  return ::recv(fd, buf, size, 0);
}

void echo_client(int fd, bool poll) {
  std::vector<char> buf(256 * 1024);
  for (;;) {
    ssize_t n = receive(fd, buf.data(), buf.size(), poll);
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
