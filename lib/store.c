/* store: the only code that knows Redis keys and commands (hiredis). Layout in store.h.
 * Every write that must be atomic (replace only if newer, fail only if present) is one Lua
 * script, so two handlers and a scheduler racing on one entry cannot interleave. */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include "bounds.h"
#include "clock.h"
#include "entry.h"
#include "log.h"
#include "ocsp.h"
#include "redis.h"
#include "store.h"

enum { KEYLEN = REDIS_KEY_MAX };

struct store {
	const struct config *cfg;
	redisContext *c[REDIS_NSERVERS]; /* the primary (every write), the read server (redis.h) */
	/* A hit served by a replica is recorded on the primary later, by store_flush, so the
	 * client has its answer before this host talks to a primary that may be far or gone. */
	char pend_key[KEYLEN];       /* the entry's key */
	const char *pend_stat;       /* counter to bump, NULL when nothing is pending */
	time_t pend_now;
	/* When recording last failed: a resident worker must not wait redis_timeout after every
	 * hit while the primary is gone, so for a second after a failure hits go unrecorded. */
	long long flush_failed_ms;
	/* CLIENT TRACKING for a resident worker's memory cache: the client id invalidations go to
	 * (0: off), whether the primary connection has tracking on, and a count of the primary
	 * connections opened (entries read on an earlier one are no longer tracked). */
	long long track_redirect;
	int tracking;
	unsigned long track_epoch;
	struct err err;
};

/* The names of ENTRY_FIELDS as a Lua list: 'resp', 'this', ... */
#define LUA_NAME(name, ...) "'" name "', "
#define LUA_PUT(name, member, len, kind, missing, put) "'" #put "', "

/* KEYS: entry due stats failing; ARGV: now certid max-resp max-field. One round trip for the
 * hit path: the hit fields (resp first, so a missing resp is a missing entry) and the ZSCORE
 * after them. A malformed number counts as 0 rather than raising: the C side then treats the
 * entry as absent. The bookkeeping (hit time, counters, the due score) never fails the read: a
 * counter set to something not a number, by hand or by anyone who can write to Redis, must not
 * turn every hit into an upstream fetch. A field longer than the proxy ever writes (resp over
 * max_response_bytes, another over STORED_FIELD_MAX) is not shipped: the entry is malformed,
 * deleted as serve.c deletes a rejected one (so the next good answer is stored whatever its
 * fields say), counted, and the reply is the fields all absent, the due, then the field's name
 * and length for the log. */
static const char lookup_lua[] =
    "local names = { " ENTRY_HIT_FIELDS(LUA_NAME) "}\n"
    "local v = redis.call('HMGET', KEYS[1], unpack(names))\n"
    "if not v[1] then redis.pcall('HINCRBY', KEYS[3], 'misses', 1) return v end\n"
    "for i, n in ipairs(names) do\n"
    "  local cap = tonumber(ARGV[i == 1 and 3 or 4])\n"
    "  if v[i] and #v[i] > cap then\n"
    "    redis.pcall('DEL', KEYS[1]) redis.pcall('ZREM', KEYS[2], ARGV[2])\n"
    "    redis.pcall('SREM', KEYS[4], ARGV[2])\n"
    "    redis.pcall('HINCRBY', KEYS[3], 'misses', 1)\n"
    "    redis.pcall('HINCRBY', KEYS[3], 'cache_rejected', 1)\n"
    "    local r = {}\n"
    "    for j = 1, #names + 1 do r[j] = false end\n"
    "    r[#r + 1] = n r[#r + 1] = tostring(#v[i]) return r\n"
    "  end\n"
    "end\n"
    "redis.pcall('HSET', KEYS[1], 'hit', ARGV[1])\n"
    "local nxt = 0\n"
    "for i, n in ipairs(names) do if n == 'next' then nxt = tonumber(v[i]) or 0 end end\n"
    "if nxt > tonumber(ARGV[1]) then redis.pcall('HINCRBY', KEYS[3], 'hits', 1)\n"
    "else redis.pcall('HINCRBY', KEYS[3], 'stale_lookups', 1) end\n"
    "local due = redis.pcall('ZSCORE', KEYS[2], ARGV[2])\n"
    "if type(due) == 'table' then due = false end\n"
    "v[#v + 1] = due\n"
    "return v\n";

/* KEYS: entry stats; ARGV: now counter. A hit read from the replica, recorded on the primary
 * (best effort, as in lookup_lua). */
static const char touch_lua[] =
    "if redis.call('EXISTS', KEYS[1]) == 1 then redis.pcall('HSET', KEYS[1], 'hit', ARGV[1]) end\n"
    "redis.pcall('HINCRBY', KEYS[2], ARGV[2], 1)\n"
    "return 0\n";

/* KEYS: entry due failing stats; ARGV: certid due max, then one value per field of
 * ENTRY_FIELDS, in order, applied by its put rule. Replaced or kept by answer_replaces' rule
 * (answer.c; test_store checks they agree): a newer or the same thisUpdate replaces, but a
 * cached `revoked` (1) wins against another answer with the same thisUpdate (a replayed "good"
 * from the same period); a cached `unknown` (2) loses to any good or revoked answer, whatever
 * their thisUpdates. An unreadable stored thisUpdate loses to any good answer. A new entry past max (max_entries) is refused and counted: the cache stays
 * bounded whatever serials clients ask about. */
