#include "xenctrl_domains.h"

#include <errno.h>
#include <stdlib.h>
#include <xenctrl.h>

struct cxs_xc {
  xc_interface* handle;
};

struct cxs_xc* cxs_xc_open(struct xentoollog_logger* logger) {
  struct cxs_xc* xc = calloc(1, sizeof *xc);
  if (!xc) return NULL;
  xc->handle = xc_interface_open(logger, logger, 0);
  if (!xc->handle) {
    int saved = errno;
    free(xc);
    errno = saved;
    return NULL;
  }
  return xc;
}

void cxs_xc_close(struct cxs_xc* xc) {
  if (!xc) return;
  xc_interface_close(xc->handle);
  free(xc);
}

int cxs_xc_domain_states(struct cxs_xc* xc, uint32_t first, unsigned max,
                         struct cxs_domain_state* out) {
  /* Small batches on the stack; xc_domain_getinfo takes the array directly. */
  enum { kBatch = 64 };
  xc_dominfo_t info[kBatch];
  unsigned filled = 0;
  while (filled < max) {
    unsigned want = max - filled < kBatch ? max - filled : kBatch;
    int n = xc_domain_getinfo(xc->handle, first, want, info);
    if (n < 0) return -1;
    for (int i = 0; i < n; ++i) {
      out[filled].domid = info[i].domid;
      out[filled].dying = info[i].dying;
      out[filled].crashed = info[i].crashed;
      out[filled].shutdown = info[i].shutdown;
      ++filled;
    }
    if ((unsigned)n < want) break;
    first = info[n - 1].domid + 1;
  }
  return (int)filled;
}
