// Watch fan-out: many connections watch one subtree while one writer creates
// nodes in it; every watcher must see every event, in order, exactly once.
#include <atomic>
#include <sys/epoll.h>
#include <thread>
#include <unistd.h>

#include "daemon_cpu.h"
#include "workload.h"

namespace xsperf {

namespace {

struct WatcherState {
  uint64_t next = 0;  // index of the event this watcher expects next
};

// Waits for the event every XS_WATCH fires once when it is registered.
Result<void> consume_initial_event(Connection& c, const std::string& path, const std::string& token) {
  if (c.events().empty()) {
    auto m = c.receive();
    if (!m) return m.error();
    if (m->type != XS_WATCH_EVENT) return Error{EPROTO};
    auto parts = split_strings(m->payload);
    if (parts.size() < 2) return Error{EPROTO};
    c.events().push_back({parts[0], parts[1]});
  }
  const WatchEvent e = c.events().front();
  c.events().pop_front();
  if (e.path != path || e.token != token) return Error{EPROTO};
  return {};
}

}  // namespace

Result<Report> run_watch_fanout(const Options& o) {
  auto writer = Connection::open(o.socket_path);
  if (!writer) return writer.error();
  const std::string prefix = unique_prefix("watch-fanout");
  CXS_TRY(writer->mkdir(prefix));

  std::vector<Connection> watchers;
  for (unsigned i = 0; i < o.watchers; ++i) {
    auto c = Connection::open(o.socket_path);
    if (!c) return c.error();
    const std::string token = "w" + std::to_string(i);
    CXS_TRY(c->watch(prefix, token));
    CXS_TRY(consume_initial_event(*c, prefix, token));
    watchers.push_back(std::move(*c));
  }

  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) return Error{errno};
  for (unsigned i = 0; i < watchers.size(); ++i) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = i;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, watchers[i].fd(), &ev);
  }

  // Write k's start time, published before the write is sent.
  std::vector<std::atomic<int64_t>> written_at(o.events);
  std::atomic<uint64_t> writes_done{0};
  std::atomic<bool> writer_finished{false};
  std::optional<Error> writer_failure;
  const DaemonCpuProbe cpu(o.pid);
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.max_seconds));

  std::jthread writing([&] {
    for (uint64_t k = 0; k < o.events && Clock::now() < deadline; ++k) {
      written_at[k].store(Clock::now().time_since_epoch().count(), std::memory_order_release);
      auto w = writer->write(prefix + "/e" + std::to_string(k), "x");
      if (!w) {
        writer_failure = w.error();
        break;
      }
      writes_done.store(k + 1, std::memory_order_release);
    }
    writer_finished.store(true, std::memory_order_release);
  });

  std::vector<WatcherState> state(watchers.size());
  LatencyRecorder latency;
  latency.reserve(o.events * watchers.size());
  uint64_t delivered = 0, unexpected = 0, skipped = 0;
  auto last_event = start;
  std::optional<Error> reader_failure;
  const auto all_seen = [&](uint64_t total) {
    for (const auto& s : state)
      if (s.next < total) return false;
    return true;
  };
  std::vector<epoll_event> ready(watchers.size());
  for (;;) {
    const bool finished = writer_finished.load(std::memory_order_acquire);
    const uint64_t total = writes_done.load(std::memory_order_acquire);
    if (finished && all_seen(total)) break;
    // After the writer is done, give stragglers 5 s of silence before
    // declaring the missing events lost.
    if (finished && Clock::now() - last_event > std::chrono::seconds(5)) break;
    const int n = ::epoll_wait(ep, ready.data(), static_cast<int>(ready.size()), 100);
    const auto now = Clock::now();
    for (int r = 0; r < n; ++r) {
      const unsigned i = ready[r].data.u32;
      Connection& c = watchers[i];
      auto f = c.fill_nonblocking();
      if (!f) {
        reader_failure = f.error();
        break;
      }
      const std::string want_token = "w" + std::to_string(i);
      while (c.has_buffered_message()) {
        auto m = c.receive();
        if (!m) {
          reader_failure = m.error();
          break;
        }
        auto parts = split_strings(m->payload);
        const std::string want_prefix = prefix + "/e";
        if (m->type != XS_WATCH_EVENT || parts.size() < 2 || parts[1] != want_token ||
            parts[0].rfind(want_prefix, 0) != 0) {
          ++unexpected;
          continue;
        }
        const uint64_t k = std::strtoull(parts[0].c_str() + want_prefix.size(), nullptr, 10);
        if (k < state[i].next || k >= o.events) {
          ++unexpected;  // a duplicate or an event for no write of ours
          continue;
        }
        skipped += k - state[i].next;
        state[i].next = k + 1;
        ++delivered;
        const auto sent = Clock::time_point(Clock::duration(written_at[k].load(std::memory_order_acquire)));
        latency.add(now - sent);
        last_event = now;
      }
    }
    if (reader_failure) break;
  }
  writing.join();
  const double cpu_seconds = cpu.elapsed();
  ::close(ep);
  if (writer_failure) return *writer_failure;
  if (reader_failure) return *reader_failure;

  const uint64_t total = writes_done.load();
  uint64_t missing = skipped;
  for (const auto& s : state) missing += total - std::min(total, s.next);

  Report r;
  r.workload = "watch-fanout";
  r.unit = "events";
  r.ops = delivered;
  r.seconds = seconds_between(start, last_event);
  r.latency = latency.summarise();
  r.daemon_cpu_seconds = cpu_seconds;
  r.lost = missing;
  r.errors = unexpected;
  r.ok = missing == 0 && unexpected == 0;
  r.add("watchers", static_cast<double>(watchers.size()));
  r.add("writes", static_cast<double>(total));
  remove_quietly(*writer, prefix);
  return r;
}

}  // namespace xsperf
