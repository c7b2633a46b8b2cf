#include "daemon_cpu.h"

#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

namespace xsperf {

std::optional<double> process_cpu_seconds(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(f, line)) return std::nullopt;
  // The command name (field 2) may hold spaces; fields after its closing
  // parenthesis are plain. utime and stime are fields 14 and 15.
  const auto close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(line.substr(close + 2));
  std::string skip;
  for (int field = 3; field < 14; ++field) rest >> skip;
  unsigned long long utime = 0, stime = 0;
  if (!(rest >> utime >> stime)) return std::nullopt;
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double DaemonCpuProbe::elapsed() const {
  if (!start_) return -1;
  const auto now = process_cpu_seconds(pid_);
  return now ? *now - *start_ : -1;
}

}  // namespace xsperf
