// A request engine over a real Store and watch Registry, with an Outbox
// that records what each session would be sent.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "cxxenstored/protocol/builtin_controls.h"
#include "cxxenstored/protocol/engine.h"

namespace cxxenstored::protocol::testing_support {

using namespace std::string_literals;

struct RecordingOutbox final : Outbox {
  std::vector<std::pair<SessionId, Message>> sent;
  void deliver(SessionId session, Message message) override {
    sent.emplace_back(session, std::move(message));
  }
};

// What a session received, compactly: "TYPE:payload" with NULs as '|'.
inline std::string show(const Message& m) {
  std::string text(type_name(m.type()));
  text += ':';
  for (char c : m.payload) text.push_back(c == '\0' ? '|' : c);
  return text;
}

class EngineTest : public ::testing::Test {
 protected:
  static constexpr SessionId kDom0 = 1;

  EngineTest() {
    register_builtin_controls(control, ControlEnvironment{
                                           store, limits, engine,
                                           [this](std::string_view t) { logged.emplace_back(t); },
                                           [this](bool on) -> Result<void> {
                                             trace_on = on;
                                             return {};
                                           },
                                           [this](std::string_view f) -> Result<void> {
                                             trace_file = f;
                                             return {};
                                           }});
    engine.open_session(kDom0, store::Caller::dom0());
  }

  // Sends one request; returns everything session `who` got for it.
  std::vector<std::string> send(SessionId who, std::uint32_t type, std::string payload,
                                std::uint32_t tx = 0, std::uint32_t req = 77) {
    outbox.sent.clear();
    Message m;
    m.header.type = type;
    m.header.req_id = req;
    m.header.tx_id = tx;
    m.header.len = static_cast<std::uint32_t>(payload.size());
    m.payload = std::move(payload);
    engine.handle(who, m);
    last = outbox.sent;
    return received(who);
  }
  std::vector<std::string> send(std::uint32_t type, std::string payload, std::uint32_t tx = 0) {
    return send(kDom0, type, std::move(payload), tx);
  }
  // The single reply to a request that produces exactly one message.
  std::string one(std::uint32_t type, std::string payload, std::uint32_t tx = 0) {
    auto got = send(type, std::move(payload), tx);
    EXPECT_EQ(got.size(), 1u);
    return got.empty() ? "" : got.back();
  }
  std::vector<std::string> received(SessionId who) const {
    std::vector<std::string> out;
    for (const auto& [id, m] : last)
      if (id == who) out.push_back(show(m));
    return out;
  }
  SessionId open_guest(store::DomainId domain) {
    SessionId id = next_session++;
    engine.open_session(id, store::Caller::guest(domain));
    return id;
  }
  SessionId open_dom0() {
    SessionId id = next_session++;
    engine.open_session(id, store::Caller::dom0());
    return id;
  }

  store::Store store;
  watch::Registry watches;
  NoHypervisorDomainOps domains;
  ControlRegistry control;
  Limits limits;
  RecordingOutbox outbox;
  Engine engine{store, watches, domains, control, limits, outbox};
  std::vector<std::pair<SessionId, Message>> last;
  std::vector<std::string> logged;
  bool trace_on = false;
  std::string trace_file;
  SessionId next_session = 100;
};

}  // namespace cxxenstored::protocol::testing_support
