// xsperf-echo --uring (echo_uring.cc).
#pragma once

// Serves every client of `listen_fd` from one thread on io_uring, echoing
// each message (xsperf-echo --uring). With `poll`, asks for completions
// without sleeping for up to 200 us before it sleeps, like --epoll. Runs
// until an error; returns the exit status, kUringUnavailable when the
// kernel refuses io_uring.
int serve_all_uring(int listen_fd, bool poll);

inline constexpr int kUringUnavailable = 3;
