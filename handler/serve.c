/* serve: one connection through the pipeline: http -> decode -> ocsp -> route -> store -> fetch.
 * The order matters for speed: a cache hit stops after one Redis round trip and never reaches
 * the code that loads libcurl or the issuer store. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#include "answer.h"
#include "cached.h"
#include "clock.h"
#include "decode.h"
#include "health.h"
#include "http.h"
#include "issuers.h"
#include "log.h"
#include "ocsp.h"
#include "peer.h"
#include "respond.h"
#include "route.h"
#include "serve.h"
#include "upstream.h"
#include "url.h"
#include "verdict.h"

/* What became of the request, for the one log line it gets. */
struct outcome {
	const char *result;          /* hit miss coalesced stale passthrough relay error rejected */
	const char *reason;
	char why[256];               /* storage for reason when it is built */
	const char *upstream;
	int status;
};

/* Per request state that the steps share. */
struct exchange {
	struct handler *h;
	int out;
	time_t now;
	struct http_request req;
	struct ocsp_input input;
	struct ocsp_request oreq;
	int have_oreq;
	struct entry cached;
	enum { CACHE_UNKNOWN, CACHE_FOUND, CACHE_ABSENT, CACHE_DOWN } cache;
	char named[2048];            /* upstream named by the request */
	const char *upstream;
	char *stored_url;            /* the cached entry's responder, copied: a look in the cache
	                                while waiting (refreshed) frees cached */
	struct fetch_result fr;
	struct outcome o;
	char rid[REQUEST_ID_LEN + 1]; /* request id: log line and X-Request-Id */
	char client[80];             /* peer address, taken before the client can go away */
	long long t0;                /* clock_ms when the request began */
};

void
handler_init(struct handler *h, const struct config *cfg)
{
	memset(h, 0, sizeof(*h));
	h->cfg = cfg;
	if (!cfg->verify)
		log_msg(LOG_WARNING, "verify = no: upstream answers are cached and served without "
		        "checking their signatures; anyone on the path to a responder can forge them");
}

void
handler_cleanup(struct handler *h)
{
	if (h->store != NULL)
		store_free(h->store);
	if (h->fetcher != NULL)
		fetch_free(h->fetcher);
	issuers_free(h->issuers);
	memset(h, 0, sizeof(*h));
}

static struct store *
get_store(struct exchange *x)
{
	if (x->h->store == NULL)
		x->h->store = store_new(x->h->cfg);
	return x->h->store;
}

/* Counters are best effort: a Redis that is down already cost this request one timeout. A
 * request that never looked in the cache (not cacheable, or naming its upstream) still counts. */
static void
count(struct exchange *x, const char *name)
{
	if (x->cache != CACHE_DOWN && get_store(x) != NULL)
		store_stat_incr(x->h->store, name, 1);
}

static void
set_outcome(struct exchange *x, int status, const char *result, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
set_outcome(struct exchange *x, int status, const char *result, const char *fmt, ...)
{
	va_list ap;

	x->o.status = status;
	x->o.result = result;
	x->o.reason = NULL;
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(x->o.why, sizeof(x->o.why), fmt, ap);
		va_end(ap);
		x->o.reason = x->o.why;
	}
}

static int
send_plain(struct exchange *x, int status, const char *result, const char *why)
{
	set_outcome(x, status, result, "%s", why);
	return respond_error_id(x->out, status, x->rid, x->h->cfg->read_timeout);
}

/* An OCSP answer that must not be cached by anyone: errors, relays, pass-through. */
static int
send_uncached(struct exchange *x, const unsigned char *der, size_t len)
{
	struct reply r;

	memset(&r, 0, sizeof(r));
	r.status = 200;
	r.body = der;
	r.len = len;
	r.ocsp = 1;
	r.head = x->req.method == HTTP_HEAD;
	r.request_id = x->rid;
	return respond(x->out, &r, x->now, x->h->cfg->read_timeout);
}

static int
send_ocsp_error(struct exchange *x, enum ocsp_status status, const char *result, const char *why)
{
	const unsigned char *der;
	size_t len;

	set_outcome(x, 200, result, "%s", why);
	der = ocsp_error_response(status, &len);
	return send_uncached(x, der, len);
}

