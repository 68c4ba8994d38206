/* hotcache: a resident worker's in-process cache of entries and its batched hit records.
 * Coherence: every entry is read on the store's primary connection with CLIENT TRACKING on, so
 * Redis sends its key to our subscribed connection (lib/track.c) whenever anyone changes or
 * deletes it; the worker's loop drops it on arrival. An entry is served from memory only while
 * the invalidation connection is up and the connection it was read on is the current one;
 * otherwise every hit reads Redis, as before. */
#include <stdlib.h>
#include <string.h>

#include "fnv.h"
#include "clock.h"
#include "bounds.h"
#include "cached.h"
#include "hotcache.h"
#include "issuers.h"
#include "log.h"
#include "ocsp.h"
#include "track.h"
#include "verdict.h"

struct pending {
	char *key;
	time_t at;
};

struct hotcache {
	const struct config *cfg;
	struct store *st;
	struct track *tr;
	struct issuers *issuers;     /* read on the first admission (verify = yes) */
	long long retry_ms;          /* when to try the invalidation connection again */
	long long down_until_ms;     /* after a Redis error no read is tried until then */
	long long untracked_until_ms; /* the primary failed: hits read as without the cache */
	struct hot_entry **bucket;
	size_t nbucket, n, max;
	struct hot_entry *oldest, *newest;
	struct pending *pend;
	size_t npend;
	long long hits;
	unsigned long round;
	int last_fd;
};

struct hotcache *
hot_new(const struct config *cfg, struct store *st)
{
	struct hotcache *hc = calloc(1, sizeof(*hc));

	if (hc == NULL)
		return NULL;
	hc->cfg = cfg;
	hc->st = st;
	hc->last_fd = -1;
	hc->round = 1;
	hc->max = cfg->memory_cache_entries > HOTCACHE_MIN_ENTRIES ? (size_t)cfg->memory_cache_entries
	                                                  : HOTCACHE_MIN_ENTRIES;
	for (hc->nbucket = 64; hc->nbucket < hc->max * 2; hc->nbucket *= 2)
		;
	if ((hc->bucket = calloc(hc->nbucket, sizeof(*hc->bucket))) == NULL ||
	    (hc->pend = calloc(HOTCACHE_PENDING_MAX, sizeof(*hc->pend))) == NULL) {
		free(hc->bucket);
		free(hc);
		return NULL;
	}
	return hc;
}

static void
entry_drop(struct hotcache *hc, struct hot_entry *e)
{
	struct hot_entry **p = &hc->bucket[fnv1a(e->key, strlen(e->key)) & (hc->nbucket - 1)];

	while (*p != e)
		p = &(*p)->chain;
	*p = e->chain;
	if (e->older != NULL)
		e->older->newer = e->newer;
	else
		hc->oldest = e->newer;
	if (e->newer != NULL)
		e->newer->older = e->older;
	else
		hc->newest = e->older;
	hc->n--;
	free(e->key);
	free(e->resp);
	free(e);
}

static void
drop_all(struct hotcache *hc)
{
	while (hc->oldest != NULL)
		entry_drop(hc, hc->oldest);
}

static struct hot_entry *
find(const struct hotcache *hc, const char *key, size_t len)
{
	struct hot_entry *e;
	char k[CERTID_HEX_MAX + 1];

	if (len > CERTID_HEX_MAX)
		return NULL;
	memcpy(k, key, len);
	k[len] = '\0';
	for (e = hc->bucket[fnv1a(k, len) & (hc->nbucket - 1)]; e != NULL; e = e->chain)
		if (strcmp(e->key, k) == 0)
			return e;
	return NULL;
}

void
hot_free(struct hotcache *hc)
{
	size_t i;

	if (hc == NULL)
		return;
	drop_all(hc);
	for (i = 0; i < hc->npend; i++)
		free(hc->pend[i].key);
	track_close(hc->tr);
	issuers_free(hc->issuers);
	free(hc->pend);
	free(hc->bucket);
	free(hc);
}

static void
lost(struct hotcache *hc, const char *why)
{
	log_msg(LOG_WARNING, "memory cache off until Redis invalidations flow again: %s", why);
	track_close(hc->tr);
	hc->tr = NULL;
	hc->retry_ms = clock_ms() + 1000;
	drop_all(hc);
}

