// A well-behaved soak client: random operations on its own subtree
// (/soak/c<N>), plain and in transactions, with a watch on the subtree; it
// keeps a model of every node it owns and checks each read and listing
// against it, and the whole subtree at the end.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>

#include "xs_client.h"

namespace xssoak {

struct ClientStats {
  std::uint64_t ops = 0;
  std::uint64_t commits = 0;
  std::uint64_t conflicts = 0;  // EAGAIN on commit (nobody else writes here: must stay 0)
  std::uint64_t aborts = 0;
  std::uint64_t events = 0;
  std::uint64_t mismatches = 0;  // reads or listings that disagreed with the model
  std::string first_mismatch;
};

class ModelClient {
 public:
  ModelClient(int index, std::uint64_t seed, std::string socket);
  // Runs random operations until stop is set; returns false on an I/O error.
  bool run(const std::atomic<bool>& stop);
  // Compares the daemon's subtree with the model (paths and values).
  bool verify_final();
  const ClientStats& stats() const { return stats_; }
  const std::string& base() const { return base_; }
  const std::string& error() const { return error_; }

 private:
  using Model = std::map<std::string, std::string>;
  std::string random_path();
  // One operation, plain (tx 0) or in a transaction against `model`.
  bool step(Model& model, std::uint32_t tx);
  bool transaction();
  void check_events();
  void mismatch(const std::string& what);
  static void apply_write(Model& model, const std::string& base, const std::string& path,
                          const std::string& value);
  static void apply_rm(Model& model, const std::string& path);

  int index_;
  std::mt19937_64 rng_;
  std::string socket_;
  std::string base_;
  Model model_;
  ClientStats stats_;
  std::string error_;
  std::optional<xsperf::Connection> conn_;
};

}  // namespace xssoak
