#include "soak_run.h"

#include <chrono>
#include <cstdio>
#include <iostream>

#include "socket_channel.h"

namespace xssoak {

using Clock = std::chrono::steady_clock;

void ModelClientPool::add_socket_clients(const Options& options, const std::string& socket) {
  for (int i = 0; i < options.clients; ++i) {
    add(std::make_unique<ModelClient>(
        "c" + std::to_string(i), "/soak/c" + std::to_string(i),
        options.seed * 1000003u + static_cast<std::uint64_t>(i),
        [socket]() -> std::unique_ptr<StoreChannel> { return SocketChannel::open(socket); }));
  }
}

void ModelClientPool::start(const std::atomic<bool>& stop) {
  ok_.assign(clients_.size(), 0);
  for (std::size_t i = 0; i < clients_.size(); ++i)
    threads_.emplace_back([this, i, &stop] { ok_[i] = clients_[i]->run(stop); });
}

void ModelClientPool::join() {
  for (auto& t : threads_) t.join();
  threads_.clear();
}

bool ModelClientPool::verify(ClientStats& total, bool walk, const char* kind) {
  bool ok = true;
  for (std::size_t i = 0; i < clients_.size(); ++i) {
    auto& c = *clients_[i];
    if (!ok_[i]) {
      std::cerr << kind << " " << c.base() << " stopped: " << c.error() << "\n";
      ok = false;
    }
    if (walk && ok && !c.verify_final()) ok = false;
    const auto& s = c.stats();
    total.ops += s.ops;
    total.commits += s.commits;
    total.conflicts += s.conflicts;
    total.aborts += s.aborts;
    total.events += s.events;
    total.mismatches += s.mismatches;
    if (s.mismatches) {
      std::cerr << kind << " " << c.base() << ": " << s.mismatches << " mismatches, first: " << s.first_mismatch
                << "\n";
      ok = false;
    }
  }
  return ok;
}

void ModelClientPool::close_all() {
  for (auto& c : clients_) c->close();
}

void MisbehavingClientPool::start(int count, const std::string& socket, std::uint64_t seed,
                                  const std::atomic<bool>& stop, std::chrono::milliseconds never_reads_hold) {
  stats_.assign(static_cast<std::size_t>(count), MisbehaviourStats{});
  for (int i = 0; i < count; ++i) {
    auto kind = static_cast<Misbehaviour>(i % kMisbehaviourCount);
    threads_.emplace_back([this, i, kind, socket, seed, &stop, never_reads_hold] {
      run_misbehaving(kind, socket, seed * 7919u + static_cast<unsigned>(i), stop,
                      stats_[static_cast<std::size_t>(i)], never_reads_hold);
    });
  }
}

void MisbehavingClientPool::join() {
  for (auto& t : threads_) t.join();
  threads_.clear();
}

bool MisbehavingClientPool::verify(std::uint64_t& connections, std::uint64_t& bytes) const {
  bool ok = true;
  for (const auto& s : stats_) {
    connections += s.connections;
    bytes += s.bytes_sent;
    if (s.oversize_not_closed) {
      std::cerr << "oversized-header client not disconnected " << s.oversize_not_closed << " times\n";
      ok = false;
    }
  }
  return ok;
}

bool monitor(const Options& options, const std::function<bool()>& alive, const std::function<long()>& rss,
             RssSamples& samples) {
  using namespace std::chrono_literals;
  const auto started = Clock::now();
  const auto duration =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.duration_s));
  if (samples.start < 0) samples.start = rss();  // the caller may take it before clients start
  samples.max = samples.last = samples.start;
  while (Clock::now() - started < duration) {
    std::this_thread::sleep_for(200ms);
    if (!alive()) return false;
    const long now = rss();
    samples.last = now;
    if (now > samples.max) samples.max = now;
    if (samples.warm < 0 && Clock::now() - started > duration / 10) samples.warm = now;
    if (options.verbose) {
      std::fprintf(stderr, "t=%.1fs rss=%ld KiB\n", std::chrono::duration<double>(Clock::now() - started).count(),
                   now);
    }
  }
  return true;
}

bool rss_bounded(const Options& options, const RssSamples& samples) {
  bool ok = true;
  const long base = samples.warm > 0 ? samples.warm : samples.start;
  if (samples.max > options.rss_limit_kib) {
    std::cerr << "RSS " << samples.max << " KiB above the limit " << options.rss_limit_kib << " KiB\n";
    ok = false;
  }
  if (base > 0 && samples.last > static_cast<long>(static_cast<double>(base) * options.rss_growth)) {
    std::cerr << "RSS kept growing: " << base << " KiB after warm-up, " << samples.last << " KiB at the end\n";
    ok = false;
  }
  return ok;
}

}  // namespace xssoak
