// Live update with guests and socket clients connected. Daemon A (the old
// process) serves socket clients and guests over simulated rings; its
// handover state goes through the real stream codec into daemon B (the new
// process), which adopts the same rings on the same bound ports. The
// SimulatedHypervisor both daemons borrow stands for what survives exec on
// real Xen: the event channel handle with its bindings and the guests'
// pages. Each daemon has its own io_context (a process of its own). Socket
// descriptors are kept open for B under new numbers and A's numbers are
// pointed at dummies before A is dismantled, so A's orderly close cannot
// shut the shared sockets down: exec closes nothing. Guests and clients
// must notice nothing, except that a
// transaction open across the update is gone (ENOENT), as with the C
// daemon 4.17.
#include "cxxenstored/util/run_on.h"
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <optional>
#include <thread>
#include <vector>

#include "../hostile/wire_client.h"
#include "borrowed_hypervisor.h"
#include "cxxenstored/daemon/daemon.h"
#include "cxxenstored/liveupdate/perform.h"
#include "cxxenstored/liveupdate/save_restore.h"
#include "cxxenstored/liveupdate/stream_codec.h"
#include "cxxenstored/liveupdate/tree_image.h"
#include "cxxenstored/xen/simulated_guest.h"
#include "cxxenstored/xen/simulated_hypervisor.h"

namespace cxxenstored::liveupdate {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace std::string_literals;
using hostile::WireClient;
using xen::SimulatedGuest;
using xen::WireMessage;

// The daemons' io_context on its own thread; run() executes on it and waits.
class Loop {
 public:
  Loop() : thread_([this] { io_.run(); }) {}
  ~Loop() {
    work_.reset();
    thread_.join();
  }
  template <class F>
  auto run(F f) -> decltype(f()) {
    return ::cxxenstored::run_on(io_, std::move(f));
  }
  // Lets work queued by earlier handlers (closes, removals) finish.
  void settle() {
    for (int i = 0; i < 4; ++i) run([] { return 0; });
  }
  boost::asio::io_context& io() { return io_; }

 private:
  boost::asio::io_context io_{1};
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      io_.get_executor()};
  std::thread thread_;
};

std::string ask(SimulatedGuest& g, std::uint32_t type, const std::string& payload,
                std::uint32_t tx = 0) {
  auto reply = g.request(type, payload, tx);
  if (!reply) return "TRANSPORT-ERROR " + std::to_string(reply.error().code);
  if (reply->type == XS_ERROR) return "ERROR:" + reply->payload;
  return reply->payload;
}

std::string introduce(SimulatedGuest& dom0, const SimulatedGuest& guest) {
  return ask(dom0, XS_INTRODUCE,
             std::to_string(guest.domid()) + '\0' + std::to_string(guest.frame()) + '\0' +
                 std::to_string(guest.remote_port()) + '\0');
}

// A watch event (path, token) for a guest: queued or the next message.
std::optional<std::pair<std::string, std::string>> guest_event(SimulatedGuest& g) {
  std::optional<WireMessage> m = g.take_watch_event();
  if (!m) {
    auto got = g.receive(5s);
    if (!got || got->type != XS_WATCH_EVENT) return std::nullopt;
    m = *got;
  }
  auto nul = m->payload.find('\0');
  if (nul == std::string::npos) return std::nullopt;
  return std::pair{m->payload.substr(0, nul),
                   m->payload.substr(nul + 1, m->payload.size() - nul - 2)};
}

// The next watch event on a socket: "path|token".
std::string socket_event(WireClient& c) {
  auto m = c.receive(5s);
  if (!m || m->type != XS_WATCH_EVENT) return "<none>";
  auto nul = m->payload.find('\0');
  return m->payload.substr(0, nul) + "|" + m->payload.substr(nul + 1, m->payload.size() - nul - 2);
}

// Sends a request and returns its reply payload, keeping the watch events
// that arrive on the way ("path|token"; the daemon sends the events a
// request fires before its reply).
std::string call_keeping_events(WireClient& c, std::uint32_t type, const std::string& payload,
                                std::vector<std::string>& events) {
  if (!c.send(type, payload)) return "<closed>";
  for (;;) {
    auto m = c.receive(5s);
    if (!m) return "<none>";
    if (m->type != XS_WATCH_EVENT) return m->payload;
    auto nul = m->payload.find('\0');
    events.push_back(m->payload.substr(0, nul) + "|" +
                     m->payload.substr(nul + 1, m->payload.size() - nul - 2));
  }
}

std::uint32_t load(std::uint32_t& field) {
  return std::atomic_ref<std::uint32_t>(field).load(std::memory_order_acquire);
}

