#include "cxxenstored/connection/uring_queue.h"

#include <liburing.h>
#include <poll.h>

#include <cerrno>

#include <boost/asio/post.hpp>

#include "cxxenstored/connection/reactor_descriptor.h"

namespace cxxenstored::connection {

namespace {

constexpr unsigned kSubmissionEntries = 256;
// Room for every connection's receive to finish in one pass; beyond it the
// kernel keeps completions on its overflow list (IORING_FEAT_NODROP).
constexpr unsigned kCompletionEntries = 4096;
// A pass submits, collects, and goes round while delivering the
// completions prepared new entries; bounded so that one busy pass cannot
// keep the rest of the event loop (timers, guest rings) waiting.
constexpr int kMaxRoundsPerPass = 16;
// The user_data of the poll on Asio's reactor (slots are numbered from 0).
constexpr std::uint64_t kReactorPoll = ~std::uint64_t{0};

}  // namespace

Result<std::shared_ptr<UringQueue>> UringQueue::open(boost::asio::io_context& io) {
  auto reactor = reactor_descriptor(io);
  if (!reactor) return reactor.error();
  auto ring = std::make_unique<io_uring>();
  io_uring_params params{};
  params.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_TASKRUN_FLAG |
                 IORING_SETUP_CQSIZE;
  params.cq_entries = kCompletionEntries;
  if (const int r = io_uring_queue_init_params(kSubmissionEntries, ring.get(), &params); r < 0)
    return Error{-r};
  return std::shared_ptr<UringQueue>(new UringQueue(io, std::move(ring), *reactor));
}

UringQueue::UringQueue(boost::asio::io_context& io, std::unique_ptr<io_uring> ring, int reactor_fd)
    : io_(io), ring_(std::move(ring)), reactor_fd_(reactor_fd) {}

UringQueue::~UringQueue() {
  // Cancels whatever is in flight; the clients the slots keep alive go
  // after it, told nothing (their owner is going away).
  io_uring_queue_exit(ring_.get());
  slots_.clear();
}

io_uring_sqe* UringQueue::next_sqe() {
  io_uring_sqe* sqe = io_uring_get_sqe(ring_.get());
  if (sqe == nullptr) {  // the submission queue is full: hand it over first
    io_uring_submit(ring_.get());
    sqe = io_uring_get_sqe(ring_.get());
  }
  return sqe;
}

io_uring_sqe* UringQueue::prepare(std::shared_ptr<Client> client, std::uint32_t op) {
  io_uring_sqe* sqe = next_sqe();
  std::uint32_t slot;
  if (free_slots_.empty()) {
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  } else {
    slot = free_slots_.back();
    free_slots_.pop_back();
  }
  slots_[slot] = Slot{std::move(client), op};
  io_uring_sqe_set_data64(sqe, slot);
  pump_soon();
  return sqe;
}

// Entries prepared outside a pass (a reply from a timer, a watch event
// fired by a guest's write) are submitted by a pass posted for them.
void UringQueue::pump_soon() {
  if (pumping_ || pump_posted_) return;
  pump_posted_ = true;
  boost::asio::post(io_, [weak = weak_from_this()] {
    if (auto self = weak.lock()) {
      self->pump_posted_ = false;
      self->pump();
    }
  });
}

void UringQueue::pump() {
  if (pumping_) return;
  pumping_ = true;
  for (int round = 0; round < kMaxRoundsPerPass && work_waiting(); ++round) {
    // Submits what was prepared and finishes the kernel's deferred work,
    // whose completions are then ours to deliver; no system call when
    // only completions wait.
    if (io_uring_sq_ready(ring_.get()) > 0 || kernel_holds_work()) io_uring_submit_and_get_events(ring_.get());
    deliver_completions();
  }
  pumping_ = false;
  if (io_uring_sq_ready(ring_.get()) > 0) pump_soon();  // the last round's own entries
}

// Finished requests the kernel completes only when we enter it, or
// completions that did not fit the queue.
bool UringQueue::kernel_holds_work() const {
  return (IO_URING_READ_ONCE(*ring_->sq.kflags) & (IORING_SQ_TASKRUN | IORING_SQ_CQ_OVERFLOW)) != 0;
}

bool UringQueue::work_waiting() const {
  return kernel_holds_work() || io_uring_cq_ready(ring_.get()) > 0 || io_uring_sq_ready(ring_.get()) > 0;
}

bool UringQueue::poll() {
  if (pumping_ || !work_waiting()) return false;
  pump();
  return true;
}

void UringQueue::sleep() {
  if (!reactor_watched_) {
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_poll_add(sqe, reactor_fd_, POLLIN);
    io_uring_sqe_set_data64(sqe, kReactorPoll);
    reactor_watched_ = true;
  }
  // Returns at once if anything finished meanwhile (the kernel runs its
  // deferred work before it waits), or for a signal.
  io_uring_submit_and_wait(ring_.get(), 1);
  pump();
}

void UringQueue::deliver_completions() {
  io_uring_cqe* cqe = nullptr;
  while (io_uring_peek_cqe(ring_.get(), &cqe) == 0) {
    const std::uint64_t data = io_uring_cqe_get_data64(cqe);
    const int result = cqe->res;
    io_uring_cqe_seen(ring_.get(), cqe);
    if (data == kReactorPoll) {  // Asio has events: the loop runs them next
      reactor_watched_ = false;
      continue;
    }
    const auto slot = static_cast<std::uint32_t>(data);
    // The slot is free before the client hears of it: the client may
    // prepare its next operation from the callback.
    Slot done = std::move(slots_[slot]);
    free_slots_.push_back(slot);
    done.client->on_completion(done.op, result);
  }
}

void UringQueue::settle(std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (unsettled_ > 0) {
    const auto left = until - std::chrono::steady_clock::now();
    if (left <= std::chrono::milliseconds::zero()) return;
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
    __kernel_timespec timeout{};
    timeout.tv_sec = ns / 1000000000;
    timeout.tv_nsec = ns % 1000000000;
    io_uring_cqe* cqe = nullptr;
    const int r = io_uring_submit_and_wait_timeout(ring_.get(), &cqe, 1, &timeout, nullptr);
    if (r < 0 && r != -EINTR && r != -ETIME) return;  // the ring cannot wait: nothing more will come
    deliver_completions();
  }
}

}  // namespace cxxenstored::connection
