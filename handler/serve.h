/* serve: one connection through the pipeline: http -> decode -> ocsp -> route -> store -> fetch. */
#ifndef OCSP_PROXY_SERVE_H
#define OCSP_PROXY_SERVE_H

#include "config.h"
#include "fetch.h"
#include "store.h"

/* What one handler process keeps between connections (one connection per process in inetd mode,
 * many in resident mode). Everything beyond cfg is created on first need: a hit never loads
 * libcurl or the trust anchors. */
struct handler {
	const struct config *cfg;
	struct store *store;
	struct fetcher *fetcher;
	void *trust;                 /* X509_STORE *, when trust_anchors is set */
};

void handler_init(struct handler *h, const struct config *cfg);
void handler_cleanup(struct handler *h);

/* Reads one request from in, writes one answer to out, logs one line. Returns 0 when the client
 * got the answer it asked for (hit, miss, stale, pass-through, relayed upstream status), 1 when
 * it was rejected, failed, or sent nothing: the inetd-style exit status. */
int handler_serve(struct handler *h, int in, int out);

#endif