/* A cacheable response, with RFC 9919 caching headers. */
static int
send_cacheable(struct exchange *x, const unsigned char *der, size_t len, time_t this_update,
               time_t next_update, time_t due, const char *etag)
{
	struct reply r;

	memset(&r, 0, sizeof(r));
	r.status = respond_etag_matches(x->req.if_none_match, etag) ? 304 : 200;
	r.body = der;
	r.len = len;
	r.ocsp = 1;
	r.this_update = this_update;
	r.next_update = next_update;
	r.due = due;
	r.etag = etag;
	r.head = x->req.method == HTTP_HEAD;
	r.request_id = x->rid;
	x->o.status = r.status;
	return respond(x->out, &r, x->now, x->h->cfg->read_timeout);
}

/* A cached entry was found, passed cached_check, and is valid now. */
static int
have_fresh(const struct exchange *x)
{
	return x->cache == CACHE_FOUND &&
	    cached_fresh(x->h->cfg, x->cached.this_update, x->cached.next_update, x->now);
}

static int
send_cached(struct exchange *x, const char *result, const char *why)
{
	if (why == NULL)
		set_outcome(x, 200, result, NULL);
	else
		set_outcome(x, 200, result, "%s", why);
	return send_cacheable(x, x->cached.resp, x->cached.resp_len, x->cached.this_update,
	                      x->cached.next_update, x->cached.due, x->cached.etag);
}

/* An entry cached_check refused is treated as absent, and deleted, so the next good answer is
 * stored whatever the bad entry's fields say (a thisUpdate far ahead would otherwise keep it,
 * and every request a miss). */
static void
drop_unsound(struct exchange *x, const char *why)
{
	log_msg(LOG_WARNING, "cached entry %s ignored, treated as absent: %s", x->oreq.certid, why);
	store_stat_incr(x->h->store, "cache_rejected", 1);
	if (store_delete(x->h->store, x->oreq.certid) == -1)
		log_msg(LOG_WARNING, "could not delete the entry: %s", store_error(x->h->store));
	entry_free(&x->cached);
}

/* Reads the cached entry for a single-CertID request. A Redis failure is logged once and turns
 * the rest of the request into a plain pass-through. */
static void
lookup(struct exchange *x, int count_it)
{
	struct store *st;
	char why[128];
	int rc;

	if (x->oreq.n_ids != 1 || x->oreq.certid[0] == '\0' || x->cache != CACHE_UNKNOWN)
		return;
	if ((st = get_store(x)) == NULL) {
		x->cache = CACHE_DOWN;
		return;
	}
	rc = store_lookup(st, x->oreq.certid, x->now, count_it, &x->cached);
	if (rc == -1) {
		log_msg(LOG_WARNING, "redis unavailable, answering without the cache: %s",
		        store_error(st));
		x->cache = CACHE_DOWN;
	} else if (rc == 1 && cached_check(x->h->cfg, &x->oreq, &x->cached, why, sizeof(why)) == -1) {
		drop_unsound(x, why);
		x->cache = CACHE_ABSENT;
	} else {
		x->cache = rc == 1 ? CACHE_FOUND : CACHE_ABSENT;
	}
}

/* Stores a validated answer (a->etag and a->due are set whatever happens); the store keeps a
 * newer cached one itself. */
static void
cache_answer(struct exchange *x, struct answer *a)
{
	enum store_put_result put;

	if (x->cache == CACHE_DOWN || get_store(x) == NULL) {
		answer_prepare(x->h->cfg, a);
		x->o.reason = "not cached: redis unavailable";
		return;
	}
	/* A responder a client named becomes the entry's, refreshed for everyone, only when its
	 * answer was verified. */
	if (!x->h->cfg->verify && x->upstream == x->named) {
		answer_prepare(x->h->cfg, a);
		x->o.reason = "not cached: upstream named by the client and verify = no";
		return;
	}
	put = answer_store(x->h->store, x->h->cfg, a);
	switch (put) {
	case STORE_PUT_ERROR:
		log_msg(LOG_WARNING, "could not cache response: %s", store_error(x->h->store));
		x->o.reason = "not cached: redis error";
		break;
	case STORE_PUT_KEPT:
		x->o.reason = "not cached: the cache holds a newer response";
		break;
	case STORE_PUT_FULL:
		log_msg(LOG_WARNING, "cache full (max_entries = %d): %s not cached",
		        x->h->cfg->max_entries, x->oreq.certid);
		x->o.reason = "not cached: max_entries reached";
		break;
	case STORE_PUT_STORED:
		break;
	}
}

