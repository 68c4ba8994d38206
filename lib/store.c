/* store: the only code that knows Redis keys and commands (hiredis). Layout in store.h.
 * Every write that must be atomic (replace only if newer, fail only if present) is one Lua
 * script, so two handlers and a scheduler racing on one entry cannot interleave. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include "clock.h"
#include "redis.h"
#include "store.h"

/* Room for "{prefix}:lease:" and the longest CertID hex. */
enum { KEYLEN = 700 };

enum { PRIMARY, REPLICA };

struct store {
	const struct config *cfg;
	redisContext *c[2];          /* the primary (every write); the read server (redis.h) */
	/* A hit served by a replica is recorded on the primary later, by store_flush, so the
	 * client has its answer before this host talks to a primary that may be far or gone. */
	char pend_key[KEYLEN];       /* the entry's key */
	const char *pend_stat;       /* counter to bump, NULL when nothing is pending */
	time_t pend_now;
	/* When recording last failed: a resident worker must not wait redis_timeout after every
	 * hit while the primary is gone, so for a second after a failure hits go unrecorded. */
	long long flush_failed_ms;
	char err[256];
};

/* KEYS: entry due stats; ARGV: now certid. One round trip for the hit path. A malformed
 * number counts as 0 rather than raising: the C side then treats the entry as absent. */
static const char lookup_lua[] =
    "local v = redis.call('HMGET', KEYS[1], 'resp', 'this', 'next', 'etag', 'url', 'fetched',"
    " 'status')\n"
    "if not v[1] then redis.call('HINCRBY', KEYS[3], 'misses', 1) return v end\n"
    "redis.call('HSET', KEYS[1], 'hit', ARGV[1])\n"
    "if (tonumber(v[3]) or 0) > tonumber(ARGV[1]) then redis.call('HINCRBY', KEYS[3], 'hits', 1)\n"
    "else redis.call('HINCRBY', KEYS[3], 'stale_lookups', 1) end\n"
    "v[8] = redis.call('ZSCORE', KEYS[2], ARGV[2])\n"
    "return v\n";

/* KEYS: entry stats; ARGV: now counter. A hit read from the replica, recorded on the primary. */
static const char touch_lua[] =
    "if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'hit', ARGV[1]) end\n"
    "redis.call('HINCRBY', KEYS[2], ARGV[2], 1)\n"
    "return 0\n";

/* KEYS: entry due failing; ARGV: certid resp req url etag status this next fetched due.
 * An unreadable stored thisUpdate loses to any good answer. */
static const char put_lua[] =
    "local old = tonumber(redis.call('HGET', KEYS[1], 'this')) or -1\n"
    "if old > tonumber(ARGV[7]) then return 0 end\n"
    "local hit = redis.call('HGET', KEYS[1], 'hit') or ARGV[9]\n"
    "redis.call('HSET', KEYS[1], 'resp', ARGV[2], 'req', ARGV[3], 'url', ARGV[4], 'etag', ARGV[5],"
    " 'status', ARGV[6], 'this', ARGV[7], 'next', ARGV[8], 'fetched', ARGV[9], 'hit', hit,"
    " 'fail', 0, 'err', '', 'failat', 0)\n"
    "redis.call('ZADD', KEYS[2], ARGV[10], ARGV[1])\n"
    "redis.call('SREM', KEYS[3], ARGV[1])\n"
    "return 1\n";

/* KEYS: entry due failing; ARGV: certid err now due */
static const char fail_lua[] =
    "if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end\n"
    "redis.call('HINCRBY', KEYS[1], 'fail', 1)\n"
    "redis.call('HSET', KEYS[1], 'err', ARGV[2], 'failat', ARGV[3])\n"
    "redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])\n"
    "redis.call('SADD', KEYS[3], ARGV[1])\n"
    "return 1\n";

/* KEYS: schedulers; ARGV: owner now summary oldest. Drops schedulers long silent (restarted
 * ones leave their old host:pid behind). */
