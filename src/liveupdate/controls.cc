#include "cxxenstored/liveupdate/controls.h"

#include <cerrno>
#include <fstream>
#include <utility>

#include "cxxenstored/liveupdate/memreport.h"

namespace cxxenstored::liveupdate {

void register_liveupdate_controls(protocol::ControlRegistry& registry,
                                  LiveUpdateControlEnvironment env) {
  auto shared = std::make_shared<LiveUpdateControlEnvironment>(std::move(env));

  registry.add(
      "live-update", "[-c <cmdline>] [-F] [-t <timeout>] <file>\n    Default timeout is 60 seconds.",
      [shared](const protocol::ControlRequest& req) -> Result<std::string> {
        auto reply = shared->session.handle(shared->owner_of(req), req.args,
                                            shared->open_transactions(), Clock::now());
        if (!reply) return reply.error();
        if (reply->proceed) shared->schedule_update(std::move(*reply->proceed));
        return std::move(reply->text);
      });

  registry.add("memreport", "[<file>]",
               [shared](const protocol::ControlRequest& req) -> Result<std::string> {
                 if (req.args.size() > 1) return Error{EINVAL};
                 std::string report = format_memreport(
                     measure_store(shared->store),
                     shared->daemon_memreport ? shared->daemon_memreport() : std::string());
                 if (req.args.empty()) {
                   shared->log(report);
                   return std::string("OK");
                 }
                 // Appends, so successive reports can be compared.
                 std::ofstream out(std::string(req.args[0]), std::ios::app);
                 if (!out) return Error{errno ? errno : EACCES};
                 out << report;
                 if (!out.flush()) return Error{EIO};
                 return std::string("OK");
               });
}

}  // namespace cxxenstored::liveupdate
