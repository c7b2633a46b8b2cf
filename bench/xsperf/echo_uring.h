// xsperf-echo --uring and --uring-peek (echo_uring.cc).
#pragma once

#include <chrono>

// Serves every client of `listen_fd` from one thread on io_uring, echoing
// each message (xsperf-echo --uring). Asks for completions without
// sleeping for up to `poll_window` before it sleeps, like --epoll. Runs
// until an error; returns the exit status, kUringUnavailable when the
// kernel refuses io_uring. With `consume_after_reply` (--uring-peek) each
// message is peeked at and taken out by a receive linked behind its echo.
int serve_all_uring(int listen_fd, std::chrono::microseconds poll_window, bool consume_after_reply);

inline constexpr int kUringUnavailable = 3;
