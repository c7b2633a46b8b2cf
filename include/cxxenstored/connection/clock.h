// Time for the connection layer: "now" (request latency, watch-event
// deadlines) and one-shot alarms (the -w watch-event timeout). The daemon
// uses SteadyClock on its io_context; tests use ManualClock
// (manual_clock.h) and move time forward themselves, so that nothing
// depends on how fast a loaded machine runs.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include <boost/asio/any_io_executor.hpp>

namespace cxxenstored::connection {

class Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  // One pending callback. Destroying the alarm cancels it.
  class Alarm {
   public:
    virtual ~Alarm() = default;
    // Replaces any earlier setting: `fire` runs once, on the daemon's
    // thread and never from inside set(), at or after `when`.
    virtual void set(TimePoint when, std::function<void()> fire) = 0;
    virtual void cancel() = 0;
  };

  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
  virtual std::unique_ptr<Alarm> make_alarm() = 0;
};

// std::chrono::steady_clock, alarms as Boost.Asio timers on `executor`.
class SteadyClock final : public Clock {
 public:
  explicit SteadyClock(boost::asio::any_io_executor executor) : executor_(std::move(executor)) {}
  TimePoint now() const override { return std::chrono::steady_clock::now(); }
  std::unique_ptr<Alarm> make_alarm() override;

 private:
  boost::asio::any_io_executor executor_;
};

}  // namespace cxxenstored::connection
