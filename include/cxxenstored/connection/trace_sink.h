// Receives what a connection does, for the daemon's trace file (-T).
#pragma once

#include "cxxenstored/protocol/wire.h"

namespace cxxenstored::connection {

class TraceSink {
 public:
  virtual ~TraceSink() = default;
  virtual void connection_created(const void* connection) = 0;
  virtual void connection_destroyed(const void* connection) = 0;
  // A message read from (outgoing false) or queued for (true) the client.
  virtual void io(bool outgoing, const void* connection, const protocol::Message& message) = 0;
};

}  // namespace cxxenstored::connection
