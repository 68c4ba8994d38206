/* answer: the one way a validated upstream answer becomes a cache entry (handler, scheduler
 * and ctl all store through it). */
#ifndef OCSP_PROXY_ANSWER_H
#define OCSP_PROXY_ANSWER_H

#include <stddef.h>
#include <time.h>

#include "config.h"
#include "ocsp.h"
#include "store.h"

/* An answer ocsp_response_check found CACHEABLE, and what answer_store made of it. */
struct answer {
	const char *certid;                      /* CertID hex the entry is cached under */
	const struct ocsp_request *req;          /* the request it answers: CertID, DER re-sent on
	                                            refresh */
	const unsigned char *resp;               /* the OCSPResponse DER */
	size_t resp_len;
	const struct ocsp_response_info *info;   /* from ocsp_response_check */
	const char *url;                         /* the responder that gave it */
	const char *subject, *issuer;            /* the certificate's names, NULL when not known
	                                            (a stored one then stays) */
	time_t now;
	time_t earliest;                         /* the refresh is never planned before this */
	/* Set by answer_prepare and answer_store, whatever the store says: */
	char etag[65];
	time_t due;                              /* next planned refresh */
};

/* Sets a->etag and a->due (refresh policy, never before a->earliest) without storing: what a
 * client is told when the cache cannot be written. */
void answer_prepare(const struct config *cfg, struct answer *a);

/* answer_prepare, then store_put of the entry under a->certid: the cached one is
 * kept when it is newer, a new one refused past max_entries: an enum store_put_result. */
int answer_store(struct store *st, const struct config *cfg, struct answer *a);

#endif
