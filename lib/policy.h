/* policy: when an entry is next refreshed, when it is dropped, and how long an answer without
 * nextUpdate is kept. Pure functions of times; the rules are in policy.c. */
#ifndef OCSP_PROXY_POLICY_H
#define OCSP_PROXY_POLICY_H

#include <stddef.h>
#include <time.h>

#include "config.h"
#include "ocsp.h"

/* When to refresh an entry fetched at `fetched` whose response (cert_status, enum
 * ocsp_cert_status) is valid this_update..next_update, after `failures` consecutive failed
 * refreshes (0 after a success). Margins scale with the validity, see policy.c; never later
 * than revocation_check_interval after the last ask (fetched, or now after a failure) when that
 * is set. stapled: the entry has a staple file (HAProxy refuses an answer in its last 5 minutes:
 * refreshed before them). The result is never before now. */
time_t policy_next_due(const struct config *cfg, time_t fetched, time_t this_update,
                       time_t next_update, int cert_status, int failures, int stapled,
                       time_t now);

/* For an `unknown` answer refreshing an entry that was `unknown` already, planned `prev`
 * seconds after its last fetch: the interval doubles from unknown_refresh, so a CA that never
 * publishes the certificate is asked less and less often, but never later than the ordinary
 * schedule (as if the answer were good). Never before now. */
time_t policy_unknown_due(const struct config *cfg, long long prev, time_t fetched,
                          time_t this_update, time_t next_update, time_t now);

/* For a CACHEABLE answer without nextUpdate (info->next_update 0): sets next_update to
 * thisUpdate + no_next_update_max_age, the end of its life in the cache, or returns RELAY (with
 * why) when that is not after now or the setting is 0, so it is answered but not cached. Any
 * other verdict or answer is returned as it is. */
enum ocsp_verdict policy_cacheable(const struct config *cfg, enum ocsp_verdict v,
                                   struct ocsp_response_info *info, time_t now, char *why,
                                   size_t whylen);

/* 1 when the entry should be dropped: no hit for evict_after (last_hit, or fetched when never hit),
 * or its response expired more than expired_grace ago. */
int policy_should_evict(const struct config *cfg, time_t last_hit, time_t fetched,
                        time_t next_update, time_t now);

#endif
