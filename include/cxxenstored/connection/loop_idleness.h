// Whether the event loop has just been idle: it found nothing to do, and no
// input has been read since.
//
// The first input read after an idle loop is, as a rule, one client's next
// request with that client blocked waiting for the reply; input read after
// it, while the loop works through what came meanwhile, is not. A socket
// transport takes the first kind out of its socket only after replying
// (UnixSocketTransport says why). The event loop marks its idle moments;
// the first transport to read input after one claims it.
#pragma once

namespace cxxenstored::connection {

class LoopIdleness {
 public:
  void set_was_idle(bool idle) { was_idle_ = idle; }
  // True once per idle moment: for the first input read after it.
  bool claim() {
    const bool idle = was_idle_;
    was_idle_ = false;
    return idle;
  }

 private:
  bool was_idle_ = false;
};

}  // namespace cxxenstored::connection
