// Renders Metrics in the Prometheus text exposition format (version 0.0.4):
// "# HELP"/"# TYPE" lines, then one "name{labels} value" line per series.
// Series that are zero are left out, except the histogram and the commit
// outcomes. Metric names are documented in docs/operations.md.
#pragma once

#include <string>

#include "cxxenstored/observability/metrics.h"
#include "cxxenstored/store/store.h"

namespace cxxenstored::observability {

enum class Scope {
  // Summed over domains and made to fit an XS_CONTROL reply (4095 bytes):
  // no HELP lines, errors not split by type, latency as a summary (_sum
  // and _count) instead of the histogram's buckets.
  kSummary,
  // Everything, every series labelled domid="N" (global families without).
  kPerDomain,
};

std::string render_prometheus(const Metrics& metrics, const store::CommitStats& commits,
                              Scope scope);

}  // namespace cxxenstored::observability
