#include "misbehaving_guest.h"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <random>
#include <thread>
#include <tuple>

#include "guest_domains.h"
#include "ring_channel.h"
#include "socket_channel.h"

namespace xssoak {
namespace {

using namespace std::chrono_literals;
using cxxenstored::xen::DomId;
using cxxenstored::xen::SimulatedGuest;
using cxxenstored::xen::WireMessage;
using Clock = std::chrono::steady_clock;

std::string nul(const std::string& s) { return s + std::string(1, '\0'); }

// The shared page is written by the daemon's thread: every access goes
// through an atomic reference, as the guest kernel's barriers would.
std::uint32_t load_index(std::uint32_t& field) {
  return std::atomic_ref<std::uint32_t>(field).load(std::memory_order_seq_cst);
}
void store_index(std::uint32_t& field, std::uint32_t value) {
  std::atomic_ref<std::uint32_t>(field).store(value, std::memory_order_seq_cst);
}

// Waits until the daemon set the ring's error field to `code`.
bool wait_ring_error(SimulatedGuest& g, std::uint32_t code, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (load_index(g.ring()->error) == code) return true;
    g.wait_notification(10ms);
  }
  return load_index(g.ring()->error) == code;
}

// One round's misbehaviour with the expectations of its kind; what every
// kind shares (introduction, death, release) is around it in the loop.
class Round {
 public:
  Round(RingChannel& ring, StoreChannel& dom0, InProcessDaemon& daemon,
        const cxxenstored::daemon::Options& options, std::uint64_t number, std::mt19937_64& rng,
        std::uint64_t& requests)
      : ring_(ring), g_(ring.guest()), dom0_(dom0), daemon_(daemon), options_(options), number_(number),
        rng_(rng), requests_(requests), home_(home_of(g_.domid())) {}

  Failure play(GuestMisbehaviour kind) {
    switch (kind) {
      case GuestMisbehaviour::kNeverReads: return never_reads();
      case GuestMisbehaviour::kGarbage: return garbage();
      case GuestMisbehaviour::kOversizedHeader: return oversized_header();
      case GuestMisbehaviour::kBogusIndices: return bogus_indices();
      case GuestMisbehaviour::kQuotas: return quotas();
      case GuestMisbehaviour::kDiesWithState: return dies_with_state();
    }
    return "unknown misbehaviour";
  }

 private:
  Result<std::string> call(std::uint32_t type, const std::string& payload, std::uint32_t tx = 0) {
    ++requests_;
    return ring_.call(type, payload, tx);
  }
  Failure expect_ok(std::uint32_t type, const std::string& payload, const std::string& what) {
    auto r = call(type, payload);
    if (!r) return what + ": " + xsperf::errno_name(r.error().code);
    return std::nullopt;
  }
  // The guest is served normally: a write and a read back.
  Failure served(const std::string& what) {
    if (auto f = expect_ok(XS_WRITE, nul("alive") + "yes", what + ": write")) return f;
    auto r = call(XS_READ, nul("alive"));
    if (!r || *r != "yes") return what + ": read back failed";
    return std::nullopt;
  }

  Failure never_reads() {
    if (auto f = expect_ok(XS_WRITE, nul("v") + std::string(1500, 'x'), "write v")) return f;
    // Requests for ~1.5 KiB replies, whole ones only, as fast as the ring
    // takes them, until the daemon stops taking them for a while.
    std::uint32_t next_id = 1000;
    std::uint32_t sent = 0;
    const std::size_t quota = options_.limits.outstanding_requests;
    auto last_progress = Clock::now();
    // Blocked: no room for 300 ms once the quota's worth went in; before
    // that only a long stall counts (a slow, sanitized daemon).
    auto blocked = [&] { return Clock::now() - last_progress > (sent >= quota ? 300ms : 10000ms); };
    while (!blocked()) {
      const std::string request = WireMessage{XS_READ, next_id, 0, nul("v")}.encode();
      const std::uint32_t used = load_index(g_.ring()->req_prod) - load_index(g_.ring()->req_cons);
      if (XENSTORE_RING_SIZE - used < request.size()) {
        std::this_thread::sleep_for(1ms);
        continue;
      }
      auto n = g_.write_some(request);
      if (!n || *n != request.size()) return "never-reads: ring write failed";
      g_.kick();
      ++requests_;
      ++sent;
      ++next_id;
      last_progress = Clock::now();
    }
    if (sent < quota) return "never-reads: only " + std::to_string(sent) + " requests taken";
    // Held at the quota, and the daemon serves others meanwhile.
    const DomId domid = g_.domid();
    const std::size_t outstanding = daemon_.run(
        [this, domid] { return daemon_.daemon().connections().outstanding_of(domid); });
    if (outstanding > quota)
      return "never-reads: " + std::to_string(outstanding) + " outstanding, quota " + std::to_string(quota);
    auto seen = dom0_.read(home_ + "/v");
    if (!seen || seen->size() != 1500) return "never-reads: dom0 not served while the guest is blocked";
    if (number_ % 2 == 0) return std::nullopt;  // dies with all of it pending
    // When it finally reads, every reply is there, in order.
    for (std::uint32_t i = 0; i < sent; ++i) {
      auto m = g_.receive(30s);
      if (!m) return "never-reads: reply " + std::to_string(i) + " of " + std::to_string(sent) + " missing";
      if (m->type == XS_WATCH_EVENT) {
        --i;
        continue;
      }
      if (m->req_id != 1000 + i || m->payload.size() != 1500)
        return "never-reads: reply " + std::to_string(i) + " out of order or wrong";
    }
    return served("never-reads, after reading");
  }

