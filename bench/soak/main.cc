// xssoak: a bounded-duration soak of a xenstored.
//
// Well-behaved clients do random operations (with transactions and a watch
// each) on their own subtree and keep a model of it; misbehaving clients
// break the protocol in the ways docs/security.md lists. A monitor samples
// the daemon's RSS. At the end every client's subtree must equal its model,
// no read may ever have disagreed with it, the daemon must still be alive
// and must have dropped every oversized-header client, and its RSS must
// have stayed below the limit and not kept growing.
//
// Without --guests / --bad-guests it drives a daemon process over its unix
// socket (socket_soak.cc); with them it builds the daemon in this process
// and adds simulated guests over rings (guest_soak.cc).
//
//   xssoak --daemon build/src/daemon/cxxenstored --duration 3600 --clients 16
//   xssoak --duration 3600 --clients 8 --misbehaving 4 --guests 16 --bad-guests 6
#include "soak_modes.h"
#include "soak_options.h"

int main(int argc, char** argv) {
  auto parsed = xssoak::parse_options(argc, argv);
  if (!parsed) return 2;
  return parsed->guest_mode() ? xssoak::run_guest_soak(*parsed) : xssoak::run_socket_soak(*parsed);
}
