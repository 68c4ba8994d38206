/* policy: when an entry is next refreshed, and when it is dropped. Pure functions of times.
 *
 * The rules (ocsp-proxy-scheduler(8) quotes them, with a table of examples). V is the validity,
 * nextUpdate - thisUpdate; the three short intervals scale with it so that a response living a
 * minute is treated like one living a week, only faster:
 *    margin = min(refresh_margin, V/4)     late = min(refresh_late_interval, V/8)
 *    retry_floor  = min(retry_min, V/16)         (each at least one second)
 *  - H, the half-life, is thisUpdate + V/2.
 *  - After a successful fetch at F the entry is due at F + refresh_interval (daily). When that is
 *    later than H, it is due at the later of H and F + late instead: from half validity on,
 *    refreshes come hourly (for V of a day or more).
 *  - An `unknown` answer is due no later than F + unknown_refresh: a certificate its CA has not
 *    published yet turns good within minutes. When it follows another `unknown`, the interval
 *    doubles (10 min, 20 min, ...) up to the ordinary schedule: a CA that never publishes it is
 *    not asked every few minutes for ever.
 *  - Whatever the above says, it is due no later than nextUpdate - margin, and at once when that
 *    time has passed; but never sooner than retry_floor after a successful fetch, so a responder whose
 *    answers are already close to expiry is not asked every tick.
 *  - After N failed refreshes in a row the entry is retried at now + retry_floor * 2^(N-1), capped at
 *    retry_max, and, while the response is still valid, no later than nextUpdate - margin; once
 *    that point has passed, every retry_floor.
 *  - An entry with a staple file (stapled) uses nextUpdate - margin - 5 min for that latest
 *    point: HAProxy refuses to staple an answer in the last 5 minutes of its validity
 *    (HAPROXY_STAPLE_WINDOW_S), so the refresh comes before (unless V is 5 minutes or less).
 *  - With revocation_check_interval set (C), whatever the above says, an entry is asked again no
 *    later than C after its last ask: F + C after a success (even inside the floor: the operator
 *    chose that bound), now + C after a failure (C caps the backoff). A revocation then reaches
 *    the cache within C; it costs the CA about entries x 86400 / C requests a day. 0: off.
 *  - So with a CA that answers well (a fresh response, or a new one by half validity) an entry is
 *    fetched twice per validity up to V = 2 days, daily beyond, and always before it expires.
 *  - An answer without nextUpdate lives no_next_update_max_age from its thisUpdate in the cache,
 *    and is then refreshed by the rules above; with the setting 0 it is relayed, never cached.
 *  - An entry is dropped when nobody asked for it for evict_after (counted from its last hit, or
 *    its first fetch), or when its response expired more than expired_grace ago.
 */
#include <stdio.h>

#include "bounds.h"
#include "policy.h"

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

/* A setting in seconds, no longer than a share of the validity, never under a second. */
static long long
scaled(long long setting_ms, long long validity, int share)
{
	return max_ll(min_ll(setting_ms / 1000, validity / share), 1);
}

time_t
policy_next_due(const struct config *cfg, time_t fetched, time_t this_update,
                time_t next_update, int cert_status, int failures, int stapled, time_t now)
{
	long long v = max_ll((long long)next_update - this_update, 1);
	long long margin = scaled(cfg->refresh_margin, v, 4);
	long long late = scaled(cfg->refresh_late_interval, v, 8);
	long long retry_floor = scaled(cfg->retry_min, v, 16);
	long long half = (long long)this_update + v / 2;
	long long daily = (long long)fetched + max_ll(cfg->refresh_interval / 1000, 1);
	/* A staple file's answer is refused by HAProxy in its last minutes: refresh before them,
	 * unless the whole validity is within them (nothing helps, ask as usual). */
	long long window = stapled && v > HAPROXY_STAPLE_WINDOW_S ? HAPROXY_STAPLE_WINDOW_S : 0;
	long long latest = (long long)next_update - margin - window;
	long long due, backoff, cap = max_ll(cfg->retry_max / 1000, retry_floor);
	/* The operator's bound on revocation latency, in whole seconds (0: none). */
	long long check = cfg->revocation_check_interval > 0
	                      ? max_ll(cfg->revocation_check_interval / 1000, 1) : 0;
	int i;

	if (failures <= 0) {
		due = daily;
		if (daily > half)
			due = max_ll(half, (long long)fetched + late);
		if (cert_status == OCSP_CERT_UNKNOWN)
			due = min_ll(due, (long long)fetched + max_ll(cfg->unknown_refresh / 1000, 1));
		due = min_ll(due, latest);
		due = max_ll(due, (long long)fetched + retry_floor);
	} else {
		backoff = retry_floor;
		for (i = 1; i < failures && backoff < cap; i++)
			backoff *= 2;
		backoff = min_ll(backoff, cap);
		if (latest > now)
			due = min_ll((long long)now + backoff, latest);
		else
			due = (long long)now + retry_floor;
	}
	if (check > 0)
		due = min_ll(due, (failures <= 0 ? (long long)fetched : (long long)now) + check);
	return (time_t)max_ll(due, (long long)now);
}

time_t
policy_unknown_due(const struct config *cfg, long long prev, time_t fetched, time_t this_update,
                   time_t next_update, time_t now)
{
	long long step = max_ll(max_ll(cfg->unknown_refresh / 1000, 1), 2 * prev);
	long long ordinary = policy_next_due(cfg, fetched, this_update, next_update, OCSP_CERT_GOOD,
	                                     0, 0, now);

	return (time_t)max_ll(min_ll((long long)fetched + step, ordinary), (long long)now);
}

enum ocsp_verdict
policy_cacheable(const struct config *cfg, enum ocsp_verdict v, struct ocsp_response_info *info,
                 time_t now, char *why, size_t whylen)
{
	long long until;

	if (v != OCSP_V_CACHEABLE || info->next_update != 0)
		return v;
	until = (long long)info->this_update + cfg->no_next_update_max_age / 1000;
	if (cfg->no_next_update_max_age == 0 || until <= (long long)now) {
		snprintf(why, whylen, "no nextUpdate, older than no_next_update_max_age");
		return OCSP_V_RELAY;
	}
	info->next_update = (time_t)until;
	return v;
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
