/* cached: may an entry Redis returned be served. Redis is storage, not authority: the one check
 * of a cached entry, for the per-connection hit (handler/serve.c) and for an entry entering a
 * resident worker's memory (handler/hotcache.c), so the two modes agree on every entry. */
#ifndef OCSP_PROXY_CACHED_H
#define OCSP_PROXY_CACHED_H

#include <stddef.h>
#include <time.h>

#include "config.h"
#include "ocsp.h"
#include "store.h"

/* Checks e, read from Redis for req's CertID, before anything of it is sent:
 * - its ETag is the 64 lower-case hex digits of the body's SHA-256 (it goes into a header);
 * - the body is a successful OCSP response with a SingleResponse for req's CertID;
 * - the stored thisUpdate is the body's (the store decides "newer" on it: a stored time the
 *   body does not carry could hold off every genuine answer).
 * Then e's times and status are the body's, with one rule for nextUpdate: the body's (without
 * one, thisUpdate + no_next_update_max_age, or thisUpdate itself, that is expired, when that is
 * 0), shortened to the stored nextUpdate when that is earlier (an operator expiring an entry
 * by hand): the stored fields may shorten the body's validity, never extend it. No signature
 * check: the answer was verified before it was stored (a resident worker checks it again with
 * answer_check before an entry enters memory). 0 sound, -1 with why. */
int cached_check(const struct config *cfg, const struct ocsp_request *req, struct entry *e,
                 char *why, size_t whylen);

/* 1 when an entry cached_check passed is valid at now: thisUpdate no later than now +
 * clock_skew, nextUpdate after now. */
int cached_fresh(const struct config *cfg, time_t this_update, time_t next_update, time_t now);

#endif
