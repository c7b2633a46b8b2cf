// xssoak's command line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace xssoak {

struct Options {
  std::string socket;          // --socket PATH: a daemon that is already running
  std::string daemon;          // --daemon BINARY: start it in a private run folder
  int pid = 0;                 // --pid N: the running daemon's pid (RSS checks)
  double duration_s = 10;      // --duration SECONDS
  int clients = 8;             // --clients N: well-behaved clients with a model
  int misbehaving = 4;         // --misbehaving N: clients that break the rules
  std::uint64_t seed = 1;      // --seed N
  long rss_limit_kib = 256 * 1024;  // --rss-limit-kib: the daemon's RSS must stay below
  double rss_growth = 3.0;     // --rss-growth F: final RSS / RSS after warm-up must stay below
  bool verbose = false;        // --verbose
  int guests = 0;              // --guests N: well-behaved simulated guests with a model
  int bad_guests = 0;          // --bad-guests N: simulated guests that break the rules

  // Guests need the daemon in this process (the simulated hypervisor's
  // rings and event channels are memfds and eventfds of this process).
  bool guest_mode() const { return guests > 0 || bad_guests > 0; }
};

// Parses argv; nullopt (after printing the reason and usage) when invalid.
std::optional<Options> parse_options(int argc, char** argv);

}  // namespace xssoak
