/* metrics: the cache's counters as a Prometheus text file (node_exporter's textfile collector). */
#ifndef OCSP_PROXY_METRICS_H
#define OCSP_PROXY_METRICS_H

#include "store.h"

/* Writes path atomically (a temporary file renamed over it). 0 ok, -1 error (errno set, or a
 * Redis error in store_error). */
int metrics_write(struct store *st, const char *path);

#endif