static const char report_lua[] =
    "redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ' ' .. ARGV[3])\n"
    "local all = redis.call('HGETALL', KEYS[1])\n"
    "for i = 1, #all, 2 do\n"
    "  if (tonumber(string.match(all[i + 1], '^%d+')) or 0) < tonumber(ARGV[4]) then\n"
    "    redis.call('HDEL', KEYS[1], all[i]) end\n"
    "end\n"
    "return 0\n";

/* KEYS: lease; ARGV: owner */
static const char release_lua[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end\n"
    "return 0\n";

void
entry_free(struct entry *e)
{
	free(e->resp);
	free(e->req);
	free(e->url);
	free(e->err);
	memset(e, 0, sizeof(*e));
}

struct store *
store_new(const struct config *cfg)
{
	struct store *st = calloc(1, sizeof(*st));

	if (st != NULL)
		st->cfg = cfg;
	return st;
}

static void
disconnect(struct store *st, int which)
{
	if (st->c[which] != NULL)
		redisFree(st->c[which]);
	st->c[which] = NULL;
}

void
store_free(struct store *st)
{
	if (st == NULL)
		return;
	disconnect(st, PRIMARY);
	disconnect(st, REPLICA);
	free(st);
}

const char *
store_error(const struct store *st)
{
	return st->err[0] != '\0' ? st->err : "no error";
}

static void
set_err(struct store *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
set_err(struct store *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->err, sizeof(st->err), fmt, ap);
	va_end(ap);
}

/* Opens the primary (which == PRIMARY) or the read server on first use. */
static int
conn(struct store *st, int which)
{
	if (st->c[which] != NULL)
		return 0;
	if (st->cfg->redis == NULL || st->cfg->key_prefix == NULL) {
		set_err(st, "no redis URL or key prefix configured");
		return -1;
	}
	st->c[which] = redis_connect(st->cfg, which == PRIMARY ? REDIS_PRIMARY : REDIS_READ, st->err,
	                             sizeof(st->err));
	return st->c[which] != NULL ? 0 : -1;
}

/* Runs one command; a transport error drops the connection so the next call reconnects, an
 * error reply (OOM, READONLY, NOSCRIPT...) is an error too. NULL on error. */
static redisReply *
command(struct store *st, const char *fmt, ...)
{
	redisReply *r;
	va_list ap;

	if (conn(st, PRIMARY) == -1)
		return NULL;
	va_start(ap, fmt);
	r = redisvCommand(st->c[PRIMARY], fmt, ap);
	va_end(ap);
	if (r == NULL) {
		set_err(st, "redis: %s", st->c[PRIMARY]->errstr[0] ? st->c[PRIMARY]->errstr
		                                                  : "connection lost");
		disconnect(st, PRIMARY);
		return NULL;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		set_err(st, "redis: %s", r->str);
		/* A primary demoted by a failover: ask the Sentinels again on the next call. */
		if (st->cfg->redis_sentinel.n > 0 && strncmp(r->str, "READONLY", 8) == 0)
			disconnect(st, PRIMARY);
		freeReplyObject(r);
		return NULL;
	}
	return r;
}

/* Key names, in one place: {P}:e:<hex>, {P}:due, {P}:lease:<hex>, {P}:stats, {P}:failing,
 * {P}:schedulers.
 * A name that does not fit is an error: a truncated key would name some other entry. */
static int
key(struct store *st, char *out, size_t len, const char *kind, const char *certid)
{
	int n;

	if (st->cfg->key_prefix == NULL) {
		set_err(st, "no key prefix configured");
		return -1;
	}
	if (certid != NULL)
		n = snprintf(out, len, "{%s}:%s:%s", st->cfg->key_prefix, kind, certid);
	else
		n = snprintf(out, len, "{%s}:%s", st->cfg->key_prefix, kind);
	if (n < 0 || (size_t)n >= len) {
		set_err(st, "key too long");
		return -1;
	}
	return 0;
}


/* The keys of one entry and the shared ones its scripts touch. */
struct keys {
	char e[KEYLEN], due[KEYLEN], failing[KEYLEN], stats[KEYLEN], lease[KEYLEN];
};

static int
entry_keys(struct store *st, const char *certid, struct keys *k)
{
	if (key(st, k->e, sizeof(k->e), "e", certid) == -1 ||
	    key(st, k->due, sizeof(k->due), "due", NULL) == -1 ||
	    key(st, k->failing, sizeof(k->failing), "failing", NULL) == -1 ||
	    key(st, k->stats, sizeof(k->stats), "stats", NULL) == -1 ||
	    key(st, k->lease, sizeof(k->lease), "lease", certid) == -1)
		return -1;
	return 0;
}

static int
parse_ll(const redisReply *r, long long *out)
{
	char *end;

	if (r == NULL || r->type != REDIS_REPLY_STRING || r->len == 0 || r->len > 20)
		return -1;
	if (r->str[0] != '-' && (r->str[0] < '0' || r->str[0] > '9'))
		return -1;
	errno = 0;
	*out = strtoll(r->str, &end, 10);
	return errno != 0 || end != r->str + r->len ? -1 : 0;
}

static int
parse_score(const redisReply *r, long long *out)
{
	char *end;
	double d;

	if (r == NULL || r->type != REDIS_REPLY_STRING)
		return -1;
	d = strtod(r->str, &end);
	/* Written this way round so NaN fails too. */
	if (end == r->str || *end != '\0' || !(d >= 0 && d <= 1e15))
		return -1;
	*out = (long long)d;
	return 0;
}

static int
dup_bytes(const redisReply *r, unsigned char **out, size_t *len)
{
	if (r == NULL || r->type != REDIS_REPLY_STRING || r->len == 0)
		return -1;
	if ((*out = malloc(r->len)) == NULL)
		return -1;
	memcpy(*out, r->str, r->len);
	*len = r->len;
	return 0;
}

static char *
dup_str(const redisReply *r)
{
	if (r == NULL || r->type != REDIS_REPLY_STRING)
		return NULL;
	return strndup(r->str, r->len);
}

static int
int_reply(struct store *st, redisReply *r)
{
	long long v;

	if (r == NULL)
		return -1;
	v = r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
	if (r->type != REDIS_REPLY_INTEGER)
		set_err(st, "redis: unexpected reply");
	freeReplyObject(r);
	return (int)v;
}

/* Entry fields, in the order reads ask for them. */
enum field { F_RESP, F_THIS, F_NEXT, F_ETAG, F_URL, F_FETCHED, F_STATUS,
             F_REQ, F_HIT, F_FAIL, F_ERR, F_FAILAT, F_ALL };
#define HIT_FIELDS "resp this next etag url fetched status"
#define ALL_FIELDS HIT_FIELDS " req hit fail err failat"
enum { HIT_NFIELDS = F_REQ };

/* Fills out from the n values of an HMGET of the fields above (the first n of them) and the
 * entry's ZSCORE in the schedule. 1 when the entry is whole, 0 when it is absent or malformed:
 * a malformed entry is a miss, replaced by the next good answer. */
static int
parse_entry(redisReply **e, size_t n, const redisReply *due, struct entry *out)
{
	long long v;

	if (dup_bytes(e[F_RESP], &out->resp, &out->resp_len) == -1 || parse_ll(e[F_THIS], &v) == -1)
		goto absent;
	out->this_update = (time_t)v;
	if (parse_ll(e[F_NEXT], &v) == -1)
		goto absent;
	out->next_update = (time_t)v;
	if (e[F_ETAG]->type == REDIS_REPLY_STRING && e[F_ETAG]->len < sizeof(out->etag))
		memcpy(out->etag, e[F_ETAG]->str, e[F_ETAG]->len);
	out->url = dup_str(e[F_URL]);
	out->fetched = parse_ll(e[F_FETCHED], &v) == 0 ? (time_t)v : 0;
	out->cert_status = parse_ll(e[F_STATUS], &v) == 0 ? (int)v : -1;
	if (parse_score(due, &v) == 0)
		out->due = (time_t)v;
	if (n < F_ALL)
		return 1;
	if (dup_bytes(e[F_REQ], &out->req, &out->req_len) == -1)
		goto absent;
	out->last_hit = parse_ll(e[F_HIT], &v) == 0 ? (time_t)v : 0;
	out->failures = parse_ll(e[F_FAIL], &v) == 0 ? (int)v : 0;
	if (e[F_ERR]->type == REDIS_REPLY_STRING && e[F_ERR]->len > 0)
		out->err = dup_str(e[F_ERR]);
	out->fail_at = parse_ll(e[F_FAILAT], &v) == 0 ? (time_t)v : 0;
	return 1;
absent:
	entry_free(out);
	return 0;
}

/* HMGET of the first n fields and ZSCORE, pipelined in one round trip, on the primary or the
 * replica. 1 found, 0 absent, -1 error (a lost connection is dropped; an error reply such as
 * LOADING keeps it). */
static int
read_entry(struct store *st, int which, const struct keys *k, const char *certid, size_t n,
           struct entry *out)
{
	redisContext *c;
	redisReply *r[2] = { NULL, NULL };
	int i, rc = -1;

	if (conn(st, which) == -1)
		return -1;
	c = st->c[which];
	/* The names go in the format itself: hiredis splits it on spaces, not a %s argument. */
	if (n == F_ALL)
		redisAppendCommand(c, "HMGET %s " ALL_FIELDS, k->e);
	else
		redisAppendCommand(c, "HMGET %s " HIT_FIELDS, k->e);
	redisAppendCommand(c, "ZSCORE %s %s", k->due, certid);
	for (i = 0; i < 2; i++)
		if (redisGetReply(c, (void **)&r[i]) != REDIS_OK || r[i] == NULL) {
			set_err(st, "redis: %s", c->errstr[0] ? c->errstr : "connection lost");
			disconnect(st, which);
			goto out;
		}
	for (i = 0; i < 2; i++)
		if (r[i]->type == REDIS_REPLY_ERROR) {
			set_err(st, "redis: %s", r[i]->str);
			goto out;
		}
	if (r[0]->type != REDIS_REPLY_ARRAY || r[0]->elements != n) {
		set_err(st, "redis: unexpected reply to HMGET");
		goto out;
	}
	rc = parse_entry(r[0]->element, n, r[1], out);
out:
	for (i = 0; i < 2; i++)
		if (r[i] != NULL)
			freeReplyObject(r[i]);
	return rc;
}

/* The hit path on the primary: the Lua lookup that records the hit, or a plain read. */
static int
primary_lookup(struct store *st, const struct keys *k, const char *certid, time_t now, int count,
               struct entry *out)
{
	char nows[24];
	redisReply *r;
	int rc;

	if (!count)
		return read_entry(st, PRIMARY, k, certid, HIT_NFIELDS, out);
	snprintf(nows, sizeof(nows), "%lld", (long long)now);
	r = command(st, "EVAL %s 3 %s %s %s %s %s", lookup_lua, k->e, k->due, k->stats, nows, certid);
	if (r == NULL) {
		/* A Redis that refuses writes (full under noeviction, or a read-only replica) can
		 * still serve the hit: read without recording it. */
		if (strstr(st->err, "OOM") != NULL || strstr(st->err, "READONLY") != NULL)
			return read_entry(st, PRIMARY, k, certid, HIT_NFIELDS, out);
		return -1;
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements < HIT_NFIELDS) {
		set_err(st, "redis: unexpected reply to lookup");
		rc = -1;
	} else {
		rc = parse_entry(r->element, HIT_NFIELDS,
		                 r->elements > HIT_NFIELDS ? r->element[HIT_NFIELDS] : NULL, out);
	}
	freeReplyObject(r);
	return rc;
}

int
store_lookup(struct store *st, const char *certid, time_t now, int count, struct entry *out)
{
	const struct config *cfg = st->cfg;
	char primary_err[sizeof(st->err)];
	struct keys k;
	int rc;

	memset(out, 0, sizeof(*out));
	st->pend_stat = NULL;
	if (entry_keys(st, certid, &k) == -1)
		return -1;
	/* The local replica first; the primary when it is down or lacks the entry (replication
	 * lags, and a miss costs a fetch). */
	if (cfg->redis_read != NULL && read_entry(st, REPLICA, &k, certid, HIT_NFIELDS, out) == 1)
		goto replica_hit;
	rc = primary_lookup(st, &k, certid, now, count, out);
	/* No local replica, the primary unreachable (a failover under way): a replica the
	 * Sentinels know still holds the hits. */
	if (rc == -1 && cfg->redis_read == NULL && cfg->redis_sentinel.n > 0) {
		memcpy(primary_err, st->err, sizeof(primary_err));
		if (read_entry(st, REPLICA, &k, certid, HIT_NFIELDS, out) == 1)
			goto replica_hit;
		memcpy(st->err, primary_err, sizeof(st->err));
	}
	return rc;
replica_hit:
	if (count) {
		memcpy(st->pend_key, k.e, sizeof(st->pend_key));
		st->pend_stat = out->next_update > now ? "hits" : "stale_lookups";
		st->pend_now = now;
	}
	return 1;
}

int
store_flush(struct store *st)
{
	char ks[KEYLEN], nows[24];
	const char *stat = st->pend_stat;
	int rc;

	if (stat == NULL)
		return 0;
	st->pend_stat = NULL;
	if (st->flush_failed_ms != 0 && clock_ms() - st->flush_failed_ms < 1000) {
		set_err(st, "primary unreachable a moment ago, hit not recorded");
		return -1;
	}
	if (key(st, ks, sizeof(ks), "stats", NULL) == -1)
		return -1;
	snprintf(nows, sizeof(nows), "%lld", (long long)st->pend_now);
	/* The hit time only on an entry that still exists: never a half entry. */
	rc = int_reply(st, command(st, "EVAL %s 2 %s %s %s %s", touch_lua, st->pend_key, ks, nows,
	                           stat)) < 0 ? -1 : 0;
	st->flush_failed_ms = rc == -1 ? clock_ms() : 0;
	return rc;
}

int
store_get(struct store *st, const char *certid, struct entry *out)
{
	struct keys k;

	memset(out, 0, sizeof(*out));
	if (entry_keys(st, certid, &k) == -1)
		return -1;
	return read_entry(st, PRIMARY, &k, certid, F_ALL, out);
}

int
store_put(struct store *st, const char *certid, const struct entry *e, time_t due)
{
	char status[16], th[24], nx[24], fe[24], du[24];
	struct keys k;
	const unsigned char *req = e->req != NULL ? e->req : (const unsigned char *)"";

	/* Without a response the entry would read as absent forever: refuse it here. */
	if (e->resp == NULL || e->resp_len == 0) {
		set_err(st, "store_put: empty response");
		return -1;
	}
	if (entry_keys(st, certid, &k) == -1)
		return -1;
	snprintf(status, sizeof(status), "%d", e->cert_status);
	snprintf(th, sizeof(th), "%lld", (long long)e->this_update);
	snprintf(nx, sizeof(nx), "%lld", (long long)e->next_update);
	snprintf(fe, sizeof(fe), "%lld", (long long)e->fetched);
	snprintf(du, sizeof(du), "%lld", (long long)due);
	return int_reply(st, command(st, "EVAL %s 3 %s %s %s %s %b %b %s %s %s %s %s %s %s", put_lua,
	                             k.e, k.due, k.failing, certid, e->resp, e->resp_len, req,
	                             e->req != NULL ? e->req_len : 0, e->url != NULL ? e->url : "",
	                             e->etag, status, th, nx, fe, du));
}

int
store_fail(struct store *st, const char *certid, const char *why, time_t now, time_t due)
{
	char nows[24], du[24];
	struct keys k;

	if (entry_keys(st, certid, &k) == -1)
		return -1;
	snprintf(nows, sizeof(nows), "%lld", (long long)now);
	snprintf(du, sizeof(du), "%lld", (long long)due);
	return int_reply(st, command(st, "EVAL %s 3 %s %s %s %s %s %s %s", fail_lua, k.e, k.due,
	                             k.failing, certid, why != NULL ? why : "", nows, du));
}

int
store_delete(struct store *st, const char *certid)
{
	struct keys k;
	redisReply *r;
	int rc = -1;

	if (entry_keys(st, certid, &k) == -1)
		return -1;
	r = command(st, "EVAL %s 4 %s %s %s %s %s",
	            "local n = redis.call('DEL', KEYS[1], KEYS[3])\n"
	            "redis.call('ZREM', KEYS[2], ARGV[1])\n"
	            "redis.call('SREM', KEYS[4], ARGV[1])\nreturn n",
	            k.e, k.due, k.lease, k.failing, certid);
	if (r != NULL && r->type == REDIS_REPLY_INTEGER)
		rc = r->integer > 0 ? 1 : 0;
	if (r != NULL)
		freeReplyObject(r);
	return rc;
}

/* Appends the string elements of an array reply to out. Count, or -1. */
static int
push_array(struct store *st, redisReply *r, struct strlist *out, size_t step)
{
	size_t i;
	int n = 0;

	if (r == NULL)
		return -1;
	if (r->type != REDIS_REPLY_ARRAY) {
		set_err(st, "redis: unexpected reply");
		freeReplyObject(r);
		return -1;
	}
	for (i = 0; i < r->elements; i += step) {
		if (r->element[i]->type != REDIS_REPLY_STRING ||
		    strlist_push(out, r->element[i]->str) == -1) {
			freeReplyObject(r);
			return -1;
		}
		n++;
	}
	freeReplyObject(r);
	return n;
}

int
store_due(struct store *st, time_t until, size_t max, struct strlist *out)
{
	char kd[KEYLEN];

	if (key(st, kd, sizeof(kd), "due", NULL) == -1)
		return -1;
	return push_array(st, command(st, "ZRANGEBYSCORE %s -inf %lld LIMIT 0 %llu", kd,
	                              (long long)until, (unsigned long long)max), out, 1);
}

int
store_next_due(struct store *st, time_t *when)
{
	char kd[KEYLEN];
	redisReply *r;
	long long v;

	*when = 0;
	if (key(st, kd, sizeof(kd), "due", NULL) == -1)
		return -1;
	if ((r = command(st, "ZRANGE %s 0 0 WITHSCORES", kd)) == NULL)
		return -1;
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 && parse_score(r->element[1], &v) == 0)
		*when = (time_t)v;
	freeReplyObject(r);
	return 0;
}

