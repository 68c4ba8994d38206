/* hotcache: a resident worker's in-process cache of entries, kept coherent with Redis by its
 * own invalidations (CLIENT TRACKING with REDIRECT to lib/track.c's subscribed connection), and
 * the worker's hit counters, written to Redis at most once a second. */
#ifndef OCSP_PROXY_HOTCACHE_H
#define OCSP_PROXY_HOTCACHE_H

#include <stddef.h>
#include <time.h>

#include "config.h"
#include "store.h"

/* What a hit needs, checked when it entered memory: the ETag is the hex SHA-256 the proxy
 * writes, the body an OCSP response for this CertID whose times are those stored, signed by the
 * issuer or its delegate (unless verify = no). */
struct hot_entry {
	char *key;                   /* CertID hex */
	unsigned char *resp;
	size_t resp_len;
	char etag[65];
	time_t this_update, next_update, due;
	/* bookkeeping */
	unsigned long epoch;         /* store_tracking's epoch when read */
	int tracked;                 /* read on a tracked connection with invalidations flowing */
	unsigned long round;         /* flush round of its pending hit, and where it is */
	size_t pend;
	struct hot_entry *chain, *older, *newer;
};

struct hotcache;

/* st is the worker's store (borrowed). Never fails but for memory. */
struct hotcache *hot_new(const struct config *cfg, struct store *st);
void hot_free(struct hotcache *hc);

/* Opens the invalidation connection when it is down (tried at most once a second) and turns
 * tracking on for the store. Returns its socket for epoll (-1 when down), and sets *changed when
 * the socket differs from the last call's. */
int hot_connect(struct hotcache *hc, int *changed);
/* The invalidation socket is readable: drops what Redis says changed. On a lost connection the
 * whole cache is dropped (it may have missed invalidations) and hot_connect starts again. */
void hot_invalidations(struct hotcache *hc);

/* The tracked connection (the store's primary, which Redis tracks our reads on) to watch while
 * the memory cache is in use: its socket, or -1; *epoch tells a new connection from an old one
 * that had the same descriptor number. */
int hot_tracked_fd(const struct hotcache *hc, unsigned long *epoch);
/* Its socket is readable: when the connection is gone, Redis forgot what we read on it and will
 * send no invalidation for it, so the whole cache is dropped before another hit is served. */
void hot_tracked_event(struct hotcache *hc);

/* The entry for key when a hit may be served from it at now: from memory when it is tracked,
 * else read from Redis (and kept). 1 found and valid now, 0 not (absent, stale, or failing the
 * checks: the full pipeline decides), -1 Redis error (then for a second no read is tried). *out
 * is valid until the next call. */
int hot_get(struct hotcache *hc, const char *key, time_t now, const struct hot_entry **out);

/* A hit served from e: counted, and e's hit time recorded, at the next hot_flush. */
void hot_hit(struct hotcache *hc, const struct hot_entry *e, time_t now);
/* Writes the pending hits (the worker calls it once a second and before exiting). */
void hot_flush(struct hotcache *hc);

#endif