static const char put_lua[] =
    "if redis.call('EXISTS', KEYS[1]) == 0 and"
    " redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[3]) then\n"
    "  redis.call('HINCRBY', KEYS[4], 'refused_full', 1) return 2 end\n"
    "local names = { " ENTRY_FIELDS(LUA_NAME) "}\n"
    "local rules = { " ENTRY_FIELDS(LUA_PUT) "}\n"
    "local new = {}\n"
    "for i, n in ipairs(names) do new[n] = ARGV[i + 3] end\n"
    "local o = redis.call('HMGET', KEYS[1], 'this', 'status')\n"
    "local old, olds = tonumber(o[1]) or -1, tonumber(o[2])\n"
    "local nt, ns = tonumber(new['this']), tonumber(new['status'])\n"
    "if (old > nt or (old == nt and olds == 1 and ns ~= 1)) and not (olds == 2 and ns ~= 2) then\n"
    "  return 0 end\n"
    "local args = {}\n"
    "for i, n in ipairs(names) do\n"
    "  local v = new[n]\n"
    "  if rules[i] == 'KEEP' then v = redis.call('HGET', KEYS[1], n) or new['fetched']\n"
    "  elseif rules[i] == 'FILL' and v == '' then v = redis.call('HGET', KEYS[1], n) or '' end\n"
    "  args[#args + 1] = n\n"
    "  args[#args + 1] = v\n"
    "end\n"
    "redis.call('HSET', KEYS[1], unpack(args))\n"
    "redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])\n"
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

/* KEYS: due; ARGV: entry key prefix, first, last. The earliest nextUpdate among the entries
 * ranked first..last in the schedule, -1 when none has one, and how many were looked at: a
 * slice at a time, so a large cache never blocks Redis for long. */
static const char earliest_lua[] =
    "local ks = redis.call('ZRANGE', KEYS[1], ARGV[2], ARGV[3])\n"
    "local m = -1\n"
    "for i = 1, #ks do\n"
    "  local n = tonumber(redis.call('HGET', ARGV[1] .. ks[i], 'next'))\n"
    "  if n and n > 0 and (m < 0 or n < m) then m = n end\n"
    "end\n"
    "return {m, #ks}\n";

/* KEYS: due; ARGV: entry key prefix, first, last, status. How many of the entries ranked
 * first..last in the schedule have that status, and how many were looked at. */
static const char status_lua[] =
    "local ks = redis.call('ZRANGE', KEYS[1], ARGV[2], ARGV[3])\n"
    "local c = 0\n"
    "for i = 1, #ks do\n"
    "  if redis.call('HGET', ARGV[1] .. ks[i], 'status') == ARGV[4] then c = c + 1 end\n"
    "end\n"
    "return {c, #ks}\n";

/* KEYS: lease; ARGV: owner */
/* KEYS: lease; ARGV: owner, ms, longest. SET NX PX, but a lease no one of ours wrote (no expiry,
 * or longer than any we take) is taken over: Redis is data, and such a key would hold the CertID
 * forever, every miss waiting for a fetch that never comes. */
static const char lease_lua[] =
    "local t = redis.call('PTTL', KEYS[1])\n"
    "if t == -1 or t > tonumber(ARGV[3]) then redis.call('DEL', KEYS[1]) end\n"
    "return redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])\n";

static const char release_lua[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end\n"
    "return 0\n";

struct store *
store_new(const struct config *cfg)
{
	struct store *st = calloc(1, sizeof(*st));

	if (st != NULL)
		st->cfg = cfg;
	return st;
}

static void
disconnect(struct store *st, enum redis_server which)
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
	disconnect(st, REDIS_PRIMARY);
	disconnect(st, REDIS_READ);
	free(st);
}

const char *
store_error(const struct store *st)
{
	return err_str(&st->err);
}

enum err_kind
store_error_kind(const struct store *st)
{
	return st->err.kind;
}

/* An error reply: its code (the first word) says whether Redis refuses only writes. */
static void
reply_error(struct store *st, const redisReply *r)
{
	int nowrite = strncmp(r->str, "OOM ", 4) == 0 || strncmp(r->str, "READONLY ", 9) == 0;

	err_set(&st->err, nowrite ? ERR_NOWRITE : ERR_REFUSED, "redis: %s", r->str);
}

/* A transport error on connection which: dropped, so the next call reconnects. */
static void
lost(struct store *st, enum redis_server which)
{
	redisContext *c = st->c[which];

	err_set(&st->err, ERR_IO, "redis: %s", c->errstr[0] ? c->errstr : "connection lost");
	disconnect(st, which);
}

/* A new primary connection: entries read before were tracked on the old one. With a redirect
 * set, turns tracking on. Not NOLOOP: Redis then drops the key from its tracking table on our
 * own write (a hit record) without telling us, and later changes would go unnoticed; so our own
 * hit records invalidate our copy too, and the next hit reads it again (once a second at most).
 * A server that refuses (older than 6, or the redirect client gone) leaves tracking off. */
static void
track_on(struct store *st)
{
	redisReply *r;

	st->track_epoch++;
	st->tracking = 0;
	if (st->track_redirect <= 0)
		return;
	r = redisCommand(st->c[REDIS_PRIMARY], "CLIENT TRACKING on REDIRECT %lld",
	                 st->track_redirect);
	st->tracking = r != NULL && r->type == REDIS_REPLY_STATUS;
	if (r != NULL)
		freeReplyObject(r);
}

/* Opens the primary (which == REDIS_PRIMARY) or the read server on first use. */
static int
conn(struct store *st, enum redis_server which)
{
	if (st->c[which] != NULL)
		return 0;
	if (st->cfg->redis == NULL || st->cfg->key_prefix == NULL) {
		err_set(&st->err, ERR_INPUT, "no redis URL or key prefix configured");
		return -1;
	}
	st->c[which] = redis_connect(st->cfg, which, &st->err);
	if (st->c[which] == NULL)
		return -1;
	if (which == REDIS_PRIMARY)
		track_on(st);
	return 0;
}

