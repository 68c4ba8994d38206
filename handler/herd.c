/* herd: one upstream fetch per CertID at a time, and failing responders backed off (herd.h).
 * Waiting is polling Redis with a doubling interval (HERD_POLL_FIRST_MS to HERD_POLL_MAX_MS):
 * one small round trip, robust to a holder that dies (its lease expires, the waiters see it
 * gone), and nothing for the holder to remember to send. A resident worker parks its waiting
 * connections in its event loop instead (worker.c): only per-connection handlers sleep here. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bounds.h"
#include "clock.h"
#include "herd.h"
#include "log.h"
#include "owner.h"
#include "peer.h"

void
herd_owner(char out[HERD_OWNER_MAX])
{
	char me[280], rid[REQUEST_ID_LEN + 1];   /* host (255) : pid */

	owner_name(me, sizeof(me));
	peer_request_id(rid);
	snprintf(out, HERD_OWNER_MAX, "miss %s:%s", me, rid);
}

static void
sleep_ms(long long ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	if (ms > 0)
		nanosleep(&ts, NULL);
}

/* The lease for this miss: the one given, or taken now. 1 held, 0 someone else's, -1 error. */
static int
take_lease(struct herd *hd)
{
	int rc;

	if (hd->given != NULL && hd->given->owner[0] != '\0' &&
	    strcmp(hd->given->certid, hd->certid) == 0) {
		snprintf(hd->owner, sizeof(hd->owner), "%s", hd->given->owner);
		return 1;
	}
	herd_owner(hd->owner);
	rc = store_lease(hd->st, hd->certid, hd->owner,
	                 hd->cfg->upstream_timeout + HERD_LEASE_MARGIN_MS);
	if (rc != 1)
		hd->owner[0] = '\0';
	return rc;
}

/* Waits for the lease holder's answer, until deadline_ms. */
static enum herd_turn
wait_for(struct herd *hd, int (*ready)(void *), void *arg, char *why, size_t whylen)
{
	char reason[BACKOFF_REASON_MAX + 1];
	long long step = HERD_POLL_FIRST_MS, left, until;
	int leased;

	store_stat_incr(hd->st, "coalesced", 1);
	for (;;) {
		left = hd->deadline_ms - clock_ms();
		sleep_ms(left < step ? left : step);
		step = step * 2 > HERD_POLL_MAX_MS ? HERD_POLL_MAX_MS : step * 2;
		/* The state before the entry: a holder stores, then gives the lease back. */
		if (store_wait_state(hd->st, hd->certid, hd->url, clock_wall_ms(), &leased, &until,
		                     reason, sizeof(reason)) == -1) {
			snprintf(why, whylen, "redis unavailable while waiting for another request's "
			         "fetch: %s", store_error(hd->st));
			return HERD_GAVE_UP;
		}
		if (ready(arg))
			return HERD_READY;
		if (until > 0) {
			snprintf(why, whylen, "the fetch another request made failed: %s", reason);
			return HERD_GAVE_UP;
		}
		if (!leased) {
			snprintf(why, whylen, "the fetch another request made gave no answer to cache");
			return HERD_GAVE_UP;
		}
		if (clock_ms() >= hd->deadline_ms) {
			snprintf(why, whylen, "another request's fetch still running after "
			         "upstream_timeout");
			return HERD_GAVE_UP;
		}
	}
}

enum herd_turn
herd_begin(struct herd *hd, int (*ready)(void *), void *arg, char *why, size_t whylen)
{
	char reason[BACKOFF_REASON_MAX + 1];
	long long until = 0;
	int leased, rc;

	hd->owner[0] = '\0';
	if (hd->st == NULL)
		return HERD_ASK;
	/* Redis trouble on the way makes it a plain miss, as before coalescing. */
	if (hd->cfg->upstream_backoff > 0 &&
	    store_wait_state(hd->st, hd->certid != NULL ? hd->certid : "", hd->url, clock_wall_ms(),
	                     &leased, &until, reason, sizeof(reason)) == 0 && until > 0) {
		store_stat_incr(hd->st, "backed_off", 1);
		snprintf(why, whylen, "upstream backed off for %llds after a failed fetch: %s",
		         (until - clock_wall_ms() + 999) / 1000, reason);
		return HERD_BACKED_OFF;
	}
	if (hd->certid == NULL || (rc = take_lease(hd)) == -1)
		return HERD_ASK;
	if (rc == 0)
		return wait_for(hd, ready, arg, why, whylen);
	/* An answer stored between the lookup and the lease: nothing to ask. */
	if (ready(arg)) {
		herd_end(hd, 0, NULL);
		return HERD_READY;
	}
	return HERD_ASK;
}

void
herd_end(struct herd *hd, int failed, const char *why)
{
	long long now;

	if (hd->st == NULL)
		return;
	if (failed && hd->cfg->upstream_backoff > 0) {
		now = clock_wall_ms();
		if (store_backoff(hd->st, hd->url, now + hd->cfg->upstream_backoff, why, now) == -1)
			log_msg(LOG_WARNING, "could not back off %s: %s", hd->url,
			        store_error(hd->st));
	}
	if (hd->owner[0] != '\0' && hd->certid != NULL &&
	    store_release(hd->st, hd->certid, hd->owner) == -1)
		log_msg(LOG_WARNING, "could not give the lease on %s back: %s", hd->certid,
		        store_error(hd->st));
	hd->owner[0] = '\0';
}