int
store_keys(struct store *st, size_t offset, size_t count, struct strlist *out)
{
	char kd[KEYLEN];

	/* Redis indexes are signed 64-bit: past that there is nothing to list anyway. */
	if (count == 0 || offset > LLONG_MAX / 2)
		return 0;
	if (count > LLONG_MAX / 2)
		count = LLONG_MAX / 2;
	if (key(st, kd, sizeof(kd), "due", NULL) == -1)
		return -1;
	return push_array(st, command(st, "ZRANGE %s %llu %llu", kd, (unsigned long long)offset,
	                              (unsigned long long)(offset + count - 1)), out,
	                  1);
}

/* The integer reply of a counting command on one of the index keys; -1 on error. */
static long long
count_of(struct store *st, redisReply *r)
{
	long long n = -1;

	if (r == NULL)
		return -1;
	if (r->type == REDIS_REPLY_INTEGER)
		n = r->integer;
	else
		set_err(st, "redis: unexpected reply to a count");
	freeReplyObject(r);
	return n;
}

long long
store_count(struct store *st)
{
	char kd[KEYLEN];

	if (key(st, kd, sizeof(kd), "due", NULL) == -1)
		return -1;
	return count_of(st, command(st, "ZCARD %s", kd));
}

long long
store_count_due(struct store *st, time_t until)
{
	char kd[KEYLEN];

	if (key(st, kd, sizeof(kd), "due", NULL) == -1)
		return -1;
	return count_of(st, command(st, "ZCOUNT %s -inf %lld", kd, (long long)until));
}