/* A reply from the primary: a transport error (NULL) drops the connection so the next call
 * reconnects, an error reply (OOM, READONLY, NOSCRIPT...) is an error too. NULL on error. */
static redisReply *
checked(struct store *st, redisReply *r)
{
	if (r == NULL) {
		lost(st, REDIS_PRIMARY);
		return NULL;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		reply_error(st, r);
		/* A primary demoted by a failover: ask the Sentinels again on the next call. */
		if (st->cfg->redis_sentinel.n > 0 && strncmp(r->str, "READONLY", 8) == 0)
			disconnect(st, REDIS_PRIMARY);
		freeReplyObject(r);
		return NULL;
	}
	return r;
}

/* Runs one command on the primary. NULL on error (checked). */
static redisReply *
command(struct store *st, const char *fmt, ...)
{
	redisReply *r;
	va_list ap;

	if (conn(st, REDIS_PRIMARY) == -1)
		return NULL;
	va_start(ap, fmt);
	r = redisvCommand(st->c[REDIS_PRIMARY], fmt, ap);
	va_end(ap);
	return checked(st, r);
}

/* The same with the arguments as a vector (argc strings of the given lengths). */
static redisReply *
command_argv(struct store *st, int argc, const char **argv, const size_t *lens)
{
	if (conn(st, REDIS_PRIMARY) == -1)
		return NULL;
	return checked(st, redisCommandArgv(st->c[REDIS_PRIMARY], argc, argv, lens));
}

/* Key names, in one place: {P}:e:<hex>, {P}:due, {P}:lease:<hex>, {P}:stats, {P}:failing,
 * {P}:schedulers.
 * A name that does not fit is an error: a truncated key would name some other entry. */
