/* herd: many clients, one fetch. A miss takes the CertID's lease in Redis (the scheduler's, so a
 * handler and a scheduler never fetch one certificate at once, on any host) before it asks
 * upstream; a miss that finds the lease held waits, bounded, for the answer the holder stores.
 * A responder whose fetch failed is backed off (upstream_backoff): misses do not ask it again
 * for a while, on any host. */
#ifndef OCSP_PROXY_HERD_H
#define OCSP_PROXY_HERD_H

#include <stddef.h>

#include "config.h"
#include "store.h"

/* A lease's owner: "miss HOST:PID:RANDOM", unique across hosts and requests. */
enum { HERD_OWNER_MAX = 320 };

/* A lease on certid taken for a miss by someone else than the one who fetches (a resident
 * worker takes it, its child fetches): owner empty when none. */
struct herd_lease {
	char owner[HERD_OWNER_MAX];
	char certid[CERTID_HEX_MAX + 1];
};

/* One miss's part in it. */
struct herd {
	struct store *st;            /* NULL: Redis is down, nothing is coalesced or backed off */
	const struct config *cfg;
	const char *certid;          /* NULL: a request that is not cached (nonce, several
	                                CertIDs): backed off, never coalesced */
	const char *url;             /* the upstream it would ask */
	long long deadline_ms;       /* clock_ms: how long it may wait for another's fetch */
	const struct herd_lease *given; /* a lease already taken for it, or NULL */
	char owner[HERD_OWNER_MAX];  /* the lease it holds, "" when none */
};

enum herd_turn {
	HERD_ASK,                    /* ask upstream: the lease is its own (or Redis is down) */
	HERD_READY,                  /* another's fetch stored the answer: ready() said so */
	HERD_BACKED_OFF,             /* the upstream is backed off; why says since what */
	HERD_GAVE_UP,                /* another's fetch failed or did not end in time; why */
};

/* Makes a lease owner name (herd_lease.owner). */
void herd_owner(char out[HERD_OWNER_MAX]);

/* Before asking upstream: backoff first, then the lease, then the wait. ready(arg) looks in
 * the cache again and says 1 when it now holds an answer to serve. Counts coalesced (each miss
 * that waited) and backed_off. */
enum herd_turn herd_begin(struct herd *hd, int (*ready)(void *), void *arg, char *why,
                          size_t whylen);
/* After asking (its answer stored), or instead of it: a failed fetch backs its upstream off,
 * then the lease is given back (only its own). */
void herd_end(struct herd *hd, int failed, const char *why);

#endif
