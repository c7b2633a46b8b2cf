#include "cxxenstored/daemon/poll_window.h"

#include <algorithm>

namespace cxxenstored::daemon {

PollWindow::Duration PollWindow::first_window() const {
  return std::max(limit_ / 8, Duration(1));
}

void PollWindow::idle_ended(Duration idle) {
  if (limit_ <= Duration::zero()) return;
  if (holdoff_ > 0) {
    --holdoff_;
    return;
  }
  if (idle <= window_) return;  // polling caught it: keep the window
  if (idle <= limit_) {
    // A longer window would have caught it.
    window_ = window_ == Duration::zero() ? first_window() : std::min(window_ * 2, limit_);
    return;
  }
  // No window we may use would have: polling only burnt CPU.
  window_ /= 2;
  if (window_ < first_window()) window_ = Duration::zero();
}

}  // namespace cxxenstored::daemon