static int
redis_key(struct store *st, char *out, size_t len, const char *kind, const char *certid)
{
	int n;

	if (st->cfg->key_prefix == NULL) {
		err_set(&st->err, ERR_INPUT, "no key prefix configured");
		return -1;
	}
	if (certid != NULL)
		n = snprintf(out, len, "{%s}:%s:%s", st->cfg->key_prefix, kind, certid);
	else
		n = snprintf(out, len, "{%s}:%s", st->cfg->key_prefix, kind);
	if (n < 0 || (size_t)n >= len) {
		err_set(&st->err, ERR_LIMIT, "key too long");
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
	if (redis_key(st, k->e, sizeof(k->e), "e", certid) == -1 ||
	    redis_key(st, k->due, sizeof(k->due), "due", NULL) == -1 ||
	    redis_key(st, k->failing, sizeof(k->failing), "failing", NULL) == -1 ||
	    redis_key(st, k->stats, sizeof(k->stats), "stats", NULL) == -1 ||
	    redis_key(st, k->lease, sizeof(k->lease), "lease", certid) == -1)
		return -1;
	return 0;
}

static int
int_reply(struct store *st, redisReply *r)
{
	long long v;

	if (r == NULL)
		return -1;
	v = r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
	if (r->type != REDIS_REPLY_INTEGER)
		err_set(&st->err, ERR_PROTOCOL, "redis: unexpected reply");
	freeReplyObject(r);
	return (int)v;
}

/* HMGET of the first n fields and ZSCORE, pipelined in one round trip, on the primary or the
 * replica. 1 found, 0 absent, -1 error (a lost connection is dropped; an error reply such as
 * LOADING keeps it). */
static int
read_entry(struct store *st, enum redis_server which, const struct keys *k, const char *certid, size_t n,
           struct entry *out)
{
	const char *argv[ENTRY_NFIELDS + 2];
	redisContext *c;
	redisReply *r[2] = { NULL, NULL };
	int i, rc = -1;

	if (conn(st, which) == -1)
		return -1;
	c = st->c[which];
	argv[0] = "HMGET";
	argv[1] = k->e;
	for (i = 0; i < (int)n; i++)
		argv[i + 2] = entry_field_name(i);
	redisAppendCommandArgv(c, (int)n + 2, argv, NULL);
	redisAppendCommand(c, "ZSCORE %s %s", k->due, certid);
	for (i = 0; i < 2; i++)
		if (redisGetReply(c, (void **)&r[i]) != REDIS_OK || r[i] == NULL) {
			lost(st, which);
			goto out;
		}
	for (i = 0; i < 2; i++)
		if (r[i]->type == REDIS_REPLY_ERROR) {
			reply_error(st, r[i]);
			goto out;
		}
	if (r[0]->type != REDIS_REPLY_ARRAY || r[0]->elements != n) {
		err_set(&st->err, ERR_PROTOCOL, "redis: unexpected reply to HMGET");
		goto out;
	}
	rc = entry_parse(r[0]->element, n, r[1], out);
out:
	for (i = 0; i < 2; i++)
		if (r[i] != NULL)
			freeReplyObject(r[i]);
	return rc;
}

/* lookup_lua found a field longer than the proxy writes: said, as serve.c says of an entry it
 * rejects (the store has no caller to tell: a rejected entry reads as absent). */
static void
oversized(const char *certid, const redisReply *name, const redisReply *len)
{
	if (name->type == REDIS_REPLY_STRING && len->type == REDIS_REPLY_STRING)
		log_msg(LOG_WARNING, "cached entry %s ignored, treated as absent and deleted: stored "
		        "%.10s is %.20s bytes, more than the proxy writes", certid, name->str, len->str);
}

/* The hit path on the primary: the Lua lookup that records the hit, or a plain read. */
static int
primary_lookup(struct store *st, const struct keys *k, const char *certid, time_t now, int count,
               struct entry *out)
{
	char nows[24];
	long long max_resp;
	redisReply *r;
	int rc;

	if (!count)
		return read_entry(st, REDIS_PRIMARY, k, certid, ENTRY_HIT_NFIELDS, out);
	snprintf(nows, sizeof(nows), "%lld", (long long)now);
	/* A configuration not read from a file (0) gets the largest response parsed at all. */
	max_resp = st->cfg->max_response_bytes > 0 ? (long long)st->cfg->max_response_bytes
	                                           : OCSP_RESPONSE_DER_MAX;
	r = command(st, "EVAL %s 4 %s %s %s %s %s %s %lld %d", lookup_lua, k->e, k->due, k->stats,
	            k->failing, nows, certid, max_resp, STORED_FIELD_MAX);
	if (r == NULL) {
		/* A Redis that refuses writes (full under noeviction, or a read-only replica) can
		 * still serve the hit: read without recording it. */
		if (st->err.kind == ERR_NOWRITE)
			return read_entry(st, REDIS_PRIMARY, k, certid, ENTRY_HIT_NFIELDS, out);
		return -1;
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements < ENTRY_HIT_NFIELDS) {
		err_set(&st->err, ERR_PROTOCOL, "redis: unexpected reply to lookup");
		rc = -1;
	} else {
		rc = entry_parse(r->element, ENTRY_HIT_NFIELDS,
		                 r->elements > ENTRY_HIT_NFIELDS ? r->element[ENTRY_HIT_NFIELDS] : NULL, out);
		if (r->elements == ENTRY_HIT_NFIELDS + 3)
			oversized(certid, r->element[ENTRY_HIT_NFIELDS + 1], r->element[ENTRY_HIT_NFIELDS + 2]);
	}
	freeReplyObject(r);
	return rc;
}

/* How often the read server is asked once the primary failed: redis_read again when it failed
 * (not when it lacked the entry), a replica the Sentinels know twice. A Sentinel kills the
 * clients of the replica it promotes or repoints (CLIENT KILL TYPE normal), so during a
 * failover the read that failed a moment ago may well answer on a new connection. */
static int
read_retries(const struct config *cfg, int read_rc)
{
	if (cfg->redis_read != NULL)
		return read_rc == -1;
	return cfg->redis_sentinel.n > 0 ? 2 : 0;
}

int
store_lookup(struct store *st, const char *certid, time_t now, int count, struct entry *out)
{
	const struct config *cfg = st->cfg;
	struct err primary_err;
	struct keys k;
	int rc, read_rc = 0, tries;

	memset(out, 0, sizeof(*out));
	st->pend_stat = NULL;
	if (entry_keys(st, certid, &k) == -1)
		return -1;
	/* The local replica first; the primary when it is down or lacks the entry (replication
	 * lags, and a miss costs a fetch). */
	if (cfg->redis_read != NULL &&
	    (read_rc = read_entry(st, REDIS_READ, &k, certid, ENTRY_HIT_NFIELDS, out)) == 1)
		goto replica_hit;
	rc = primary_lookup(st, &k, certid, now, count, out);
	/* The primary unreachable (a failover under way): a replica still holds the hits. */
	if (rc == -1 && (tries = read_retries(cfg, read_rc)) > 0) {
		primary_err = st->err;
		while (tries-- > 0) {
			read_rc = read_entry(st, REDIS_READ, &k, certid, ENTRY_HIT_NFIELDS, out);
			if (read_rc == 1)
				goto replica_hit;
			if (read_rc == 0)
				break;
		}
		st->err = primary_err;
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
	if (st->flush_failed_ms != 0 && clock_ms() - st->flush_failed_ms < HIT_RECORD_PAUSE_MS) {
		err_set(&st->err, ERR_IO, "primary unreachable a moment ago, hit not recorded");
		return -1;
	}
	if (redis_key(st, ks, sizeof(ks), "stats", NULL) == -1)
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
	return read_entry(st, REDIS_PRIMARY, &k, certid, ENTRY_NFIELDS, out);
}

enum store_put_result
store_put(struct store *st, const char *certid, const struct entry *e, time_t due)
{
	enum { FIRST = 10 }; /* EVAL script 4 KEYS[1..4] certid due max, then the fields */
	const char *argv[FIRST + ENTRY_NFIELDS];
	size_t lens[FIRST + ENTRY_NFIELDS], i;
	char du[24], max[24], nums[ENTRY_NFIELDS][24];
	struct keys k;

	/* Without a response the entry would read as absent forever: refuse it here. */
	if (e->resp == NULL || e->resp_len == 0) {
		err_set(&st->err, ERR_INPUT, "store_put: empty response");
		return -1;
	}
	if (entry_keys(st, certid, &k) == -1)
		return -1;
	snprintf(du, sizeof(du), "%lld", (long long)due);
	/* 0 (a configuration built by hand, not read) means no cap. */
	snprintf(max, sizeof(max), "%d", st->cfg->max_entries > 0 ? st->cfg->max_entries : INT_MAX);
	argv[0] = "EVAL";
	argv[1] = put_lua;
	argv[2] = "4";
	argv[3] = k.e;
	argv[4] = k.due;
	argv[5] = k.failing;
	argv[6] = k.stats;
	argv[7] = certid;
	argv[8] = du;
	argv[9] = max;
	for (i = 0; i < FIRST; i++)
		lens[i] = strlen(argv[i]);
	entry_put_args(e, argv + FIRST, lens + FIRST, nums);
	switch (int_reply(st, command_argv(st, FIRST + ENTRY_NFIELDS, argv, lens))) {
	case 0: return STORE_PUT_KEPT;
	case 1: return STORE_PUT_STORED;
	case 2: return STORE_PUT_FULL;
	case -1: return STORE_PUT_ERROR;
	default:
		err_set(&st->err, ERR_PROTOCOL, "redis: unexpected reply to the put script");
		return STORE_PUT_ERROR;
	}
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
push_array(struct store *st, redisReply *r, struct strlist *out)
{
	size_t i;
	int n = 0;

	if (r == NULL)
		return -1;
	if (r->type != REDIS_REPLY_ARRAY) {
		err_set(&st->err, ERR_PROTOCOL, "redis: unexpected reply");
		freeReplyObject(r);
		return -1;
	}
	for (i = 0; i < r->elements; i++) {
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

/* A schedule member names an entry only when it is CertID hex as the handler writes it. */
static int
valid_certid(const char *s, size_t len)
{
	return len > 0 && len <= CERTID_HEX_MAX && len % 2 == 0 &&
	    strspn(s, "0123456789abcdef") == len;
}

/* A bad member, printable and short, for a log line. */
static int
describe_member(const redisReply *m, struct strlist *dropped)
{
	char buf[100];
	size_t i, n = m->type == REDIS_REPLY_STRING ? m->len : 0;

	for (i = 0; i < n && i < 40; i++)
		buf[i] = m->str[i] > 0x20 && m->str[i] < 0x7f ? m->str[i] : '?';
	snprintf(buf + i, sizeof(buf) - i, "%s (%zu bytes)", n > 40 ? "..." : "", n);
	return dropped != NULL ? strlist_push(dropped, buf) : 0;
}

int
store_due(struct store *st, time_t until, size_t max, struct strlist *out,
          struct strlist *dropped)
{
	char kd[KEYLEN];
	redisReply *r, *m, *z;
	size_t i;
	int n = 0;

	if (redis_key(st, kd, sizeof(kd), "due", NULL) == -1)
		return -1;
	r = command(st, "ZRANGEBYSCORE %s -inf %lld LIMIT 0 %llu", kd, (long long)until,
	            (unsigned long long)max);
	if (r == NULL)
		return -1;
	if (r->type != REDIS_REPLY_ARRAY) {
		err_set(&st->err, ERR_PROTOCOL, "redis: unexpected reply to ZRANGEBYSCORE");
		n = -1;
	}
	for (i = 0; n >= 0 && i < r->elements; i++) {
		m = r->element[i];
		if (m->type == REDIS_REPLY_STRING && valid_certid(m->str, m->len)) {
			if (strlist_push(out, m->str) == -1)
				n = -1;
			else
				n++;
			continue;
		}
		/* Left there it would come back every tick, and no entry can have that name. */
		if (m->type != REDIS_REPLY_STRING ||
		    (z = command(st, "ZREM %s %b", kd, m->str, m->len)) == NULL) {
			n = -1;
			break;
		}
		freeReplyObject(z);
		if (describe_member(m, dropped) == -1)
			n = -1;
	}
	freeReplyObject(r);
	return n;
}

int
store_reschedule(struct store *st, const char *certid, time_t due)
{
	char kd[KEYLEN];

	if (redis_key(st, kd, sizeof(kd), "due", NULL) == -1)
		return -1;
	return int_reply(st, command(st, "ZADD %s XX CH %lld %s", kd, (long long)due, certid));
}

int
store_next_due(struct store *st, time_t *when)
{
	char kd[KEYLEN];
	redisReply *r;
	long long v;

	*when = 0;
	if (redis_key(st, kd, sizeof(kd), "due", NULL) == -1)
		return -1;
	if ((r = command(st, "ZRANGE %s 0 0 WITHSCORES", kd)) == NULL)
		return -1;
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 && reply_score(r->element[1], &v) == 0)
		*when = (time_t)v;
	freeReplyObject(r);
	return 0;
}

int
store_certids(struct store *st, size_t offset, size_t count, struct strlist *out)
{
	char kd[KEYLEN];

	/* Redis indexes are signed 64-bit: past that there is nothing to list anyway. */
	if (count == 0 || offset > LLONG_MAX / 2)
		return 0;
	if (count > LLONG_MAX / 2)
		count = LLONG_MAX / 2;
	if (redis_key(st, kd, sizeof(kd), "due", NULL) == -1)
		return -1;
	return push_array(st, command(st, "ZRANGE %s %llu %llu", kd, (unsigned long long)offset,
	                              (unsigned long long)(offset + count - 1)), out);
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
		err_set(&st->err, ERR_PROTOCOL, "redis: unexpected reply to a count");
	freeReplyObject(r);
	return n;
}

long long
store_count(struct store *st)
{
	char kd[KEYLEN];

	if (redis_key(st, kd, sizeof(kd), "due", NULL) == -1)
		return -1;
	return count_of(st, command(st, "ZCARD %s", kd));
}

long long
store_count_due(struct store *st, time_t until)
{
	char kd[KEYLEN];

	if (redis_key(st, kd, sizeof(kd), "due", NULL) == -1)
		return -1;
	return count_of(st, command(st, "ZCOUNT %s -inf %lld", kd, (long long)until));
}

long long
store_count_failing(struct store *st)
{
	char kf[KEYLEN];

	if (redis_key(st, kf, sizeof(kf), "failing", NULL) == -1)
		return -1;
	return count_of(st, command(st, "SCARD %s", kf));
}

int
store_lease(struct store *st, const char *certid, const char *owner, long long ms)
{
	char kl[KEYLEN];
	redisReply *r;
	int rc;

	if (redis_key(st, kl, sizeof(kl), "lease", certid) == -1)
		return -1;
	if ((r = command(st, "EVAL %s 1 %s %s %lld %lld", lease_lua, kl, owner, ms,
	                 LEASE_MAX_MS)) == NULL)
		return -1;
	rc = r->type == REDIS_REPLY_STATUS ? 1 : 0; /* "OK", or nil when held */
	freeReplyObject(r);
	return rc;
}

int
store_release(struct store *st, const char *certid, const char *owner)
{
	char kl[KEYLEN];

	if (redis_key(st, kl, sizeof(kl), "lease", certid) == -1)
		return -1;
	return int_reply(st, command(st, "EVAL %s 1 %s %s", release_lua, kl, owner)) < 0 ? -1 : 0;
}

int
store_stat_incr(struct store *st, const char *name, long long by)
{
	char ks[KEYLEN];

	if (redis_key(st, ks, sizeof(ks), "stats", NULL) == -1)
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

	if (redis_key(st, k, sizeof(k), kind, NULL) == -1)
		return -1;
	if ((r = command(st, "HGETALL %s", k)) == NULL)
		return -1;
	if (r->type != REDIS_REPLY_ARRAY || r->elements % 2 != 0) {
		err_set(&st->err, ERR_PROTOCOL, "redis: unexpected reply to HGETALL");
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

/* KEYS: backoff; ARGV: url, "UNTIL_MS reason", now_ms, most fields. Sets url's backoff, drops
 * those past their time, and past the most kept the one ending first. */
static const char backoff_lua[] =
    "redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])\n"
    "local all = redis.call('HGETALL', KEYS[1])\n"
    "local n, first, firstu = 0, nil, nil\n"
    "for i = 1, #all, 2 do\n"
    "  local u = tonumber(string.match(all[i + 1], '^%d+'))\n"
    "  if not u or u <= tonumber(ARGV[3]) then redis.call('HDEL', KEYS[1], all[i])\n"
    "  else n = n + 1 if not firstu or u < firstu then first, firstu = all[i], u end end\n"
    "end\n"
    "if n > tonumber(ARGV[4]) and first then redis.call('HDEL', KEYS[1], first) end\n"
    "return 0\n";

/* KEYS: lease backoff; ARGV: url. */
static const char wait_lua[] =
    "return { redis.call('EXISTS', KEYS[1]), redis.call('HGET', KEYS[2], ARGV[1]) }\n";

/* A backoff value as the proxy writes it, "UNTIL_MS reason", in force at now_ms: *until_ms, and
 * the reason (made printable, cut to whylen and BACKOFF_REASON_MAX) into why when not NULL.
 * Redis is data: anything else, a time already past or further off than any upstream_backoff
 * (a responder kept off for good), is -1. */
static int
backoff_parse(const char *v, size_t len, long long now_ms, long long *until_ms, char *why,
              size_t whylen)
{
	size_t i, j;
	long long u = 0;

	for (i = 0; i < len && v[i] >= '0' && v[i] <= '9'; i++) {
		if (u > STORED_TIME_MAX * 1000 / 10)
			return -1;
		u = u * 10 + (v[i] - '0');
	}
	if (i == 0 || (i < len && v[i] != ' ') || u <= now_ms ||
	    u - now_ms > UPSTREAM_BACKOFF_MAX_MS + BACKOFF_SKEW_MS)
		return -1;
	*until_ms = u;
	if (why == NULL || whylen == 0)
		return 0;
	for (i++, j = 0; i < len && j + 1 < whylen && j < BACKOFF_REASON_MAX; i++, j++)
		why[j] = v[i] >= 0x20 && v[i] < 0x7f ? v[i] : '?';
	why[j] = '\0';
	return 0;
}

/* A backed-off upstream's URL as the proxy writes one: printable, no space, bounded. */
static int
backoff_url_ok(const char *url)
{
	size_t i;

	for (i = 0; url[i] != '\0'; i++)
		if (i >= BACKOFF_URL_MAX || url[i] <= 0x20 || url[i] >= 0x7f)
			return 0;
	return i > 0;
}

int
store_backoff(struct store *st, const char *url, long long until_ms, const char *why,
              long long now_ms)
{
	char kb[KEYLEN], val[BACKOFF_REASON_MAX + 32], nows[24], max[24];

	if (redis_key(st, kb, sizeof(kb), "backoff", NULL) == -1)
		return -1;
	snprintf(val, sizeof(val), "%lld %.*s", until_ms, BACKOFF_REASON_MAX,
	         why != NULL ? why : "");
	snprintf(nows, sizeof(nows), "%lld", now_ms);
	snprintf(max, sizeof(max), "%d", BACKOFF_URLS_MAX);
	return int_reply(st, command(st, "EVAL %s 1 %s %s %s %s %s", backoff_lua, kb, url, val,
	                             nows, max)) < 0 ? -1 : 0;
}

int
store_wait_state(struct store *st, const char *certid, const char *url, long long now_ms,
                 int *leased, long long *until_ms, char *why, size_t whylen)
{
	char kl[KEYLEN], kb[KEYLEN];
	redisReply *r, *b;
	int rc = -1;

	*leased = 0;
	*until_ms = 0;
	if (redis_key(st, kl, sizeof(kl), "lease", certid) == -1 ||
	    redis_key(st, kb, sizeof(kb), "backoff", NULL) == -1)
		return -1;
	if ((r = command(st, "EVAL %s 2 %s %s %s", wait_lua, kl, kb, url)) == NULL)
		return -1;
	if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
	    r->element[0]->type != REDIS_REPLY_INTEGER) {
		err_set(&st->err, ERR_PROTOCOL, "redis: unexpected reply to the wait state");
		goto out;
	}
	*leased = r->element[0]->integer > 0;
	b = r->elements > 1 ? r->element[1] : NULL;
	/* A malformed value is no backoff: misses then ask, as without one. */
	if (b == NULL || b->type != REDIS_REPLY_STRING ||
	    backoff_parse(b->str, b->len, now_ms, until_ms, why, whylen) == -1)
		*until_ms = 0;
	rc = 0;
out:
	freeReplyObject(r);
	return rc;
}

int
store_backoffs(struct store *st, long long now_ms, struct strlist *urls, struct strlist *values)
{
	char why[BACKOFF_REASON_MAX + 1], val[BACKOFF_REASON_MAX + REDIS_NUMBER_MAX + 2];
	struct strlist n, v;
	long long until;
	size_t i;
	int rc = -1;

	memset(&n, 0, sizeof(n));
	memset(&v, 0, sizeof(v));
	if (hgetall(st, "backoff", &n, &v) == -1)
		goto out;
	/* What reaches ctl and the metrics is rewritten from what was checked, never Redis's bytes:
	 * a writer to Redis gets no terminal escape, broken UTF-8 or megabyte line through. */
	for (i = 0; i < n.n && i < v.n && urls->n < BACKOFF_URLS_MAX; i++) {
		if (!backoff_url_ok(n.v[i]) ||
		    backoff_parse(v.v[i], strlen(v.v[i]), now_ms, &until, why, sizeof(why)) == -1)
			continue;
		snprintf(val, sizeof(val), "%lld %s", until, why);
		if (strlist_push(urls, n.v[i]) == -1 || strlist_push(values, val) == -1)
			goto out;
	}
	rc = 0;
out:
	strlist_free(&n);
	strlist_free(&v);
	return rc;
}

const char *const store_counters[] = {
	"hits", "misses", "stale_lookups", "fetches", "upstream_errors", "stale_served",
	"passthrough", "uncacheable", "unverified", "cache_rejected", "refused_full", "refreshes",
	"refresh_kept", "refresh_failures", "evictions", "invalid_due", "coalesced", "backed_off",
	NULL,
};

int
store_stats(struct store *st, struct strlist *names, struct strlist *values)
{
	struct strlist hn, hv;
	const char *v;
	size_t i, j;
	int rc = -1;

	memset(&hn, 0, sizeof(hn));
	memset(&hv, 0, sizeof(hv));
	if (hgetall(st, "stats", &hn, &hv) == -1)
		goto out;
	for (i = 0; store_counters[i] != NULL; i++) {
		for (v = "0", j = 0; j < hn.n; j++)
			if (strcmp(hn.v[j], store_counters[i]) == 0)
				v = hv.v[j];
		if (strlist_push(names, store_counters[i]) == -1 || strlist_push(values, v) == -1)
			goto out;
	}
	for (j = 0; j < hn.n; j++) {
		for (i = 0; store_counters[i] != NULL; i++)
			if (strcmp(hn.v[j], store_counters[i]) == 0)
				break;
		if (store_counters[i] == NULL &&
		    (strlist_push(names, hn.v[j]) == -1 || strlist_push(values, hv.v[j]) == -1))
			goto out;
	}
	rc = 0;
out:
	strlist_free(&hn);
	strlist_free(&hv);
	return rc;
}

int
store_report(struct store *st, const char *owner, time_t now, const char *summary,
             long long max_age)
{
	char k[KEYLEN], nows[24], oldest[24];

	if (redis_key(st, k, sizeof(k), "schedulers", NULL) == -1)
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

long long
store_count_status(struct store *st, int status)
{
	enum { SLICE = 250, MAX_SLICES = 400000 }; /* as store_earliest_next */
	char kd[KEYLEN], ke[KEYLEN];
	long long first, count = 0, n;
	redisReply *r;
	int i;

	if (redis_key(st, kd, sizeof(kd), "due", NULL) == -1 || redis_key(st, ke, sizeof(ke), "e", "") == -1)
		return -1;
	for (i = 0; i < MAX_SLICES; i++) {
		first = (long long)i * SLICE;
		if ((r = command(st, "EVAL %s 1 %s %s %lld %lld %d", status_lua, kd, ke, first,
		                 first + SLICE - 1, status)) == NULL)
			return -1;
		if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
		    r->element[0]->type != REDIS_REPLY_INTEGER ||
		    r->element[1]->type != REDIS_REPLY_INTEGER) {
			err_set(&st->err, ERR_PROTOCOL, "redis: unexpected reply");
			freeReplyObject(r);
			return -1;
		}
		count += r->element[0]->integer;
		n = r->element[1]->integer;
		freeReplyObject(r);
		if (n < SLICE)
			break;
	}
	return count;
}

int
store_earliest_next(struct store *st, time_t *when)
{
	/* 250 entries cost Redis well under a millisecond a call: a hit never waits long behind it. */
	enum { SLICE = 250, MAX_SLICES = 400000 };
	char kd[KEYLEN], ke[KEYLEN];
	long long first, m, best = -1, n;
	redisReply *r;
	int i;

	*when = 0;
	if (redis_key(st, kd, sizeof(kd), "due", NULL) == -1 || redis_key(st, ke, sizeof(ke), "e", "") == -1)
		return -1;
	for (i = 0; i < MAX_SLICES; i++) {
		first = (long long)i * SLICE;
		if ((r = command(st, "EVAL %s 1 %s %s %lld %lld", earliest_lua, kd, ke, first,
		                 first + SLICE - 1)) == NULL)
			return -1;
		if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
		    r->element[0]->type != REDIS_REPLY_INTEGER ||
		    r->element[1]->type != REDIS_REPLY_INTEGER) {
			err_set(&st->err, ERR_PROTOCOL, "redis: unexpected reply");
			freeReplyObject(r);
			return -1;
		}
		m = r->element[0]->integer;
		n = r->element[1]->integer;
		freeReplyObject(r);
		if (m > 0 && (best < 0 || m < best))
			best = m;
		if (n < SLICE)
			break;
	}
	*when = best > 0 ? (time_t)best : 0;
	return 0;
}

/* KEYS: stats, then entries; ARGV: hits, the age a stored hit time must reach before it is
 * rewritten, then each entry's hit time. The batched hits of a resident worker: the hit time only
 * on entries that still exist (never a half entry); best effort, as in lookup_lua. A hit time is
 * rewritten only once it is that old: every write to an entry invalidates it in every worker's
 * memory (client tracking), so rewriting it each second would have each hot entry read, parsed
 * and verified again every second. */
static const char hits_lua[] =
    "local age = tonumber(ARGV[2])\n"
    "for i = 2, #KEYS do\n"
    "  if redis.call('EXISTS', KEYS[i]) == 1 then\n"
    "    local old = tonumber(redis.pcall('HGET', KEYS[i], 'hit')) or 0\n"
    "    if tonumber(ARGV[i + 1]) - old >= age then redis.pcall('HSET', KEYS[i], 'hit', ARGV[i + 1]) end\n"
    "  end\n"
    "end\n"
    "if tonumber(ARGV[1]) > 0 then redis.pcall('HINCRBY', KEYS[1], 'hits', ARGV[1]) end\n"
    "return 0\n";

void
store_track(struct store *st, long long redirect_id)
{
	st->track_redirect = redirect_id;
	/* Tracking starts on the next connection, so no read escapes it. */
	disconnect(st, REDIS_PRIMARY);
	st->tracking = 0;
}

int
store_tracking(const struct store *st, unsigned long *epoch)
{
	*epoch = st->track_epoch;
	return st->c[REDIS_PRIMARY] != NULL && st->tracking;
}

int
store_primary_fd(const struct store *st)
{
	return st->c[REDIS_PRIMARY] != NULL ? st->c[REDIS_PRIMARY]->fd : -1;
}

int
store_primary_idle_check(struct store *st)
{
	redisContext *c = st->c[REDIS_PRIMARY];
	ssize_t n;
	char b;

	if (c == NULL)
		return 0;
	n = recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return 0;
	err_set(&st->err, ERR_IO, "redis: %s", n == 0 ? "the server closed the connection" :
	        n > 0 ? "data out of step on an idle connection" : strerror(errno));
	disconnect(st, REDIS_PRIMARY);
	st->tracking = 0;
	return 1;
}

int
store_read_tracked(struct store *st, const char *certid, struct entry *out)
{
	struct keys k;

	memset(out, 0, sizeof(*out));
	if (entry_keys(st, certid, &k) == -1)
		return -1;
	return read_entry(st, REDIS_PRIMARY, &k, certid, ENTRY_HIT_NFIELDS, out);
}

/* Entries per script call when recording hits. */
enum { HITS_BATCH = 256 };

static int
record_batch(struct store *st, const char *stats, const char *const *certids,
             const time_t *at, size_t n, long long hits)
{
	/* EVAL, script, key count, stats, n keys, hits, age, n times */
	const char *argv[6 + 2 * HITS_BATCH];
	size_t lens[6 + 2 * HITS_BATCH], i, argc = 0;
	char (*keys)[KEYLEN] = NULL, (*times)[24] = NULL, nkeys[24], nhits[24], nage[24];
	long long age = st->cfg->evict_after / 1000 / 8;
	redisReply *r;
	int rc = -1;

	if ((keys = calloc(n + 1, KEYLEN)) == NULL || (times = calloc(n + 1, 24)) == NULL) {
		err_set(&st->err, ERR_NOMEM, "out of memory");
		goto out;
	}
	snprintf(nkeys, sizeof(nkeys), "%zu", n + 1);
	snprintf(nhits, sizeof(nhits), "%lld", hits);
	/* Eviction needs the last hit to within a fraction of evict_after, not to the second. */
	snprintf(nage, sizeof(nage), "%lld", age < HIT_TIME_GRANULARITY_S ? age : HIT_TIME_GRANULARITY_S);
	argv[argc++] = "EVAL";
	argv[argc++] = hits_lua;
	argv[argc++] = nkeys;
	argv[argc++] = stats;
	for (i = 0; i < n; i++) {
		if (redis_key(st, keys[i], KEYLEN, "e", certids[i]) == -1)
			goto out;
		argv[argc++] = keys[i];
	}
	argv[argc++] = nhits;
	argv[argc++] = nage;
	for (i = 0; i < n; i++) {
		snprintf(times[i], 24, "%lld", (long long)at[i]);
		argv[argc++] = times[i];
	}
	for (i = 0; i < argc; i++)
		lens[i] = strlen(argv[i]);
	if ((r = command_argv(st, (int)argc, argv, lens)) != NULL) {
		freeReplyObject(r);
		rc = 0;
	}
out:
	free(keys);
	free(times);
	return rc;
}

int
store_record_hits(struct store *st, const char *const *certids, const time_t *at, size_t n,
                  long long hits)
{
	char stats[KEYLEN];
	size_t done = 0, part;

	if (redis_key(st, stats, sizeof(stats), "stats", NULL) == -1)
		return -1;
	do {
		part = n - done > HITS_BATCH ? HITS_BATCH : n - done;
		if (record_batch(st, stats, certids + done, at + done, part, done == 0 ? hits : 0) == -1)
			return -1;
		done += part;
	} while (done < n);
	return 0;
}

const char *
store_certid_of_key(const struct config *cfg, const char *rkey, size_t len, size_t *idlen)
{
	size_t plen = cfg->key_prefix != NULL ? strlen(cfg->key_prefix) : 0;

	/* "{" P "}:e:" hex */
	if (cfg->key_prefix == NULL || len <= plen + 5 || rkey[0] != '{' ||
	    memcmp(rkey + 1, cfg->key_prefix, plen) != 0 || memcmp(rkey + 1 + plen, "}:e:", 4) != 0)
		return NULL;
	*idlen = len - plen - 5;
	return rkey + plen + 5;
}
