#include "options.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <type_traits>

#include "workload.h"

namespace xsperf {

namespace {

// libxenstore's search order for the daemon's socket.
std::string default_socket() {
  if (const char* p = std::getenv("XENSTORED_PATH")) return p;
  if (const char* d = std::getenv("XENSTORED_RUNDIR")) return std::string(d) + "/socket";
  return "/run/xenstored/socket";
}

bool parse_u64(const char* s, uint64_t& out) {
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0') return false;
  out = v;
  return true;
}

}  // namespace

void print_usage() {
  std::fprintf(stderr,
               "usage: xsperf WORKLOAD [options]\n"
               "workloads:\n");
  for (const auto& w : all_workloads()) std::fprintf(stderr, "  %-16s %s\n", w.name, w.summary);
  std::fprintf(stderr,
               "  %-16s every workload above except memory, echo-*\n"
               "options:\n"
               "  --socket PATH      daemon socket (default $XENSTORED_PATH, $XENSTORED_RUNDIR/socket,\n"
               "                     /run/xenstored/socket)\n"
               "  --label NAME       daemon name printed in results (default daemon)\n"
               "  --ops N            operations per measured phase (default 20000)\n"
               "  --max-seconds S    stop each measured phase after S seconds (default 10)\n"
               "  --threads N        client threads for tx-* and vm-storm (default 8)\n"
               "  --depth N          requests in flight for pipelined-* (default 64)\n"
               "  --watchers N       watch-fanout watchers (default 100)\n"
               "  --events N         watch-fanout writes (default 200)\n"
               "  --vms N            VMs created by vm-storm (default 100)\n"
               "  --dir-size N       children of the large directory (default 1000)\n"
               "  --idle N           idle connections for idle-conns (default 1000)\n"
               "  --nodes N          nodes written by memory (default 1000000)\n"
               "  --pid PID          daemon pid: memory reads its RSS; every workload reports\n"
               "                     its CPU time per operation\n"
               "  --value-size N     value bytes (default 16)\n"
               "  --tx-writes N      writes per tx-disjoint transaction (default 4)\n"
               "  --counters N       contended counters for tx-conflict (default 1)\n",
               "all");
}

std::optional<Options> parse_options(int argc, char** argv) {
  if (argc < 2) return std::nullopt;
  Options o;
  o.workload = argv[1];
  o.socket_path = default_socket();
  for (int i = 2; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "xsperf: %s needs a value\n", argv[i]);
      return std::nullopt;
    }
    const char* value = argv[++i];
    uint64_t n = 0;
    auto number = [&](auto& field) {
      if (!parse_u64(value, n) || n == 0) {
        std::fprintf(stderr, "xsperf: %s wants a positive integer, not '%s'\n", argv[i - 1], value);
        return false;
      }
      field = static_cast<std::remove_reference_t<decltype(field)>>(n);
      return true;
    };
    bool ok = true;
    if (flag == "--socket") o.socket_path = value;
    else if (flag == "--label") o.label = value;
    else if (flag == "--ops") ok = number(o.ops);
    else if (flag == "--max-seconds") {
      char* end = nullptr;
      o.max_seconds = std::strtod(value, &end);
      ok = end != value && *end == '\0' && o.max_seconds > 0;
    } else if (flag == "--threads") ok = number(o.threads);
    else if (flag == "--depth") ok = number(o.depth);
    else if (flag == "--watchers") ok = number(o.watchers);
    else if (flag == "--events") ok = number(o.events);
    else if (flag == "--vms") ok = number(o.vms);
    else if (flag == "--dir-size") ok = number(o.dir_size);
    else if (flag == "--idle") ok = number(o.idle);
    else if (flag == "--nodes") ok = number(o.nodes);
    else if (flag == "--pid") ok = number(o.pid);
    else if (flag == "--value-size") ok = number(o.value_size);
    else if (flag == "--tx-writes") ok = number(o.tx_writes);
    else if (flag == "--counters") ok = number(o.counters);
    else {
      std::fprintf(stderr, "xsperf: unknown option %s\n", argv[i - 1]);
      return std::nullopt;
    }
    if (!ok) {
      std::fprintf(stderr, "xsperf: bad value for %s: %s\n", argv[i - 1], value);
      return std::nullopt;
    }
  }
  return o;
}

}  // namespace xsperf
