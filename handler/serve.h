/* serve: one connection through the pipeline: http -> decode -> ocsp -> route -> store -> fetch. */
#ifndef OCSP_PROXY_SERVE_H
#define OCSP_PROXY_SERVE_H

#include "config.h"
#include "fetch.h"
#include "herd.h"
#include "http.h"
#include "issuers.h"
#include "ocsp.h"
#include "store.h"

/* What one handler process keeps between connections (one connection per process in inetd mode,
 * many in resident mode). Everything beyond cfg is created on first need: a hit never loads
 * libcurl or the issuer store. */
struct handler {
	const struct config *cfg;
	struct store *store;
	struct fetcher *fetcher;
	struct issuers *issuers;     /* upstream answers are verified against it (verify = yes) */
	struct herd_lease lease;     /* a resident worker's child: the lease the worker took for
	                                its miss, given back when the request ends */
};

void handler_init(struct handler *h, const struct config *cfg);
void handler_cleanup(struct handler *h);

/* Reads one request from in, writes one answer to out, logs one line. Returns 0 when the client
 * got the answer it asked for (hit, miss, stale, pass-through, relayed upstream status), 1 when
 * it was rejected, failed, or sent nothing: the inetd-style exit status. */
int handler_serve(struct handler *h, int in, int out);

/* The same pipeline for a request already read (a resident worker's miss, handed to a child):
 * rc is what http_read_request or http_parse_buffer returned for it, t0 when reading began
 * (clock_ms), client the peer's address (peer_address). Takes req over (frees it). Returns as
 * handler_serve. */
int handler_serve_request(struct handler *h, struct http_request *req, int rc, int in, int out,
                          long long t0, const char *client);

/* A request's one log line, written by serve.c and by a resident worker's fast path alike. */
struct request_log {
	const struct ocsp_request *oreq; /* CertID and serial; NULL before one was parsed */
	const char *certid, *serial; /* instead of oreq, when known without it */
	const char *result;          /* hit miss coalesced stale passthrough relay error rejected health */
	int status;
	const char *method;          /* handler_method_name */
	const char *upstream;
	const char *reason;
	const char *client;          /* peer_address */
	const char *rid;             /* peer_request_id */
	long long t0;                /* clock_ms when the request began */
};
void handler_log_request(const struct request_log *l);
/* "GET", "POST", "HEAD" or "other". */
const char *handler_method_name(const struct http_request *req);

#endif
