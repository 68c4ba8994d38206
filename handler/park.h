/* park: a resident worker's misses waiting for one fetch. The first miss for a CertID takes its
 * lease in Redis and goes to a child as any miss; the others, in this worker or any other, are
 * parked in the event loop (no child, no blocked worker) until the answer is stored, the fetch
 * fails or upstream_timeout passes. */
#ifndef OCSP_PROXY_PARK_H
#define OCSP_PROXY_PARK_H

#include <sys/types.h>

#include "herd.h"
#include "worker.h"

/* The fetch for one CertID that parked connections wait for. */
struct park_group {
	char key[CERTID_HEX_MAX + 1];
	pid_t kid;                   /* this worker's child fetching it, 0 when none (done, or the
	                                lease is held elsewhere) */
	long long next_check_ms;     /* when Redis is looked at next (clock_ms) */
	long long step_ms;           /* the interval after that, doubling */
	int parked;                  /* connections waiting on it */
	struct park_group *next;
};

enum park_way {
	PARK_FETCH,                  /* the lease is this worker's (*lease): hand the miss to a child */
	PARK_WAIT,                   /* someone fetches it: park the connection on *g */
	PARK_PLAIN,                  /* Redis trouble: a child, as without coalescing */
};

/* What to do with a cacheable miss for key. For PARK_FETCH and PARK_WAIT, *g is the group. */
enum park_way park_miss(struct worker *w, const char *key, struct herd_lease *lease,
                        struct park_group **g);
/* The child fetching for g has been started (pid), or could not be (pid -1: the lease is given
 * back and g forgotten when nobody waits on it). */
void park_started(struct worker *w, struct park_group *g, pid_t pid);
/* A child ended: its group is looked at now. */
void park_reaped(struct worker *w, pid_t pid);
/* Looks at the groups whose time came: an answer stored is served to every connection parked on
 * the group; a fetch that ended without one (the lease given back, nothing valid cached) is
 * answered tryLater. Groups nobody waits on any more are forgotten. */
void park_check(struct worker *w, long long now);
/* The earliest group check, or -1. */
long long park_next(const struct worker *w);
/* A parked connection left its group (answered, timed out, closed). */
void park_leave(struct worker *w, struct park_group *g);
void park_free_all(struct worker *w);

#endif
