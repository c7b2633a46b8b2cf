#include "report.h"

#include <cstdio>

namespace xsperf {

namespace {
std::string format_number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  return buf;
}
}  // namespace

void Report::add(std::string key, double value) { extra.emplace_back(std::move(key), format_number(value)); }

void print_report(const Report& r, const std::string& label) {
  std::printf("== %s on %s: %s\n", r.workload.c_str(), label.c_str(), r.ok ? "ok" : "FAILED");
  std::printf("   %llu %s in %.3f s = %.0f %s/s\n", static_cast<unsigned long long>(r.ops), r.unit.c_str(),
              r.seconds, r.ops_per_second(), r.unit.c_str());
  std::printf("   latency us: p50 %.1f  p90 %.1f  p99 %.1f  max %.1f\n", r.latency.p50_us, r.latency.p90_us,
              r.latency.p99_us, r.latency.max_us);
  std::printf("   eagain %llu  errors %llu  lost %llu\n", static_cast<unsigned long long>(r.eagain),
              static_cast<unsigned long long>(r.errors), static_cast<unsigned long long>(r.lost));
  if (r.daemon_cpu_seconds >= 0 && r.ops > 0)
    std::printf("   daemon cpu: %.3f s = %.2f us per operation (%s)\n", r.daemon_cpu_seconds,
                r.daemon_cpu_seconds * 1e6 / static_cast<double>(r.ops), r.unit.c_str());
  for (const auto& [k, v] : r.extra) std::printf("   %s: %s\n", k.c_str(), v.c_str());

  std::printf("XSPERF workload=%s daemon=%s ok=%d unit=%s ops=%llu seconds=%s ops_per_s=%s p50_us=%s p90_us=%s "
              "p99_us=%s max_us=%s eagain=%llu errors=%llu lost=%llu",
              r.workload.c_str(), label.c_str(), r.ok ? 1 : 0, r.unit.c_str(),
              static_cast<unsigned long long>(r.ops), format_number(r.seconds).c_str(),
              format_number(r.ops_per_second()).c_str(), format_number(r.latency.p50_us).c_str(),
              format_number(r.latency.p90_us).c_str(), format_number(r.latency.p99_us).c_str(),
              format_number(r.latency.max_us).c_str(), static_cast<unsigned long long>(r.eagain),
              static_cast<unsigned long long>(r.errors), static_cast<unsigned long long>(r.lost));
  if (r.daemon_cpu_seconds >= 0 && r.ops > 0)
    std::printf(" daemon_cpu_s=%s cpu_us_per_op=%s", format_number(r.daemon_cpu_seconds).c_str(),
                format_number(r.daemon_cpu_seconds * 1e6 / static_cast<double>(r.ops)).c_str());
  for (const auto& [k, v] : r.extra) std::printf(" %s=%s", k.c_str(), v.c_str());
  std::printf("\n");
  std::fflush(stdout);
}

}  // namespace xsperf
