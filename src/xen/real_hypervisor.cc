#include "cxxenstored/xen/real_hypervisor.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

// Xen's tool library headers are C without extern "C" guards.
extern "C" {
#include <xen/grant_table.h>
#include <xen/xen.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xengnttab.h>
#include <xentoollog.h>
}

#include <cerrno>
#include <cstdio>
#include <fstream>

#include "xenctrl_domains.h"

namespace cxxenstored::xen {
namespace {

constexpr const char* kEvtchnDevice = "/dev/xen/evtchn";
constexpr const char* kDom0RingPage = "/proc/xen/xsd_kva";
constexpr const char* kDom0RingPort = "/proc/xen/xsd_port";
// One hypercall fetches this many domains' states.
constexpr unsigned kDomainBatch = 256;

Error last_error(int fallback = EIO) { return Error{errno != 0 ? errno : fallback}; }

DomainInfo to_domain_info(const cxs_domain_state& info) {
  DomainInfo out;
  out.domid = info.domid;
  out.dying = info.dying;
  out.crashed = info.crashed;
  out.shutdown = info.shutdown;
  return out;
}

}  // namespace

struct RealHypervisor::Handles {
  xentoollog_logger_stdiostream* logger = nullptr;
  cxs_xc* xc = nullptr;
  xengnttab_handle* gnttab = nullptr;
  xenforeignmemory_handle* foreign = nullptr;
  xenevtchn_handle* evtchn = nullptr;

  ~Handles() {
    if (evtchn) xenevtchn_close(evtchn);
    if (foreign) xenforeignmemory_close(foreign);
    if (gnttab) xengnttab_close(gnttab);
    if (xc) cxs_xc_close(xc);
    if (logger) xtl_logger_destroy(reinterpret_cast<xentoollog_logger*>(logger));
  }
  xentoollog_logger* log() const { return reinterpret_cast<xentoollog_logger*>(logger); }
};

bool RealHypervisor::present() { return ::access(kEvtchnDevice, R_OK | W_OK) == 0; }

Result<std::unique_ptr<RealHypervisor>> RealHypervisor::open(DomId own_domid) {
  return open_with(own_domid, -1);
}

Result<std::unique_ptr<RealHypervisor>> RealHypervisor::adopt(DomId own_domid, int evtchn_fd) {
  if (evtchn_fd < 0) return Error{EBADF};
  return open_with(own_domid, evtchn_fd);
}

Result<std::unique_ptr<RealHypervisor>> RealHypervisor::open_with(DomId own_domid, int evtchn_fd) {
  auto handles = std::make_shared<Handles>();
  // Library errors go to stderr (and from there to the daemon's log).
  handles->logger = xtl_createlogger_stdiostream(stderr, XTL_ERROR, 0);
  if (!handles->logger) return last_error(ENOMEM);

  errno = 0;
  handles->xc = cxs_xc_open(handles->log());
  if (!handles->xc) return last_error();
  handles->gnttab = xengnttab_open(handles->log(), 0);
  if (!handles->gnttab) return last_error();
  // One grant per domain at most, as the C daemon allows.
  (void)xengnttab_set_max_grants(handles->gnttab, DOMID_FIRST_RESERVED);
  handles->foreign = xenforeignmemory_open(handles->log(), 0);
  if (!handles->foreign) return last_error();
  if (evtchn_fd >= 0) {
    // The previous daemon's handle: its bindings (every guest's port) are
    // kept by the kernel as long as this descriptor stays open.
    handles->evtchn = xenevtchn_fdopen(handles->log(), evtchn_fd, 0);
  } else {
    handles->evtchn = xenevtchn_open(handles->log(), 0);
  }
  if (!handles->evtchn) return last_error();

  // The event loop reads pending ports until none is left: it must not block.
  int fd = xenevtchn_fd(handles->evtchn);
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return last_error();
  // An inherited descriptor had close-on-exec cleared for the exec that
  // brought it here; only the next live update may clear it again.
  int fd_flags = ::fcntl(fd, F_GETFD);
  if (fd_flags < 0 || ::fcntl(fd, F_SETFD, fd_flags | FD_CLOEXEC) < 0) return last_error();

  return std::unique_ptr<RealHypervisor>(new RealHypervisor(std::move(handles), own_domid));
}

RealHypervisor::~RealHypervisor() = default;

Result<EvtchnPort> RealHypervisor::bind_interdomain(DomId domid, EvtchnPort remote_port) {
  errno = 0;
  xenevtchn_port_or_error_t port =
      xenevtchn_bind_interdomain(handles_->evtchn, domid, remote_port);
  if (port < 0) return last_error();
  return static_cast<EvtchnPort>(port);
}

Result<EvtchnPort> RealHypervisor::bind_virq_dom_exc() {
  errno = 0;
  xenevtchn_port_or_error_t port = xenevtchn_bind_virq(handles_->evtchn, VIRQ_DOM_EXC);
  if (port < 0) return last_error();
  return static_cast<EvtchnPort>(port);
}

Result<void> RealHypervisor::unbind(EvtchnPort local_port) {
  if (xenevtchn_unbind(handles_->evtchn, local_port) < 0) return last_error();
  return {};
}

Result<void> RealHypervisor::notify(EvtchnPort local_port) {
  if (xenevtchn_notify(handles_->evtchn, local_port) < 0) return last_error();
  return {};
}

Result<void> RealHypervisor::unmask(EvtchnPort local_port) {
  if (xenevtchn_unmask(handles_->evtchn, local_port) < 0) return last_error();
  return {};
}

int RealHypervisor::event_fd() const { return xenevtchn_fd(handles_->evtchn); }

int RealHypervisor::handover_fd() const { return xenevtchn_fd(handles_->evtchn); }

Result<void> RealHypervisor::adopt_interdomain(DomId /*domid*/, EvtchnPort local_port) {
  // The driver has no query for a binding; unmasking a port of this handle
  // is what is left to do (the old process may have taken its event and
  // exec'd before unmasking it).
  if (xenevtchn_unmask(handles_->evtchn, local_port) < 0) return last_error();
  return {};
}

Result<std::optional<EvtchnPort>> RealHypervisor::pending() {
  errno = 0;
  xenevtchn_port_or_error_t port = xenevtchn_pending(handles_->evtchn);
  if (port < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
      return std::optional<EvtchnPort>{};
    }
    return last_error();
  }
  return std::optional<EvtchnPort>{static_cast<EvtchnPort>(port)};
}

