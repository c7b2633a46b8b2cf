// "metrics [<file>]" on the XS_CONTROL registry:
//   metrics          the totals over all domains, Prometheus text format, as
//                    the reply (fits an XS_CONTROL reply)
//   metrics <file>   every series per domain, written to <file> atomically
//                    (temporary file + rename), for node_exporter's textfile
//                    collector; replies "OK"
#pragma once

#include <functional>

#include "cxxenstored/observability/metrics.h"
#include "cxxenstored/protocol/control.h"
#include "cxxenstored/store/store.h"

namespace cxxenstored::observability {

struct MetricsControlEnvironment {
  const Metrics& metrics;
  const store::Store& store;  // for its CommitStats
};

void register_metrics_control(protocol::ControlRegistry& registry, MetricsControlEnvironment env);

// Writes text to path via path.tmp and rename(2), so a collector never
// reads half a file.
Result<void> write_file_atomically(const std::string& path, const std::string& text);

}  // namespace cxxenstored::observability
