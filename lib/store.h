/* store: the only code that knows Redis keys and commands (hiredis); redis.c finds the servers.
 *
 * Layout, all keys under one hash tag so every multi-key script stays in one Cluster slot:
 *   {P}:e:<certid-hex>  hash: the fields of ENTRY_FIELDS below (resp this next etag ...)
 *   {P}:due             sorted set: certid-hex scored by the next refresh time (unix seconds)
 *   {P}:lease:<hex>     string with expiry: which scheduler refreshes the entry right now
 *   {P}:failing         set: certid-hex of entries whose last refresh failed
 *   {P}:stats           hash of counters (store_counters)
 *   {P}:schedulers      hash: host:pid of each scheduler -> "UNIXTIME last tick summary"
 *   {P}:backoff         hash: upstream URL -> "UNTIL_MS reason": misses do not ask it until then
 * where P is key_prefix. Writes go to the primary (`redis`, or the one redis_sentinel names);
 * the hit path reads from redis_read when set. Every call has a deadline (redis_timeout); after an error the
 * connection is dropped and the next call reconnects. hiredis writes with write(2): callers
 * ignore SIGPIPE, or a Redis restart kills them. */
#ifndef OCSP_PROXY_STORE_H
#define OCSP_PROXY_STORE_H

#include <stddef.h>
#include <time.h>
#include "config.h"
#include "err.h"

struct store;

struct entry {
	unsigned char *resp;         /* OCSPResponse DER */
	size_t resp_len;
	unsigned char *req;          /* OCSPRequest DER that fetched it, re-sent on refresh */
	size_t req_len;
	char *url;                   /* upstream responder URL */
	char etag[65];               /* hex SHA-256 of resp */
	int cert_status;             /* enum ocsp_cert_status, -1 unknown */
	time_t this_update;
	time_t next_update;
	time_t fetched;
	time_t due;                  /* next planned refresh, 0 when not scheduled (the schedule's,
	                                not a field of the hash) */
	time_t last_hit;
	int failures;                /* consecutive failed refreshes */
	char *err;                   /* last refresh error, or NULL */
	time_t fail_at;
	char *serial;                /* certificate serial, hex as openssl prints it, or NULL */
	char *subject;               /* certificate subject and issuer names when a certificate */
	char *issuer;                /* was seen (ctl prefetch), else NULL */
};

/* An entry's fields in Redis, defined once: store.c and entry.c derive from this table the
 * hash's field names, what a lookup and a full read ask for (HMGET), how each value is parsed,
 * the put script and its arguments; entry_free frees what it lists. Adding a field: a member above, a
 * row here, and the code that uses it.
 *   X(name in the hash, member, length member (BYTES only, else the member again),
 *     kind, when missing or malformed, what store_put writes)
 * kind:    BYTES (pointer + length), STR (char *, NULL when empty), HEX (char array),
 *          TIME (time_t), INT (int)
 * missing: ABSENT (the whole entry reads as absent), ZERO, MINUS1
 * put:     SET (the entry's value), CLEAR (zero: a stored answer ends a failure streak),
 *          FILL (the entry's value when not empty, else the stored one stays),
 *          KEEP (the stored value, else the entry's fetched time)
 * A lookup (the hit path) reads ENTRY_HIT_FIELDS, resp first; store_get reads both lists. */
#define ENTRY_HIT_FIELDS(X) \
	X("resp",    resp,        resp_len,    BYTES, ABSENT, SET) \
	X("this",    this_update, this_update, TIME,  ABSENT, SET) \
	X("next",    next_update, next_update, TIME,  ABSENT, SET) \
	X("etag",    etag,        etag,        HEX,   ZERO,   SET) \
	X("url",     url,         url,         STR,   ZERO,   SET) \
	X("fetched", fetched,     fetched,     TIME,  ZERO,   SET) \
	X("status",  cert_status, cert_status, INT,   MINUS1, SET)
#define ENTRY_MORE_FIELDS(X) \
	X("req",     req,         req_len,     BYTES, ABSENT, SET) \
	X("hit",     last_hit,    last_hit,    TIME,  ZERO,   KEEP) \
	X("fail",    failures,    failures,    INT,   ZERO,   CLEAR) \
	X("err",     err,         err,         STR,   ZERO,   CLEAR) \
	X("failat",  fail_at,     fail_at,     TIME,  ZERO,   CLEAR) \
	X("serial",  serial,      serial,      STR,   ZERO,   SET) \
	X("subject", subject,     subject,     STR,   ZERO,   FILL) \
	X("issuer",  issuer,      issuer,      STR,   ZERO,   FILL)