/* The upstream for this request, in the documented order. 0 found, -1 none allowed (the
 * client has had its refusal). */
static int
choose_upstream(struct exchange *x)
{
	const struct config *cfg = x->h->cfg;

	if (x->upstream == NULL) {
		lookup(x, 0);
		if (x->cache == CACHE_FOUND && x->cached.url != NULL && x->cached.url[0] != '\0') {
			if ((x->stored_url = strdup(x->cached.url)) == NULL) {
				send_plain(x, 503, "error", "out of memory");
				return -1;
			}
			x->upstream = x->stored_url;
		} else
			x->upstream = upstream_configured(cfg, &x->oreq, NULL);
	}
	if (x->upstream == NULL) {
		send_ocsp_error(x, OCSP_ST_UNAUTHORIZED, "rejected",
		                "no upstream responder known for this request");
		return -1;
	}
	x->o.upstream = x->upstream;
	if (!route_allowed(cfg, x->upstream)) {
		send_plain(x, 403, "rejected", "upstream host or port not in allow_upstream");
		return -1;
	}
	return 0;
}

/* An answer the cached one is not replaced by (answer_replaces, the store's rule: older, a
 * replay or a stale CDN edge, or a "good" as old as a cached "revoked") is not passed on while
 * the cached one is valid, nor ever over a cached "revoked" (a nonce request is not looked up
 * first). Against an expired cached answer it is passed on, and the store keeps the cached one. */
static int
loses_to_cached(struct exchange *x, const struct ocsp_response_info *info, char *why,
                size_t whylen)
{
	if (info->this_update == 0)
		return 0;
	lookup(x, 0);
	if (x->cache != CACHE_FOUND ||
	    answer_replaces(x->cached.this_update, x->cached.cert_status, info->this_update,
	                    info->cert_status))
		return 0;
	if (!have_fresh(x) && x->cached.cert_status != OCSP_CERT_REVOKED)
		return 0;
	snprintf(why, whylen, "an answer no newer than the cached one (a replay?)");
	return 1;
}

/* libcurl and the issuer store, loaded on the first miss. 0 ready, -1 not (the client has had
 * its tryLater). */
static int
fetch_ready(struct exchange *x)
{
	const struct config *cfg = x->h->cfg;
	struct err ferr;

	if (x->h->fetcher == NULL)
		ocsp_init_full();
	if (x->h->fetcher == NULL && (x->h->fetcher = fetch_new(cfg, &ferr)) == NULL) {
		log_msg(LOG_ERR, "cannot fetch upstream: %s", ferr.msg);
		send_ocsp_error(x, OCSP_ST_TRYLATER, "error", "libcurl unavailable");
		return -1;
	}
	/* A resident worker reads the store again once ocsp-proxyctl prefetch --issuer added. */
	if (issuers_refresh(&x->h->issuers, cfg, &ferr) == -1) {
		log_msg(LOG_ERR, "cannot load the issuer store: %s", ferr.msg);
		if (x->h->issuers == NULL) {
			send_ocsp_error(x, OCSP_ST_TRYLATER, "error", "issuer store unavailable");
			return -1;
		}
	}
	return 0;
}

/* Fetches from x->upstream into x->fr: answer_check's verdict, why when it is not CACHEABLE. */
static enum ocsp_verdict
ask_upstream(struct exchange *x, struct ocsp_response_info *info, char *why, size_t whylen)
{
	struct answer_rules rules = { .cfg = x->h->cfg, .issuers = x->h->issuers, .now = x->now };
	enum ocsp_verdict v = OCSP_V_INVALID;

	count(x, "fetches");
	if (fetch_post(x->h->fetcher, x->upstream, x->oreq.der, x->oreq.der_len, &x->fr) == -1)
		snprintf(why, whylen, "upstream: %.280s", x->fr.err.msg);
	else if (x->fr.http_status != 200)
		snprintf(why, whylen, "upstream answered HTTP %ld", x->fr.http_status);
	else
		v = answer_check(&rules, &x->oreq, x->fr.body, x->fr.len, info, why, whylen);
	if ((v == OCSP_V_CACHEABLE || v == OCSP_V_RELAY) && loses_to_cached(x, info, why, whylen))
		v = OCSP_V_INVALID;
	return v;
}

/* Upstream failed or was not asked: a fresh cached answer may stand in, to a nonce request too
 * unless nonce_missing = refuse. */
