// The two pieces of the systemd protocol a daemon needs, without libsystemd:
// sockets passed by socket activation (LISTEN_FDS) and readiness
// notification (NOTIFY_SOCKET datagram).
#pragma once

#include <string_view>
#include <vector>

namespace cxxenstored::daemon {

// File descriptors systemd passed to this process (empty when LISTEN_PID
// names another process or nothing was passed). Clears the variables so
// children do not inherit them.
std::vector<int> take_listen_fds();

// Sends state (e.g. "READY=1") to $NOTIFY_SOCKET; false when there is no
// such socket or sending failed.
bool notify_systemd(std::string_view state);

}  // namespace cxxenstored::daemon