#define ENTRY_FIELDS(X) ENTRY_HIT_FIELDS(X) ENTRY_MORE_FIELDS(X)

void entry_free(struct entry *e);

/* Never fails but for memory; connects on first use. cfg must outlive the store. */
struct store *store_new(const struct config *cfg);
void store_free(struct store *st);
/* The last error (err.h): its message, for logs, and its kind. */
const char *store_error(const struct store *st);
enum err_kind store_error_kind(const struct store *st);

/* The hit path, one round trip: reads the entry's resp, this, next, etag, url, fetched,
 * status and due. With count, a found entry's hit time is recorded and a hit (next > now),
 * stale lookup or miss counted. With redis_read set the entry is read from that server first
 * (the primary when it is down or lacks the entry); without it, but with Sentinels, from a
 * replica they know when the primary cannot be reached. A hit read from a replica is recorded
 * on the primary only by store_flush. 1 found, 0 absent, -1 Redis error. */
int store_lookup(struct store *st, const char *certid, time_t now, int count, struct entry *out);
/* Records on the primary what the last lookup read from redis_read; call it once the client
 * has its answer. 0 done or nothing to do, -1 error. */
int store_flush(struct store *st);

/* Full read, no side effects (scheduler, ctl). 1 found, 0 absent, -1 error. */
int store_get(struct store *st, const char *certid, struct entry *out);

/* Atomically stores e's fields as ENTRY_FIELDS says (put column) when the answer replaces the
 * cached one by answer_replaces' rule (answer.h; the script applies the same rule, and
 * test_store checks they agree), schedules it at `due` and clears the failure count. A new
 * entry is refused once max_entries are cached (counted as refused_full). e->resp must not be
 * empty. Callers with a fetched answer use answer_store (answer.h). */
enum store_put_result {
	STORE_PUT_ERROR = -1,        /* store_error says why */
	STORE_PUT_KEPT = 0,          /* the cached response is not replaced by this one: kept */
	STORE_PUT_STORED = 1,
	STORE_PUT_FULL = 2,          /* a new entry past max_entries: refused, counted */
};
enum store_put_result store_put(struct store *st, const char *certid, const struct entry *e,
                                time_t due);

/* Records a failed refresh of an existing entry (never creates one): failures+1, err, fail_at,
 * and reschedules it at due. 1 recorded, 0 no such entry, -1 error. */
int store_fail(struct store *st, const char *certid, const char *why, time_t now, time_t due);

/* Removes the entry and its schedule. 1 removed, 0 absent, -1 error. */
int store_delete(struct store *st, const char *certid);

/* Up to max CertIDs due at or before `until`, earliest first, appended to out (caller frees
 * with strlist_free). Members that cannot name an entry (not lower-case CertID hex, too long)
 * are removed from the schedule and described in dropped (may be NULL), for the log. Returns
 * how many it appended, or -1. */
int store_due(struct store *st, time_t until, size_t max, struct strlist *out,
              struct strlist *dropped);
/* Moves an entry that is scheduled to due (the refresh of an entry whose cache was newer than
 * the answer). 1 moved, 0 not scheduled, -1 error. */
int store_reschedule(struct store *st, const char *certid, time_t due);
/* The earliest due time, 0 when nothing is scheduled. 0 ok, -1 error. */
int store_next_due(struct store *st, time_t *when);
/* CertIDs in schedule order from offset, up to count (ctl list). Returns the count, or -1. */
int store_certids(struct store *st, size_t offset, size_t count, struct strlist *out);
/* Number of entries scheduled. -1 on error. */
long long store_count(struct store *st);
/* Entries scheduled at or before until. -1 on error. */
long long store_count_due(struct store *st, time_t until);
/* Entries whose last refresh failed. -1 on error. */
long long store_count_failing(struct store *st);
/* Entries whose cached answer has this certificate status (0 good, 1 revoked, 2 unknown): a
 * pass over the whole schedule, a slice at a time as store_earliest_next. -1 on error. */
long long store_count_status(struct store *st, int status);

/* Takes the refresh lease on the entry for ms milliseconds when nobody holds it. 1 taken, 0 held
 * by someone else, -1 error. */
int store_lease(struct store *st, const char *certid, const char *owner, long long ms);
/* Gives the lease back if owner still holds it. 0 ok, -1 error. */
int store_release(struct store *st, const char *certid, const char *owner);
/* The same lease serves a miss (handler/herd.c): one upstream fetch per CertID at a time,
 * whether a handler or a scheduler does it. */

