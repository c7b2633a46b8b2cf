// The epoll set under an Asio io_context, which Asio does not expose: the
// io_uring queue polls it, so that a loop asleep in io_uring_enter wakes
// for Asio's events too (UringQueue).
#pragma once

#include <boost/asio/io_context.hpp>

#include "cxxenstored/util/result.h"

namespace cxxenstored::connection {

// Found by registering a probe descriptor with `io`'s reactor and looking
// for the one epoll set of this process that lists it (/proc/self/fdinfo).
// The descriptor stays Asio's: valid while `io` is. ENOENT if there is none
// (a reactor other than epoll, or no /proc).
Result<int> reactor_descriptor(boost::asio::io_context& io);

}  // namespace cxxenstored::connection
