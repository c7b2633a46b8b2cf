// Scale: sequential read latency with no other client, then with many idle
// connections open. A daemon that scans every connection per request slows
// down in proportion; the target is within 1.1x.
#include "request_loops.h"
#include "workload.h"

namespace xsperf {

Result<Report> run_idle_conns(const Options& o) {
  auto c = Connection::open(o.socket_path);
  if (!c) return c.error();
  const std::string prefix = unique_prefix("idle-conns");
  std::vector<LoopRequest> reqs;
  for (unsigned i = 0; i < 100; ++i) {
    const std::string path = prefix + "/key" + std::to_string(i);
    const std::string value = make_value(o.value_size, i);
    CXS_TRY(c->write(path, value));
    reqs.push_back({XS_READ, path_payload(path), value});
  }
  auto warm = sequential_loop(*c, reqs, 500, o.max_seconds);
  if (!warm) return warm.error();
  auto alone = sequential_loop(*c, reqs, o.ops, o.max_seconds);
  if (!alone) return alone.error();

  // Each idle client has completed one request, so the daemon has fully set
  // it up; then it stays silent.
  std::vector<Connection> idle;
  idle.reserve(o.idle);
  for (unsigned i = 0; i < o.idle; ++i) {
    auto ic = Connection::open(o.socket_path);
    if (!ic) return ic.error();
    auto v = ic->read(prefix + "/key0");
    if (!v) return v.error();
    idle.push_back(std::move(*ic));
  }
  auto warm2 = sequential_loop(*c, reqs, 500, o.max_seconds);
  if (!warm2) return warm2.error();
  auto crowded = sequential_loop(*c, reqs, o.ops, o.max_seconds);
  if (!crowded) return crowded.error();
  idle.clear();

  const LatencySummary a = alone->latency.summarise();
  Report r;
  r.workload = "idle-conns";
  r.unit = "reads";
  r.ops = crowded->ops;
  r.seconds = crowded->seconds;
  r.latency = crowded->latency.summarise();
  r.errors = alone->errors + crowded->errors;
  r.ok = r.errors == 0;
  r.add("idle", o.idle);
  r.add("p50_us_alone", a.p50_us);
  r.add("p99_us_alone", a.p99_us);
  r.add("ops_per_s_alone", alone->seconds > 0 ? static_cast<double>(alone->ops) / alone->seconds : 0.0);
  r.add("p50_ratio", a.p50_us > 0 ? r.latency.p50_us / a.p50_us : 0.0);
  remove_quietly(*c, prefix);
  return r;
}

}  // namespace xsperf