/* A failing upstream backed off for misses: url is not asked again until until_ms (unix
 * milliseconds), why kept for ctl stats and the metrics. Fields past their time are dropped on
 * the way. 0 ok, -1 error. */
int store_backoff(struct store *st, const char *url, long long until_ms, const char *why,
                  long long now_ms);
/* What a miss waiting for another's fetch of certid from url needs, in one round trip: whether
 * the lease is held (*leased), and when url's backoff ends (*until_ms, unix ms; 0 when it is not
 * backed off at now_ms, or Redis holds a value the proxy would not write, such as one beyond
 * UPSTREAM_BACKOFF_MAX_MS) with its reason in why (may be NULL). 0 ok, -1 error. */
int store_wait_state(struct store *st, const char *certid, const char *url, long long now_ms,
                     int *leased, long long *until_ms, char *why, size_t whylen);
/* The upstreams backed off at now_ms: urls and values "UNTIL_MS reason", same length, at most
 * BACKOFF_URLS_MAX. What Redis holds is checked: a field that is not one the proxy writes (a URL
 * not printable or too long, a time past or beyond UPSTREAM_BACKOFF_MAX_MS) is skipped, and a
 * reason comes back printable and cut to BACKOFF_REASON_MAX. -1 on error. */
int store_backoffs(struct store *st, long long now_ms, struct strlist *urls,
                   struct strlist *values);

/* Counters. store_counters lists every one the programs keep, as the manuals do (NULL ends
 * it); store_stats gives each of them, "0" until first counted, then any other in the hash. */
extern const char *const store_counters[];
int store_stat_incr(struct store *st, const char *name, long long by);
/* All counters as name/value pairs into names and values (same length). -1 on error. */
int store_stats(struct store *st, struct strlist *names, struct strlist *values);

/* Each scheduler's last tick, for a view of every host: owner (host:pid) -> "UNIXTIME summary".
 * Owners silent for max_age seconds are dropped. 0 ok, -1 error. */
int store_report(struct store *st, const char *owner, time_t now, const char *summary,
                 long long max_age);
/* All reports: owners and values "UNIXTIME summary", same length. -1 on error. */
int store_reports(struct store *st, struct strlist *owners, struct strlist *values);

/* The earliest nextUpdate of any cached response, 0 when none has one (metrics). Reads every
 * entry, 250 per script call. 0 ok, -1 error. */
int store_earliest_next(struct store *st, time_t *when);

/* Round trip check (the handler's health answer). 0 ok, -1 error. */
int store_ping(struct store *st);


/* A resident worker's memory cache (handler/hotcache.c), kept coherent by Redis's
 * server-assisted client-side caching. store_track: from the next primary connection on (the
 * current one is dropped), turn CLIENT TRACKING on with invalidations sent to the client
 * redirect_id (a connection subscribed to __redis__:invalidate, lib/track.c); 0 turns it off. */
void store_track(struct store *st, long long redirect_id);
/* 1 when the primary connection is open with tracking on. *epoch counts the primary
 * connections opened: an entry read under another epoch is no longer tracked. */
int store_tracking(const struct store *st, unsigned long *epoch);
/* The primary connection's socket (-1 when none), for a worker to watch between commands. */
int store_primary_fd(const struct store *st);
/* The watched primary socket is readable between commands, when every reply has been read: the
 * server closed it (CLIENT KILL, its timeout, a restart) or sent bytes out of step. Either way the
 * tracking Redis kept for it is gone, so it is dropped (the next call reconnects, tracking on
 * again under a new epoch). 1 dropped, 0 nothing waiting there after all. */
int store_primary_idle_check(struct store *st);
/* The hit fields of an entry, read from the primary on the tracked connection, recording
 * nothing. 1 found, 0 absent or malformed, -1 Redis error. */
int store_read_tracked(struct store *st, const char *certid, struct entry *out);
/* Records a worker's batched hits: each entry's last hit time (entries still present only, and
 * only once the stored one is HIT_TIME_GRANULARITY_S or evict_after / 8 old) and `hits` added
 * to the hits counter. 0 ok, -1 error. */
int store_record_hits(struct store *st, const char *const *certids, const time_t *at, size_t n,
                      long long hits);
/* The CertID hex inside the Redis key of an entry (an invalidation names keys), with its
 * length in *idlen; NULL when rkey is not an entry key of this key_prefix. */
const char *store_certid_of_key(const struct config *cfg, const char *rkey, size_t len,
                                size_t *idlen);

#endif
