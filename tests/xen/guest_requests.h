// Requests a test sends over a simulated guest's ring, in one compact form
// for checks: the reply's payload, "E:<errno name>" for an error reply, or
// "TRANSPORT:<errno>" when no reply came; and the toolstack's steps for
// bringing a guest in.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "guest_daemon.h"

namespace cxxenstored::xen::guest_requests {

inline const std::string kOk = std::string("OK") + '\0';

inline std::string ask(SimulatedGuest& g, std::uint32_t type, const std::string& payload,
                       std::uint32_t tx = 0,
                       std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  auto reply = g.request(type, payload, tx, timeout);
  if (!reply) return "TRANSPORT:" + std::to_string(reply.error().code);
  if (reply->type == XS_ERROR) return "E:" + reply->payload.substr(0, reply->payload.size() - 1);
  return reply->payload;
}

// INTRODUCE from dom0 over its ring, as the toolstack does.
inline std::string introduce(SimulatedGuest& dom0, const SimulatedGuest& guest) {
  return ask(dom0, XS_INTRODUCE,
             std::to_string(guest.domid()) + '\0' + std::to_string(guest.frame()) + '\0' +
                 std::to_string(guest.remote_port()) + '\0');
}

// The toolstack's part of creating a guest: its home, owned by it.
inline void make_home(SimulatedGuest& dom0, DomId domid) {
  const std::string home = "/local/domain/" + std::to_string(domid);
  ASSERT_EQ(ask(dom0, XS_MKDIR, home + '\0'), kOk);
  ASSERT_EQ(ask(dom0, XS_SET_PERMS, home + '\0' + "n" + std::to_string(domid) + '\0'), kOk);
}

// A guest introduced with its home, ready to talk.
inline SimulatedGuest guest_with_home(GuestDaemon& d, SimulatedGuest& dom0, DomId domid) {
  SimulatedGuest g = d.create(domid);
  EXPECT_EQ(introduce(dom0, g), kOk);
  make_home(dom0, domid);
  return g;
}

}  // namespace cxxenstored::xen::guest_requests
