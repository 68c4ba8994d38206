/* upstream: the configured responder for a request, one rule for the handler and the staple
 * writer (routes by issuer, then what the caller knows, then default_upstream). */
#ifndef OCSP_PROXY_UPSTREAM_H
#define OCSP_PROXY_UPSTREAM_H

#include "config.h"
#include "ocsp.h"

/* The first route whose issuer matches req's single CertID (a request for several CertIDs may
 * span issuers: no route), else fallback when not NULL (the certificate's own AIA URL, for a
 * staple), else default_upstream. NULL when none applies. */
const char *upstream_configured(const struct config *cfg, const struct ocsp_request *req,
                                const char *fallback);

#endif
