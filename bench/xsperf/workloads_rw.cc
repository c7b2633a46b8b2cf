// Single-client workloads: sequential and pipelined reads, writes of new
// nodes, and listings of a large directory.
#include <algorithm>

#include "daemon_cpu.h"
#include "request_loops.h"
#include "workload.h"

namespace xsperf {

namespace {

constexpr unsigned kReadNodes = 100;  // reads cycle over this many nodes
constexpr uint64_t kWarmup = 500;

Report report_from(const std::string& name, const std::string& unit, const LoopResult& l) {
  Report r;
  r.workload = name;
  r.unit = unit;
  r.ops = l.ops;
  r.seconds = l.seconds;
  r.latency = l.latency.summarise();
  r.errors = l.errors;
  r.ok = l.errors == 0;
  return r;
}

// Creates kReadNodes nodes under a fresh prefix; returns the read requests
// for them with the values the daemon must return.
Result<std::vector<LoopRequest>> prepare_reads(Connection& c, const std::string& prefix, unsigned value_size) {
  std::vector<LoopRequest> reqs;
  for (unsigned i = 0; i < kReadNodes; ++i) {
    std::string path = prefix + "/key" + std::to_string(i);
    std::string value = make_value(value_size, i);
    CXS_TRY(c.write(path, value));
    reqs.push_back({XS_READ, path_payload(path), value});
  }
  return reqs;
}

Result<Report> run_reads(const Options& o, const std::string& name, bool pipelined) {
  auto c = Connection::open(o.socket_path);
  if (!c) return c.error();
  const std::string prefix = unique_prefix(name);
  auto reqs = prepare_reads(*c, prefix, o.value_size);
  if (!reqs) return reqs.error();
  auto warm = sequential_loop(*c, *reqs, kWarmup, o.max_seconds);
  if (!warm) return warm.error();
  const DaemonCpuProbe cpu(o.pid);
  auto l = pipelined ? pipelined_loop(*c, *reqs, o.ops, o.depth, o.max_seconds)
                     : sequential_loop(*c, *reqs, o.ops, o.max_seconds);
  if (!l) return l.error();
  const double cpu_seconds = cpu.elapsed();
  remove_quietly(*c, prefix);
  Report r = report_from(name, "reads", *l);
  r.daemon_cpu_seconds = cpu_seconds;
  if (pipelined) r.add("depth", o.depth);
  return r;
}

}  // namespace

Result<Report> run_seq_read(const Options& o) { return run_reads(o, "seq-read", false); }

Result<Report> run_pipelined_read(const Options& o) { return run_reads(o, "pipelined-read", true); }

Result<Report> run_seq_write_new(const Options& o) {
  auto c = Connection::open(o.socket_path);
  if (!c) return c.error();
  const std::string prefix = unique_prefix("seq-write-new");
  CXS_TRY(c->mkdir(prefix));
  std::vector<LoopRequest> reqs;
  reqs.reserve(o.ops);
  for (uint64_t i = 0; i < o.ops; ++i)
    reqs.push_back({XS_WRITE, write_payload(prefix + "/n" + std::to_string(i), make_value(o.value_size, i)), "OK"});
  // The daemon acknowledges a write with "OK" and a NUL.
  for (auto& q : reqs) q.expected.push_back('\0');
  const DaemonCpuProbe cpu(o.pid);
  auto l = sequential_loop(*c, reqs, o.ops, o.max_seconds);
  if (!l) return l.error();
  Report r = report_from("seq-write-new", "writes", *l);
  r.daemon_cpu_seconds = cpu.elapsed();
  // Every acknowledged write must have created its node with its value:
  // read them all back (pipelined, untimed).
  std::vector<LoopRequest> checks;
  checks.reserve(l->ops);
  for (uint64_t i = 0; i < l->ops; ++i)
    checks.push_back({XS_READ, path_payload(prefix + "/n" + std::to_string(i)), make_value(o.value_size, i)});
  if (!checks.empty()) {
    auto verify = pipelined_loop(*c, checks, checks.size(), 64, 600);
    if (!verify) return verify.error();
    r.lost = verify->errors;
  }
  r.ok = r.ok && r.lost == 0;
  remove_quietly(*c, prefix);
  return r;
}

Result<Report> run_large_directory(const Options& o) {
  auto c = Connection::open(o.socket_path);
  if (!c) return c.error();
  const std::string prefix = unique_prefix("large-directory");
  // Children named like domain ids, as /local/domain looks with many guests.
  unsigned next_child = 0;
  std::string expected;
  auto refused = pipelined_writes(
      *c,
      [&](std::string& path, std::string& value) {
        if (next_child >= o.dir_size) return false;
        ++next_child;
        path = prefix + "/" + std::to_string(next_child);
        value.clear();
        return true;
      },
      64);
  if (!refused) return refused.error();
  if (*refused != 0) return Error{EIO};
  // Expected reply: the children, each NUL-terminated. Daemons differ in
  // order (creation vs sorted), so compare as sorted sets once, then by size.
  auto first = c->directory(prefix);
  if (!first) return first.error();
  std::vector<std::string> names = *first;
  std::sort(names.begin(), names.end());
  std::vector<std::string> want;
  for (unsigned i = 1; i <= o.dir_size; ++i) want.push_back(std::to_string(i));
  std::sort(want.begin(), want.end());
  if (names != want) return Error{EPROTO};
  for (const auto& n : *first) expected.append(n).push_back('\0');

  std::vector<LoopRequest> reqs{{XS_DIRECTORY, path_payload(prefix), expected}};
  const DaemonCpuProbe cpu(o.pid);
  auto l = sequential_loop(*c, reqs, o.ops, o.max_seconds);
  if (!l) return l.error();
  const double cpu_seconds = cpu.elapsed();
  remove_quietly(*c, prefix);
  Report r = report_from("large-directory", "listings", *l);
  r.daemon_cpu_seconds = cpu_seconds;
  r.add("children", o.dir_size);
  r.add("reply_bytes", static_cast<double>(expected.size()));
  return r;
}

Result<Report> run_echo_seq(const Options& o) {
  auto c = Connection::open(o.socket_path);
  if (!c) return c.error();
  // The same message a seq-read sends; the echo server returns it unchanged.
  std::string payload = path_payload("/bench/echo/key0");
  std::vector<LoopRequest> reqs{{XS_READ, payload, payload}};
  auto warm = sequential_loop(*c, reqs, kWarmup, o.max_seconds);
  if (!warm) return warm.error();
  auto l = sequential_loop(*c, reqs, o.ops, o.max_seconds);
  if (!l) return l.error();
  return report_from("echo-seq", "round-trips", *l);
}

Result<Report> run_echo_pipelined(const Options& o) {
  auto c = Connection::open(o.socket_path);
  if (!c) return c.error();
  std::string payload = path_payload("/bench/echo/key0");
  std::vector<LoopRequest> reqs{{XS_READ, payload, payload}};
  auto l = pipelined_loop(*c, reqs, o.ops, o.depth, o.max_seconds);
  if (!l) return l.error();
  Report r = report_from("echo-pipelined", "round-trips", *l);
  r.add("depth", o.depth);
  return r;
}

}  // namespace xsperf
