/* tick: one pass of the scheduler: every due entry refreshed at most once, in parallel, under a
 * lease, within a time budget. Work is found through the schedule index, so a tick costs what is
 * due, not the cache size. Each refresh is written as its fetch completes, so a tick cut short
 * (budget, SIGTERM, a kill) loses only the fetches still in flight. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "bounds.h"
#include "clock.h"
#include "log.h"
#include "ocsp.h"
#include "policy.h"
#include "tick.h"
#include "verdict.h"

struct item {
	char *certid;
	struct entry e;
	int leased;
};

/* One batch in flight: what the fetch hooks need. */
struct batch {
	const struct tick_env *env;
	struct item *items;
	time_t now;
	long long deadline_ms;
	struct tick_result *res;
	int redis_failed;
	int over_budget;
};

static void
log_refresh(const char *certid, const char *result, const char *url, const char *why, double secs)
{
	char dur[32];
	const char *fields[] = { "CERTID", certid, "RESULT", result, "UPSTREAM", url, "REASON", why,
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

/* What the upstream's answer to it is: CACHEABLE with info and req (parsed from the stored
 * request, the caller frees it), or why not. */
static enum ocsp_verdict
judge(const struct tick_env *env, const struct item *it, const struct fetch_job *job, time_t now,
      struct ocsp_request *req, struct ocsp_response_info *info, char *why, size_t whylen)
{
	struct answer_rules rules = { .cfg = env->cfg, .issuers = env->issuers, .now = now };

	memset(info, 0, sizeof(*info));
	if (ocsp_request_parse(it->e.req, it->e.req_len, req) == -1) {
		snprintf(why, whylen, "stored request does not parse");
		return OCSP_V_INVALID;
	}
	if (!job->res.ok) {
		snprintf(why, whylen, "upstream: %.280s", job->res.err.msg);
		return OCSP_V_INVALID;
	}
	if (job->res.http_status != 200) {
		snprintf(why, whylen, "upstream answered HTTP %ld", job->res.http_status);
		return OCSP_V_INVALID;
	}
	/* The handler's verdict, signature included: a forged answer is a failed refresh and
	 * leaves the cached response as it was. */
	return answer_check(&rules, req, job->res.body, job->res.len, info, why, whylen);
}

/* Stores a cacheable answer; when the cache holds a newer one, reschedules the entry from the
 * cached response as if just confirmed, so an older answer (a replay, a stale CDN edge) costs
 * one fetch, not one per loop. -1 on a Redis error. */
static int
store_answer(const struct tick_env *env, struct item *it, const struct fetch_job *job,
             const struct ocsp_request *req, const struct ocsp_response_info *info, time_t now,
             struct tick_result *res)
{
	const struct config *cfg = env->cfg;
	/* Planned no sooner than the next tick (see next_tick). */
	struct answer a = { .certid = it->certid, .req = req, .resp = job->res.body,
	                    .resp_len = job->res.len, .info = info, .url = it->e.url,
	                    .now = now, .earliest = now + 1 };
	enum store_put_result put;
	time_t due;

	if ((put = answer_store(env->store, cfg, &a)) == STORE_PUT_ERROR)
		return -1;
	/* Still unknown: ask less often each time (policy_unknown_due). */
	if (put == STORE_PUT_STORED && info->cert_status == OCSP_CERT_UNKNOWN &&
	    it->e.cert_status == OCSP_CERT_UNKNOWN && it->e.due > it->e.fetched) {
		due = next_tick(policy_unknown_due(cfg, (long long)(it->e.due - it->e.fetched), now,
		                                   info->this_update, info->next_update, now), now);
		if (due > a.due && store_reschedule(env->store, it->certid, due) == -1)
			return -1;
	}
	if (put == STORE_PUT_STORED) {
		res->refreshed++;
		store_stat_incr(env->store, "refreshes", 1);
		log_refresh(it->certid, "refreshed", it->e.url, NULL, job->res.seconds);
		return 0;
	}
	/* Not stapled here: staple.c moves an entry with a staple file earlier when it must be. */
	due = next_tick(policy_next_due(cfg, now, it->e.this_update, it->e.next_update,
	                                it->e.cert_status, 0, 0, now), now);
	if (store_reschedule(env->store, it->certid, due) == -1)
		return -1;
	res->kept++;
	store_stat_incr(env->store, "refresh_kept", 1);
	log_refresh(it->certid, "kept", it->e.url, "the cache holds a newer response", job->res.seconds);
	return 0;
}

/* What the refresh of one entry came to; -1 on a Redis error. */
static int
settle(const struct tick_env *env, struct item *it, const struct fetch_job *job, time_t now,
       struct tick_result *res)
{
	struct ocsp_response_info info;
	struct ocsp_request req;
	char why[300];
	time_t due;
	int rc;

	why[0] = '\0';
	memset(&req, 0, sizeof(req));
	if (judge(env, it, job, now, &req, &info, why, sizeof(why)) == OCSP_V_CACHEABLE) {
		rc = store_answer(env, it, job, &req, &info, now, res);
		ocsp_request_free(&req);
		return rc;
	}
	ocsp_request_free(&req);
	due = next_tick(policy_next_due(env->cfg, it->e.fetched, it->e.this_update,
	                                it->e.next_update, it->e.cert_status, it->e.failures + 1,
	                                0, now), now);
	if (store_fail(env->store, it->certid, why, now, due) == -1)
		return -1;
	res->failed++;
	store_stat_incr(env->store, "refresh_failures", 1);
	log_refresh(it->certid, "failed", it->e.url, why, job->res.seconds);
	return 0;
}

static void
release(const struct tick_env *env, struct item *it)
{
	if (it->leased)
		store_release(env->store, it->certid, env->owner);
	it->leased = 0;
	entry_free(&it->e);
}

/* fetch_many's done hook: the result is written, the lease given back, the memory freed. */
static int
on_fetched(struct fetch_job *job, size_t index, void *arg)
{
	struct batch *b = arg;
	struct item *it = &b->items[index];

	if (settle(b->env, it, job, b->now, b->res) == -1)
		b->redis_failed = 1;
	release(b->env, it);
	fetch_result_free(&job->res);
	return b->redis_failed;
}

/* fetch_many's poll hook, and the check between Redis calls: 1 once the budget is spent. */
static int
on_poll(void *arg)
{
	struct batch *b = arg;

	if (b->env->keepalive != NULL)
		b->env->keepalive(b->env->keepalive_arg);
	if (clock_ms() >= b->deadline_ms)
		b->over_budget = 1;
	return b->over_budget;
}

/* What a refresh sends is built from the entry's CertID, not taken from the stored
 * request: a request for another CertID (written by anyone who can write to Redis) would store
 * that certificate's answer under this one's name. A certid that is no CertID (made up: benches
 * and tests copy one entry under many) keeps its stored request, rebuilt: no client can ask for
 * such a one. */
static void
rebuild_request(const char *certid, struct entry *e)
{
	struct ocsp_request req;
	unsigned char *der;

	if (ocsp_request_for_certid(certid, &req) == -1 &&
	    ocsp_request_parse(e->req, e->req_len, &req) == -1)
		return;
	if ((der = malloc(req.der_len)) != NULL) {
		memcpy(der, req.der, req.der_len);
		free(e->req);
		e->req = der;
		e->req_len = req.der_len;
	}
	ocsp_request_free(&req);
}

/* Leases and reads the entry certid into it. 1 to fetch, 0 skipped or evicted, -1 Redis error. */
static int
prepare(struct batch *b, struct item *it, char *certid)
{
	const struct tick_env *env = b->env;
	int got;

	it->certid = certid;
	if ((got = store_lease(env->store, certid, env->owner, env->cfg->lease_time)) != 1) {
		b->res->skipped += got == 0;
		return got;
	}
	it->leased = 1;
	if ((got = store_get(env->store, certid, &it->e)) == -1)
		return -1;
	if (got == 1 && !policy_should_evict(env->cfg, it->e.last_hit, it->e.fetched,
	                                     it->e.next_update, b->now)) {
		rebuild_request(certid, &it->e);
		return 1;
	}
	/* Gone, malformed, unused or long expired: drop it and its schedule. */
	if (store_delete(env->store, certid) == -1)
		return -1;
	b->res->evicted++;
	store_stat_incr(env->store, "evictions", 1);
	log_refresh(certid, "evicted", it->e.url,
	            got == 0 ? "entry missing or malformed" : "unused or expired", 0);
	it->leased = 0;
	entry_free(&it->e);
	return 0;
}

/* One batch of due CertIDs. Returns how many it left due (skipped), or -1. */
static int
run_batch(struct batch *b, struct strlist *certids)
{
	const struct config *cfg = b->env->cfg;
	struct fetch_hooks hooks = { on_fetched, on_poll, b };
	struct fetch_job *jobs = NULL;
	size_t i, n = 0, skipped0 = (size_t)b->res->skipped;
	int rc = -1, got;

	if ((b->items = calloc(certids->n, sizeof(*b->items))) == NULL ||
	    (jobs = calloc(certids->n, sizeof(*jobs))) == NULL)
		goto out;
	for (i = 0; i < certids->n && !on_poll(b); i++) {
		struct item *it = &b->items[n];

		if ((got = prepare(b, it, certids->v[i])) == -1) {
			n++; /* its lease is given back below */
			goto out;
		}
		if (got == 0)
			continue;
		jobs[n].url = it->e.url != NULL ? it->e.url : "";
		jobs[n].body = it->e.req;
		jobs[n].len = it->e.req_len;
		n++;
	}
	if (b->over_budget)
		b->res->unfinished += (int)(certids->n - i);
	if (n > 0 && fetch_many(b->env->fetcher, jobs, n, cfg->concurrency,
	                        cfg->per_upstream_concurrency, b->env->stop, &hooks) == -1)
		log_msg(LOG_ERR, "refresh: libcurl failed");
	rc = b->redis_failed ? -1 : (int)((size_t)b->res->skipped - skipped0);
	/* Asked but unanswered when the budget ran out: a failure like a timeout, so the entry
	 * moves on and a responder that never answers cannot hold the same entries for ever. */
	for (i = 0; rc >= 0 && b->over_budget && i < n; i++) {
		if (!b->items[i].leased || !jobs[i].started || jobs[i].done)
			continue;
		err_set(&jobs[i].res.err, ERR_IO, "no answer within tick_budget");
		jobs[i].res.ok = 0;
		if (on_fetched(&jobs[i], i, b) != 0)
			rc = -1;
	}
out:
	for (i = 0; i < n; i++) {
		/* Not settled (not started, stop, error): the entry stays due for the next tick. */
		if (b->items[i].leased)
			b->res->unfinished++;
		release(b->env, &b->items[i]);
		fetch_result_free(&jobs[i].res);
	}
	free(b->items);
	b->items = NULL;
	free(jobs);
	return rc;
}

/* Logs and counts schedule members that could name no entry (store_due removed them). */
static void
report_dropped(const struct tick_env *env, struct strlist *dropped)
{
	size_t i;

	for (i = 0; i < dropped->n; i++)
		log_msg(LOG_WARNING, "refresh: dropped an invalid schedule member %s", dropped->v[i]);
	if (dropped->n > 0)
		store_stat_incr(env->store, "invalid_due", (long long)dropped->n);
	strlist_free(dropped);
}

int
tick_run(const struct tick_env *env, time_t now, struct tick_result *res)
{
	struct strlist certids, dropped;
	struct batch b;
	size_t offset = 0;
	int left;

	memset(res, 0, sizeof(*res));
	memset(&b, 0, sizeof(b));
	b.env = env;
	b.now = now;
	b.res = res;
	b.deadline_ms = clock_ms() + env->cfg->tick_budget;
	while (!*env->stop && !on_poll(&b)) {
		memset(&certids, 0, sizeof(certids));
		memset(&dropped, 0, sizeof(dropped));
		if (store_due(env->store, now, offset + TICK_BATCH, &certids, &dropped) == -1) {
			strlist_free(&certids);
			strlist_free(&dropped);
			res->redis_down = 1;
			return -1;
		}
		report_dropped(env, &dropped);
		/* Keys leased by another scheduler stay due: step over them. */
		if (certids.n <= offset) {
			strlist_free(&certids);
			break;
		}
		{
			struct strlist batch = { certids.v + offset, certids.n - offset };

			left = run_batch(&b, &batch);
		}
		strlist_free(&certids);
		if (left == -1) {
			res->redis_down = 1;
			return -1;
		}
		offset += (size_t)left;
	}
	return 0;
}