long long
store_count_failing(struct store *st)
{
	char kf[KEYLEN];

	if (key(st, kf, sizeof(kf), "failing", NULL) == -1)
		return -1;
	return count_of(st, command(st, "SCARD %s", kf));
}

int
store_lease(struct store *st, const char *certid, const char *owner, long long ms)
{
	char kl[KEYLEN];
	redisReply *r;
	int rc;

	if (key(st, kl, sizeof(kl), "lease", certid) == -1)
		return -1;
	if ((r = command(st, "SET %s %s NX PX %lld", kl, owner, ms)) == NULL)
		return -1;
	rc = r->type == REDIS_REPLY_STATUS ? 1 : 0; /* "OK", or nil when held */
	freeReplyObject(r);
	return rc;
}

int
store_release(struct store *st, const char *certid, const char *owner)
{
	char kl[KEYLEN];

	if (key(st, kl, sizeof(kl), "lease", certid) == -1)
		return -1;
	return int_reply(st, command(st, "EVAL %s 1 %s %s", release_lua, kl, owner)) < 0 ? -1 : 0;
}

int
store_stat_incr(struct store *st, const char *name, long long by)
{
	char ks[KEYLEN];

	if (key(st, ks, sizeof(ks), "stats", NULL) == -1)
		return -1;
	return int_reply(st, command(st, "HINCRBY %s %s %lld", ks, name, by)) < 0 ? -1 : 0;
}