int
hot_connect(struct hotcache *hc, int *changed)
{
	struct err err;
	int fd;

	if (hc->tr == NULL && hc->cfg->memory_cache_entries > 0 && clock_ms() >= hc->retry_ms) {
		if ((hc->tr = track_open(hc->cfg, &err)) == NULL) {
			hc->retry_ms = clock_ms() + 1000;
			log_msg(LOG_DEBUG, "no invalidation connection yet: %s", err_str(&err));
		} else {
			drop_all(hc);
			store_track(hc->st, track_id(hc->tr));
		}
	}
	fd = hc->tr != NULL ? track_fd(hc->tr) : -1;
	*changed = fd != hc->last_fd;
	hc->last_fd = fd;
	return fd;
}

static void
on_invalidate(void *arg, const char *rkey, size_t len)
{
	struct hotcache *hc = arg;
	struct hot_entry *e;
	const char *id;
	size_t idlen;

	if (rkey == NULL) {
		log_msg(LOG_DEBUG, "redis invalidated every key: memory cache dropped");
		drop_all(hc);
		return;
	}
	log_msg(LOG_DEBUG, "redis invalidated %.*s", (int)(len > 200 ? 200 : len), rkey);
	if ((id = store_certid_of_key(hc->cfg, rkey, len, &idlen)) != NULL &&
	    (e = find(hc, id, idlen)) != NULL)
		entry_drop(hc, e);
}

void
hot_invalidations(struct hotcache *hc)
{
	if (hc->tr != NULL && track_read(hc->tr, on_invalidate, hc) == -1)
		lost(hc, "invalidation connection lost");
}

int
hot_tracked_fd(const struct hotcache *hc, unsigned long *epoch)
{
	*epoch = 0;
	if (hc->tr == NULL || !store_tracking(hc->st, epoch))
		return -1;
	return store_primary_fd(hc->st);
}

void
hot_tracked_event(struct hotcache *hc)
{
	if (store_primary_idle_check(hc->st) == 1) {
		log_msg(LOG_WARNING, "memory cache dropped, the tracked Redis connection was lost: %s",
		        store_error(hc->st));
		drop_all(hc);
	}
}

/* What memory may hold: an entry cached_check passes for its CertID, as every per-connection hit
 * checks it (so both modes serve the same entries with the same times), whose signature then
 * verifies (answer_check): checked once when it enters memory, never again on a hit from memory.
 * A body a Redis writer planted, signed by a key that is not the issuer's or its delegate's,
 * never enters memory. The issuer store is read on the first admission, and again when
 * issuers_dir changed, as serve.c does on a miss. verify = no: no signature check. */
static int
admissible(struct hotcache *hc, const char *key, struct entry *e, time_t now)
{
	struct answer_rules rules = { .cfg = hc->cfg, .now = now };
	struct ocsp_response_info info;
	struct ocsp_request req;
	enum ocsp_verdict v;
	struct err err;
	char why[320];

	if (ocsp_request_for_certid(key, &req) == -1)
		return 0;
	if (cached_check(hc->cfg, &req, e, why, sizeof(why)) == -1) {
		log_msg(LOG_WARNING, "cached entry %s ignored, treated as absent: %s", key, why);
		ocsp_request_free(&req);
		return 0;
	}
	if (issuers_refresh(&hc->issuers, hc->cfg, &err) == -1) {
		log_msg(LOG_ERR, "memory cache: cannot load the issuer store: %s", err.msg);
		if (hc->issuers == NULL) {
			ocsp_request_free(&req);
			return 0;
		}
	}
	rules.issuers = hc->cfg->verify ? hc->issuers : NULL;
	v = answer_check(&rules, &req, e->resp, e->resp_len, &info, why, sizeof(why));
	ocsp_request_free(&req);
	/* INVALID here is an entry expired or not yet valid: not served from memory either way. */
	if (v == OCSP_V_UNVERIFIED)
		log_msg(LOG_ERR, "cached entry %s not kept in memory: not verified: %s", key, why);
	return v == OCSP_V_CACHEABLE;
}

