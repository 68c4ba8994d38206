/* track: the Redis connection that receives client-side-caching invalidations (RESP2: a
 * connection subscribed to __redis__:invalidate, named by CLIENT TRACKING ... REDIRECT). */
#ifndef OCSP_PROXY_TRACK_H
#define OCSP_PROXY_TRACK_H

#include <stddef.h>
#include "config.h"
#include "err.h"

struct track;

/* Connects to the primary (as store.c's writes do), asks its client id and subscribes, within
 * redis_timeout; then the socket is non-blocking for track_read. NULL with err on failure. */
struct track *track_open(const struct config *cfg, struct err *err);
void track_close(struct track *t);
/* The client id to name in CLIENT TRACKING ... REDIRECT. */
long long track_id(const struct track *t);
/* The socket, for epoll. */
int track_fd(const struct track *t);

/* Called once per invalidated key (key, len), or with key NULL when Redis says everything is
 * invalid (FLUSHALL, FLUSHDB, or tracking memory full). */
typedef void track_fn(void *arg, const char *key, size_t len);

/* Reads what has arrived without blocking and calls fn for each invalidation. 0, or -1 when the
 * connection is lost or Redis sent something unexpected: the caller must then assume it missed
 * invalidations. */
int track_read(struct track *t, track_fn *fn, void *arg);

#endif
