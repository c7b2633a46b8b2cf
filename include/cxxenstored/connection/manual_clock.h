// A Clock whose time only moves when told to: tests and simulations of
// timeouts (the watch-event timeout) without sleeping. Not thread-safe: call
// it on the thread that runs the connections.
#pragma once

#include <algorithm>
#include <memory>
#include <optional>
#include <vector>

#include "cxxenstored/connection/clock.h"

namespace cxxenstored::connection {

class ManualClock final : public Clock {
 public:
  TimePoint now() const override { return now_; }

  std::unique_ptr<Alarm> make_alarm() override {
    auto slot = std::make_shared<Slot>();
    slots_.push_back(slot);
    return std::make_unique<ManualAlarm>(std::move(slot));
  }

  // Moves time forward by `by` and runs every alarm that fell due, earliest
  // first (including alarms that those callbacks set within the new now).
  void advance(std::chrono::nanoseconds by) {
    now_ += std::chrono::duration_cast<TimePoint::duration>(by);
    while (auto due = earliest_due()) {
      auto fire = std::move(due->fire);
      due->when.reset();
      due->fire = nullptr;
      fire();
    }
  }

  // Alarms currently set (for tests of the tests).
  std::size_t pending_alarms() {
    prune();
    return static_cast<std::size_t>(std::count_if(
        slots_.begin(), slots_.end(), [](const auto& weak) {
          auto slot = weak.lock();
          return slot && slot->when.has_value();
        }));
  }

 private:
  struct Slot {
    std::optional<TimePoint> when;
    std::function<void()> fire;
  };

  class ManualAlarm final : public Alarm {
   public:
    explicit ManualAlarm(std::shared_ptr<Slot> slot) : slot_(std::move(slot)) {}
    void set(TimePoint when, std::function<void()> fire) override {
      slot_->when = when;
      slot_->fire = std::move(fire);
    }
    void cancel() override {
      slot_->when.reset();
      slot_->fire = nullptr;
    }

   private:
    std::shared_ptr<Slot> slot_;  // the clock only keeps a weak reference
  };

  void prune() {
    slots_.erase(std::remove_if(slots_.begin(), slots_.end(),
                                [](const auto& weak) { return weak.expired(); }),
                 slots_.end());
  }

  std::shared_ptr<Slot> earliest_due() {
    prune();
    std::shared_ptr<Slot> best;
    for (const auto& weak : slots_) {
      auto slot = weak.lock();
      if (!slot || !slot->when || *slot->when > now_) continue;
      if (!best || *slot->when < *best->when) best = slot;
    }
    return best;
  }

  TimePoint now_{};
  std::vector<std::weak_ptr<Slot>> slots_;
};

}  // namespace cxxenstored::connection
