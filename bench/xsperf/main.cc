// xsperf: load generator for any xenstored unix socket. See docs/performance.md.
#include <cstdio>
#include <string_view>
#include <sys/resource.h>

#include "options.h"
#include "workload.h"

namespace {

// idle-conns and watch-fanout hold many sockets: use the whole hard limit.
void raise_fd_limit() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
}

int run_one(const xsperf::Workload& w, const xsperf::Options& o) {
  auto r = w.run(o);
  if (!r) {
    std::printf("== %s on %s: FAILED (%s)\n", w.name, o.label.c_str(), xsperf::errno_name(r.error().code).c_str());
    std::printf("XSPERF workload=%s daemon=%s ok=0 error=%s\n", w.name, o.label.c_str(),
                xsperf::errno_name(r.error().code).c_str());
    std::fflush(stdout);
    return 1;
  }
  xsperf::print_report(*r, o.label);
  return r->ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  auto options = xsperf::parse_options(argc, argv);
  if (!options) {
    xsperf::print_usage();
    return 2;
  }
  raise_fd_limit();
  int failures = 0;
  bool found = false;
  for (const auto& w : xsperf::all_workloads()) {
    if (options->workload == w.name || (options->workload == "all" && w.in_all)) {
      found = true;
      failures += run_one(w, *options);
    }
  }
  if (!found) {
    std::fprintf(stderr, "xsperf: unknown workload '%s'\n", options->workload.c_str());
    xsperf::print_usage();
    return 2;
  }
  return failures == 0 ? 0 : 1;
}
