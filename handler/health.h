/* health: the proxy's own state at HEALTH_PATH, for load balancers and monitors. */
#ifndef OCSP_PROXY_HEALTH_H
#define OCSP_PROXY_HEALTH_H

#include <stddef.h>
#include <time.h>

#include "config.h"
#include "http.h"
#include "store.h"

/* No OCSP GET can have this path. decode.c tries the text after each '/' as base64 of a DER
 * SEQUENCE, whose first byte 0x30 always encodes to 'M'; here those texts are "-/health" and
 * "health", and '-' is not even in the base64 alphabet. POSTs are never health checks. */
#define HEALTH_PATH "/-/health"

/* 1 when req is a GET or HEAD of HEALTH_PATH (a query string is ignored). */
int health_wanted(const struct http_request *req);

/* Asks Redis (PING, the schedulers' reports) and writes one logfmt line into body:
 *   status=ok|degraded|down redis=up|down scheduler=ok|stale|none last_tick=ISO8601
 *   last_tick_age_s=N scheduler_host=HOST:PID
 * "stale" means no scheduler ticked in 2 * check_interval + 1 min. Returns the HTTP status:
 * 503 when Redis cannot be reached (this host cannot serve from the cache), else 200: the
 * scheduler is shared by every host, so its state is reported, not a reason to drop this one. */
int health_check(struct store *st, const struct config *cfg, time_t now, char *body, size_t len);

#endif
