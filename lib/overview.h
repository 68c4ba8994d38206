/* overview: the cache at a glance, as `ocsp-proxyctl stats` and the metrics file show it. */
#ifndef OCSP_PROXY_OVERVIEW_H
#define OCSP_PROXY_OVERVIEW_H

#include <time.h>

#include "store.h"
#include "strlist.h"

struct overview {
	long long entries;           /* entries scheduled */
	long long failing;           /* entries whose last refresh failed */
	long long due;               /* entries due at the time asked */
	long long unknown;           /* entries cached as `unknown` (clients refused until asked again) */
	struct strlist names, values;   /* counters, same length */
	struct strlist owners, ticks;   /* each scheduler (host:pid) and "UNIXTIME summary" */
	struct strlist backoff_urls, backoffs; /* upstreams backed off and "UNTIL_MS reason" */
};

/* One scheduler's report, "UNIXTIME every=SECONDS summary" from a running scheduler (its own
 * check_interval), "UNIXTIME once summary" from a one-off --once run; older schedulers wrote
 * "UNIXTIME summary" (every_s 0). summary points into the value. */
struct sched_report {
	time_t last;                 /* its last successful tick */
	long long every_s;           /* its check interval, 0 when it did not say */
	int once;                    /* a one-off run, not a running scheduler */
	const char *summary;
};

enum sched_state {
	SCHED_RUNNING,               /* ticked within twice its interval and a minute */
	SCHED_STALE,                 /* a scheduler that has not */
	SCHED_ONCE,                  /* a one-off run: never a running scheduler */
};

void overview_report(const char *value, struct sched_report *out);
/* default_every_s: the interval of a report that did not say (the reader's check_interval). */
enum sched_state overview_state(const struct sched_report *r, time_t now,
                                long long default_every_s);
const char *overview_state_name(enum sched_state s);

/* Reads it all from the primary. 0 ok, -1 error (store_error); out is then empty. */
int overview_read(struct store *st, time_t now, struct overview *out);
void overview_free(struct overview *o);

#endif