/* A hash as name/value pairs appended to names and values. 0 ok, -1 error. */
static int
hgetall(struct store *st, const char *kind, struct strlist *names, struct strlist *values)
{
	char k[KEYLEN];
	redisReply *r;
	size_t i;

	if (key(st, k, sizeof(k), kind, NULL) == -1)
		return -1;
	if ((r = command(st, "HGETALL %s", k)) == NULL)
		return -1;
	if (r->type != REDIS_REPLY_ARRAY || r->elements % 2 != 0) {
		set_err(st, "redis: unexpected reply to HGETALL");
		freeReplyObject(r);
		return -1;
	}
	for (i = 0; i + 1 < r->elements; i += 2)
		if (r->element[i]->type != REDIS_REPLY_STRING ||
		    r->element[i + 1]->type != REDIS_REPLY_STRING ||
		    strlist_push(names, r->element[i]->str) == -1 ||
		    strlist_push(values, r->element[i + 1]->str) == -1) {
			freeReplyObject(r);
			return -1;
		}
	freeReplyObject(r);
	return 0;
}

int
store_stats(struct store *st, struct strlist *names, struct strlist *values)
{
	return hgetall(st, "stats", names, values);
}

int
store_report(struct store *st, const char *owner, time_t now, const char *summary,
             long long max_age)
{
	char k[KEYLEN], nows[24], oldest[24];

	if (key(st, k, sizeof(k), "schedulers", NULL) == -1)
		return -1;
	snprintf(nows, sizeof(nows), "%lld", (long long)now);
	snprintf(oldest, sizeof(oldest), "%lld", (long long)now - max_age);
	return int_reply(st, command(st, "EVAL %s 1 %s %s %s %s %s", report_lua, k, owner, nows,
	                             summary, oldest)) < 0 ? -1 : 0;
}

int
store_reports(struct store *st, struct strlist *owners, struct strlist *values)
{
	return hgetall(st, "schedulers", owners, values);
}

int
store_ping(struct store *st)
{
	redisReply *r = command(st, "PING");

	if (r == NULL)
		return -1;
	freeReplyObject(r);
	return 0;
}