// Polls until cond holds (the daemon runs on another thread).
template <class Cond>
bool eventually(Cond cond) {
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!cond()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

class GuestHandover : public ::testing::Test {
 protected:
  void SetUp() override {
    old_loop_ = std::make_unique<Loop>();
    new_loop_ = std::make_unique<Loop>();
    dir_ = fs::temp_directory_path() / ("lu-guests-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    socket_path_ = (dir_ / "socket").string();
    hv_ = std::move(xen::SimulatedHypervisor::create().value());
  }
  void TearDown() override {
    stop(old_, old_loop_);
    stop(new_, new_loop_);
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  std::unique_ptr<daemon::Daemon> start_old() {
    return old_loop_->run([this] {
      auto d = std::make_unique<daemon::Daemon>(old_loop_->io(), daemon::Options{});
      EXPECT_TRUE(d->listen(socket_path_, {}).ok());
      EXPECT_TRUE(
          d->serve_guests(std::make_unique<testing::BorrowedHypervisor>(*hv_), std::nullopt).ok());
      return d;
    });
  }

  // What exec does between the two processes: the stream as bytes, and the
  // descriptors it names kept open. The old daemon's numbers then name
  // dummy sockets, which its stop() closes in their place.
  struct Handed {
    std::string stream;
    std::map<int, int> inherited;  // old descriptor -> the one that survives
  };
  Handed hand_over(daemon::Daemon& d) {
    return old_loop_->run([&d] {
      Handed out;
      DaemonState state = d.begin_handover();
      for (int fd : descriptors_named_in(state)) {
        if (fd < 0) continue;
        out.inherited[fd] = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
        int dummy = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        EXPECT_GE(::dup3(dummy, fd, O_CLOEXEC), 0);
        ::close(dummy);
      }
      auto bytes = encode_stream(capture_state(d.store(), std::move(state)));
      EXPECT_TRUE(bytes.ok());
      if (bytes) out.stream = std::move(*bytes);
      d.stop();
      return out;
    });
  }

  std::unique_ptr<daemon::Daemon> start_new(const Handed& handed) {
    return new_loop_->run([&] {
      auto d = std::make_unique<daemon::Daemon>(new_loop_->io(), daemon::Options{});
      auto state = decode_stream(handed.stream);
      EXPECT_TRUE(state.ok());
      if (!state) return d;
      EXPECT_TRUE(restore_nodes(d->store(), state->nodes).ok());
      auto renumber = [&](std::int32_t& fd) {
        if (auto it = handed.inherited.find(fd); it != handed.inherited.end()) fd = it->second;
      };
      if (state->global) renumber(state->global->socket_fd);
      for (auto& c : state->connections)
        if (c.kind == ConnectionKind::kSocket) renumber(c.socket_fd);
      EXPECT_TRUE(
          d->adopt_guests(std::make_unique<testing::BorrowedHypervisor>(*hv_), std::nullopt).ok());
      EXPECT_TRUE(d->restore(*state).ok());
      return d;
    });
  }

  // Dismantles a daemon and ends its loop (the process exits).
  void stop(std::unique_ptr<daemon::Daemon>& d, std::unique_ptr<Loop>& loop) {
    if (d) {
      loop->run([&] {
        d->stop();
        return 0;
      });
      loop->settle();
      loop->run([&] {
        d.reset();
        return 0;
      });
    }
    loop.reset();
  }

  SimulatedGuest dom0() { return std::move(SimulatedGuest::attach(hv_->endpoint(0).value()).value()); }
  SimulatedGuest guest(xen::DomId domid) {
    return std::move(SimulatedGuest::attach(hv_->create_domain(domid).value()).value());
  }
  void make_home(SimulatedGuest& dom0, xen::DomId domid) {
    std::string home = "/local/domain/" + std::to_string(domid);
    ASSERT_EQ(ask(dom0, XS_MKDIR, home + '\0'), "OK"s + '\0');
    ASSERT_EQ(ask(dom0, XS_SET_PERMS, home + '\0' + "n" + std::to_string(domid) + '\0'),
              "OK"s + '\0');
  }

  fs::path dir_;
  std::string socket_path_;
  std::unique_ptr<xen::SimulatedHypervisor> hv_;
  // Declared before the daemons: a daemon goes before its loop.
  std::unique_ptr<Loop> old_loop_;
  std::unique_ptr<Loop> new_loop_;
  std::unique_ptr<daemon::Daemon> old_;
  std::unique_ptr<daemon::Daemon> new_;
};

TEST_F(GuestHandover, GuestsAndClientsNoticeNothing) {
  const std::string ok = "OK"s + '\0';
  old_ = start_old();
  auto d0 = dom0();
  auto g5 = guest(5);
  auto g7 = guest(7);
  ASSERT_EQ(introduce(d0, g5), ok);
  ASSERT_EQ(introduce(d0, g7), ok);
  make_home(d0, 5);
  make_home(d0, 7);

  // Guest 5: a relative watch, a value, an open transaction, and half a
  // request the old daemon has taken from the ring but cannot run yet.
  ASSERT_EQ(ask(g5, XS_WATCH, "data"s + '\0' + "g5" + '\0'), ok);
  ASSERT_EQ(guest_event(g5), (std::pair{"data"s, "g5"s}));
  ASSERT_EQ(ask(g5, XS_WRITE, "data/x"s + '\0' + "1"), ok);
  ASSERT_EQ(guest_event(g5), (std::pair{"data/x"s, "g5"s}));
  const std::string g5_tx = ask(g5, XS_TRANSACTION_START, ""s + '\0');
  ASSERT_EQ(g5_tx.back(), '\0');
  const auto g5_tx_id = static_cast<std::uint32_t>(std::stoul(g5_tx));
  ASSERT_EQ(ask(g5, XS_WRITE, "data/in-tx"s + '\0' + "t", g5_tx_id), ok);
  const std::string half_read = WireMessage{XS_READ, 900, 0, "data/x"s + '\0'}.encode();
  ASSERT_EQ(g5.write_some(half_read.substr(0, 10)).value(), 10u);
  g5.kick();
  ASSERT_TRUE(eventually([&] { return load(g5.ring()->req_cons) == load(g5.ring()->req_prod); }));

  // Guest 7 asks for more than its ring holds and reads nothing: the old
  // daemon keeps the rest, part of one reply already in the ring.
  const std::string big(2000, 'v');
  ASSERT_EQ(ask(d0, XS_WRITE, "/local/domain/7/big"s + '\0' + big), ok);
  constexpr std::uint32_t kReads = 20;
  for (std::uint32_t i = 1; i <= kReads; ++i)
    ASSERT_TRUE(g7.send(WireMessage{XS_READ, i, 0, "big"s + '\0'}).ok());
  ASSERT_TRUE(eventually([&] {
    return load(g7.ring()->req_cons) == load(g7.ring()->req_prod) &&
           load(g7.ring()->rsp_prod) - load(g7.ring()->rsp_cons) == XENSTORE_RING_SIZE;
  }));

  // A socket client with watches and an open transaction.
  WireClient client(socket_path_);
  ASSERT_EQ(client.call(XS_WATCH, "/local/domain/5/data"s + '\0' + "sock" + '\0'), ok);
  ASSERT_EQ(socket_event(client), "/local/domain/5/data|sock");
  ASSERT_EQ(client.call(XS_WATCH, "@releaseDomain"s + '\0' + "rel" + '\0'), ok);
  ASSERT_EQ(socket_event(client), "@releaseDomain|rel");
  const std::string sock_tx = client.call(XS_TRANSACTION_START, ""s + '\0');
  const auto sock_tx_id = static_cast<std::uint32_t>(std::stoul(sock_tx));

  const std::size_t ports_before = hv_->bound_ports();
  Handed handed = hand_over(*old_);
  stop(old_, old_loop_);
  // The guests' ports stayed bound across the handover; only the VIRQ
  // binding left with the old daemon.
  EXPECT_EQ(hv_->bound_ports(), ports_before - 1);
  new_ = start_new(handed);
  EXPECT_EQ(hv_->bound_ports(), ports_before);

  // Guest 5 finishes its request; the old daemon had its first bytes.
  ASSERT_EQ(g5.write_some(half_read.substr(10)).value(), half_read.size() - 10);
  g5.kick();
  auto reply = g5.receive(5s);
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->type, XS_READ);
  EXPECT_EQ(reply->req_id, 900u);
  EXPECT_EQ(reply->payload, "1");

  // Guest 7 starts reading: every reply arrives once, in order, intact.
  for (std::uint32_t i = 1; i <= kReads; ++i) {
    auto m = g7.receive(5s);
    ASSERT_TRUE(m.ok()) << "reply " << i;
    EXPECT_EQ(m->type, XS_READ);
    EXPECT_EQ(m->req_id, i);
    EXPECT_EQ(m->payload, big);
  }

  // Transactions open across the update are gone, as in the C daemon 4.17
  // (it neither writes nor reads them): ENOENT, and nothing they wrote.
  EXPECT_EQ(ask(g5, XS_TRANSACTION_END, "T"s + '\0', g5_tx_id), "ERROR:ENOENT"s + '\0');
  EXPECT_EQ(client.call(XS_TRANSACTION_END, "T"s + '\0', sock_tx_id), "E:ENOENT");
  EXPECT_EQ(ask(g5, XS_READ, "data/in-tx"s + '\0'), "ERROR:ENOENT"s + '\0');

  // Watches of both kinds fire after the update.
  std::vector<std::string> events;
  ASSERT_EQ(call_keeping_events(client, XS_WRITE, "/local/domain/5/data/y"s + '\0' + "2", events),
            ok);
  EXPECT_EQ(events, std::vector<std::string>{"/local/domain/5/data/y|sock"});
  EXPECT_EQ(guest_event(g5), (std::pair{"data/y"s, "g5"s}));

  // dom0's ring, the listening socket and the store carried over.
  EXPECT_EQ(ask(d0, XS_READ, "/local/domain/5/data/y"s + '\0'), "2");
  WireClient late(socket_path_);
  EXPECT_EQ(late.call(XS_READ, "/local/domain/5/data/x"s + '\0'), "1");
  EXPECT_EQ(late.call(XS_GET_PERMS, "/local/domain/7"s + '\0'), "n7"s + '\0');

  // The new daemon watches VIRQ_DOM_EXC: a dying guest is noticed.
  ASSERT_TRUE(hv_->destroy_domain(7).ok());
  EXPECT_EQ(socket_event(client), "@releaseDomain|rel");
  EXPECT_EQ(ask(d0, XS_IS_DOMAIN_INTRODUCED, "7"s + '\0'), "F"s + '\0');
  EXPECT_EQ(ask(d0, XS_IS_DOMAIN_INTRODUCED, "5"s + '\0'), "T"s + '\0');
}

// A guest that died while the update ran is noticed by the new daemon (its
// VIRQ went to nobody), as the C daemon checks all domains after restoring.
TEST_F(GuestHandover, DomainThatDiedDuringTheUpdateIsReleased) {
  const std::string ok = "OK"s + '\0';
  old_ = start_old();
  auto d0 = dom0();
  auto g3 = guest(3);
  ASSERT_EQ(introduce(d0, g3), ok);
  WireClient client(socket_path_);
  ASSERT_EQ(client.call(XS_WATCH, "@releaseDomain"s + '\0' + "rel" + '\0'), ok);
  ASSERT_EQ(socket_event(client), "@releaseDomain|rel");

  Handed handed = hand_over(*old_);
  stop(old_, old_loop_);
  ASSERT_TRUE(hv_->make_dying(3).ok());
  new_ = start_new(handed);
  EXPECT_EQ(socket_event(client), "@releaseDomain|rel");
  EXPECT_EQ(ask(d0, XS_IS_DOMAIN_INTRODUCED, "3"s + '\0'), "F"s + '\0');
}

// The exec failed: the old daemon takes its guests back and keeps serving.
TEST_F(GuestHandover, CancelledHandoverKeepsServing) {
  const std::string ok = "OK"s + '\0';
  old_ = start_old();
  auto d0 = dom0();
  auto g4 = guest(4);
  ASSERT_EQ(introduce(d0, g4), ok);
  make_home(d0, 4);
  const std::size_t ports_before = hv_->bound_ports();
  old_loop_->run([&] {
    (void)old_->begin_handover();
    old_->cancel_handover();
    return 0;
  });
  EXPECT_EQ(hv_->bound_ports(), ports_before);
  EXPECT_EQ(ask(g4, XS_WRITE, "k"s + '\0' + "v"), ok);
  WireClient client(socket_path_);  // the socket file is still there
  EXPECT_EQ(client.call(XS_READ, "/local/domain/4/k"s + '\0'), "v");
  ASSERT_EQ(client.call(XS_WATCH, "@releaseDomain"s + '\0' + "rel" + '\0'), ok);
  ASSERT_EQ(socket_event(client), "@releaseDomain|rel");
  ASSERT_TRUE(hv_->destroy_domain(4).ok());
  EXPECT_EQ(socket_event(client), "@releaseDomain|rel");
}

// -s refuses with the real age of the oldest open transaction (the C
// daemon's ta_start_time), not the time of the request.
TEST_F(GuestHandover, RefusalNamesTheTransactionsRealAge) {
  old_ = start_old();
  // Must never run: if the update went ahead, this test process would end.
  const std::string binary = (dir_ / "new-xenstored").string();
  std::ofstream(binary) << "#!/bin/sh\nexit 3\n";
  ::chmod(binary.c_str(), 0700);

  WireClient holder(socket_path_);
  ASSERT_NE(holder.call(XS_TRANSACTION_START, ""s + '\0').rfind("E:", 0), 0u);
  std::this_thread::sleep_for(2100ms);
  WireClient admin(socket_path_);
  ASSERT_EQ(admin.call(XS_CONTROL, "live-update\0-f\0"s + binary + '\0'), "OK"s + '\0');
  std::string reply;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  do {
    reply = admin.call(XS_CONTROL, "live-update\0-s\0-t\0001\0"s);
    if (reply != "BUSY"s + '\0') break;
    std::this_thread::sleep_for(100ms);
  } while (std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(reply.rfind("Domains with long running transactions:\nDomain 0: ", 0), 0u) << reply;
  EXPECT_EQ(reply.find(": 0 s"), std::string::npos) << reply;
}

}  // namespace
}  // namespace cxxenstored::liveupdate
