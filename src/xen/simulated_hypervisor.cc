#include "cxxenstored/xen/simulated_hypervisor.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace cxxenstored::xen {
namespace {

constexpr std::size_t kPageSize = 4096;
// The guest side of every simulated xenstore channel, as a guest kernel would
// have allocated it (real guests usually get port 1 too).
constexpr EvtchnPort kGuestXenstorePort = 1;

Error last_error() { return Error{errno}; }

Result<UniqueFd> make_eventfd() {
  int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) return last_error();
  return UniqueFd(fd);
}

Result<UniqueFd> dup_fd(const UniqueFd& fd) {
  int copy = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return last_error();
  return UniqueFd(copy);
}

// Adds one to an eventfd's counter: the simulated "send event".
Result<void> signal(const UniqueFd& fd) {
  std::uint64_t one = 1;
  if (::write(fd.get(), &one, sizeof one) != static_cast<ssize_t>(sizeof one)) {
    return last_error();
  }
  return {};
}

Result<RingMapping> map_page(const UniqueFd& memfd) {
  void* page = ::mmap(nullptr, kPageSize, PROT_READ | PROT_WRITE, MAP_SHARED,
                      memfd.get(), 0);
  if (page == MAP_FAILED) return last_error();
  return RingMapping(static_cast<xenstore_domain_interface*>(page),
                     [](xenstore_domain_interface* p) { ::munmap(p, kPageSize); });
}

}  // namespace

Result<std::unique_ptr<SimulatedHypervisor>> SimulatedHypervisor::create() {
  std::unique_ptr<SimulatedHypervisor> hv(new SimulatedHypervisor());
  int ep = ::epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) return last_error();
  hv->epoll_.reset(ep);
  auto virq_in = make_eventfd();
  if (!virq_in) return virq_in.error();
  hv->virq_ = std::make_shared<Channel>();
  hv->virq_->to_daemon = std::move(*virq_in);
  std::lock_guard lock(hv->mutex_);
  auto dom0 = hv->new_domain_locked(0);
  if (!dom0) return dom0.error();
  return hv;
}

SimulatedHypervisor::~SimulatedHypervisor() = default;

Result<std::shared_ptr<SimulatedHypervisor::Domain>> SimulatedHypervisor::new_domain_locked(
    DomId domid) {
  if (domains_.count(domid)) return Error{EEXIST};
  auto domain = std::make_shared<Domain>();
  domain->info.domid = domid;
  int memfd = ::memfd_create("cxxenstored-sim-ring", MFD_CLOEXEC);
  if (memfd < 0) return last_error();
  domain->ring.reset(memfd);
  if (::ftruncate(memfd, kPageSize) != 0) return last_error();
  domain->frame = next_frame_++;
  domain->channel = std::make_shared<Channel>();
  auto to_daemon = make_eventfd();
  if (!to_daemon) return to_daemon.error();
  auto to_guest = make_eventfd();
  if (!to_guest) return to_guest.error();
  domain->channel->to_daemon = std::move(*to_daemon);
  domain->channel->to_guest = std::move(*to_guest);
  domain->remote_port = kGuestXenstorePort;
  domains_.emplace(domid, domain);
  return domain;
}

Result<GuestEndpoint> SimulatedHypervisor::endpoint_locked(const Domain& domain) const {
  GuestEndpoint ep;
  ep.domid = domain.info.domid;
  auto ring = dup_fd(domain.ring);
  if (!ring) return ring.error();
  auto kick = dup_fd(domain.channel->to_daemon);
  if (!kick) return kick.error();
  auto note = dup_fd(domain.channel->to_guest);
  if (!note) return note.error();
  ep.ring = std::move(*ring);
  ep.kick = std::move(*kick);
  ep.notification = std::move(*note);
  ep.remote_port = domain.remote_port;
  ep.frame = domain.frame;
  return ep;
}

Result<GuestEndpoint> SimulatedHypervisor::create_domain(DomId domid) {
  std::lock_guard lock(mutex_);
  auto domain = new_domain_locked(domid);
  if (!domain) return domain.error();
  return endpoint_locked(**domain);
}

Result<GuestEndpoint> SimulatedHypervisor::endpoint(DomId domid) {
  std::lock_guard lock(mutex_);
  auto it = domains_.find(domid);
  if (it == domains_.end()) return Error{ESRCH};
  return endpoint_locked(*it->second);
}

void SimulatedHypervisor::raise_virq_locked() {
  ++virq_raised_;
  // The eventfd counter cannot realistically overflow; a failed write would
  // only lose a wake-up the next raise repeats.
  (void)signal(virq_->to_daemon);
}

Result<void> SimulatedHypervisor::shutdown_domain(DomId domid, bool crashed) {
  std::lock_guard lock(mutex_);
  auto it = domains_.find(domid);
  if (it == domains_.end()) return Error{ESRCH};
  it->second->info.shutdown = true;
  it->second->info.crashed = crashed;
  raise_virq_locked();
  return {};
}

Result<void> SimulatedHypervisor::make_dying(DomId domid) {
  std::lock_guard lock(mutex_);
  auto it = domains_.find(domid);
  if (it == domains_.end()) return Error{ESRCH};
  it->second->info.dying = true;
  raise_virq_locked();
  return {};
}

Result<void> SimulatedHypervisor::destroy_domain(DomId domid) {
  std::lock_guard lock(mutex_);
  if (domains_.erase(domid) == 0) return Error{ESRCH};
  raise_virq_locked();
  return {};
}

Result<void> SimulatedHypervisor::revoke_grant(DomId domid) {
  std::lock_guard lock(mutex_);
  auto it = domains_.find(domid);
  if (it == domains_.end()) return Error{ESRCH};
  it->second->grant_revoked = true;
  return {};
}