static int
fresh_instead(const struct exchange *x)
{
	const struct config *cfg = x->h->cfg;

	return have_fresh(x) && !(x->oreq.has_nonce && cfg->nonce_missing != NULL &&
	                          strcmp(cfg->nonce_missing, "refuse") == 0);
}

/* Upstream failed: a valid cached response is still the right answer, even to a nonce request
 * (RFC 9919 lets a responder answer from pre-produced responses) unless nonce_missing = refuse.
 * An answer that could not be verified is a failure too: never cached, never passed on. An
 * error status reaches the client as the fixed response for that status, not as the bytes
 * that came with it. */
static void
answer_failure(struct exchange *x, enum ocsp_verdict v, const struct ocsp_response_info *info,
               const char *why)
{
	if (v == OCSP_V_UNVERIFIED) {
		count(x, "unverified");
		log_msg(LOG_ERR, "upstream %s: answer for %s not verified, not used: %s",
		        x->upstream, x->oreq.certid[0] != '\0' ? x->oreq.certid : "-", why);
	} else {
		count(x, "upstream_errors");
		log_msg(LOG_WARNING, "upstream %s failed: %s", x->upstream, why);
	}
	lookup(x, 0);
	if (fresh_instead(x)) {
		count(x, "stale_served");
		send_cached(x, "stale", why);
		return;
	}
	if (v == OCSP_V_STATUS) {
		send_ocsp_error(x, (enum ocsp_status)info->status, "relay", why);
		return;
	}
	send_ocsp_error(x, OCSP_ST_TRYLATER, "error", why);
}

/* herd.c's look in the cache while a miss waits for another's fetch: 1 when it holds an
 * answer to serve now. */
static int
refreshed(void *arg)
{
	struct exchange *x = arg;

	entry_free(&x->cached);
	x->cache = CACHE_UNKNOWN;
	lookup(x, 0);
	return have_fresh(x);
}

/* Before asking upstream (herd.c): another request's fetch of the same certificate is waited
 * for, a backed-off upstream not asked. 1 when the client was answered without asking. */
static int
herd_gate(struct exchange *x, struct herd *hd)
{
	char why[400];

	memset(hd, 0, sizeof(*hd));
	hd->st = x->cache == CACHE_DOWN ? NULL : get_store(x);
	hd->cfg = x->h->cfg;
	hd->certid = x->oreq.cacheable && x->oreq.n_ids == 1 ? x->oreq.certid : NULL;
	hd->url = x->upstream;
	hd->deadline_ms = x->t0 + x->h->cfg->upstream_timeout;
	hd->given = &x->h->lease;
	switch (herd_begin(hd, refreshed, x, why, sizeof(why))) {
	case HERD_ASK:
		return 0;
	case HERD_READY:
		send_cached(x, "coalesced", NULL);
		return 1;
	case HERD_BACKED_OFF:
	case HERD_GAVE_UP:
		break;
	}
	lookup(x, 0);
	if (fresh_instead(x)) {
		count(x, "stale_served");
		send_cached(x, "stale", why);
	} else {
		send_ocsp_error(x, OCSP_ST_TRYLATER, "error", why);
	}
	return 1;
}

/* Whether what upstream did is the responder failing (herd.c backs it off, for every client of
 * every host): no answer, an HTTP status that is no answer to the request (5xx, 3xx), tryLater
 * or internalError. Never what a client's request can make it say: an HTTP 4xx,
 * malformedRequest or unauthorized, an answer that cannot be verified (a certificate of another
 * CA sent to it is answered "unknown", signed by its own delegate) or is not valid for this
 * request (a CertID left out, a nonce not echoed): one such request every upstream_backoff would
 * keep every miss off a good responder. A forger on the path is refused answer by answer; it
 * could drop the connection anyway. */
static int
upstream_failed(const struct exchange *x, enum ocsp_verdict v,
                const struct ocsp_response_info *info)
{
	if (!x->fr.ok)
		return 1;
	if (x->fr.http_status != 200)
		return x->fr.http_status < 400 || x->fr.http_status >= 500;
	return v == OCSP_V_STATUS &&
	    (info->status == OCSP_ST_TRYLATER || info->status == OCSP_ST_INTERNAL);
}

static void ask_and_answer(struct exchange *x, struct herd *hd);

/* Miss, stale, or not cacheable: ask upstream (once per CertID at a time, never a backed-off
 * one) and answer with what it says, or with the cache when it fails. */
