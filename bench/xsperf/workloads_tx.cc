// Concurrent transactions: on disjoint subtrees (should never conflict) and
// on shared counters (must conflict, and must never lose an increment);
// and tx-disjoint's messages sent to an echo server, its bound.
#include "client_threads.h"
#include "tx_retry.h"
#include "workload.h"

namespace xsperf {

namespace {

// The measured phase of tx-disjoint: each thread commits transactions of one
// read and --tx-writes writes under prefix/t<thread>/. Against xsperf-echo
// (echo-tx) the same messages go out and come back unchanged: every
// "transaction" is then id 0 and always "commits".
Result<Report> disjoint_transactions(const Options& o, const std::string& name, const std::string& prefix) {
  auto conns = open_many(o, o.threads);
  if (!conns) return conns.error();
  const uint64_t per_thread = std::max<uint64_t>(1, o.ops / o.threads);

  std::vector<ThreadOutcome> out;
  auto timing = run_threads(o, *conns, out, [&](size_t t, Connection& c, ThreadOutcome& me, Clock::time_point deadline) {
    const std::string mine = prefix + "/t" + std::to_string(t) + "/k";
    me.latency.reserve(per_thread);
    while (me.ops < per_thread && Clock::now() < deadline) {
      if (!timed_transaction(c, me, deadline,
                             [&](uint32_t tx) -> Result<void> {
            // Read one node, then write all of this thread's nodes.
            auto v = c.read(mine + "0", tx);
            if (!v) return v.error();
            for (unsigned k = 0; k < o.tx_writes; ++k)
              CXS_TRY(c.write(mine + std::to_string(k), make_value(o.value_size, me.ops), tx));
            return {};
          }))
        return;
    }
  });
  if (!timing) return timing.error();
  Report r = merge_outcomes(name, "commits", *timing, out);
  r.add("threads", o.threads);
  r.add("writes_per_tx", o.tx_writes);
  return r;
}

}  // namespace

Result<Report> run_tx_disjoint(const Options& o) {
  auto setup = Connection::open(o.socket_path);
  if (!setup) return setup.error();
  const std::string prefix = unique_prefix("tx-disjoint");
  for (unsigned t = 0; t < o.threads; ++t)
    for (unsigned k = 0; k < o.tx_writes; ++k)
      CXS_TRY(setup->write(prefix + "/t" + std::to_string(t) + "/k" + std::to_string(k), "0"));
  // The target is zero EAGAIN: disjoint transactions have nothing to conflict on.
  auto r = disjoint_transactions(o, "tx-disjoint", prefix);
  remove_quietly(*setup, prefix);
  return r;
}

Result<Report> run_echo_tx(const Options& o) {
  return disjoint_transactions(o, "echo-tx", unique_prefix("echo-tx"));
}

Result<Report> run_tx_conflict(const Options& o) {
  auto setup = Connection::open(o.socket_path);
  if (!setup) return setup.error();
  const std::string prefix = unique_prefix("tx-conflict");
  for (unsigned k = 0; k < o.counters; ++k) CXS_TRY(setup->write(prefix + "/c" + std::to_string(k), "0"));
  auto conns = open_many(o, o.threads);
  if (!conns) return conns.error();
  const uint64_t per_thread = std::max<uint64_t>(1, o.ops / o.threads);

  std::vector<ThreadOutcome> out;
  auto timing = run_threads(o, *conns, out, [&](size_t t, Connection& c, ThreadOutcome& me, Clock::time_point deadline) {
    me.latency.reserve(per_thread);
    while (me.ops < per_thread && Clock::now() < deadline) {
      const std::string counter = prefix + "/c" + std::to_string((t + me.ops) % o.counters);
      if (!timed_transaction(c, me, deadline,
                             [&](uint32_t tx) -> Result<void> {
            auto v = c.read(counter, tx);
            if (!v) return v.error();
            const unsigned long long n = std::strtoull(v->c_str(), nullptr, 10);
            return c.write(counter, std::to_string(n + 1), tx);
          }))
        return;
    }
  });
  if (!timing) return timing.error();
  Report r = merge_outcomes("tx-conflict", "increments", *timing, out);

  // Every committed increment must be in the counters, no more, no less.
  uint64_t total = 0;
  for (unsigned k = 0; k < o.counters; ++k) {
    auto v = setup->read(prefix + "/c" + std::to_string(k));
    if (!v) return v.error();
    total += std::strtoull(v->c_str(), nullptr, 10);
  }
  r.lost = r.ops > total ? r.ops - total : 0;
  const uint64_t extra = total > r.ops ? total - r.ops : 0;
  r.ok = r.lost == 0 && extra == 0;
  r.add("threads", o.threads);
  r.add("counters", o.counters);
  r.add("counted", static_cast<double>(total));
  r.add("eagain_per_commit", r.ops ? static_cast<double>(r.eagain) / static_cast<double>(r.ops) : 0.0);
  remove_quietly(*setup, prefix);
  return r;
}

}  // namespace xsperf
