// One io_uring for the daemon's socket I/O, driven by the event loop beside
// Asio's reactor: many clients' receives and sends cost one system call a
// pass instead of one each (UringSocketTransport says why that matters).
//
// The ring is SINGLE_ISSUER | DEFER_TASKRUN | TASKRUN_FLAG: the kernel
// finishes requests only when this thread asks, so nothing interrupts the
// loop, and it marks in shared memory when it holds finished work, so a
// polling loop sees that without a system call. Such work wakes nothing
// else (no eventfd signal, no readiness of the ring's descriptor): a thread
// can only sleep on it inside io_uring_enter. So the loop sleeps here
// (sleep()), with a poll on Asio's reactor in the ring so that Asio's own
// events (new connections, timers, signals, guest event channels) wake it
// too.
//
// Single-threaded like the rest of the daemon: every call on the io_context
// thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "cxxenstored/util/result.h"

struct io_uring;
struct io_uring_sqe;

namespace cxxenstored::connection {

class UringQueue : public std::enable_shared_from_this<UringQueue> {
 public:
  // Told of the completion of each operation it prepared.
  class Client {
   public:
    virtual void on_completion(std::uint32_t op, int result) = 0;

   protected:
    ~Client() = default;
  };

  // A queue beside `io`, or why not: the kernel's error (kernels before
  // 6.1, kernel.io_uring_disabled, seccomp filters refuse io_uring), or
  // ENOENT when `io`'s reactor is not an epoll set this process can find.
  static Result<std::shared_ptr<UringQueue>> open(boost::asio::io_context& io);
  ~UringQueue();
  UringQueue(const UringQueue&) = delete;
  UringQueue& operator=(const UringQueue&) = delete;

  // An entry for operation `op` of `client`, to be filled in by the caller
  // (io_uring_prep_*) and submitted in the next pass (one is posted to
  // `io` if none is under way). The queue keeps `client` alive until it has
  // delivered the completion.
  io_uring_sqe* prepare(std::shared_ptr<Client> client, std::uint32_t op);
  boost::asio::io_context::executor_type executor() { return io_.get_executor(); }

  // A transport has handed on input that is still in its socket (from
  // handing it on until it has been taken out: settle() waits for it).
  void input_unsettled() { ++unsettled_; }
  void input_settled() { --unsettled_; }

  // Whether a pass has work: requests the kernel finished and holds for
  // us, completions, or entries prepared. Read from shared memory.
  bool work_waiting() const;
  // A pass, if work_waiting(): what the event loop does each time it looks
  // for work. True if it ran one.
  bool poll();
  // Sleeps until the ring has work or Asio's reactor has events, then runs
  // a pass. For an event loop that has run everything ready.
  void sleep();
  // Runs the ring, blocking, until no input handed on is still in its
  // socket, for up to `limit`: before live update hands the sockets to the
  // next process, whose first read would see such input again. (A request
  // whose reply waits behind output its client leaves unread past the
  // limit stays.)
  void settle(std::chrono::milliseconds limit);

 private:
  struct Slot {
    std::shared_ptr<Client> client;
    std::uint32_t op = 0;
  };

  UringQueue(boost::asio::io_context& io, std::unique_ptr<io_uring> ring, int reactor_fd);
  void pump();
  void pump_soon();
  io_uring_sqe* next_sqe();
  void deliver_completions();
  bool kernel_holds_work() const;

  boost::asio::io_context& io_;
  std::unique_ptr<io_uring> ring_;
  int reactor_fd_;                 // Asio's epoll set (Asio owns it)
  bool reactor_watched_ = false;   // a poll on it is in the ring
  std::vector<Slot> slots_;        // operations in flight, by user_data
  std::vector<std::uint32_t> free_slots_;
  std::size_t unsettled_ = 0;      // transports with input handed on still in the socket
  bool pumping_ = false;
  bool pump_posted_ = false;
};

}  // namespace cxxenstored::connection
