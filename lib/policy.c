/* policy: when an entry is next refreshed, and when it is dropped. Pure functions of times.
 *
 * The rules (ocsp-proxy-scheduler(8) quotes them):
 *  - H, the half-life, is thisUpdate + (nextUpdate - thisUpdate) / 2.
 *  - After a successful fetch at F the entry is due at F + refresh_interval (daily). When that is
 *    later than H, it is due at the later of H and F + refresh_late_interval instead: from half
 *    validity on, refreshes come hourly.
 *  - Whatever the above says, it is due no later than nextUpdate - refresh_margin, and at once
 *    when that time has passed; but never sooner than retry_min after a successful fetch, so a
 *    responder whose responses live shorter than refresh_margin is not asked every tick.
 *  - After N failed refreshes in a row the entry is retried at now + retry_min * 2^(N-1), capped at
 *    retry_max, and, while the response is still valid, no later than nextUpdate -
 *    refresh_margin; once that point has passed, every retry_min.
 *  - An entry is dropped when nobody asked for it for evict_after (counted from its last hit, or
 *    its first fetch), or when its response expired more than expired_grace ago.
 */
#include "policy.h"

static long long
secs(long long ms)
{
	return ms / 1000 > 0 ? ms / 1000 : 1;
}

static long long
min_ll(long long a, long long b)
{
	return a < b ? a : b;
}

static long long
max_ll(long long a, long long b)
{
	return a > b ? a : b;
}

time_t
policy_next_due(const struct config *cfg, time_t fetched, time_t this_update,
                time_t next_update, int failures, time_t now)
{
	long long half = (long long)this_update + ((long long)next_update - this_update) / 2;
	long long daily = (long long)fetched + secs(cfg->refresh_interval);
	long long late = (long long)fetched + secs(cfg->refresh_late_interval);
	long long latest = (long long)next_update - cfg->refresh_margin / 1000;
	long long due, backoff;
	int i;

	if (failures <= 0) {
		due = daily;
		if (daily > half)
			due = max_ll(half, late);
		due = min_ll(due, latest);
		due = max_ll(due, (long long)fetched + secs(cfg->retry_min));
	} else {
		backoff = secs(cfg->retry_min);
		for (i = 1; i < failures && backoff < secs(cfg->retry_max); i++)
			backoff *= 2;
		backoff = min_ll(backoff, secs(cfg->retry_max));
		due = (long long)now + backoff;
		if (latest > now)
			due = min_ll(due, latest);
		else
			due = (long long)now + min_ll(backoff, secs(cfg->retry_min));
	}
	return (time_t)max_ll(due, (long long)now);
}

int
policy_should_evict(const struct config *cfg, time_t last_hit, time_t fetched,
                    time_t next_update, time_t now)
{
	long long seen = last_hit > 0 ? last_hit : fetched;

	if ((long long)now - seen > cfg->evict_after / 1000)
		return 1;
	return next_update > 0 && (long long)now - next_update > cfg->expired_grace / 1000;
}
