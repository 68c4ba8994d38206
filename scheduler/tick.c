/* tick: one pass of the scheduler: every due entry refreshed once, in parallel, under a lease.
 * Work is found through the schedule index, so a tick costs what is due, not the cache size. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "bounds.h"
#include "log.h"
#include "ocsp.h"
#include "policy.h"
#include "tick.h"

struct item {
	char *key;
	struct entry e;
	int leased;
};

static void
log_refresh(const char *key, const char *result, const char *url, const char *why, double secs)
{
	char dur[32];
	const char *fields[] = { "CERTID", key, "RESULT", result, "UPSTREAM", url, "REASON", why,
	                         "DURATION_MS", dur, NULL };

	snprintf(dur, sizeof(dur), "%.0f", secs * 1000);
	log_event(strcmp(result, "failed") == 0 ? LOG_WARNING : LOG_INFO, "refresh", fields);
}

/* "At once" means the next tick: an entry rescheduled at the tick's own time would come round
 * again in the same tick, for ever. */
static time_t
next_tick(time_t due, time_t now)
{
	return due > now ? due : now + 1;
}

/* What the refresh of one entry came to; -1 on a Redis error. */
static int
settle(const struct tick_env *env, struct item *it, struct fetch_job *job, time_t now,
       struct tick_result *res)
{
	const struct config *cfg = env->cfg;
	struct ocsp_request req;
	struct ocsp_response_info info;
	enum ocsp_verdict v = OCSP_V_INVALID;
	char why[300];
	time_t due;
	int rc;

	why[0] = '\0';
	memset(&info, 0, sizeof(info));
	if (ocsp_request_parse(it->e.req, it->e.req_len, &req) == -1) {
		snprintf(why, sizeof(why), "stored request does not parse");
	} else {
		if (!job->res.ok)
			snprintf(why, sizeof(why), "upstream: %.280s", job->res.err.msg);
		else if (job->res.http_status != 200)
			snprintf(why, sizeof(why), "upstream answered HTTP %ld", job->res.http_status);
		else
			v = ocsp_response_check(&req, job->res.body, job->res.len, now,
			                        cfg->clock_skew / 1000, env->trust, &info, why,
			                        sizeof(why));
	}
	/* req lives on for answer_store; a request that did not parse is zeroed, free to free. */

	if (v == OCSP_V_CACHEABLE) {
		/* Planned no sooner than the next tick (see next_tick). */
		struct answer a = { .certid = it->key, .req = &req, .resp = job->res.body,
		                    .resp_len = job->res.len, .info = &info, .url = it->e.url,
		                    .now = now, .earliest = now + 1 };

		rc = answer_store(env->store, cfg, &a);
		ocsp_request_free(&req);
		if (rc == -1)
			return -1;
		if (rc == 1) {
			res->refreshed++;
			store_stat_incr(env->store, "refreshes", 1);
			log_refresh(it->key, "refreshed", it->e.url, NULL, job->res.seconds);
			return 0;
		}
		/* A newer one is cached (another host was quicker): reschedule from it. */
		res->kept++;
		log_refresh(it->key, "kept", it->e.url, "the cache holds a newer response",
		            job->res.seconds);
		return 0;
	}
	ocsp_request_free(&req);
	due = next_tick(policy_next_due(cfg, it->e.fetched, it->e.this_update, it->e.next_update,
	                                it->e.failures + 1, now), now);
	if (store_fail(env->store, it->key, why, now, due) == -1)
		return -1;
	res->failed++;
	store_stat_incr(env->store, "refresh_failures", 1);
	log_refresh(it->key, "failed", it->e.url, why, job->res.seconds);
	return 0;
}

static void
release_all(const struct tick_env *env, struct item *items, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (items[i].leased)
			store_release(env->store, items[i].key, env->owner);
		entry_free(&items[i].e);
	}
}

/* One batch of due keys. Returns how many keys it left due (skipped), or -1. */
static int
run_batch(const struct tick_env *env, struct strlist *keys, time_t now, struct tick_result *res)
{
	const struct config *cfg = env->cfg;
	struct item *items = NULL;
	struct fetch_job *jobs = NULL;
	size_t i, n = 0;
	int rc = -1, left = 0, got;

	if ((items = calloc(keys->n, sizeof(*items))) == NULL ||
	    (jobs = calloc(keys->n, sizeof(*jobs))) == NULL)
		goto out;
	for (i = 0; i < keys->n; i++) {
		struct item *it = &items[n];

		it->key = keys->v[i];
		if ((got = store_lease(env->store, it->key, env->owner, cfg->lease_time)) == -1)
			goto out;
		if (got == 0) {
			res->skipped++;
			left++;
			continue;
		}
		it->leased = 1;
		n++;
		if ((got = store_get(env->store, it->key, &it->e)) == -1)
			goto out;
		if (got == 0 || policy_should_evict(cfg, it->e.last_hit, it->e.fetched,
		                                    it->e.next_update, now)) {
			/* Gone, malformed, unused or long expired: drop it and its schedule. */
			if (store_delete(env->store, it->key) == -1)
				goto out;
			res->evicted++;
			store_stat_incr(env->store, "evictions", 1);
			log_refresh(it->key, "evicted", it->e.url,
			            got == 0 ? "entry missing or malformed" : "unused or expired", 0);
			it->leased = 0;
			entry_free(&it->e);
			n--;
			continue;
		}
		jobs[n - 1].url = it->e.url != NULL ? it->e.url : "";
		jobs[n - 1].body = it->e.req;
		jobs[n - 1].len = it->e.req_len;
	}
	if (n > 0 && fetch_many(env->fetcher, jobs, n, cfg->concurrency,
	                        cfg->per_upstream_concurrency, env->stop) == -1) {
		log_msg(LOG_ERR, "refresh: libcurl failed");
		rc = left;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (!jobs[i].done)
			continue; /* stopped: the lease runs out and another tick takes it */
		if (settle(env, &items[i], &jobs[i], now, res) == -1)
			goto out;
	}
	rc = left;
out:
	for (i = 0; jobs != NULL && i < keys->n; i++)
		fetch_result_free(&jobs[i].res);
	if (items != NULL)
		release_all(env, items, n);
	free(items);
	free(jobs);
	return rc;
}

int
tick_run(const struct tick_env *env, time_t now, struct tick_result *res)
{
	struct strlist keys;
	size_t offset = 0;
	int left;

	memset(res, 0, sizeof(*res));
	while (!*env->stop) {
		memset(&keys, 0, sizeof(keys));
		if (store_due(env->store, now, offset + TICK_BATCH, &keys) == -1) {
			res->redis_down = 1;
			return -1;
		}
		/* Keys leased by another scheduler stay due: step over them. */
		if (keys.n <= offset) {
			strlist_free(&keys);
			break;
		}
		{
			struct strlist batch = { keys.v + offset, keys.n - offset };

			left = run_batch(env, &batch, now, res);
		}
		strlist_free(&keys);
		if (left == -1) {
			res->redis_down = 1;
			return -1;
		}
		offset += (size_t)left;
	}
	return 0;
}
