// One io_uring for the daemon's socket I/O, driven from the Asio event
// loop: the kernel signals an eventfd when finished work waits, the loop
// wakes on it as on any descriptor, and one pass then submits what the
// transports prepared and delivers what completed. Many clients' receives
// and sends cost one system call a pass instead of one each
// (UringSocketTransport says why that matters).
//
// Single-threaded like the rest of the daemon: every call on the io_context
// thread. The ring is SINGLE_ISSUER | DEFER_TASKRUN: the kernel finishes
// requests only when this thread asks, so nothing interrupts a pass.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

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

  // A queue on `io`, or the error the kernel gave (kernels before 6.1,
  // kernel.io_uring_disabled, seccomp filters refuse it).
  static Result<std::shared_ptr<UringQueue>> open(boost::asio::io_context& io);
  ~UringQueue();
  UringQueue(const UringQueue&) = delete;
  UringQueue& operator=(const UringQueue&) = delete;

  // An entry for operation `op` of `client`, to be filled in by the caller
  // (io_uring_prep_*) and submitted at the end of the current pass. The
  // queue keeps `client` alive until it has delivered the completion.
  // `settles`: live update must wait for it (settle()).
  io_uring_sqe* prepare(std::shared_ptr<Client> client, std::uint32_t op, bool settles);
  // Whether `sqe` is the newest entry prepared and not yet submitted: only
  // then may the next one be linked behind it (IOSQE_IO_LINK chains
  // neighbours).
  // (The client is compared too: a submitted entry's place is reused.)
  bool is_last_prepared(const io_uring_sqe* sqe, const Client* client) const {
    return sqe != nullptr && sqe == last_prepared_ && client == last_client_;
  }
  boost::asio::any_io_executor executor() { return io_.get_executor(); }
  // Submits what was prepared and delivers what finished, until nothing is
  // left to do at once (what a wake-up of the eventfd runs).
  void pump();
  // Whether a pass has work: requests the kernel finished and holds for
  // us, completions, or entries prepared. Read from shared memory, no
  // system call.
  bool work_waiting() const;
  // A pass, if work_waiting(): what a polling event loop does instead of
  // waiting for the eventfd. True if it ran one.
  bool poll();
  // Whether the kernel signals the eventfd when work finishes. The signal
  // is a hop more on the path of the client send that wakes us (io_uring's
  // task work, the eventfd, epoll): the event loop turns it off while it
  // polls and on before it sleeps (and checks work_waiting() after).
  void set_event_signalling(bool on);
  // Blocks until every operation prepared with `settles` has completed,
  // for up to `limit`: before live update hands the sockets to the next
  // process, no request may be left answered but still in its socket. (One
  // behind a reply that a client has left unread past the limit stays.)
  void settle(std::chrono::milliseconds limit);

 private:
  struct Slot {
    std::shared_ptr<Client> client;
    std::uint32_t op = 0;
    bool settles = false;
  };

  UringQueue(boost::asio::io_context& io, std::unique_ptr<io_uring> ring, int event_fd);
  void wait_for_event();
  void pump_soon();
  bool deliver_completions();
  bool kernel_holds_work() const;

  boost::asio::io_context& io_;
  std::unique_ptr<io_uring> ring_;
  boost::asio::posix::stream_descriptor event_;  // signalled by the kernel: work finished
  std::vector<Slot> slots_;        // operations in flight, by user_data
  std::vector<std::uint32_t> free_slots_;
  std::size_t settling_ = 0;       // in-flight operations prepared with `settles`
  io_uring_sqe* last_prepared_ = nullptr;
  const Client* last_client_ = nullptr;
  bool pumping_ = false;
  bool signalling_ = true;
  bool pump_posted_ = false;
};

}  // namespace cxxenstored::connection
