/* verdict: the one decision on an upstream answer: may it be cached, served, relayed or
 * stapled. Every path asks it: the handler on a miss and for what it relays (nonce requests,
 * several CertIDs, error statuses), the scheduler at a refresh, the staple writer, ocsp-proxyctl
 * prefetch, and the resident memory cache when an entry enters memory. */
#ifndef OCSP_PROXY_VERDICT_H
#define OCSP_PROXY_VERDICT_H

#include <stddef.h>
#include <time.h>

#include "config.h"
#include "ocsp.h"

struct certfile;
struct issuers;

/* A caller's extras. */
enum answer_flag {
	ANSWER_NO_UNKNOWN = 1 << 0,  /* an "unknown" is refused: a staple of it helps no client */
};

/* What an answer is checked against. */
struct answer_rules {
	const struct config *cfg;    /* clock_skew, no_next_update_max_age, nonce_missing; never
	                                NULL */
	struct issuers *issuers;     /* who may sign (lib/verify.c); NULL with verify = no */
	const struct certfile *cf;   /* when set, the answer must also be signed by this
	                                certificate's own issuer or its responder, whatever else the
	                                issuer store holds (staple writer, ctl prefetch) */
	int flags;                   /* enum answer_flag */
	time_t now;
};

/* The verdict on der, an upstream answer to req (lib/ocsp.h, enum ocsp_verdict):
 * - not an OCSPResponse: INVALID;
 * - an error status (tryLater, ...): STATUS, whatever bytes follow it: the client gets
 *   ocsp_error_response(info->status), never them;
 * - successful: for EVERY CertID the request asks about, a SingleResponse with thisUpdate <
 *   nextUpdate, thisUpdate <= now + clock_skew and nextUpdate > now (none: RFC 6960 allows it),
 *   else INVALID; with a nonce in the request, the same nonce in the answer (OCSP_check_nonce),
 *   else INVALID; an answer without one is taken only with nonce_missing = relay; signed by the
 *   CertIDs' issuer or its delegated responder (unless rules->issuers is NULL), else
 *   UNVERIFIED; the rules' extras, else UNVERIFIED (rules->cf) or INVALID (unknown);
 * - then CACHEABLE for a cacheable request (one CertID, no nonce) and RELAY for any other. A
 *   CACHEABLE answer without nextUpdate gets info->next_update = thisUpdate +
 *   no_next_update_max_age, or is RELAY when that is not after now (policy_cacheable).
 * info holds the first CertID's SingleResponse. why gets the reason (the log's) whenever the
 * verdict is not CACHEABLE. */
enum ocsp_verdict answer_check(const struct answer_rules *rules, const struct ocsp_request *req,
                               const unsigned char *der, size_t len,
                               struct ocsp_response_info *info, char *why, size_t whylen);

#endif
