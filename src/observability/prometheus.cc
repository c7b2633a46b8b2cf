#include "cxxenstored/observability/prometheus.h"

#include <cstdio>
#include <numeric>
#include <utility>
#include <vector>

#include "cxxenstored/protocol/wire.h"

namespace cxxenstored::observability {
namespace {

const char* transport_name(std::size_t t) { return t == 0 ? "socket" : "ring"; }

std::string format_double(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

// Writes one metric family: header once, then a line per non-zero series.
class Family {
 public:
  Family(std::string& out, const char* name, const char* type, const char* help, bool with_help)
      : out_(out), name_(name) {
    if (with_help) {
      out_ += "# HELP ";
      out_ += name;
      out_ += ' ';
      out_ += help;
      out_ += '\n';
    }
    out_ += "# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  // labels: already formatted ("a=\"1\",b=\"2\"") or empty.
  void series(const std::string& labels, std::uint64_t value, bool keep_zero = false) {
    if (value == 0 && !keep_zero) return;
    line(name_, labels, std::to_string(value));
  }
  void line(const std::string& name, const std::string& labels, const std::string& value) {
    out_ += name;
    if (!labels.empty()) {
      out_ += '{';
      out_ += labels;
      out_ += '}';
    }
    out_ += ' ';
    out_ += value;
    out_ += '\n';
  }

 private:
  std::string& out_;
  std::string name_;
};

std::string join(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  return a + "," + b;
}

std::string label(const char* key, std::string_view value) {
  return std::string(key) + "=\"" + std::string(value) + "\"";
}

using Rows = std::vector<std::pair<std::string, const DomainCounters*>>;

template <class Get>
void per_series(Family& f, const Rows& rows, Get&& get) {
  for (const auto& [prefix, counters] : rows) get(f, prefix, *counters);
}

}  // namespace

std::string render_prometheus(const Metrics& metrics, const store::CommitStats& commits,
                              Scope scope) {
  std::string out;
  const bool help = scope == Scope::kPerDomain;
  DomainCounters totals;
  Rows rows;
  if (scope == Scope::kSummary) {
    totals = metrics.totals();
    rows.emplace_back("", &totals);
  } else {
    for (const auto& [domain, counters] : metrics.domains())
      rows.emplace_back(label("domid", std::to_string(domain)), &counters);
  }

  {
    Family f(out, "xenstored_requests_total", "counter", "Requests handled, by message type.", help);
    per_series(f, rows, [](Family& f, const std::string& p, const DomainCounters& c) {
      for (std::size_t t = 0; t < kRequestTypes; ++t)
        f.series(join(p, label("type", protocol::type_name(static_cast<std::uint32_t>(t)))),
                 c.requests[t]);
    });
  }
  {
    Family f(out, "xenstored_request_errors_total", "counter",
             "Requests answered with XS_ERROR, by message type.", help);
    per_series(f, rows, [help](Family& f, const std::string& p, const DomainCounters& c) {
      if (!help) {
        std::uint64_t all = 0;
        for (auto n : c.errors) all += n;
        f.series(p, all, true);
        return;
      }
      for (std::size_t t = 0; t < kRequestTypes; ++t)
        f.series(join(p, label("type", protocol::type_name(static_cast<std::uint32_t>(t)))),
                 c.errors[t]);
    });
  }
  {
    Family f(out, "xenstored_eagain_total", "counter", "EAGAIN replies, by cause.", help);
    per_series(f, rows, [](Family& f, const std::string& p, const DomainCounters& c) {
      for (std::size_t i = 0; i < kEagainCauses; ++i)
        f.series(join(p, label("cause", eagain_cause_name(static_cast<EagainCause>(i)))),
                 c.eagain[i]);
    });
  }
  {
    Family f(out, "xenstored_quota_hits_total", "counter", "Requests refused by a quota.", help);
    per_series(f, rows, [](Family& f, const std::string& p, const DomainCounters& c) {
      for (std::size_t i = 0; i < kQuotaKinds; ++i)
        f.series(join(p, label("quota", quota_kind_name(static_cast<QuotaKind>(i)))),
                 c.quota_hits[i]);
    });
  }
  {
    Family f(out, "xenstored_watch_events_total", "counter",
             "Watch events, delivered (sent) or dropped on a full queue.", help);
    per_series(f, rows, [](Family& f, const std::string& p, const DomainCounters& c) {
      f.series(join(p, label("outcome", "sent")), c.watch_events_sent);
      f.series(join(p, label("outcome", "dropped")), c.watch_events_dropped);
    });
  }
  {
    Family f(out, "xenstored_received_bytes_total", "counter", "Bytes read from clients.", help);
    per_series(f, rows, [](Family& f, const std::string& p, const DomainCounters& c) {
      for (std::size_t t = 0; t < kTransports; ++t)
        f.series(join(p, label("transport", transport_name(t))), c.bytes_received[t]);
    });
  }
  {
    Family f(out, "xenstored_sent_bytes_total", "counter", "Bytes written to clients.", help);
    per_series(f, rows, [](Family& f, const std::string& p, const DomainCounters& c) {
      for (std::size_t t = 0; t < kTransports; ++t)
        f.series(join(p, label("transport", transport_name(t))), c.bytes_sent[t]);
    });
  }
  {
    Family f(out, "xenstored_transaction_commits_total", "counter",
             "Transaction ends with commit, by outcome.", help);
    f.series(label("outcome", "fast"), commits.fast, true);
    f.series(label("outcome", "grafted"), commits.grafted, true);
    f.series(label("outcome", "merged"), commits.merged, true);
    f.series(label("outcome", "conflict"), commits.conflicts, true);
    f.series(label("outcome", "read_only"), commits.read_only, true);
  }
  if (const auto& polls = metrics.polls(); std::accumulate(polls.begin(), polls.end(), std::uint64_t{0}) > 0) {
    Family f(out, "xenstored_busy_poll_total", "counter",
             "Idle periods of the polling event loop, by outcome: caught (work came while it polled), "
             "slept (the window ran out), withheld (other tasks filled the CPUs).",
             help);
    for (std::size_t i = 0; i < kPollOutcomes; ++i)
      f.series(label("outcome", poll_outcome_name(static_cast<PollOutcome>(i))), polls[i]);
  }
  {
    const auto& h = metrics.latency();
    Family f(out, "xenstored_request_duration_seconds", help ? "histogram" : "summary",
             "Time from a complete request to its reply being queued.", help);
    for (std::size_t i = 0; help && i < kLatencyBounds.size(); ++i)
      f.line("xenstored_request_duration_seconds_bucket",
             label("le", format_double(kLatencyBounds[i])), std::to_string(h.cumulative(i)));
    if (help)
      f.line("xenstored_request_duration_seconds_bucket", label("le", "+Inf"),
             std::to_string(h.count()));
    f.line("xenstored_request_duration_seconds_sum", "", format_double(h.sum_seconds()));
    f.line("xenstored_request_duration_seconds_count", "", std::to_string(h.count()));
  }
  return out;
}

}  // namespace cxxenstored::observability
