#include "cxxenstored/protocol/control.h"

#include <algorithm>
#include <cerrno>

#include "cxxenstored/protocol/args.h"

namespace cxxenstored::protocol {

void ControlRegistry::add(std::string name, std::string usage, ControlHandler handler) {
  auto it = std::find_if(commands_.begin(), commands_.end(),
                         [&](const Command& c) { return c.name == name; });
  if (it != commands_.end()) {
    it->usage = std::move(usage);
    it->handler = std::move(handler);
    return;
  }
  commands_.push_back(Command{std::move(name), std::move(usage), std::move(handler)});
}

Result<std::string> ControlRegistry::run(const store::Caller& caller, std::string_view payload,
                                         std::uint64_t session) const {
  std::size_t count = count_nuls(payload);
  if (count < 1) return Error{EINVAL};
  auto strings = leading_strings(payload, count);
  std::string_view name = strings.front();
  if (name == "help") return help_text();
  auto it = std::find_if(commands_.begin(), commands_.end(),
                         [&](const Command& c) { return c.name == name; });
  if (it == commands_.end()) return Error{EINVAL};
  ControlRequest request{caller, std::vector<std::string_view>(strings.begin() + 1, strings.end()),
                         session};
  return it->handler(request);
}

std::string ControlRegistry::help_text() const {
  // Exactly the C daemon's list, in its order, so that tools comparing the
  // output see the same text; commands of our own (such as "metrics") work
  // but are documented in docs/operations.md rather than listed here.
  static constexpr std::string_view kCDaemonOrder[] = {"check",    "log",   "live-update", "logfile",
                                                       "memreport", "print", "quota",       "quota-soft"};
  std::string text;
  for (std::string_view name : kCDaemonOrder) {
    for (const Command& command : commands_) {
      if (command.name != name) continue;
      text += command.name;
      text += '\t';
      text += command.usage;
      text += '\n';
    }
  }
  text += "help\t\n";
  return text;
}

}  // namespace cxxenstored::protocol
