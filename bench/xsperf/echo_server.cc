// xsperf-echo: the bound for the read and transaction workloads. A
// unix-socket server that sends every byte back unchanged: the least work
// any server can do per round trip on this machine.
//   xsperf-echo [--poll | --epoll | --epoll-peek | --uring | --uring-peek] SOCKET_PATH
//   (runs until killed)
// By default one thread per client, blocking I/O. With --poll each client's
// thread first polls for input for up to 200 us after each reply, as
// cxxenstored does before it sleeps: the bound for a server that never
// sleeps between a client's requests, so that only the client's own wake-up
// is left. With --epoll one thread serves every client from one epoll set
// and polls it the same way before it sleeps: the shape of any
// single-threaded daemon (the C one, cxxenstored), so with many clients at
// once (echo-tx) the bound of such a daemon. --uring is --epoll's shape on
// io_uring (echo_uring.cc). The -peek variants take each message out of
// the socket only after echoing it (MSG_PEEK, echo, then a receive of the
// same bytes), as cxxenstored does: on epoll that is a third system call
// per message, on io_uring a linked entry in the same submission. Like the daemon, none of them polls
// when it may run on one CPU only (polling there would only keep the client
// off the CPU).
#include "echo_uring.h"

#include <sched.h>
#include <sys/epoll.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <sys/socket.h>
#include <sys/un.h>
#include <string_view>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

constexpr auto kPollWindow = std::chrono::microseconds(200);

// Asks `epoll_fd` without blocking, for up to `window`, as the daemon's
// event loop does before it sleeps; what it found (0: nothing came).
int poll_ready(int epoll_fd, std::chrono::microseconds window, epoll_event* ready, int capacity) {
  const auto until = std::chrono::steady_clock::now() + window;
  int n = 0;
  do {
    n = ::epoll_wait(epoll_fd, ready, capacity, 0);
  } while (n == 0 && std::chrono::steady_clock::now() < until);
  return n;
}

// Waits for the next bytes. With an epoll set (of this socket alone), polls
// it first (non-blocking recv() calls on the socket itself were slower
// here), and blocks in recv() only if nothing came meanwhile.
ssize_t receive(int fd, int epoll_fd, char* buf, size_t size) {
  if (epoll_fd >= 0) {
    epoll_event ready{};
    poll_ready(epoll_fd, kPollWindow, &ready, 1);
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

// Waits for ready descriptors in `epoll_fd`, polling for up to
// `poll_window` first.
int wait_ready(int epoll_fd, std::chrono::microseconds poll_window, epoll_event* ready, int capacity) {
  if (poll_window.count() > 0) {
    const int n = poll_ready(epoll_fd, poll_window, ready, capacity);
    if (n != 0) return n;
  }
  return ::epoll_wait(epoll_fd, ready, capacity, -1);
}

// --epoll: every client on this one thread. Client sockets stay blocking: a
// reply is as small as its request, so send() does not wait.
int serve_all(int listen_fd, std::chrono::microseconds poll_window, bool peek) {
  const int epoll_fd = epoll_set_of(listen_fd);
  if (epoll_fd < 0) {
    std::perror("xsperf-echo: epoll");
    return 1;
  }
  std::vector<char> buf(256 * 1024);
  epoll_event ready[64];
  for (;;) {
    const int n = wait_ready(epoll_fd, poll_window, ready, 64);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      std::perror("xsperf-echo: epoll_wait");
      return 1;
    }
    for (int i = 0; i < n; ++i) {
      const int fd = ready[i].data.fd;
      if (fd == listen_fd) {
        const int client = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) continue;
        epoll_event interest{};
        interest.events = EPOLLIN;
        interest.data.fd = client;
        if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, client, &interest) != 0) ::close(client);
        continue;
      }
      const ssize_t got = ::recv(fd, buf.data(), buf.size(), peek ? MSG_PEEK : 0);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0 || !send_all(fd, buf.data(), got) || (peek && ::recv(fd, buf.data(), got, 0) != got)) {
        ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, nullptr);
        ::close(fd);
      }
    }
  }
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
  const std::string_view mode = argc == 3 ? argv[1] : "";
  if (argc < 2 || argc > 3 || argv[argc - 1][0] == '-' ||
      (argc == 3 && mode != "--poll" && mode != "--epoll" && mode != "--uring" && mode != "--uring-peek" && mode != "--epoll-peek")) {
    std::fprintf(stderr, "usage: xsperf-echo [--poll | --epoll | --epoll-peek | --uring | --uring-peek] SOCKET_PATH\n");
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
  // Polling only where the client has a CPU of its own (see the top).
  const auto poll_window = several_cpus ? kPollWindow : std::chrono::microseconds::zero();
  if (mode == "--epoll") return serve_all(lfd, poll_window, false);
  if (mode == "--epoll-peek") return serve_all(lfd, poll_window, true);
  if (mode == "--uring") return serve_all_uring(lfd, poll_window, false);
  if (mode == "--uring-peek") return serve_all_uring(lfd, poll_window, true);
  for (;;) {
    int fd = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      std::perror("xsperf-echo: accept");
      return 1;
    }
    std::thread(echo_client, fd, mode == "--poll" && several_cpus).detach();
  }
}
