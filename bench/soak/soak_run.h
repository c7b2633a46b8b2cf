// What both soak modes share: the well-behaved model clients and the
// misbehaving socket clients on their own threads, the RSS monitor and the
// RSS verdict.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "misbehaving_client.h"
#include "model_client.h"
#include "soak_options.h"

namespace xssoak {

// Model clients (socket clients or guests), one thread each.
class ModelClientPool {
 public:
  void add(std::unique_ptr<ModelClient> client) { clients_.push_back(std::move(client)); }
  // options.clients socket clients, client i on /soak/c<i> (seeded from
  // options.seed), each reconnecting through `socket`.
  void add_socket_clients(const Options& options, const std::string& socket);
  std::size_t size() const { return clients_.size(); }
  void start(const std::atomic<bool>& stop);
  void join();
  // After join(): adds up the clients' figures into `total`; false (reasons
  // on stderr) if one stopped on an I/O error, saw a mismatch, or (when
  // `walk` is set) its subtree differs from its model at the end.
  bool verify(ClientStats& total, bool walk, const char* kind);
  // Closes every client's connection.
  void close_all();

 private:
  std::vector<std::unique_ptr<ModelClient>> clients_;
  std::vector<char> ok_;
  std::vector<std::thread> threads_;
};

// The misbehaving socket clients, kinds in turn.
class MisbehavingClientPool {
 public:
  // never_reads_hold: see run_misbehaving().
  void start(int count, const std::string& socket, std::uint64_t seed, const std::atomic<bool>& stop,
             std::chrono::milliseconds never_reads_hold = std::chrono::milliseconds(0));
  void join();
  // False (reasons on stderr) when the daemon kept a client it must drop.
  bool verify(std::uint64_t& connections, std::uint64_t& bytes) const;

 private:
  std::vector<MisbehaviourStats> stats_;
  std::vector<std::thread> threads_;
};

struct RssSamples {
  long start = -1;
  long warm = -1;  // after the first tenth of the run (caches, pools filled)
  long max = -1;
  long last = -1;
};

// Samples rss() every 200 ms for the duration; false as soon as alive()
// says no.
bool monitor(const Options& options, const std::function<bool()>& alive, const std::function<long()>& rss,
             RssSamples& samples);
// Below the limit, and not grown past --rss-growth times the warm-up value
// (reasons on stderr).
bool rss_bounded(const Options& options, const RssSamples& samples);

}  // namespace xssoak
