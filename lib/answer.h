/* answer: the one way a validated upstream answer becomes a cache entry (handler, scheduler
 * and ctl all store through it). */
#ifndef OCSP_PROXY_ANSWER_H
#define OCSP_PROXY_ANSWER_H

#include <stddef.h>
#include <time.h>

#include "config.h"
#include "ocsp.h"
#include "store.h"

/* An answer answer_check (verdict.h) found CACHEABLE, and what answer_store made of it. */
struct answer {
	const char *certid;                      /* CertID hex the entry is cached under */
	const struct ocsp_request *req;          /* the request it answers: CertID, DER re-sent on
	                                            refresh */
	const unsigned char *resp;               /* the OCSPResponse DER */
	size_t resp_len;
	const struct ocsp_response_info *info;   /* from answer_check */
	const char *url;                         /* the responder that gave it */
	const char *subject, *issuer;            /* the certificate's names, NULL when not known
	                                            (a stored one then stays) */
	time_t now;
	time_t earliest;                         /* the refresh is never planned before this */
	int stapled;                             /* it has a staple file (policy_next_due) */
	/* Set by answer_prepare and answer_store, whatever the store says: */
	char etag[65];
	time_t due;                              /* next planned refresh */
};

/* Sets a->etag and a->due (refresh policy, never before a->earliest) without storing: what a
 * client is told when the cache cannot be written. */
void answer_prepare(const struct config *cfg, struct answer *a);

/* answer_prepare, then store_put of the entry under a->certid: the cached one is kept unless
 * the answer replaces it (answer_replaces), a new one refused past max_entries. */
enum store_put_result answer_store(struct store *st, const struct config *cfg, struct answer *a);

/* The one rule for an answer meeting a cached one, both genuine and for the same certificate:
 * 1 when the answer (this_update, cert_status) replaces the cached one, 0 when the cached one
 * stays. A newer thisUpdate replaces; an older one does not (a replay, a stale CDN edge),
 * except over a cached "unknown", which any good or revoked answer replaces (a certificate its
 * CA had not published yet: CAs sign their good answers ahead of time and their unknown ones on
 * the spot, so the good one is often the older); the same thisUpdate replaces, except a cached
 * "revoked" by anything else (a replayed "good" from the same period). store_put applies it
 * atomically in Redis (its script mirrors this function; test_store checks they agree), and
 * the handler applies it before it passes an answer on. */
int answer_replaces(time_t cached_this, int cached_status, time_t this_update, int cert_status);

#endif
