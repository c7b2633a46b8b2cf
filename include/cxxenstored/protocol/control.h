// XS_CONTROL (XS_DEBUG): named commands, each registered with a handler.
// The request payload is "<command>\0<arg>\0..."; the reply is the text the
// handler returns, NUL-terminated ("OK" for a plain acknowledgement).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "cxxenstored/store/permissions.h"
#include "cxxenstored/util/result.h"

namespace cxxenstored::protocol {

struct ControlRequest {
  store::Caller caller;
  std::vector<std::string_view> args;  // after the command name
  std::uint64_t session = 0;           // the asking connection (engine SessionId)
};

using ControlHandler = std::function<Result<std::string>(const ControlRequest&)>;

class ControlRegistry {
 public:
  // Adds (or replaces) a command. usage is the argument synopsis shown by
  // "help" (C daemon style: "[set <name> <val>|<domid>]").
  void add(std::string name, std::string usage, ControlHandler handler);

  // Runs the command in payload. EINVAL for a payload without any NUL, an
  // unknown command, or what the handler rejects.
  Result<std::string> run(const store::Caller& caller, std::string_view payload,
                          std::uint64_t session = 0) const;

  // "name\tusage\n" per command, in registration order, "help" last.
  std::string help_text() const;

 private:
  struct Command {
    std::string name;
    std::string usage;
    ControlHandler handler;
  };
  std::vector<Command> commands_;
};

}  // namespace cxxenstored::protocol
