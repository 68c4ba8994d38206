/* tick: one pass of the scheduler: every due entry refreshed at most once, in parallel, under a
 * lease, within a time budget. */
#ifndef OCSP_PROXY_TICK_H
#define OCSP_PROXY_TICK_H

#include <signal.h>
#include <time.h>

#include "config.h"
#include "fetch.h"
#include "issuers.h"
#include "store.h"

struct tick_result {
	int refreshed;               /* a newer response stored */
	int kept;                    /* upstream answered, but the cache already held a newer one */
	int failed;                  /* error, timeout, garbage: old response kept, retry scheduled */
	int evicted;
	int skipped;                 /* another scheduler holds the lease */
	int unfinished;              /* left for the next tick: the budget ran out, or a stop */
	int redis_down;              /* the tick stopped on a Redis error */
};

struct tick_env {
	const struct config *cfg;
	struct store *store;
	struct fetcher *fetcher;
	struct issuers *issuers;     /* answers are verified against it; NULL with verify = no */
	const char *owner;           /* lease owner: host:pid */
	volatile sig_atomic_t *stop;
	/* Called at least every 100 ms through a tick (the watchdog); may be NULL. */
	void (*keepalive)(void *arg);
	void *keepalive_arg;
};

/* Refreshes everything due at now, each entry at most once, and stops starting or waiting for
 * refreshes after tick_budget (what is left stays due for the next tick). Every refresh is
 * written as it completes and moves the entry's due time past now, whatever its outcome.
 * 0 done (or stopped), -1 Redis failed (res->redis_down). */
int tick_run(const struct tick_env *env, time_t now, struct tick_result *res);

#endif
