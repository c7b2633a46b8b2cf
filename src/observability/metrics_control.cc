#include "cxxenstored/observability/metrics_control.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "cxxenstored/observability/prometheus.h"

namespace cxxenstored::observability {
namespace {
// XENSTORE_PAYLOAD_MAX, with the reply's terminating NUL.
constexpr std::size_t kMaxReply = 4096 - 1;
}  // namespace

Result<void> write_file_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Error{errno};
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return Error{err};
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return Error{err};
  }
  return {};
}

void register_metrics_control(protocol::ControlRegistry& registry, MetricsControlEnvironment env) {
  registry.add("metrics", "[<file>]",
               [env](const protocol::ControlRequest& req) -> Result<std::string> {
                 if (req.args.size() > 1) return Error{EINVAL};
                 if (req.args.empty()) {
                   std::string text = render_prometheus(env.metrics, env.store.commit_stats(),
                                                        Scope::kSummary);
                   if (text.size() > kMaxReply) return Error{E2BIG};
                   return text;
                 }
                 std::string text = render_prometheus(env.metrics, env.store.commit_stats(),
                                                      Scope::kPerDomain);
                 CXS_TRY(write_file_atomically(std::string(req.args[0]), text));
                 return std::string("OK");
               });
}

}  // namespace cxxenstored::observability
