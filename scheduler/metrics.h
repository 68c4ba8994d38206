/* metrics: the cache's state as a Prometheus text file (node_exporter's textfile collector). */
#ifndef OCSP_PROXY_METRICS_H
#define OCSP_PROXY_METRICS_H

#include <time.h>
#include "store.h"

/* Writes path atomically (a temporary file renamed over it), mode 0644. With Redis down the
 * file still appears, saying ocsp_proxy_redis_up 0. 0 ok, -1 error (errno set, or a Redis error
 * in store_error). */
int metrics_write(struct store *st, const char *path, time_t now);
/* metrics_write when path is set and force or period_ms have passed since *last_ms (monotonic,
 * updated): the file moves between ticks too, for node_exporter and alerts. 0 ok or nothing to
 * do, -1 as metrics_write. */
int metrics_refresh(struct store *st, const char *path, long long period_ms, long long *last_ms,
                    int force);

#endif
