// A well-behaved soak client: random operations on its own subtree
// (/soak/c<N> for a dom0 socket client, /local/domain/<id>/soak for a
// guest), plain and in transactions, with a watch on the subtree; it keeps
// a model of every node it owns and checks each read and listing against
// it, and the whole subtree at the end. What carries its requests is a
// StoreChannel, so socket clients and guests share this logic.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>

#include "store_channel.h"

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
  // Called on the client's own thread when run() starts; null: cannot connect.
  using ChannelOpener = std::function<std::unique_ptr<StoreChannel>()>;
  // token: the watch token, also the client's name in messages; base: the
  // subtree it owns (created by run()).
  ModelClient(std::string token, std::string base, std::uint64_t rng_seed, ChannelOpener open);
  // Runs random operations until stop is set; returns false on an I/O error.
  bool run(const std::atomic<bool>& stop);
  // Compares the daemon's subtree with the model (paths and values).
  bool verify_final();
  // Drops the channel (the daemon sees the connection go).
  void close() { channel_.reset(); }
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
  // Records a carrier failure as the reason run() stops; returns false.
  bool io_error(const char* what, Error error);
  static void apply_write(Model& model, const std::string& base, const std::string& path,
                          const std::string& value);
  static void apply_rm(Model& model, const std::string& path);

  std::string token_;
  std::string base_;
  std::mt19937_64 rng_;
  ChannelOpener open_;
  Model model_;
  ClientStats stats_;
  std::string error_;
  std::unique_ptr<StoreChannel> channel_;
};

}  // namespace xssoak
