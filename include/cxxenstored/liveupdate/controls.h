// Registers "live-update" and "memreport" on the daemon's ControlRegistry.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cxxenstored/liveupdate/session.h"
#include "cxxenstored/protocol/control.h"
#include "cxxenstored/store/store.h"

namespace cxxenstored::liveupdate {

struct LiveUpdateControlEnvironment {
  store::Store& store;
  // The live-update session (one per daemon, owned by the daemon).
  LiveUpdateSession& session;
  // Which connection sent the request (the engine's SessionId).
  std::function<OwnerId(const protocol::ControlRequest&)> owner_of;
  // Connections with transactions open, oldest start per connection.
  std::function<std::vector<OpenTransaction>()> open_transactions;
  // Called after "-s" decided to proceed and before its "OK" is returned:
  // the daemon must, once that reply is queued on the asking connection,
  // save the state (the reply then travels in the stream as pending
  // output) and exec plan. A failure there is logged, and the old daemon
  // continues.
  std::function<void(ExecPlan plan)> schedule_update;
  // Extra memreport lines from the daemon (connections, queues, ...).
  std::function<std::string()> daemon_memreport;
  // memreport without a file writes its report here (the daemon's log).
  std::function<void(std::string_view)> log;
};

void register_liveupdate_controls(protocol::ControlRegistry& registry,
                                  LiveUpdateControlEnvironment env);

}  // namespace cxxenstored::liveupdate
