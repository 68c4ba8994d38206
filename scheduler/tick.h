/* tick: one pass of the scheduler: every due entry refreshed once, in parallel, under a lease. */
#ifndef OCSP_PROXY_TICK_H
#define OCSP_PROXY_TICK_H

#include <signal.h>
#include <time.h>

#include "config.h"
#include "fetch.h"
#include "store.h"

struct tick_result {
	int refreshed;               /* a newer response stored */
	int kept;                    /* upstream answered, but the cache already held a newer one */
	int failed;                  /* error, timeout, garbage: old response kept, retry scheduled */
	int evicted;
	int skipped;                 /* another scheduler holds the lease */
	int redis_down;              /* the tick stopped on a Redis error */
};

struct tick_env {
	const struct config *cfg;
	struct store *store;
	struct fetcher *fetcher;
	void *trust;                 /* X509_STORE * or NULL */
	const char *owner;           /* lease owner: host:pid */
	volatile sig_atomic_t *stop;
};

/* Refreshes everything due at now. 0 done (or stopped), -1 Redis failed (res->redis_down). */
int tick_run(const struct tick_env *env, time_t now, struct tick_result *res);

#endif