static void
forward(struct exchange *x)
{
	struct herd hd;

	if (herd_gate(x, &hd))
		return;
	ask_and_answer(x, &hd);
}

static void
ask_and_answer(struct exchange *x, struct herd *hd)
{
	struct ocsp_response_info info;
	enum ocsp_verdict v;
	char why[300];

	why[0] = '\0';
	memset(&info, 0, sizeof(info));
	if (fetch_ready(x) == -1) {
		herd_end(hd, 0, NULL);
		return;
	}
	v = ask_upstream(x, &info, why, sizeof(why));
	if (v == OCSP_V_CACHEABLE) {
		struct answer a = { .certid = x->oreq.certid, .req = &x->oreq, .resp = x->fr.body,
		                    .resp_len = x->fr.len, .info = &info, .url = x->upstream,
		                    .now = x->now, .earliest = x->now };

		set_outcome(x, 200, "miss", NULL);
		cache_answer(x, &a);
		/* Stored: the waiters find it as soon as the lease is given back. */
		herd_end(hd, 0, NULL);
		send_cacheable(x, x->fr.body, x->fr.len, info.this_update, info.next_update, a.due,
		               a.etag);
		return;
	}
	herd_end(hd, upstream_failed(x, v, &info), why);
	/* A good answer, checked as a cacheable one, that is not to be cached: a request that is
	 * not cacheable (nonce, several CertIDs) is a passthrough; a cacheable one whose answer
	 * cannot be kept (no nextUpdate) is uncacheable. Both are answered as they came. */
	if (v == OCSP_V_RELAY) {
		if (x->oreq.cacheable) {
			set_outcome(x, 200, "uncacheable", "%s", why);
			count(x, "uncacheable");
		} else {
			set_outcome(x, 200, "passthrough", NULL);
			count(x, "passthrough");
		}
		send_uncached(x, x->fr.body, x->fr.len);
		return;
	}
	answer_failure(x, v, &info, why);
}

void
handler_log_request(const struct request_log *l)
{
	char status[16], dur[32], serial[CERTID_HEX_MAX + 1];
	const char *fields[24];
	int i = 0;

	snprintf(status, sizeof(status), "%d", l->status);
	snprintf(dur, sizeof(dur), "%lld", clock_ms() - l->t0);
	fields[i++] = "CERTID";
	fields[i++] = l->oreq != NULL && l->oreq->certid[0] != '\0' ? l->oreq->certid : l->certid;
	fields[i++] = "RESULT";
	fields[i++] = l->result;
	fields[i++] = "STATUS";
	fields[i++] = status;
	fields[i++] = "METHOD";
	fields[i++] = l->method;
	fields[i++] = "UPSTREAM";
	fields[i++] = l->upstream;
	fields[i++] = "DURATION_MS";
	fields[i++] = dur;
	fields[i++] = "REASON";
	fields[i++] = l->reason;
	fields[i++] = "CLIENT";
	fields[i++] = l->client != NULL && l->client[0] != '\0' ? l->client : NULL;
	fields[i++] = "REQUEST_ID";
	fields[i++] = l->rid;
	fields[i++] = "SERIAL";
	fields[i++] = l->oreq != NULL && ocsp_request_serial(l->oreq, serial, sizeof(serial)) == 0
	                  ? serial : l->serial;
	fields[i] = NULL;
	log_event(strcmp(l->result, "error") == 0 ? LOG_WARNING : LOG_INFO, "request", fields);
}

static void
log_request(const struct exchange *x, const char *method, long long t0)
{
	struct request_log l;

	memset(&l, 0, sizeof(l));
	l.oreq = x->have_oreq ? &x->oreq : NULL;
	l.result = x->o.result;
	l.status = x->o.status;
	l.method = method;
	l.upstream = x->o.upstream;
	l.reason = x->o.reason;
	l.client = x->client;
	l.rid = x->rid;
	l.t0 = t0;
	handler_log_request(&l);
}

/* The health answer (health.h): never cached, never counted. */
static void
send_health(struct exchange *x)
{
	char body[512];
	struct reply r;
	size_t n;

	memset(&r, 0, sizeof(r));
	r.status = health_check(get_store(x), x->h->cfg, x->now, body, sizeof(body));
	r.body = (const unsigned char *)body;
	r.len = strlen(body);
	r.head = x->req.method == HTTP_HEAD;
	r.request_id = x->rid;
	n = r.len > 0 && body[r.len - 1] == '\n' ? r.len - 1 : r.len;
	set_outcome(x, r.status, "health", "%.*s", (int)n, body);
	respond(x->out, &r, x->now, x->h->cfg->read_timeout);
}

