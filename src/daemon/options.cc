#include "cxxenstored/daemon/options.h"

#include <getopt.h>

#include <cstdlib>
#include <cstring>
#include <string_view>

namespace cxxenstored::daemon {

namespace {

std::optional<long> number(const char* text) {
  if (!text || !*text) return std::nullopt;
  char* end = nullptr;
  long value = std::strtol(text, &end, 10);
  if (*end != '\0' || value < 0) return std::nullopt;
  return value;
}

// "-Q what=nb": the hard quotas the C daemon accepts there.
bool set_hard_quota(Options& o, std::string_view what, long value) {
  auto v = static_cast<std::size_t>(value);
  if (what == "transaction-nodes") o.quotas.transaction_nodes = v;
  else if (what == "memory") o.limits.memory_per_domain = o.quotas.memory_per_domain = v;
  else if (what == "outstanding") o.limits.outstanding_requests = v;
  else if (what == "nodes") o.quotas.nodes_per_domain = v;
  else if (what == "watches") o.limits.watches_per_domain = v;
  else if (what == "transactions") o.limits.transactions_per_domain = v;
  else if (what == "node-size") o.quotas.node_size = v;
  else if (what == "path-max") o.quotas.path_length = v;
  else if (what == "permissions") o.quotas.perms_per_node = v;
  else return false;
  return true;
}

// A non-negative decimal number, fractions allowed (the conflict-credit
// settings, like oxenstored.conf's).
std::optional<double> real_number(const char* text) {
  if (!text || !*text) return std::nullopt;
  char* end = nullptr;
  double value = std::strtod(text, &end);
  if (*end != '\0' || !(value >= 0) || value > 1e9) return std::nullopt;
  return value;
}

// Long-only options (no C daemon equivalent): the conflict-credit settings
// and busy polling.
constexpr int kConflictBurst = 1000;
constexpr int kConflictRate = 1001;
constexpr int kConflictDom0 = 1002;
constexpr int kBusyPoll = 1003;
constexpr int kNoIoUring = 1004;

// Polling longer than this would hold a CPU for nothing: a wake-up costs
// microseconds, not milliseconds.
constexpr long kBusyPollMaxMicroseconds = 1000;

// Splits "what=nb".
std::optional<std::pair<std::string, long>> assignment(const char* text) {
  const char* eq = std::strchr(text, '=');
  if (!eq) return std::nullopt;
  auto value = number(eq + 1);
  if (!value) return std::nullopt;
  return std::make_pair(std::string(text, eq), *value);
}

}  // namespace

std::variant<Options, ParseError> parse_options(int argc, char** argv) {
  static const struct option kLong[] = {
      {"no-domain-init", no_argument, nullptr, 'D'},
      {"entry-nb", required_argument, nullptr, 'E'},
      {"pid-file", required_argument, nullptr, 'F'},
      {"event", required_argument, nullptr, 'e'},
      {"master-domid", required_argument, nullptr, 'm'},
      {"help", no_argument, nullptr, 'H'},
      {"no-fork", no_argument, nullptr, 'N'},
      {"output-pid", no_argument, nullptr, 'P'},
      {"entry-size", required_argument, nullptr, 'S'},
      {"trace-file", required_argument, nullptr, 'T'},
      {"transaction", required_argument, nullptr, 't'},
      {"perm-nb", required_argument, nullptr, 'A'},
      {"path-max", required_argument, nullptr, 'M'},
      {"quota", required_argument, nullptr, 'Q'},
      {"quota-soft", required_argument, nullptr, 'q'},
      {"no-recovery", no_argument, nullptr, 'R'},
      {"internal-db", optional_argument, nullptr, 'I'},
      {"keep-orphans", no_argument, nullptr, 'K'},
      {"verbose", no_argument, nullptr, 'V'},
      {"live-update", no_argument, nullptr, 'U'},
      {"watch-nb", required_argument, nullptr, 'W'},
      {"timeout", required_argument, nullptr, 'w'},
      {"priv-domid", required_argument, nullptr, 'p'},
      {"conflict-burst-limit", required_argument, nullptr, kConflictBurst},
      {"conflict-rate-limit", required_argument, nullptr, kConflictRate},
      {"conflict-throttle-dom0", no_argument, nullptr, kConflictDom0},
      {"busy-poll", required_argument, nullptr, kBusyPoll},
      {"no-io-uring", no_argument, nullptr, kNoIoUring},
      {nullptr, 0, nullptr, 0},
  };
  Options o;
  optind = 0;  // glibc: 0 also resets its state from an earlier, failed parse
  opterr = 0;
  int opt;
  auto bad = [](std::string what) { return ParseError{std::move(what)}; };
  while ((opt = getopt_long(argc, argv, "DE:F:HI::KNPS:t:A:M:Q:q:T:RUVW:w:e:m:p:", kLong, nullptr)) != -1) {
    switch (opt) {
      case 'D': o.domain_init = false; break;
      case 'F': o.pid_file = optarg; break;
      case 'H': o.show_help = true; break;
      case 'N': o.foreground = true; break;
      case 'P': o.output_pid = true; break;
      case 'R': o.recovery = false; break;
      case 'K': o.keep_orphans = true; break;
      case 'V': o.verbose = true; break;
      case 'U': o.live_update = true; break;
      case 'T': o.trace_file = optarg; break;
      case 'I': {
        // Accept "-I off" as well as "-Ioff"/"--internal-db=off".
        const char* arg = optarg;
        if (!arg && optind < argc && argv[optind][0] != '-') arg = argv[optind++];
        if (arg && std::strcmp(arg, "on") != 0 && std::strcmp(arg, "off") != 0)
          return bad("invalid --internal-db argument: " + std::string(arg));
        o.internal_db = !arg || std::strcmp(arg, "on") == 0;
        break;
      }
      case 'E': case 'S': case 't': case 'A': case 'M': case 'W': case 'e': case 'm': case 'p': {
        auto value = number(optarg);
        if (!value) return bad(std::string("invalid number for -") + static_cast<char>(opt) + ": " + optarg);
        auto v = static_cast<std::size_t>(*value);
        if (opt == 'E') o.quotas.nodes_per_domain = v;
        else if (opt == 'S') o.quotas.node_size = v;
        else if (opt == 't') o.limits.transactions_per_domain = v;
        else if (opt == 'A') o.quotas.perms_per_node = v;
        else if (opt == 'M') o.quotas.path_length = v;
        else if (opt == 'W') o.limits.watches_per_domain = v;
        else if (opt == 'e') o.event_port = static_cast<int>(*value);
        else if (opt == 'm') o.master_domid = static_cast<unsigned>(*value);
        else o.priv_domid = static_cast<unsigned>(*value);
        break;
      }
      case 'Q': {
        auto a = assignment(optarg);
        if (!a || !set_hard_quota(o, a->first, a->second))
          return bad(std::string("unknown or invalid quota: ") + optarg);
        break;
      }
      case 'q': {
        auto a = assignment(optarg);
        if (!a || a->first != "memory") return bad(std::string("unknown or invalid soft quota: ") + optarg);
        o.limits.memory_soft = static_cast<std::size_t>(a->second);
        break;
      }
      case 'w': {
        auto a = assignment(optarg);
        if (!a || a->first != "watch-event") return bad(std::string("unknown or invalid timeout: ") + optarg);
        o.limits.watch_event_timeout_s = static_cast<unsigned>(a->second);
        break;
      }
      case kConflictBurst:
      case kConflictRate: {
        auto value = real_number(optarg);
        if (!value)
          return bad(std::string(opt == kConflictBurst ? "invalid --conflict-burst-limit: "
                                                       : "invalid --conflict-rate-limit: ") + optarg);
        if (opt == kConflictBurst) o.limits.conflict.burst = *value;
        else o.limits.conflict.regain_per_second = *value;
        break;
      }
      case kConflictDom0: o.limits.conflict.throttle_dom0 = true; break;
      case kBusyPoll: {
        auto value = number(optarg);
        if (!value || *value > kBusyPollMaxMicroseconds)
          return bad(std::string("invalid --busy-poll (0 to 1000 microseconds): ") + optarg);
        o.busy_poll = std::chrono::microseconds(*value);
        break;
      }
      case kNoIoUring: o.io_uring = false; break;
      default:
        return bad(optopt ? std::string("invalid option -") + static_cast<char>(optopt)
                          : std::string("invalid option ") + argv[optind - 1]);
    }
  }
  if (optind != argc) return bad(std::string("unexpected argument ") + argv[optind]);
  return o;
}

std::string usage_text(const char* program) {
  std::string text = "\nUsage:\n\n  ";
  text += program;
  text += R"( <options>

where options may include:

  -D, --no-domain-init    do not initialise dom0 (no effect without a hypervisor),
  -F, --pid-file <file>   write the daemon's pid to <file>,
  -H, --help              print this message,
  -N, --no-fork           stay in the foreground,
  -P, --output-pid        print the daemon's pid on stdout,
  -T, --trace-file <file> trace every message to <file>,
  -E, --entry-nb <nb>     limit the number of nodes per domain,
  -S, --entry-size <size> limit the size of one node,
  -W, --watch-nb <nb>     limit the number of watches per domain,
  -t, --transaction <nb>  limit the number of transactions per domain,
  -A, --perm-nb <nb>      limit the number of permissions per node,
  -M, --path-max <chars>  limit the length of a node path,
  -Q, --quota <what>=<nb> set the quota <what> to <nb>; <what> is one of
                          transaction-nodes, memory, outstanding (and the
                          names the "quota" control command shows),
  -q, --quota-soft <what>=<nb> set the warning level <what> (memory) to <nb>,
  -w, --timeout <what>=<seconds> set the timeout <what> (watch-event),
  -R, --no-recovery       accepted for compatibility (nothing to recover),
  -I, --internal-db [on|off] the database is always in memory,
  -K, --keep-orphans      give nodes of a removed domain to dom0 instead of
                          deleting them (a security risk),
  -V, --verbose           log more,
  --conflict-burst-limit <n> transactions of other domains a domain may make
                          fail in a burst before it is throttled (5),
  --conflict-rate-limit <n> how many of those it is forgiven per second (1),
  --conflict-throttle-dom0 throttle dom0 too (by default it is exempt),
  --busy-poll <us>        after work, poll up to <us> microseconds for more
                          before sleeping (200; 0 never polls; adaptive, and
                          off with a single CPU),
  --no-io-uring           socket I/O through epoll, a system call per receive
                          and send, even where the kernel offers io_uring.
)";
  return text;
}

}  // namespace cxxenstored::daemon
