// The two ways xssoak runs; each returns the process exit status.
#pragma once

#include "soak_options.h"

namespace xssoak {

// A daemon process (started here or already running) driven over its unix
// socket only.
int run_socket_soak(const Options& options);
// The real daemon built in this process, serving simulated guests over
// rings and the unix socket at once (--guests / --bad-guests).
int run_guest_soak(const Options& options);

}  // namespace xssoak
