#include "soak_options.h"

#include <cstdlib>
#include <iostream>
#include <string_view>

namespace xssoak {
namespace {

void usage(const char* program) {
  std::cerr << "usage: " << program
            << " (--socket PATH [--pid N] | --daemon BINARY | --guests N [--bad-guests M])\n"
               "       [--duration S] [--clients N] [--misbehaving N] [--seed N]\n"
               "       [--rss-limit-kib N] [--rss-growth F] [--verbose]\n"
               "Runs random operations (with transactions and watches) from many clients,\n"
               "and clients that misbehave, for a bounded time; then checks every client's\n"
               "keys against the model it kept and that the daemon's RSS stayed bounded.\n"
               "--guests / --bad-guests build the daemon in this process instead, serving\n"
               "simulated guests over rings as well as the clients over a unix socket\n"
               "(RSS is then this process's). Exit status 0 only when everything matched.\n";
}

}  // namespace

std::optional<Options> parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) return nullptr;
      return argv[++i];
    };
    const char* v = nullptr;
    if (arg == "--verbose") {
      o.verbose = true;
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      usage(argv[0]);
      return std::nullopt;
    }
    if ((v = value()) == nullptr) {
      std::cerr << arg << ": missing value\n";
      usage(argv[0]);
      return std::nullopt;
    }
    if (arg == "--socket") o.socket = v;
    else if (arg == "--daemon") o.daemon = v;
    else if (arg == "--pid") o.pid = std::atoi(v);
    else if (arg == "--duration") o.duration_s = std::atof(v);
    else if (arg == "--clients") o.clients = std::atoi(v);
    else if (arg == "--misbehaving") o.misbehaving = std::atoi(v);
    else if (arg == "--seed") o.seed = std::strtoull(v, nullptr, 10);
    else if (arg == "--rss-limit-kib") o.rss_limit_kib = std::atol(v);
    else if (arg == "--rss-growth") o.rss_growth = std::atof(v);
    else if (arg == "--guests") o.guests = std::atoi(v);
    else if (arg == "--bad-guests") o.bad_guests = std::atoi(v);
    else {
      std::cerr << "unknown option " << arg << "\n";
      usage(argv[0]);
      return std::nullopt;
    }
  }
  if (o.guests < 0 || o.bad_guests < 0 || o.guests > 10000 || o.bad_guests > 10000) {
    std::cerr << "--guests and --bad-guests take 0 to 10000\n";
    return std::nullopt;
  }
  if (o.guest_mode()) {
    if (!o.socket.empty() || !o.daemon.empty()) {
      std::cerr << "--guests / --bad-guests run the daemon in this process: no --socket or --daemon\n";
      usage(argv[0]);
      return std::nullopt;
    }
    if (o.duration_s <= 0 || o.clients < 0 || o.misbehaving < 0) {
      std::cerr << "duration must be positive, counts not negative\n";
      return std::nullopt;
    }
    return o;
  }
  if (o.socket.empty() == o.daemon.empty()) {
    std::cerr << "exactly one of --socket and --daemon is needed\n";
    usage(argv[0]);
    return std::nullopt;
  }
  if (o.duration_s <= 0 || o.clients < 1 || o.misbehaving < 0) {
    std::cerr << "duration and clients must be positive\n";
    return std::nullopt;
  }
  return o;
}

}  // namespace xssoak