unsigned SimulatedHypervisor::virq_raised() const {
  std::lock_guard lock(mutex_);
  return virq_raised_;
}

std::size_t SimulatedHypervisor::bound_ports() const {
  std::lock_guard lock(mutex_);
  return ports_.size();
}

Result<void> SimulatedHypervisor::arm_locked(int epoll_op, EvtchnPort local_port,
                                             const Channel& channel) {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLONESHOT;
  ev.data.u32 = local_port;
  if (::epoll_ctl(epoll_.get(), epoll_op, channel.to_daemon.get(), &ev) != 0) return last_error();
  return {};
}

Result<EvtchnPort> SimulatedHypervisor::register_port_locked(LocalPort port) {
  EvtchnPort local = next_port_++;
  CXS_TRY(arm_locked(EPOLL_CTL_ADD, local, *port.channel));
  ports_.emplace(local, std::move(port));
  return local;
}

Result<EvtchnPort> SimulatedHypervisor::bind_interdomain(DomId domid, EvtchnPort remote_port) {
  std::lock_guard lock(mutex_);
  auto it = domains_.find(domid);
  if (it == domains_.end()) return Error{ESRCH};
  Domain& domain = *it->second;
  // Like Xen: the remote port must exist and be unbound.
  if (remote_port != domain.remote_port || domain.channel_bound) return Error{EINVAL};
  auto local = register_port_locked(LocalPort{domain.channel, it->second});
  if (!local) return local.error();
  domain.channel_bound = true;
  return local;
}

Result<EvtchnPort> SimulatedHypervisor::bind_virq_dom_exc() {
  std::lock_guard lock(mutex_);
  for (const auto& [port, bound] : ports_) {
    if (bound.channel == virq_) return Error{EEXIST};
  }
  return register_port_locked(LocalPort{virq_, nullptr});
}

Result<void> SimulatedHypervisor::unbind(EvtchnPort local_port) {
  std::lock_guard lock(mutex_);
  auto it = ports_.find(local_port);
  if (it == ports_.end()) return Error{EINVAL};
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, it->second.channel->to_daemon.get(), nullptr);
  if (it->second.domain) it->second.domain->channel_bound = false;
  ports_.erase(it);
  return {};
}

Result<void> SimulatedHypervisor::notify(EvtchnPort local_port) {
  std::lock_guard lock(mutex_);
  auto it = ports_.find(local_port);
  if (it == ports_.end() || !it->second.domain) return Error{EINVAL};
  return signal(it->second.channel->to_guest);
}

Result<void> SimulatedHypervisor::unmask(EvtchnPort local_port) {
  std::lock_guard lock(mutex_);
  auto it = ports_.find(local_port);
  if (it == ports_.end()) return Error{EINVAL};
  return arm_locked(EPOLL_CTL_MOD, local_port, *it->second.channel);
}

Result<void> SimulatedHypervisor::adopt_interdomain(DomId domid, EvtchnPort local_port) {
  std::lock_guard lock(mutex_);
  auto it = ports_.find(local_port);
  if (it == ports_.end() || !it->second.domain || it->second.domain->info.domid != domid)
    return Error{EINVAL};
  return arm_locked(EPOLL_CTL_MOD, local_port, *it->second.channel);
}

int SimulatedHypervisor::event_fd() const { return epoll_.get(); }

Result<std::optional<EvtchnPort>> SimulatedHypervisor::pending() {
  std::lock_guard lock(mutex_);
  epoll_event ev{};
  int n = ::epoll_wait(epoll_.get(), &ev, 1, 0);
  if (n < 0) {
    if (errno == EINTR) return std::optional<EvtchnPort>{};
    return last_error();
  }
  if (n == 0) return std::optional<EvtchnPort>{};
  EvtchnPort port = ev.data.u32;
  auto it = ports_.find(port);
  if (it != ports_.end()) {
    // Consume the kicks; the port stays masked (one-shot) until unmask().
    std::uint64_t count;
    (void)!::read(it->second.channel->to_daemon.get(), &count, sizeof count);
  }
  return std::optional<EvtchnPort>{port};
}

Result<RingMapping> SimulatedHypervisor::map_ring(DomId domid, std::uint64_t frame) {
  std::lock_guard lock(mutex_);
  auto it = domains_.find(domid);
  if (it == domains_.end()) return Error{ESRCH};
  const Domain& domain = *it->second;
  // Grant first; the foreign mapping of a frame works only for the right one.
  if (domain.grant_revoked && frame != domain.frame) return Error{EFAULT};
  return map_page(domain.ring);
}

Result<RingMapping> SimulatedHypervisor::map_dom0_ring() {
  std::lock_guard lock(mutex_);
  auto it = domains_.find(0);
  if (it == domains_.end()) return Error{ENOENT};
  return map_page(it->second->ring);
}

Result<EvtchnPort> SimulatedHypervisor::dom0_ring_port() {
  std::lock_guard lock(mutex_);
  auto it = domains_.find(0);
  if (it == domains_.end()) return Error{ENOENT};
  return it->second->remote_port;
}

Result<std::vector<DomainInfo>> SimulatedHypervisor::list_domains() {
  std::lock_guard lock(mutex_);
  std::vector<DomainInfo> out;
  out.reserve(domains_.size());
  for (const auto& [domid, domain] : domains_) out.push_back(domain->info);
  return out;
}

Result<std::optional<DomainInfo>> SimulatedHypervisor::domain_info(DomId domid) {
  std::lock_guard lock(mutex_);
  auto it = domains_.find(domid);
  if (it == domains_.end()) return std::optional<DomainInfo>{};
  return std::optional<DomainInfo>{it->second->info};
}

}  // namespace cxxenstored::xen
