/* policy: when an entry is next refreshed, and when it is dropped. Pure functions of times. */
#ifndef OCSP_PROXY_POLICY_H
#define OCSP_PROXY_POLICY_H

#include <time.h>
#include "config.h"

/* When to refresh an entry fetched at `fetched` whose response is valid this_update..next_update,
 * after `failures` consecutive failed refreshes (0 after a success):
 *  - refresh_interval after the fetch (daily);
 *  - refresh_late_interval after the fetch once past half of the validity (hourly);
 *  - at once when now is within refresh_margin of next_update;
 *  - on failure: retry_min doubling per failure, capped at retry_max, and never later than
 *    refresh_margin before next_update while the response is still valid.
 * The result is never before now. */
time_t policy_next_due(const struct config *cfg, time_t fetched, time_t this_update,
                       time_t next_update, int failures, time_t now);

/* 1 when the entry should be dropped: no hit for evict_after (last_hit, or fetched when never hit),
 * or its response expired more than expired_grace ago. */
int policy_should_evict(const struct config *cfg, time_t last_hit, time_t fetched,
                        time_t next_update, time_t now);

#endif
