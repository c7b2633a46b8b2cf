/* Domain states through libxenctrl, behind a plain C interface: xenctrl.h
 * needs GNU C extensions that strict C++20 rejects, so only C code includes
 * it (xenctrl_domains.c). */
#ifndef CXXENSTORED_SRC_XEN_XENCTRL_DOMAINS_H
#define CXXENSTORED_SRC_XEN_XENCTRL_DOMAINS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct xentoollog_logger;
struct cxs_xc;

struct cxs_domain_state {
  uint32_t domid;
  unsigned dying : 1, crashed : 1, shutdown : 1;
};

/* NULL with errno set on failure. */
struct cxs_xc* cxs_xc_open(struct xentoollog_logger* logger);
void cxs_xc_close(struct cxs_xc* xc);
/* States of up to `max` domains with domid >= first, ascending.
 * Returns the number filled in, or -1 with errno set. */
int cxs_xc_domain_states(struct cxs_xc* xc, uint32_t first, unsigned max,
                         struct cxs_domain_state* out);

#ifdef __cplusplus
}
#endif

#endif
