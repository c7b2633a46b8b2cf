#include <boost/asio/steady_timer.hpp>

#include "cxxenstored/connection/clock.h"

namespace cxxenstored::connection {
namespace {

class TimerAlarm final : public Clock::Alarm {
 public:
  explicit TimerAlarm(boost::asio::any_io_executor executor) : timer_(std::move(executor)) {}

  void set(Clock::TimePoint when, std::function<void()> fire) override {
    timer_.expires_at(when);  // cancels an earlier wait (its handler sees operation_aborted)
    timer_.async_wait([fire = std::move(fire)](boost::system::error_code ec) {
      if (!ec) fire();
    });
  }
  void cancel() override { timer_.cancel(); }

 private:
  // Its destructor cancels the wait, so `fire` never outlives the alarm.
  boost::asio::steady_timer timer_;
};

}  // namespace

std::unique_ptr<Clock::Alarm> SteadyClock::make_alarm() {
  return std::make_unique<TimerAlarm>(executor_);
}

}  // namespace cxxenstored::connection
