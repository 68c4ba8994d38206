/* health: the proxy's own state at HEALTH_PATH: is Redis reachable, when did a scheduler last
 * tick. Answered before anything OCSP is parsed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "health.h"
#include "overview.h"

int
health_wanted(const struct http_request *req)
{
	size_t n = strlen(HEALTH_PATH);

	if (req->method != HTTP_GET && req->method != HTTP_HEAD)
		return 0;
	return strncmp(req->target, HEALTH_PATH, n) == 0 &&
	       (req->target[n] == '\0' || req->target[n] == '?');
}

/* The report health speaks of: the newest running scheduler's, else the newest stale one's (a
 * --once run is no running scheduler, however recent). 0 when there is none. */
static time_t
pick_report(struct strlist *owners, struct strlist *ticks, time_t now, long long every_s,
            const char **owner, enum sched_state *state)
{
	struct sched_report r;
	enum sched_state st;
	time_t best = 0;
	size_t i;

	*owner = NULL;
	for (i = 0; i < owners->n && i < ticks->n; i++) {
		overview_report(ticks->v[i], &r);
		if ((st = overview_state(&r, now, every_s)) == SCHED_ONCE || r.last <= 0)
			continue;
		if (best == 0 || (st == SCHED_RUNNING && *state != SCHED_RUNNING) ||
		    (st == *state && r.last > best)) {
			best = r.last;
			*owner = owners->v[i];
			*state = st;
		}
	}
	return best;
}

/* The scheduler's name as Redis holds it (host:pid), cut to what a host name and pid may hold:
 * anyone who can write to Redis must not add lines or fields to the answer a monitor parses. */
static void
host_name(const char *owner, char *out, size_t len)
{
	size_t i;

	for (i = 0; owner[i] != '\0' && i + 1 < len; i++)
		out[i] = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:[]",
		                owner[i]) != NULL ? owner[i] : '?';
	out[i] = '\0';
}

int
health_check(struct store *st, const struct config *cfg, time_t now, char *body, size_t len)
{
	struct strlist owners, ticks;
	const char *owner = NULL, *sched = "none";
	char stamp[32] = "-", host[OWNER_NAME_MAX] = "-";
	struct tm tm;
	enum sched_state state = SCHED_STALE;
	time_t last = 0;
	long long age = -1;
	int redis_up;

	memset(&owners, 0, sizeof(owners));
	memset(&ticks, 0, sizeof(ticks));
	redis_up = st != NULL && store_ping(st) == 0 && store_reports(st, &owners, &ticks) == 0;
	if (redis_up && (last = pick_report(&owners, &ticks, now, cfg->check_interval / 1000, &owner,
	                                    &state)) > 0) {
		age = (long long)now - (long long)last;
		sched = state == SCHED_RUNNING ? "ok" : "stale";
		gmtime_r(&last, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	if (owner != NULL)
		host_name(owner, host, sizeof(host));
	snprintf(body, len,
	         "status=%s redis=%s scheduler=%s last_tick=%s last_tick_age_s=%lld "
	         "scheduler_host=%s\n",
	         !redis_up ? "down" : strcmp(sched, "ok") == 0 ? "ok" : "degraded",
	         redis_up ? "up" : "down", redis_up ? sched : "unknown", stamp, age,
	         host);
	strlist_free(&owners);
	strlist_free(&ticks);
	return redis_up ? 200 : 503;
}
