/* fastpath: a resident worker's own answer to a complete request: a hit from memory (or one
 * Redis read), or an early rejection. Everything else (misses, stale entries, nonces, several
 * CertIDs, health checks, Redis errors) goes to the full pipeline in serve.c, in a child. */
#ifndef OCSP_PROXY_FASTPATH_H
#define OCSP_PROXY_FASTPATH_H

#include <stddef.h>

#include "config.h"
#include "hotcache.h"
#include "http.h"

struct fastpath;

/* What the worker knows of a connection, and how to hand it an answer: send(arg, out, len)
 * takes out (malloc'd) over and may end the connection before it returns. */
struct fast_conn {
	int fd;
	long long t0;                /* accepted at (clock_ms) */
	char client[80];             /* peer_address, taken at accept */
	void (*send)(void *arg, char *out, size_t len);
	void *arg;
	/* When not NULL (CERTID_HEX_MAX + 1 bytes): a cacheable request the cache cannot answer
	 * now (absent or stale, Redis up) gets its CertID here, for the worker to coalesce. */
	char *miss;
	int coalesced;               /* a parked miss answered at last: logged as "coalesced" */
};

/* hc is the worker's memory cache (borrowed). NULL out of memory. */
struct fastpath *fast_new(const struct config *cfg, struct hotcache *hc);
void fast_free(struct fastpath *fp);

/* req was parsed from the bytes c->fd sent (rc: 0, or the status http_parse_buffer gave, 408
 * on the read deadline). 1 when answered: the answer went to c->send, then the request's log
 * line was written (neither req nor the connection may be used after). 0 when the pipeline
 * must answer. */
int fast_answer(struct fastpath *fp, const struct http_request *req, int rc,
                const struct fast_conn *c);

/* The answer to a request refused before the pipeline (no child could be started): an OCSP
 * tryLater to c->send, logged with why. 0, or -1 out of memory (nothing sent). */
int fast_trylater(const struct http_request *req, const struct fast_conn *c, const char *why);

#endif