const char *
handler_method_name(const struct http_request *req)
{
	switch (req->method) {
	case HTTP_GET: return "GET";
	case HTTP_POST: return "POST";
	case HTTP_HEAD: return "HEAD";
	default: return "other";
	}
}

int
handler_serve(struct handler *h, int in, int out)
{
	struct http_request req;
	long long t0 = clock_ms();
	char client[80];
	int rc;

	/* The peer's address before the client can go away. */
	peer_address(in, client, sizeof(client));
	rc = http_read_request(in, out, h->cfg, &req);
	return handler_serve_request(h, &req, rc, in, out, t0, client);
}

/* The pipeline for a request read (rc as http_read_request returned it, not -1): whichever way
 * it goes, the client is answered. */
static void
pipeline(struct exchange *x, int rc, int in)
{
	const struct config *cfg = x->h->cfg;
	enum decode_result dr;

	if (rc != 0) {
		send_plain(x, rc, "rejected", http_reason(rc));
		return;
	}
	if (health_wanted(&x->req)) {
		send_health(x);
		return;
	}
	dr = decode_request(&x->req, cfg->max_request_bytes, &x->input);
	if (dr == DECODE_BAD_TARGET) {
		send_plain(x, 400, "rejected", "bad request target");
		return;
	}
	if (dr == DECODE_NONE || ocsp_request_parse(x->input.der, x->input.len, &x->oreq) == -1) {
		send_ocsp_error(x, OCSP_ST_MALFORMED, "rejected", "not an OCSP request");
		return;
	}
	x->have_oreq = 1;

	/* A request that names its upstream is checked against allow_upstream before anything
	 * else, so a client cannot probe hosts through the cache either. */
	rc = route_from_request(cfg, &x->req, &x->input, in, x->named, sizeof(x->named));
	if (rc == -1) {
		send_plain(x, 400, "rejected", "bad Host header");
		return;
	}
	if (rc == 1) {
		x->upstream = x->named;
		if (choose_upstream(x) == -1)
			return;
	}

	if (x->oreq.cacheable) {
		lookup(x, 1);
		if (have_fresh(x)) {
			send_cached(x, "hit", NULL);
			return;
		}
	}
	if (choose_upstream(x) == -1)
		return;
	forward(x);
}

static void
exchange_free(struct exchange *x)
{
	fetch_result_free(&x->fr);
	entry_free(&x->cached);
	free(x->stored_url);
	if (x->have_oreq)
		ocsp_request_free(&x->oreq);
	ocsp_input_free(&x->input);
	http_request_free(&x->req);
	free(x);
}

int
handler_serve_request(struct handler *h, struct http_request *req, int rc, int in, int out,
                      long long t0, const char *client)
{
	struct exchange *x;
	int status;

	if ((x = calloc(1, sizeof(*x))) == NULL) {
		http_request_free(req);
		return 1; /* failed, as the exit status says it */
	}
	x->h = h;
	x->out = out;
	x->o.result = "rejected";
	peer_request_id(x->rid);
	snprintf(x->client, sizeof(x->client), "%s", client);
	x->req = *req;               /* taken over: freed with x */
	memset(req, 0, sizeof(*req));
	x->now = time(NULL);
	x->t0 = t0;
	if (rc == -1) {              /* the client sent nothing: nothing to answer or log */
		exchange_free(x);
		return 1;
	}
	pipeline(x, rc, in);
	status = strcmp(x->o.result, "rejected") == 0 || strcmp(x->o.result, "error") == 0;
	/* The client has all it will get: let it go before the bookkeeping below. */
	shutdown(out, SHUT_WR);
	log_request(x, handler_method_name(&x->req), t0);
	/* A lease taken for this request by a resident worker, given back whatever became of it. */
	if (h->lease.owner[0] != '\0' && get_store(x) != NULL)
		store_release(h->store, h->lease.certid, h->lease.owner);
	if (x->h->store != NULL && store_flush(x->h->store) == -1)
		log_msg(LOG_WARNING, "could not record the hit on the primary: %s",
		        store_error(x->h->store));
	exchange_free(x);
	return status;
}
