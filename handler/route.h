/* route: which upstream responder a request goes to (RFC 6960 leaves it to the client; real
 * clients name it in the request target, in Host, or not at all). */
#ifndef OCSP_PROXY_ROUTE_H
#define OCSP_PROXY_ROUTE_H

#include <stddef.h>
#include "config.h"
#include "decode.h"
#include "http.h"
#include "ocsp.h"

/* The upstream the request names itself: the absolute-form target (Apache's SSLOCSPProxyURL),
 * else "http://" Host path, unless Host names the proxy (proxy_names, "localhost", or the local
 * address of fd, with no port or the local port). Writes the URL into out.
 * 1 found, 0 the request names none, -1 a bad Host (400). */
int route_from_request(const struct config *cfg, const struct http_request *req,
                       const struct ocsp_input *in, int fd, char *out, size_t outlen);

/* 1 when the upstream URL may be asked (allow_upstream), 0 otherwise: the one check both the
 * pipeline and a resident worker's fast path make of an upstream a request names. */
int route_allowed(const struct config *cfg, const char *url);

#endif
