#include "guest_domains.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

namespace xssoak {
namespace {

using cxxenstored::xen::DomId;
using namespace std::chrono_literals;

std::string nul(const std::string& s) { return s + std::string(1, '\0'); }

}  // namespace

std::string home_of(DomId domid) { return "/local/domain/" + std::to_string(domid); }

std::optional<cxxenstored::xen::SimulatedGuest> create_guest(cxxenstored::xen::SimulatedHypervisor& hv,
                                                             DomId domid, std::string& why) {
  auto endpoint = hv.create_domain(domid);
  if (!endpoint) {
    why = "create_domain " + std::to_string(domid) + ": " + std::strerror(endpoint.error().code);
    return std::nullopt;
  }
  auto guest = cxxenstored::xen::SimulatedGuest::attach(std::move(endpoint).value());
  if (!guest) {
    why = "attach to domain " + std::to_string(domid) + ": " + std::strerror(guest.error().code);
    return std::nullopt;
  }
  return std::move(guest).value();
}

Failure introduce_with_home(StoreChannel& dom0, const cxxenstored::xen::SimulatedGuest& guest) {
  const std::string id = std::to_string(guest.domid());
  auto introduced = dom0.call(XS_INTRODUCE, nul(id) + nul(std::to_string(guest.frame())) +
                                                nul(std::to_string(guest.remote_port())));
  if (!introduced) return "introduce " + id + ": " + xsperf::errno_name(introduced.error().code);
  if (auto made = dom0.mkdir(home_of(guest.domid())); !made)
    return "mkdir home of " + id + ": " + xsperf::errno_name(made.error().code);
  auto perms = dom0.call(XS_SET_PERMS, nul(home_of(guest.domid())) + nul("n" + id));
  if (!perms) return "set_perms home of " + id + ": " + xsperf::errno_name(perms.error().code);
  return std::nullopt;
}

Failure destroy_and_wait_released(cxxenstored::xen::SimulatedHypervisor& hv, StoreChannel& dom0, DomId domid) {
  const std::string id = std::to_string(domid);
  dom0.take_events();  // only events from now on count
  if (auto destroyed = hv.destroy_domain(domid); !destroyed)
    return "destroy_domain " + id + ": " + std::strerror(destroyed.error().code);
  // The daemon notices through VIRQ_DOM_EXC on its own time; poll as a
  // toolstack would. Generous: a sanitized daemon on a busy machine.
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (true) {
    auto introduced = dom0.call(XS_IS_DOMAIN_INTRODUCED, nul(id));
    if (!introduced) return "is_domain_introduced " + id + ": " + xsperf::errno_name(introduced.error().code);
    if (!introduced->empty() && (*introduced)[0] == 'F') break;
    if (std::chrono::steady_clock::now() > deadline) return "domain " + id + " still introduced 30 s after its death";
    std::this_thread::sleep_for(2ms);
  }
  auto home = dom0.read(home_of(domid));
  if (home || home.error().code != ENOENT) return "home of dead domain " + id + " still there";
  // The connection queues watch events apart from replies, so the
  // @releaseDomain of the death may come after the "F": requests carry
  // the events in.
  while (true) {
    bool released_event = false;
    for (const auto& event : dom0.take_events()) released_event |= event.path == "@releaseDomain";
    if (released_event) return std::nullopt;
    if (std::chrono::steady_clock::now() > deadline) return "no @releaseDomain event for the death of domain " + id;
    std::this_thread::sleep_for(2ms);
    if (auto again = dom0.call(XS_IS_DOMAIN_INTRODUCED, nul(id)); !again)
      return "is_domain_introduced " + id + ": " + xsperf::errno_name(again.error().code);
  }
}

}  // namespace xssoak
