// The request engine with everything it needs and nothing else: a store, a
// watch registry, a domain table the test controls, and an outbox that keeps
// what each session was sent. Hostile requests go straight into the engine,
// so each quota and permission rule is checked without sockets or rings.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cxxenstored/protocol/builtin_controls.h"
#include "cxxenstored/protocol/control.h"
#include "cxxenstored/protocol/domain_ops.h"
#include "cxxenstored/protocol/engine.h"
#include "cxxenstored/protocol/limits.h"
#include "cxxenstored/store/store.h"
#include "cxxenstored/watch/registry.h"

namespace cxxenstored::hostile {

using protocol::Message;
using protocol::SessionId;
using store::DomainId;

// The domain table of a hypervisor with guests: INTRODUCE succeeds for any
// domain (a ring is assumed mappable), with the C daemon's answers for
// re-introduction, release, resume and set_target of unknown domains.
class GuestDomainTable final : public protocol::DomainOps {
 public:
  GuestDomainTable() { introduced_.insert(0); }

  // The sessions that are domain `domain`'s connection (for SET_TARGET).
  void attach_session(DomainId domain, SessionId session) { sessions_[domain].push_back(session); }
  void detach_session(SessionId session);

  Result<bool> introduce(DomainId domain, std::uint64_t mfn, std::uint32_t port) override;
  Result<void> release(DomainId domain) override;
  Result<void> resume(DomainId domain) override;
  bool is_introduced(DomainId domain) const override { return introduced_.count(domain) != 0; }
  Result<void> set_target(DomainId domain, DomainId target) override;
  std::vector<SessionId> connections_of(DomainId domain) const override;
  std::optional<std::uint32_t> features(DomainId domain) const override;
  Result<void> set_features(DomainId domain, std::uint32_t features) override;

 private:
  std::set<DomainId> introduced_;
  std::map<DomainId, std::vector<SessionId>> sessions_;
  std::map<DomainId, std::uint32_t> features_;
};

// Every message the engine delivered, per session, in order.
class RecordingOutbox final : public protocol::Outbox {
 public:
  void deliver(SessionId session, Message message) override {
    queues_[session].push_back(std::move(message));
  }
  std::deque<Message>& queue(SessionId session) { return queues_[session]; }
  std::size_t total_bytes(SessionId session) const;

 private:
  std::map<SessionId, std::deque<Message>> queues_;
};

class EngineHarness {
 public:
  explicit EngineHarness(store::Quotas quotas = {}, protocol::Limits limits = {});

  // A new session for dom0 (privileged) or for guest `domain`.
  SessionId open_dom0();
  SessionId open_guest(DomainId domain);
  void close(SessionId session);

  // Sends one request and returns the reply (watch events that came before
  // it stay queued for events()).
  Message request(SessionId session, std::uint32_t type, std::string_view payload,
                  std::uint32_t tx_id = 0);
  // The reply payload, or "E:<errno name>" for an XS_ERROR reply; short
  // enough for readable assertions.
  std::string call(SessionId session, std::uint32_t type, std::string_view payload,
                   std::uint32_t tx_id = 0);
  // Watch events queued for the session, "path|token" each, oldest first.
  std::vector<std::string> events(SessionId session);

  // Shortcuts.
  std::string write(SessionId s, std::string_view path, std::string_view value, std::uint32_t tx = 0);
  std::string read(SessionId s, std::string_view path, std::uint32_t tx = 0);
  std::uint32_t start_transaction(SessionId s);

  // The whole tree as "path=value perms" lines, for "store unchanged" checks.
  std::string dump() const;
  // Mismatches between the store's per-domain node counts and a recount.
  std::vector<std::string> check() const { return protocol::check_store(store); }

  store::Store store;
  watch::Registry watches;
  GuestDomainTable domains;
  protocol::ControlRegistry control;
  protocol::Limits limits;
  RecordingOutbox outbox;
  protocol::Engine engine;

 private:
  SessionId next_session_ = 1;
  std::uint32_t next_req_id_ = 1;
};

// Payload helpers: "a\0b\0" from {"a", "b"}.
std::string nul_join(std::initializer_list<std::string_view> parts);

}  // namespace cxxenstored::hostile