  Failure garbage() {
    // Whole messages with random content: the daemon must answer each one
    // (mostly errors) and keep the ring. At most 8 x 80 bytes: the batch
    // fits the request ring, so nobody waits on the outstanding quota.
    const int count = 1 + static_cast<int>(rng_() % 8);
    std::string bytes;
    for (int i = 0; i < count; ++i) {
      WireMessage m;
      m.type = static_cast<std::uint32_t>(rng_() % 32);
      m.req_id = 100 + static_cast<std::uint32_t>(i);
      m.tx_id = rng_() % 4 == 0 ? static_cast<std::uint32_t>(rng_()) : 0;
      m.payload.resize(rng_() % 65);
      for (char& c : m.payload) c = static_cast<char>(rng_() % 3 == 0 ? 0 : rng_());
      bytes += m.encode();
    }
    bytes += WireMessage{XS_GET_DOMAIN_PATH, 999, 0, nul(std::to_string(g_.domid()))}.encode();
    requests_ += static_cast<std::uint64_t>(count) + 1;
    if (auto w = g_.write_all(bytes); !w) return "garbage: ring write failed: " + xsperf::errno_name(w.error().code);
    for (int i = 0; i <= count; ++i) {
      auto m = g_.receive(30s);
      if (!m) return "garbage: reply " + std::to_string(i) + " of " + std::to_string(count + 1) + " missing";
      if (m->type == XS_WATCH_EVENT) {  // a random WATCH may have been valid
        --i;
        continue;
      }
      const std::uint32_t want = i == count ? 999 : 100 + static_cast<std::uint32_t>(i);
      if (m->req_id != want) return "garbage: reply for request " + std::to_string(m->req_id) + ", expected " + std::to_string(want);
      if (i == count && (m->type != XS_GET_DOMAIN_PATH || m->payload != nul(home_)))
        return "garbage: the request after the garbage got a wrong answer";
    }
    return std::nullopt;
  }

  Failure oversized_header() {
    if (auto f = served("oversized, before")) return f;
    xsd_sockmsg header{};
    header.type = XS_WRITE;
    header.req_id = 1;
    header.len = XENSTORE_PAYLOAD_MAX + 1 + static_cast<std::uint32_t>(rng_() % (0xFFFFFFFFull - XENSTORE_PAYLOAD_MAX));
    ++requests_;
    if (!g_.write_all(std::string(reinterpret_cast<const char*>(&header), sizeof header)))
      return "oversized: ring write failed";
    if (!wait_ring_error(g_, XENSTORE_ERROR_PROTO, 30s)) return "oversized: ring not marked XENSTORE_ERROR_PROTO";
    // Nothing it sends is executed any more.
    auto after = g_.request(XS_WRITE, nul("after") + "x", 0, 200ms);
    if (after && after->type == XS_WRITE) return "oversized: still served after the bad header";
    auto written = dom0_.read(home_ + "/after");
    if (written || written.error().code != ENOENT) return "oversized: a request after the bad header was executed";
    if (number_ % 2 == 0) return std::nullopt;
    if (!g_.reconnect(30s)) return "oversized: reconnect failed";
    return served("oversized, after reconnect");
  }