Result<RingMapping> RealHypervisor::map_ring(DomId domid, std::uint64_t frame) {
  std::shared_ptr<Handles> handles = handles_;
  // Guests grant their xenstore page in the reserved grant entry; toolstacks
  // set that up for every guest since Xen 4.2.
  void* page = xengnttab_map_grant_ref(handles->gnttab, domid, GNTTAB_RESERVED_XENSTORE,
                                       PROT_READ | PROT_WRITE);
  if (page) {
    return RingMapping(static_cast<xenstore_domain_interface*>(page),
                       [handles](xenstore_domain_interface* p) {
                         (void)xengnttab_unmap(handles->gnttab, p, 1);
                       });
  }
  const int grant_errno = errno != 0 ? errno : EINVAL;
  if (frame == 0) return Error{grant_errno};
  // Fallback for a guest without the reserved grant: map the frame the
  // toolstack named in INTRODUCE.
  xen_pfn_t pfn = static_cast<xen_pfn_t>(frame);
  int page_error = 0;
  page = xenforeignmemory_map(handles->foreign, domid, PROT_READ | PROT_WRITE, 1, &pfn,
                              &page_error);
  if (!page) return Error{grant_errno};
  if (page_error != 0) {
    (void)xenforeignmemory_unmap(handles->foreign, page, 1);
    return Error{page_error < 0 ? -page_error : page_error};
  }
  return RingMapping(static_cast<xenstore_domain_interface*>(page),
                     [handles](xenstore_domain_interface* p) {
                       (void)xenforeignmemory_unmap(handles->foreign, p, 1);
                     });
}

Result<RingMapping> RealHypervisor::map_dom0_ring() {
  int fd = ::open(kDom0RingPage, O_RDWR | O_CLOEXEC);
  if (fd < 0) return last_error();
  const long page_size = ::sysconf(_SC_PAGESIZE);
  void* page = ::mmap(nullptr, static_cast<std::size_t>(page_size), PROT_READ | PROT_WRITE,
                      MAP_SHARED, fd, 0);
  int map_errno = errno;
  ::close(fd);
  if (page == MAP_FAILED) return Error{map_errno};
  return RingMapping(static_cast<xenstore_domain_interface*>(page),
                     [page_size](xenstore_domain_interface* p) {
                       ::munmap(p, static_cast<std::size_t>(page_size));
                     });
}

Result<EvtchnPort> RealHypervisor::dom0_ring_port() {
  std::ifstream in(kDom0RingPort);
  if (!in) return Error{ENOENT};
  long port = -1;
  in >> port;
  if (!in || port <= 0) return Error{EINVAL};
  return static_cast<EvtchnPort>(port);
}

Result<std::vector<DomainInfo>> RealHypervisor::list_domains() {
  std::vector<DomainInfo> out;
  std::vector<cxs_domain_state> batch(kDomainBatch);
  std::uint32_t next = 0;
  while (next < DOMID_FIRST_RESERVED) {
    errno = 0;
    int n = cxs_xc_domain_states(handles_->xc, next, kDomainBatch, batch.data());
    if (n < 0) return last_error();
    for (int i = 0; i < n; ++i) out.push_back(to_domain_info(batch[i]));
    if (n < static_cast<int>(kDomainBatch)) break;
    next = batch[n - 1].domid + 1;
  }
  return out;
}

Result<std::optional<DomainInfo>> RealHypervisor::domain_info(DomId domid) {
  cxs_domain_state info{};
  errno = 0;
  int n = cxs_xc_domain_states(handles_->xc, domid, 1, &info);
  // The call returns the next existing domain at or after `domid`.
  if (n == 1 && info.domid == domid) return std::optional<DomainInfo>{to_domain_info(info)};
  if (n < 0 && errno != ESRCH) return last_error();
  return std::optional<DomainInfo>{};
}

}  // namespace cxxenstored::xen