static struct hot_entry *
insert(struct hotcache *hc, const char *key, struct entry *src)
{
	struct hot_entry *e, *old;
	size_t b;

	if ((old = find(hc, key, strlen(key))) != NULL)
		entry_drop(hc, old);
	if (hc->n >= hc->max)
		entry_drop(hc, hc->oldest);
	if ((e = calloc(1, sizeof(*e))) == NULL || (e->key = strdup(key)) == NULL) {
		free(e);
		return NULL;
	}
	e->resp = src->resp;         /* taken over */
	e->resp_len = src->resp_len;
	src->resp = NULL;
	memcpy(e->etag, src->etag, sizeof(e->etag));
	e->this_update = src->this_update;
	e->next_update = src->next_update;
	e->due = src->due;
	b = fnv1a(key, strlen(key)) & (hc->nbucket - 1);
	e->chain = hc->bucket[b];
	hc->bucket[b] = e;
	e->older = hc->newest;
	if (hc->newest != NULL)
		hc->newest->newer = e;
	else
		hc->oldest = e;
	hc->newest = e;
	hc->n++;
	return e;
}

int
hot_get(struct hotcache *hc, const char *key, time_t now, const struct hot_entry **out)
{
	struct hot_entry *e = find(hc, key, strlen(key));
	struct entry src;
	unsigned long epoch;
	long long now_ms;
	int tracked, rc, read_tracked = 0;

	tracked = hc->tr != NULL && store_tracking(hc->st, &epoch);
	if (e != NULL && e->tracked && tracked && e->epoch == epoch) {
		*out = e;
		return cached_fresh(hc->cfg, e->this_update, e->next_update, now);
	}
	now_ms = clock_ms();
	if (now_ms < hc->down_until_ms)
		return -1;
	/* Read on the tracked connection (the primary) when invalidations flow: tracking starts
	 * with the read. Else, or for a second after the primary failed with a replica to fall
	 * back on (a failover under way), as any hit reads, without keeping the entry in memory. */
	rc = -1;
	if (hc->tr != NULL && now_ms >= hc->untracked_until_ms) {
		rc = store_read_tracked(hc->st, key, &src);
		read_tracked = rc != -1;
		if (rc == -1 && (hc->cfg->redis_read != NULL || hc->cfg->redis_sentinel.n > 0))
			hc->untracked_until_ms = now_ms + 1000;
	}
	if (rc == -1 && (hc->tr == NULL || now_ms < hc->untracked_until_ms))
		rc = store_lookup(hc->st, key, now, 0, &src);
	if (rc == -1) {
		log_msg(LOG_WARNING, "redis unavailable, misses and hits go to the full pipeline: %s",
		        store_error(hc->st));
		hc->down_until_ms = clock_ms() + 1000;
		return -1;
	}
	if (rc == 0 || !admissible(hc, key, &src, now)) {
		entry_free(&src);
		return 0;
	}
	e = insert(hc, key, &src);
	entry_free(&src);
	if (e == NULL)
		return 0;
	e->tracked = read_tracked && hc->tr != NULL && store_tracking(hc->st, &e->epoch);
	*out = e;
	return cached_fresh(hc->cfg, e->this_update, e->next_update, now);
}

void
hot_hit(struct hotcache *hc, const struct hot_entry *ce, time_t now)
{
	struct hot_entry *e = (struct hot_entry *)ce;

	hc->hits++;
	if (e->round == hc->round) {
		hc->pend[e->pend].at = now;
		return;
	}
	if (hc->npend == HOTCACHE_PENDING_MAX || (hc->pend[hc->npend].key = strdup(e->key)) == NULL)
		return;
	hc->pend[hc->npend].at = now;
	e->round = hc->round;
	e->pend = hc->npend++;
}

void
hot_flush(struct hotcache *hc)
{
	const char **keys;
	time_t *at;
	size_t i;

	if (hc->hits == 0 && hc->npend == 0)
		return;
	keys = calloc(hc->npend + 1, sizeof(*keys));
	at = calloc(hc->npend + 1, sizeof(*at));
	if (keys != NULL && at != NULL) {
		for (i = 0; i < hc->npend; i++) {
			keys[i] = hc->pend[i].key;
			at[i] = hc->pend[i].at;
		}
		/* A primary that is down loses this second's records, as a crash would. */
		if (store_record_hits(hc->st, keys, at, hc->npend, hc->hits) == -1)
			log_msg(LOG_WARNING, "could not record %lld hits: %s", hc->hits,
			        store_error(hc->st));
	}
	free(keys);
	free(at);
	for (i = 0; i < hc->npend; i++)
		free(hc->pend[i].key);
	hc->npend = 0;
	hc->hits = 0;
	hc->round++;
}