  Failure bogus_indices() {
    if (auto f = served("bogus indices, before")) return f;
    xenstore_domain_interface* ring = g_.ring();
    const std::uint32_t beyond = XENSTORE_RING_SIZE + 1 + static_cast<std::uint32_t>(rng_() % 100000);
    if (number_ % 2 == 0) {
      store_index(ring->req_prod, load_index(ring->req_cons) + beyond);
    } else {
      // The response ring: seen when the daemon next writes a reply.
      store_index(ring->rsp_cons, load_index(ring->rsp_prod) - beyond);
      const std::string request = WireMessage{XS_READ, 7, 0, nul("alive")}.encode();
      if (!g_.write_some(request)) return "bogus indices: ring write failed";
    }
    ++requests_;
    g_.kick();
    if (!wait_ring_error(g_, XENSTORE_ERROR_RINGIDX, 30s)) return "bogus indices: ring not marked XENSTORE_ERROR_RINGIDX";
    if ((number_ / 2) % 2 == 0) return std::nullopt;
    if (!g_.reconnect(30s)) return "bogus indices: reconnect failed";
    return served("bogus indices, after reconnect");
  }

  Failure quotas() {
    // Nodes: the home counts. Two levels (25 leaves per folder), because a
    // record holds its children's names and a flat home would reach the
    // node-size quota (2048 bytes) first.
    const std::size_t node_quota = options_.quotas.nodes_per_domain;
    std::size_t owned = 1;
    bool refused_needing_two = false;
    for (std::size_t i = 0; i < 2 * node_quota; ++i) {
      const bool new_folder = i % 25 == 0;
      auto r = call(XS_WRITE, nul("d" + std::to_string(i / 25) + "/n" + std::to_string(i % 25)));
      if (r) {
        owned += new_folder ? 2 : 1;
        continue;
      }
      if (r.error().code != ENOSPC) return "quotas: node write: " + xsperf::errno_name(r.error().code);
      refused_needing_two = new_folder;
      break;
    }
    // Refused exactly when the quota would be passed (a write creating a
    // folder and its leaf needs two).
    if (owned != node_quota && !(refused_needing_two && owned + 1 == node_quota))
      return "quotas: refused with " + std::to_string(owned) + " nodes owned, quota " + std::to_string(node_quota);
    // Watches: the C daemon refuses only above the quota (its ">" check).
    const std::size_t watch_quota = options_.limits.watches_per_domain;
    std::size_t watches = 0;
    for (std::size_t i = 0; i < watch_quota + 20; ++i) {
      auto r = call(XS_WATCH, nul("w" + std::to_string(i)) + nul("t"));
      if (r) ++watches;
      else if (r.error().code != E2BIG) return "quotas: watch: " + xsperf::errno_name(r.error().code);
    }
    if (watches != watch_quota + 1)
      return "quotas: " + std::to_string(watches) + " watches accepted, quota " + std::to_string(watch_quota);
    const std::size_t tx_quota = options_.limits.transactions_per_domain;
    std::size_t transactions = 0;
    for (std::size_t i = 0; i < tx_quota + 10; ++i) {
      auto r = call(XS_TRANSACTION_START, nul(""));
      if (r) ++transactions;
      else if (r.error().code != ENOSPC) return "quotas: transaction: " + xsperf::errno_name(r.error().code);
    }
    if (transactions != tx_quota + 1)
      return "quotas: " + std::to_string(transactions) + " transactions open, quota " + std::to_string(tx_quota);
    // Still served, and removing a node makes room for one.
    if (auto f = expect_ok(XS_RM, nul("d0/n1"), "quotas: rm")) return f;
    if (auto f = expect_ok(XS_WRITE, nul("room") + "1", "quotas: write after rm")) return f;
    return std::nullopt;  // dies with its transactions and watches open
  }

