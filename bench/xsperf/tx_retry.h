// Running a group of operations as one transaction the way toolstacks do:
// start, operate, commit, and on EAGAIN start over.
#pragma once

#include "client_threads.h"
#include "latency.h"
#include "xs_client.h"

namespace xsperf {

// Runs `body(tx_id)` in a fresh transaction until the commit succeeds,
// adding every EAGAIN (refused commit, or an operation refused because the
// transaction already conflicted) to `eagain`. Any other error ends the
// attempt and is returned; ECANCELED once `deadline` has passed.
template <class Body>
Result<void> run_transaction(Connection& c, Body&& body, uint64_t& eagain, Clock::time_point deadline) {
  for (;;) {
    auto tx = c.transaction_start();
    if (!tx) return tx.error();
    Result<void> b = body(*tx);
    if (!b) {
      (void)c.transaction_end(*tx, false);
      if (b.error().code != EAGAIN) return b.error();
      ++eagain;
    } else {
      auto end = c.transaction_end(*tx, true);
      if (end) return {};
      if (end.error().code != EAGAIN) return end.error();
      ++eagain;
    }
    if (Clock::now() >= deadline) return Error{ECANCELED};
  }
}

// One measured transaction of a client thread: runs it (with retries),
// records its latency and counts it. False when the thread must stop: the
// deadline passed or an error (kept in me.failure) ended it.
template <class Body>
bool timed_transaction(Connection& c, ThreadOutcome& me, Clock::time_point deadline, Body&& body) {
  const auto begin = Clock::now();
  auto done = run_transaction(c, std::forward<Body>(body), me.eagain, deadline);
  if (!done) {
    if (done.error().code != ECANCELED) me.failure = done.error();
    return false;
  }
  me.latency.add(Clock::now() - begin);
  ++me.ops;
  return true;
}

}  // namespace xsperf
