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
	struct strlist names, values;   /* counters, same length */
	struct strlist owners, ticks;   /* each scheduler (host:pid) and "UNIXTIME summary" */
	struct strlist backoff_urls, backoffs; /* upstreams backed off and "UNTIL_MS reason" */
};

/* Reads it all from the primary. 0 ok, -1 error (store_error); out is then empty. */
int overview_read(struct store *st, time_t now, struct overview *out);
void overview_free(struct overview *o);

#endif
