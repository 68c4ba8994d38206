/* park: a resident worker's misses waiting for one fetch (park.h). A group per CertID being
 * fetched; its connections sit in the worker's waiting list (conn.c). While this worker's own
 * child fetches, the group waits for the child to end (SIGCHLD); while another worker or host
 * holds the lease, Redis is looked at with a doubling interval (HERD_POLL_FIRST_MS to
 * HERD_POLL_MAX_MS), one round trip for the whole group. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bounds.h"
#include "clock.h"
#include "conn.h"
#include "log.h"
#include "park.h"

static struct park_group *
group_of(struct worker *w, const char *key)
{
	struct park_group *g;

	for (g = w->groups; g != NULL; g = g->next)
		if (strcmp(g->key, key) == 0)
			return g;
	return NULL;
}

static struct park_group *
group_new(struct worker *w, const char *key)
{
	struct park_group *g = calloc(1, sizeof(*g));

	if (g == NULL)
		return NULL;
	memcpy(g->key, key, strlen(key) + 1);
	g->step_ms = HERD_POLL_FIRST_MS;
	g->next_check_ms = clock_ms() + g->step_ms;
	g->next = w->groups;
	w->groups = g;
	return g;
}

enum park_way
park_miss(struct worker *w, const char *key, struct herd_lease *lease, struct park_group **g)
{
	int rc;

	if ((*g = group_of(w, key)) != NULL)
		return PARK_WAIT;
	if (strlen(key) > CERTID_HEX_MAX)
		return PARK_PLAIN;
	herd_owner(lease->owner);
	memcpy(lease->certid, key, strlen(key) + 1);
	rc = store_lease(w->h.store, key, lease->owner,
	                 w->cfg->upstream_timeout + HERD_LEASE_MARGIN_MS);
	if (rc == -1 || (*g = group_new(w, key)) == NULL) {
		if (rc == 1)
			store_release(w->h.store, key, lease->owner);
		lease->owner[0] = '\0';
		return PARK_PLAIN;
	}
	if (rc == 0) {
		lease->owner[0] = '\0';
		return PARK_WAIT;
	}
	return PARK_FETCH;
}

void
park_started(struct worker *w, struct park_group *g, pid_t pid)
{
	if (pid > 0) {
		g->kid = pid;
		return;
	}
	/* No child: nobody fetches under this lease. */
	g->kid = 0;
	g->next_check_ms = clock_ms();
	(void)w;
}

void
park_reaped(struct worker *w, pid_t pid)
{
	struct park_group *g;

	for (g = w->groups; g != NULL; g = g->next)
		if (g->kid == pid) {
			g->kid = 0;
			g->next_check_ms = clock_ms();
		}
}

void
park_leave(struct worker *w, struct park_group *g)
{
	(void)w;
	if (g->parked > 0)
		g->parked--;
}

/* Forgets the groups nobody waits on and no child of this worker fetches for. */
static void
sweep(struct worker *w)
{
	struct park_group **p = &w->groups, *g;

	while ((g = *p) != NULL) {
		if (g->parked == 0 && g->kid == 0) {
			*p = g->next;
			free(g);
		} else {
			p = &g->next;
		}
	}
}

/* One look at Redis for g: answered (every connection on it woken), or checked again later. */
static void
check_group(struct worker *w, struct park_group *g, long long now)
{
	const struct hot_entry *e;
	long long until;
	int leased;

	/* The state before the entry: a holder stores, then gives the lease back. */
	if (store_wait_state(w->h.store, g->key, "", clock_wall_ms(), &leased, &until, NULL, 0) == -1) {
		g->next_check_ms = now + HERD_POLL_MAX_MS;
		return;
	}
	if (hot_get(w->hc, g->key, time(NULL), &e) == 1) {
		conn_wake(w, g, NULL);
	} else if (!leased) {
		conn_wake(w, g, "the fetch another request made gave no answer to cache");
	} else {
		g->next_check_ms = now + g->step_ms;
		g->step_ms = g->step_ms * 2 > HERD_POLL_MAX_MS ? HERD_POLL_MAX_MS : g->step_ms * 2;
	}
}

void
park_check(struct worker *w, long long now)
{
	struct park_group *g;
	int due = 0;

	for (g = w->groups; g != NULL; g = g->next)
		due |= g->kid == 0 && g->parked > 0 && g->next_check_ms <= now;
	if (due) {
		/* An answer stored invalidated the memory's copy: read that first. */
		hot_invalidations(w->hc);
		for (g = w->groups; g != NULL; g = g->next)
			if (g->kid == 0 && g->parked > 0 && g->next_check_ms <= now)
				check_group(w, g, now);
	}
	sweep(w);
}

long long
park_next(const struct worker *w)
{
	const struct park_group *g;
	long long t = -1;

	for (g = w->groups; g != NULL; g = g->next)
		if (g->kid == 0 && g->parked > 0 && (t == -1 || g->next_check_ms < t))
			t = g->next_check_ms;
	return t;
}

void
park_free_all(struct worker *w)
{
	struct park_group *g;

	while ((g = w->groups) != NULL) {
		w->groups = g->next;
		free(g);
	}
}