  Failure dies_with_state() {
    for (int t = 0; t < 3; ++t) {
      auto tx = ring_.transaction_start();
      ++requests_;
      if (!tx) return "dies: transaction_start: " + xsperf::errno_name(tx.error().code);
      if (auto f = expect_ok(XS_WRITE, nul("tx" + std::to_string(t) + "/a") + "in-tx", "dies: write in tx")) return f;
      auto w = call(XS_WRITE, nul("tx" + std::to_string(t) + "/b") + "in-tx", *tx);
      if (!w) return "dies: write in transaction: " + xsperf::errno_name(w.error().code);
    }
    if (auto f = expect_ok(XS_WATCH, nul(home_) + nul("home"), "dies: watch home")) return f;
    if (auto f = expect_ok(XS_WATCH, nul("@releaseDomain") + nul("rel"), "dies: watch @releaseDomain")) return f;
    // Requests in flight, never answered to anyone.
    std::string pending;
    for (std::uint32_t i = 0; i < 5; ++i) pending += WireMessage{XS_WRITE, 50 + i, 0, nul("late") + "x"}.encode();
    requests_ += 5;
    if (!g_.write_some(pending)) return "dies: ring write failed";
    g_.kick();
    return std::nullopt;
  }

  RingChannel& ring_;
  SimulatedGuest& g_;
  StoreChannel& dom0_;
  InProcessDaemon& daemon_;
  const cxxenstored::daemon::Options& options_;
  std::uint64_t number_;
  std::mt19937_64& rng_;
  std::uint64_t& requests_;
  std::string home_;
};

void pause_for(const std::atomic<bool>& stop, std::chrono::milliseconds total) {
  for (auto waited = 0ms; waited < total && !stop; waited += 20ms) std::this_thread::sleep_for(20ms);
}

}  // namespace

const char* guest_misbehaviour_name(GuestMisbehaviour m) {
  switch (m) {
    case GuestMisbehaviour::kNeverReads: return "never-reads";
    case GuestMisbehaviour::kGarbage: return "garbage";
    case GuestMisbehaviour::kOversizedHeader: return "oversized-header";
    case GuestMisbehaviour::kBogusIndices: return "bogus-indices";
    case GuestMisbehaviour::kQuotas: return "quotas";
    case GuestMisbehaviour::kDiesWithState: return "dies-with-state";
  }
  return "?";
}

void run_misbehaving_guest(InProcessDaemon& daemon, const cxxenstored::daemon::Options& options, DomId domid,
                           int first, std::uint64_t seed, const std::atomic<bool>& stop,
                           GuestMisbehaviourStats& stats) {
  std::mt19937_64 rng(seed);
  auto fail = [&stats, domid](const std::string& why) {
    if (stats.failures++ < 5) stats.first_failures.push_back("bad guest " + std::to_string(domid) + ": " + why);
  };
  // This guest's toolstack: dom0 over the unix socket, watching
  // @releaseDomain as xl does.
  std::unique_ptr<SocketChannel> dom0;
  for (std::uint64_t number = 0; !stop; ++number) {
    if (!dom0) {
      dom0 = SocketChannel::open(daemon.socket());
      if (!dom0 || !dom0->watch("@releaseDomain", "released")) {
        fail("dom0 cannot connect or watch @releaseDomain");
        dom0.reset();
        pause_for(stop, 200ms);
        continue;
      }
    }
    const auto kind = static_cast<GuestMisbehaviour>((first + static_cast<int>(number)) % kGuestMisbehaviourCount);
    std::string why;
    auto guest = create_guest(daemon.hypervisor(), domid, why);
    if (!guest) {
      fail(why);
      pause_for(stop, 200ms);
      continue;
    }
    {
      RingChannel ring(std::move(*guest));
      Failure failed = introduce_with_home(*dom0, ring.guest());
      if (!failed) {
        Round round(ring, *dom0, daemon, options, number, rng, stats.requests);
        failed = round.play(kind);
      }
      if (failed) fail(std::string(guest_misbehaviour_name(kind)) + ": " + *failed);
      // Dies whatever happened: the domid is reused by the next round.
      if (auto f = destroy_and_wait_released(daemon.hypervisor(), *dom0, domid)) {
        fail(*f);
        dom0.reset();  // its state is unknown now
        continue;
      }
    }
    const auto [transactions, watches, nodes] = daemon.run([&daemon, domid] {
      auto& d = daemon.daemon();
      return std::tuple{d.engine().transactions_of_domain(domid), d.engine().watches_of_domain(domid),
                        d.store().usage().nodes(domid)};
    });
    if (transactions != 0 || watches != 0 || nodes != 0) {
      fail(std::string(guest_misbehaviour_name(kind)) + ": after death " + std::to_string(transactions) +
           " transactions, " + std::to_string(watches) + " watches, " + std::to_string(nodes) + " nodes left");
    }
    ++stats.rounds[static_cast<std::size_t>(kind)];
  }
}

}  // namespace xssoak
