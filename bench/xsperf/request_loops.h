// The two measurement loops shared by the read workloads and the raw echo
// bound: one request at a time, and a fixed number in flight. Requests cycle
// through `requests`; each reply must have the request's type and equal the
// matching `expected` payload, or it counts as an error.
#pragma once

#include <string>
#include <vector>

#include "latency.h"
#include "xs_client.h"

namespace xsperf {

struct LoopRequest {
  uint32_t type;
  std::string payload;
  std::string expected;  // the reply payload a correct server sends
};

struct LoopResult {
  uint64_t ops = 0;
  uint64_t errors = 0;
  double seconds = 0;
  LatencyRecorder latency;
};

Result<LoopResult> sequential_loop(Connection& c, const std::vector<LoopRequest>& requests, uint64_t ops,
                                   double max_seconds);
Result<LoopResult> pipelined_loop(Connection& c, const std::vector<LoopRequest>& requests, uint64_t ops,
                                  unsigned depth, double max_seconds);

}  // namespace xsperf

namespace xsperf {

// Untimed setup and fill: writes every (path, value) that `next` yields,
// keeping `depth` writes in flight. Returns how many writes the daemon refused.
// `next` returns false when there is nothing more to write.
template <class Next>
Result<uint64_t> pipelined_writes(Connection& c, Next&& next, unsigned depth) {
  uint64_t sent = 0, done = 0, refused = 0;
  bool more = true;
  std::string path, value;
  for (;;) {
    while (more && sent - done < depth) {
      more = next(path, value);
      if (!more) break;
      c.queue(XS_WRITE, write_payload(path, value));
      ++sent;
    }
    CXS_TRY(c.flush());
    if (done == sent) return refused;
    do {
      auto m = c.receive();
      if (!m) return m.error();
      if (m->type != XS_WRITE) ++refused;
      ++done;
    } while (c.has_buffered_message());
  }
}

}  // namespace xsperf
