#include "request_loops.h"

namespace xsperf {

namespace {
bool reply_matches(const Message& m, const LoopRequest& req) {
  return m.type == req.type && m.payload == req.expected;
}
}  // namespace

Result<LoopResult> sequential_loop(Connection& c, const std::vector<LoopRequest>& requests, uint64_t ops,
                                   double max_seconds) {
  LoopResult r;
  r.latency.reserve(ops);
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(max_seconds));
  auto now = start;
  while (r.ops < ops && now < deadline) {
    const LoopRequest& req = requests[r.ops % requests.size()];
    c.queue(req.type, req.payload, 0, static_cast<uint32_t>(r.ops));
    CXS_TRY(c.flush());
    auto m = c.receive();
    if (!m) return m.error();
    const auto done = Clock::now();
    r.latency.add(done - now);
    if (!reply_matches(*m, req)) ++r.errors;
    ++r.ops;
    now = done;
  }
  r.seconds = seconds_between(start, now);
  return r;
}

Result<LoopResult> pipelined_loop(Connection& c, const std::vector<LoopRequest>& requests, uint64_t ops,
                                  unsigned depth, double max_seconds) {
  LoopResult r;
  r.latency.reserve(ops);
  // Replies on one connection come back in request order, so a ring of
  // `depth` send times indexed by sequence number is enough.
  std::vector<Clock::time_point> sent_at(depth);
  uint64_t sent = 0;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(max_seconds));
  auto now = start;

  auto top_up = [&]() -> Result<void> {
    bool any = false;
    while (sent - r.ops < depth && sent < ops && now < deadline) {
      const LoopRequest& req = requests[sent % requests.size()];
      c.queue(req.type, req.payload, 0, static_cast<uint32_t>(sent));
      sent_at[sent % depth] = now;
      ++sent;
      any = true;
    }
    if (any) CXS_TRY(c.flush());
    return {};
  };

  CXS_TRY(top_up());
  while (r.ops < sent) {
    auto m = c.receive();
    if (!m) return m.error();
    now = Clock::now();
    for (;;) {
      const uint64_t seq = r.ops;
      const LoopRequest& req = requests[seq % requests.size()];
      if (m->req_id != static_cast<uint32_t>(seq) || !reply_matches(*m, req)) ++r.errors;
      r.latency.add(now - sent_at[seq % depth]);
      ++r.ops;
      if (!c.has_buffered_message()) break;
      m = c.receive();
      if (!m) return m.error();
    }
    CXS_TRY(top_up());
  }
  r.seconds = seconds_between(start, now);
  return r;
}

}  // namespace xsperf
