/* test_store: the Redis layer against a private redis-server on a unix socket: lookups and their
 * counters, the newer-wins put, failures, the schedule, leases, and surviving a dead Redis. */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "answer.h"
#include "bounds.h"
#include "check.h"
#include "clock.h"
#include "ocsp.h"
#include "store.h"

/* A binary response: NUL bytes in the middle must survive the round trip. */
static const unsigned char RESP1[] = { 0x30, 0x82, 0x00, 0x05, 0x00, 0x00, 0xff, 0x0a, 0x00 };
static const unsigned char RESP2[] = { 0x30, 0x03, 0x00, 0x01, 0x02 };
static const unsigned char REQ[] = { 0x30, 0x00, 0x00, 0x7f };

/* Starts redis-server on dir/redis.sock and waits until it answers. -1 on failure. */
static pid_t
redis_start(const char *dir)
{
	char sock[512];
	redisContext *c;
	redisReply *r;
	pid_t pid;
	int i;

	snprintf(sock, sizeof(sock), "%s/redis.sock", dir);
	unlink(sock);
	fflush(stdout);
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		if (freopen("/dev/null", "w", stdout) == NULL || freopen("/dev/null", "w", stderr) == NULL)
			_exit(127);
		execlp("redis-server", "redis-server", "--port", "0", "--unixsocket", sock, "--save", "",
		       "--appendonly", "no", "--dir", dir, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 200; i++) {
		c = redisConnectUnix(sock);
		if (c != NULL && !c->err) {
			r = redisCommand(c, "PING");
			if (r != NULL)
				freeReplyObject(r);
			redisFree(c);
			if (r != NULL)
				return pid;
		} else if (c != NULL) {
			redisFree(c);
		}
		usleep(25000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}

static void
redis_stop(pid_t pid)
{
	kill(pid, SIGCONT);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* A command straight to Redis, bypassing the store: to plant bad data and change settings. */
static void
raw(const char *dir, const char *fmt, const char *a, const char *b, const char *c2)
{
	char sock[512];
	redisContext *c;
	redisReply *r;

	snprintf(sock, sizeof(sock), "%s/redis.sock", dir);
	c = redisConnectUnix(sock);
	if (c == NULL || c->err) {
		printf("raw: cannot connect\n");
		if (c != NULL)
			redisFree(c);
		return;
	}
	r = redisCommand(c, fmt, a, b, c2);
	if (r != NULL)
		freeReplyObject(r);
	redisFree(c);
}

static void
fill(struct entry *e, const unsigned char *resp, size_t len, time_t this_update, time_t next)
{
	memset(e, 0, sizeof(*e));
	e->resp = (unsigned char *)resp;
	e->resp_len = len;
	e->req = (unsigned char *)REQ;
	e->req_len = sizeof(REQ);
	e->url = (char *)"http://ocsp.example/";
	snprintf(e->etag, sizeof(e->etag), "etag%lld", (long long)this_update);
	e->cert_status = 0;
	e->this_update = this_update;
	e->next_update = next;
	e->fetched = this_update + 5;
}

static long long
stat_value(struct store *st, const char *name)
{
	struct strlist names = { 0 }, values = { 0 };
	long long v = -1;
	size_t i;

	if (store_stats(st, &names, &values) == 0)
		for (i = 0; i < names.n && i < values.n; i++)
			if (strcmp(names.v[i], name) == 0)
				v = atoll(values.v[i]);
	strlist_free(&names);
	strlist_free(&values);
	return v;
}

static void
test_lookup_put(struct store *st)
{
	struct entry e, got;

	CHECK_INT(store_ping(st), 0);
	CHECK_INT(store_lookup(st, "aa01", 1000, 1, &got), 0);
	CHECK(got.resp == NULL);
	CHECK_INT(stat_value(st, "misses"), 1);

	fill(&e, RESP1, sizeof(RESP1), 1000, 2000);
	CHECK_INT(store_put(st, "aa01", &e, 1500), STORE_PUT_STORED);
	CHECK_INT(store_lookup(st, "aa01", 1100, 1, &got), 1);
	CHECK_INT(got.resp_len, sizeof(RESP1));
	CHECK(got.resp != NULL && memcmp(got.resp, RESP1, sizeof(RESP1)) == 0);
	CHECK_INT(got.this_update, 1000);
	CHECK_INT(got.next_update, 2000);
	CHECK_INT(got.fetched, 1005);
	CHECK_INT(got.due, 1500);
	CHECK_INT(got.cert_status, 0);
	CHECK_STR(got.etag, "etag1000");
	CHECK_STR(got.url, "http://ocsp.example/");
	CHECK_INT(stat_value(st, "hits"), 1);
	entry_free(&got);

	/* Past nextUpdate: still returned, counted as stale. */
	CHECK_INT(store_lookup(st, "aa01", 2000, 1, &got), 1);
	entry_free(&got);
	CHECK_INT(stat_value(st, "stale_lookups"), 1);
	CHECK_INT(stat_value(st, "hits"), 1);
	CHECK_INT(stat_value(st, "misses"), 1);

	/* The full read has the request and the last hit time. */
	CHECK_INT(store_get(st, "aa01", &got), 1);
	CHECK_INT(got.req_len, sizeof(REQ));
	CHECK(got.req != NULL && memcmp(got.req, REQ, sizeof(REQ)) == 0);
	CHECK_INT(got.last_hit, 2000);
	CHECK_INT(got.failures, 0);
	CHECK(got.err == NULL);
	CHECK_INT(got.due, 1500);
	entry_free(&got);
	CHECK_INT(store_get(st, "ffff", &got), 0);

	/* An older answer never replaces a newer one. */
	fill(&e, RESP2, sizeof(RESP2), 900, 5000);
	CHECK_INT(store_put(st, "aa01", &e, 4000), STORE_PUT_KEPT);
	CHECK_INT(store_get(st, "aa01", &got), 1);
	CHECK(got.resp_len == sizeof(RESP1) && memcmp(got.resp, RESP1, sizeof(RESP1)) == 0);
	CHECK_INT(got.this_update, 1000);
	CHECK_INT(got.due, 1500);
	entry_free(&got);

	/* A failure, then a newer answer: replaced, failure cleared, hit time kept. */
	CHECK_INT(store_fail(st, "aa01", "timeout", 1200, 1300), 1);
	fill(&e, RESP2, sizeof(RESP2), 1100, 3000);
	CHECK_INT(store_put(st, "aa01", &e, 2500), STORE_PUT_STORED);
	CHECK_INT(store_get(st, "aa01", &got), 1);
	CHECK(got.resp_len == sizeof(RESP2) && memcmp(got.resp, RESP2, sizeof(RESP2)) == 0);
	CHECK_INT(got.this_update, 1100);
	CHECK_INT(got.next_update, 3000);
	CHECK_INT(got.due, 2500);
	CHECK_INT(got.last_hit, 2000);
	CHECK_INT(got.failures, 0);
	CHECK(got.err == NULL);
	CHECK_STR(got.etag, "etag1100");
	entry_free(&got);

	/* The same thisUpdate again is accepted (a refetch of the same answer). */
	CHECK_INT(store_put(st, "aa01", &e, 2600), STORE_PUT_STORED);

	/* A cached `unknown` gives way to a good or revoked answer even with an older thisUpdate;
	 * an older `unknown` still does not replace anything. */
	fill(&e, RESP1, sizeof(RESP1), 5000, 9000);
	e.cert_status = 2;
	CHECK_INT(store_put(st, "ab07", &e, 6000), STORE_PUT_STORED);
	fill(&e, RESP2, sizeof(RESP2), 4000, 9000);
	e.cert_status = 2;
	CHECK_INT(store_put(st, "ab07", &e, 6000), STORE_PUT_KEPT);
	e.cert_status = 0;
	CHECK_INT(store_put(st, "ab07", &e, 6000), STORE_PUT_STORED);
	CHECK_INT(store_get(st, "ab07", &got), 1);
	CHECK_INT(got.cert_status, 0);
	CHECK_INT(got.this_update, 4000);
	entry_free(&got);
	fill(&e, RESP1, sizeof(RESP1), 3000, 9000);
	CHECK_INT(store_put(st, "ab07", &e, 6000), STORE_PUT_KEPT);
	CHECK_INT(store_delete(st, "ab07"), 1);

	/* A fresh entry's hit time starts at its fetch time. */
	fill(&e, RESP1, sizeof(RESP1), 700, 800);
	CHECK_INT(store_put(st, "aa02", &e, 750), STORE_PUT_STORED);
	CHECK_INT(store_get(st, "aa02", &got), 1);
	CHECK_INT(got.last_hit, 705);
	entry_free(&got);

	/* An entry without a response cannot be stored. */
	fill(&e, RESP1, 0, 700, 800);
	CHECK_INT(store_put(st, "aa03", &e, 750), STORE_PUT_ERROR);
	CHECK_INT(store_get(st, "aa03", &got), 0);
}

/* ENTRY_FIELDS (store.h) as the test reads it: every field a put writes is read back by
 * store_get (and the hit fields by store_lookup), under the name the table gives it, and the
 * hash holds exactly the table's names. So the reads, the put script and its arguments, all
 * derived from the table in store.c, cannot disagree. */
enum { TK_BYTES, TK_STR, TK_HEX, TK_TIME, TK_INT };
enum { TP_SET, TP_CLEAR, TP_FILL, TP_KEEP };
struct tfield { const char *name; int kind, put, hit; size_t off, len_off; };
#define T_FIELD(hit, name, member, len, kind, missing, put) \
	{ name, TK_##kind, TP_##put, hit, offsetof(struct entry, member), offsetof(struct entry, len) },
#define T_HIT(...) T_FIELD(1, __VA_ARGS__)
#define T_MORE(...) T_FIELD(0, __VA_ARGS__)
static const struct tfield tfields[] = { ENTRY_HIT_FIELDS(T_HIT) ENTRY_MORE_FIELDS(T_MORE) };
enum { T_NFIELDS = sizeof(tfields) / sizeof(tfields[0]) };

/* A value for field i no other field has: text "v<i>", number 100 + i. */
static void
set_field(struct entry *e, size_t i, char text[][16])
{
	const struct tfield *f = &tfields[i];
	char *p = (char *)e + f->off;

	snprintf(text[i], 16, "v%zu", i);
	switch (f->kind) {
	case TK_BYTES:
		*(char **)(void *)p = text[i];
		*(size_t *)(void *)((char *)e + f->len_off) = strlen(text[i]);
		break;
	case TK_STR: *(char **)(void *)p = text[i]; break;
	case TK_HEX: strcpy(p, text[i]); break;
	case TK_TIME: *(time_t *)(void *)p = (time_t)(100 + i); break;
	case TK_INT: *(int *)(void *)p = (int)(100 + i); break;
	}
}

/* 1 when field i of got holds what set_field put there (want), or, with zero, is empty. */
static int
field_is(const struct entry *got, size_t i, const char *want, long long num)
{
	const struct tfield *f = &tfields[i];
	const char *p = (const char *)got + f->off;
	const char *s;

	switch (f->kind) {
	case TK_BYTES:
		s = *(char *const *)(const void *)p;
		if (want == NULL)
			return s == NULL;
		return s != NULL && *(const size_t *)(const void *)((const char *)got + f->len_off) ==
		    strlen(want) && memcmp(s, want, strlen(want)) == 0;
	case TK_STR:
		s = *(char *const *)(const void *)p;
		return want == NULL ? s == NULL : s != NULL && strcmp(s, want) == 0;
	case TK_HEX: return strcmp(p, want != NULL ? want : "") == 0;
	case TK_TIME: return *(const time_t *)(const void *)p == (time_t)num;
	case TK_INT: return *(const int *)(const void *)p == (int)num;
	}
	return 0;
}

static size_t
field_index(const char *name)
{
	size_t i;

	for (i = 0; i < T_NFIELDS; i++)
		if (strcmp(tfields[i].name, name) == 0)
			return i;
	return T_NFIELDS;
}

static void
test_fields(struct store *st, const char *dir)
{
	char text[T_NFIELDS][16], sock[600];
	struct entry e, got;
	size_t i, fetched = field_index("fetched"), seen = 0;
	redisContext *c;
	redisReply *r;

	/* The table's shape: hit fields first, resp the very first, names unique. */
	CHECK_STR(tfields[0].name, "resp");
	for (i = 1; i < T_NFIELDS; i++) {
		CHECK(tfields[i - 1].hit >= tfields[i].hit);
		CHECK_INT(field_index(tfields[i].name), i);
	}
	CHECK(fetched < T_NFIELDS && field_index("this") < T_NFIELDS && field_index("hit") < T_NFIELDS);

	memset(&e, 0, sizeof(e));
	for (i = 0; i < T_NFIELDS; i++)
		set_field(&e, i, text);
	CHECK_INT(store_put(st, "f1", &e, 1234), STORE_PUT_STORED);
	CHECK_INT(store_get(st, "f1", &got), 1);
	for (i = 0; i < T_NFIELDS; i++) {
		int ok;

		if (tfields[i].put == TP_CLEAR)
			ok = field_is(&got, i, NULL, 0);
		else if (tfields[i].put == TP_KEEP) /* a new entry: its fetch time */
			ok = field_is(&got, i, NULL, (long long)(100 + fetched));
		else
			ok = field_is(&got, i, text[i], (long long)(100 + i));
		if (!ok)
			printf("field %s not read back as put\n", tfields[i].name);
		CHECK(ok);
	}
	CHECK_INT(got.due, 1234);
	entry_free(&got);

	/* The lookup reads the hit fields, as put. */
	CHECK_INT(store_lookup(st, "f1", 1, 0, &got), 1);
	for (i = 0; i < T_NFIELDS && tfields[i].hit; i++)
		CHECK(field_is(&got, i, text[i], (long long)(100 + i)));
	entry_free(&got);

	/* The hash holds the table's names and nothing else. */
	snprintf(sock, sizeof(sock), "%s/redis.sock", dir);
	c = redisConnectUnix(sock);
	r = c != NULL && !c->err ? redisCommand(c, "HKEYS {t1}:e:f1") : NULL;
	CHECK(r != NULL && r->type == REDIS_REPLY_ARRAY);
	for (i = 0; r != NULL && r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
		CHECK(field_index(r->element[i]->str) < T_NFIELDS);
		seen++;
	}
	CHECK_INT(seen, T_NFIELDS);
	if (r != NULL)
		freeReplyObject(r);
	if (c != NULL)
		redisFree(c);

	/* FILL: a put without the value keeps the stored one; SET: overwritten even when empty. */
	for (i = 0; i < T_NFIELDS; i++)
		if (tfields[i].put == TP_FILL && tfields[i].kind == TK_STR)
			*(char **)(void *)((char *)&e + tfields[i].off) = NULL;
	e.url = NULL;
	CHECK_INT(store_put(st, "f1", &e, 1234), STORE_PUT_STORED);
	CHECK_INT(store_get(st, "f1", &got), 1);
	for (i = 0; i < T_NFIELDS; i++)
		if (tfields[i].put == TP_FILL)
			CHECK(field_is(&got, i, text[i], (long long)(100 + i)));
	CHECK(got.url == NULL);
	entry_free(&got);
	CHECK_INT(store_delete(st, "f1"), 1);
}

static void
test_fail(struct store *st)
{
	struct entry got;

	CHECK_INT(store_fail(st, "bb01", "refused", 100, 200), 0);
	CHECK_INT(store_get(st, "bb01", &got), 0);
	CHECK_INT(store_lookup(st, "bb01", 100, 1, &got), 0);

	CHECK_INT(store_count_failing(st), 0);
	CHECK_INT(store_fail(st, "aa01", "HTTP 500", 3000, 3100), 1);
	CHECK_INT(store_fail(st, "aa01", "timed out", 3200, 3400), 1);
	CHECK_INT(store_count_failing(st), 1);
	CHECK_INT(store_get(st, "aa01", &got), 1);
	CHECK_INT(got.failures, 2);
	CHECK_STR(got.err, "timed out");
	CHECK_INT(got.fail_at, 3200);
	CHECK_INT(got.due, 3400);
	/* The response itself is untouched by a failure. */
	CHECK(got.resp_len == sizeof(RESP2) && memcmp(got.resp, RESP2, sizeof(RESP2)) == 0);
	entry_free(&got);
}

static void
test_schedule(struct store *st, const char *dir)
{
	struct strlist l = { 0 };
	struct entry e;
	time_t when;

	CHECK_INT(store_count(st), 0);
	CHECK_INT(store_next_due(st, &when), 0);
	CHECK_INT(when, 0);
	CHECK_INT(store_due(st, 1000, 10, &l, NULL), 0);
	CHECK_INT(l.n, 0);

	fill(&e, RESP1, sizeof(RESP1), 10, 100000);
	CHECK_INT(store_put(st, "a1", &e, 100), STORE_PUT_STORED);
	CHECK_INT(store_put(st, "a3", &e, 300), STORE_PUT_STORED);
	CHECK_INT(store_put(st, "a2", &e, 200), STORE_PUT_STORED);
	CHECK_INT(store_count(st), 3);
	CHECK_INT(store_count_due(st, 250), 2);
	CHECK_INT(store_count_due(st, 99), 0);
	CHECK_INT(store_next_due(st, &when), 0);
	CHECK_INT(when, 100);

	CHECK_INT(store_due(st, 250, 10, &l, NULL), 2);
	CHECK(l.n == 2 && strcmp(l.v[0], "a1") == 0 && strcmp(l.v[1], "a2") == 0);
	strlist_free(&l);
	CHECK_INT(store_due(st, 300, 1, &l, NULL), 1);
	CHECK(l.n == 1 && strcmp(l.v[0], "a1") == 0);
	strlist_free(&l);
	CHECK_INT(store_due(st, 300, 0, &l, NULL), 0);
	strlist_free(&l);

	CHECK_INT(store_certids(st, 0, 10, &l), 3);
	CHECK(l.n == 3 && strcmp(l.v[0], "a1") == 0 && strcmp(l.v[1], "a2") == 0 &&
	      strcmp(l.v[2], "a3") == 0);
	strlist_free(&l);
	CHECK_INT(store_certids(st, 1, 1, &l), 1);
	CHECK(l.n == 1 && strcmp(l.v[0], "a2") == 0);
	strlist_free(&l);
	CHECK_INT(store_certids(st, 5, 10, &l), 0);
	strlist_free(&l);

	/* A failure reschedules. */
	CHECK_INT(store_fail(st, "a1", "x", 50, 400), 1);
	CHECK_INT(store_next_due(st, &when), 0);
	CHECK_INT(when, 200);

	/* Leases: only one holder, released only by its owner, and they expire. */
	CHECK_INT(store_lease(st, "a1", "host-a", 10000), 1);
	CHECK_INT(store_lease(st, "a1", "host-b", 10000), 0);
	CHECK_INT(store_release(st, "a1", "host-b"), 0);
	CHECK_INT(store_lease(st, "a1", "host-b", 10000), 0);
	CHECK_INT(store_release(st, "a1", "host-a"), 0);
	CHECK_INT(store_lease(st, "a1", "host-b", 10000), 1);
	CHECK_INT(store_lease(st, "a2", "host-a", 50), 1);
	usleep(150000);
	CHECK_INT(store_lease(st, "a2", "host-b", 10000), 1);

	/* Delete takes the entry, its schedule and its lease. */
	CHECK_INT(store_delete(st, "a1"), 1);
	CHECK_INT(store_delete(st, "a1"), 0);
	CHECK_INT(store_count(st), 2);
	CHECK_INT(store_count_failing(st), 0);
	CHECK_INT(store_get(st, "a1", &e), 0);
	CHECK_INT(store_lease(st, "a1", "host-c", 10000), 1);
	CHECK_INT(store_certids(st, 0, 10, &l), 2);
	CHECK(l.n == 2 && strcmp(l.v[0], "a2") == 0 && strcmp(l.v[1], "a3") == 0);
	strlist_free(&l);

	/* Counters. */
	CHECK_INT(store_stat_incr(st, "passthrough", 5), 0);
	CHECK_INT(store_stat_incr(st, "passthrough", 2), 0);
	CHECK_INT(stat_value(st, "passthrough"), 7);
	/* Every documented counter is listed, 0 until counted; others after them. */
	CHECK_INT(stat_value(st, "refresh_kept"), 0);
	CHECK_INT(stat_value(st, "uncacheable"), 0);
	CHECK_INT(store_stat_incr(st, "zz_other", 1), 0);
	CHECK_INT(stat_value(st, "zz_other"), 1);

	/* Schedule members that cannot name an entry are removed, and said so. */
	{
		struct strlist bad = { 0 };
		char big[CERTID_HEX_MAX + 3];

		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		raw(dir, "ZADD {t2}:due %s %s", "10", "ZZ-not-hex", NULL);
		raw(dir, "ZADD {t2}:due %s %s", "20", big, NULL);
		raw(dir, "ZADD {t2}:due %s %s", "30", "abc", NULL);
		CHECK_INT(store_due(st, 1000, 10, &l, &bad), 2);
		CHECK(l.n == 2 && strcmp(l.v[0], "a2") == 0 && strcmp(l.v[1], "a3") == 0);
		CHECK_INT(bad.n, 3);
		CHECK(bad.n == 3 && strstr(bad.v[0], "(10 bytes)") != NULL);
		strlist_free(&l);
		strlist_free(&bad);
		CHECK_INT(store_count(st), 2);
	}

	/* Reschedule moves a scheduled entry only. */
	CHECK_INT(store_reschedule(st, "a2", 900), 1);
	CHECK_INT(store_next_due(st, &when), 0);
	CHECK_INT(when, 300);
	CHECK_INT(store_reschedule(st, "a9", 100), 0);
	CHECK_INT(store_count(st), 2);
}

/* Entries written by something else (older versions, hand edits) never crash a reader. */
static void
test_malformed(struct store *st, const char *dir)
{
	struct entry e, got;

	raw(dir, "HSET {t2}:e:m1 this %s next %s", "notanumber", "99999", NULL);
	raw(dir, "HSET {t2}:e:m1 resp %s url %s", "xyz", "http://a/", NULL);
	CHECK_INT(store_lookup(st, "m1", 100, 1, &got), 0);
	CHECK(got.resp == NULL && got.url == NULL);
	raw(dir, "HSET {t2}:e:m2 this %s next %s fetched %s", "1", "2", "3");
	CHECK_INT(store_lookup(st, "m2", 100, 1, &got), 0);
	raw(dir, "HSET {t2}:e:m3 resp %s this %s next %s", "r", "1", "1e400");
	CHECK_INT(store_lookup(st, "m3", 100, 1, &got), 0);
	CHECK_INT(store_get(st, "m3", &got), 0);
	raw(dir, "ZADD {t2}:due %s %s", "nan", "m4", NULL);
	raw(dir, "HSET {t2}:e:m4 resp %s this %s next %s", "r", "1", "5000");
	raw(dir, "HSET {t2}:e:m4 req %s status %s fail %s", "q", "bogus", "many");
	CHECK_INT(store_lookup(st, "m4", 100, 1, &got), 1);
	CHECK_INT(got.cert_status, -1);
	CHECK_INT(got.due, 0);
	entry_free(&got);
	CHECK_INT(store_get(st, "m4", &got), 1);
	CHECK_INT(got.failures, 0);
	entry_free(&got);
	/* A good answer replaces a malformed entry. */
	fill(&e, RESP1, sizeof(RESP1), 10, 100);
	CHECK_INT(store_put(st, "m1", &e, 50), STORE_PUT_STORED);
	CHECK_INT(store_lookup(st, "m1", 20, 1, &got), 1);
	CHECK(got.resp_len == sizeof(RESP1) && memcmp(got.resp, RESP1, sizeof(RESP1)) == 0);
	entry_free(&got);
	/* A wrong-type key is an error, not a crash. */
	raw(dir, "SET {t2}:e:m5 %s", "string", NULL, NULL);
	CHECK_INT(store_lookup(st, "m5", 100, 1, &got), -1);
	CHECK(strstr(store_error(st), "WRONGTYPE") != NULL);
	CHECK_INT(store_ping(st), 0);
}

/* Error replies (full memory, wrong password) are errors; the connection stays usable. */
static void
test_error_replies(const char *dir, struct config *cfg)
{
	struct store *st, *st2;
	struct entry e, got;
	char url[600], *saved = cfg->redis;

	st = store_new(cfg);
	CHECK_INT(store_ping(st), 0);
	raw(dir, "CONFIG SET maxmemory %s", "1", NULL, NULL);
	raw(dir, "CONFIG SET maxmemory-policy %s", "noeviction", NULL, NULL);
	fill(&e, RESP1, sizeof(RESP1), 10, 100);
	CHECK_INT(store_put(st, "oom", &e, 50), STORE_PUT_ERROR);
	CHECK(strstr(store_error(st), "OOM") != NULL);
	raw(dir, "CONFIG SET maxmemory %s", "0", NULL, NULL);
	CHECK_INT(store_put(st, "oom", &e, 50), STORE_PUT_STORED);
	store_free(st);

	/* A database number keeps entries apart from database 0. */
	snprintf(url, sizeof(url), "%s?db=3", cfg->redis);
	cfg->redis = url;
	st = store_new(cfg);
	CHECK_INT(store_lookup(st, "oom", 20, 1, &got), 0);
	CHECK_INT(store_put(st, "oom", &e, 50), STORE_PUT_STORED);
	store_free(st);
	cfg->redis = saved;

	/* Passwords: from the configuration, and refused without. */
	raw(dir, "CONFIG SET requirepass %s", "s3cret", NULL, NULL);
	st = store_new(cfg);
	CHECK_INT(store_ping(st), -1);
	CHECK(strstr(store_error(st), "NOAUTH") != NULL);
	cfg->redis_password = (char *)"wrong";
	st2 = store_new(cfg);
	CHECK_INT(store_ping(st2), -1);
	store_free(st2);
	cfg->redis_password = (char *)"s3cret";
	st2 = store_new(cfg);
	CHECK_INT(store_ping(st2), 0);
	CHECK_INT(store_lookup(st2, "oom", 20, 1, &got), 1);
	entry_free(&got);
	/* Clearing the password through the authenticated store. */
	store_free(st2);
	{
		char sock[512];
		redisContext *c;
		redisReply *r;

		snprintf(sock, sizeof(sock), "%s/redis.sock", dir);
		c = redisConnectUnix(sock);
		r = c != NULL && !c->err ? redisCommand(c, "AUTH s3cret") : NULL;
		if (r != NULL)
			freeReplyObject(r);
		r = c != NULL && !c->err ? redisCommand(c, "CONFIG SET requirepass %s", "") : NULL;
		if (r != NULL)
			freeReplyObject(r);
		if (c != NULL)
			redisFree(c);
	}
	cfg->redis_password = NULL;
	CHECK_INT(store_ping(st), 0);
	store_free(st);
}

static void
test_bad_urls(struct config *cfg)
{
	static const char *const bad[] = {
		"http://localhost/", "redis://", "redis://host:abc", "redis://host:70000",
		"redis://host:6379/x", "redis://[::1", "unix://", "unix:///tmp/x?db=z",
		"unix:///tmp/x?foo=1",
	};
	char *saved = cfg->redis;
	struct store *st;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cfg->redis = (char *)bad[i];
		st = store_new(cfg);
		CHECK_INT(store_ping(st), -1);
		if (strstr(store_error(st), "bad redis URL") == NULL)
			printf("not ok - %s: %s\n", bad[i], store_error(st));
		CHECK(strstr(store_error(st), "bad redis URL") != NULL);
		store_free(st);
	}
	cfg->redis = NULL;
	st = store_new(cfg);
	CHECK_INT(store_ping(st), -1);
	CHECK_INT(store_count(st), -1);
	store_free(st);
	/* Nobody listening: an error, quickly. */
	cfg->redis = (char *)"redis://127.0.0.1:1";
	st = store_new(cfg);
	CHECK_INT(store_ping(st), -1);
	CHECK(strstr(store_error(st), "connect") != NULL);
	store_free(st);
	cfg->redis = saved;
}

/* Every call fails within redis_timeout while Redis is hung or gone, and the same store
 * reconnects once it is back. */
/* Concurrent misses: a miss's lease is the scheduler's (one fetch per CertID whoever does
 * it); a failing upstream's backoff, its reason, its end, the bound on how many are kept, and
 * what Redis holds checked before it is believed. */
static void
test_herd(struct store *st, const char *dir)
{
	struct strlist urls, vals;
	char why[64];
	long long until;
	int leased, i;

	memset(&urls, 0, sizeof(urls));
	memset(&vals, 0, sizeof(vals));
	CHECK_INT(store_wait_state(st, "h1", "http://ca/", 1000, &leased, &until, why, sizeof(why)), 0);
	CHECK_INT(leased, 0);
	CHECK_INT(until, 0);
	/* A scheduler's lease and a miss's are one: the second cannot take it. */
	CHECK_INT(store_lease(st, "h1", "sched:1", 10000), 1);
	CHECK_INT(store_lease(st, "h1", "miss:2:abc", 10000), 0);
	CHECK_INT(store_wait_state(st, "h1", "http://ca/", 1000, &leased, &until, why, sizeof(why)), 0);
	CHECK_INT(leased, 1);
	CHECK_INT(store_release(st, "h1", "miss:2:abc"), 0);
	CHECK_INT(store_wait_state(st, "h1", "http://ca/", 1000, &leased, &until, NULL, 0), 0);
	CHECK_INT(leased, 1);
	CHECK_INT(store_release(st, "h1", "sched:1"), 0);
	CHECK_INT(store_wait_state(st, "h1", "http://ca/", 1000, &leased, &until, NULL, 0), 0);
	CHECK_INT(leased, 0);
	/* A lease no program of ours wrote (no expiry, or a year) would hold its CertID forever,
	 * every miss waiting for a fetch that never comes: the next to lease it takes it over. */
	raw(dir, "SET {%s}:lease:%s %s", "t1", "h9", "stuck");
	CHECK_INT(store_lease(st, "h9", "miss:3:def", 10000), 1);
	raw(dir, "SET {%s}:lease:%s %s PX 31536000000", "t1", "h9", "stuck");
	CHECK_INT(store_lease(st, "h9", "miss:3:def", 10000), 1);
	CHECK_INT(store_lease(st, "h9", "miss:4:ghi", 10000), 0);
	CHECK_INT(store_release(st, "h9", "miss:3:def"), 0);

	/* Backoff: until its time, with its reason, for that URL only. */
	CHECK_INT(store_backoff(st, "http://ca/", 31000, "upstream: timed out\n", 1000), 0);
	CHECK_INT(store_wait_state(st, "h1", "http://ca/", 1000, &leased, &until, why, sizeof(why)), 0);
	CHECK_INT(until, 31000);
	CHECK_STR(why, "upstream: timed out?");
	CHECK_INT(store_wait_state(st, "h1", "http://other/", 1000, &leased, &until, why, sizeof(why)), 0);
	CHECK_INT(until, 0);
	CHECK_INT(store_wait_state(st, "h1", "http://ca/", 31000, &leased, &until, why, sizeof(why)), 0);
	CHECK_INT(until, 0);
	CHECK_INT(store_backoffs(st, 1000, &urls, &vals), 0);
	CHECK_INT(urls.n, 1);
	CHECK_STR(urls.n > 0 ? urls.v[0] : NULL, "http://ca/");
	CHECK_STR(vals.n > 0 ? vals.v[0] : NULL, "31000 upstream: timed out?");
	strlist_free(&urls);
	strlist_free(&vals);
	/* Past its time it is not listed, and the next backoff set drops it. */
	CHECK_INT(store_backoffs(st, 40000, &urls, &vals), 0);
	CHECK_INT(urls.n, 0);
	CHECK_INT(store_backoff(st, "http://b/", 90000, "HTTP 500", 40000), 0);
	strlist_free(&urls);
	strlist_free(&vals);
	CHECK_INT(store_backoffs(st, 0, &urls, &vals), 0);
	CHECK_INT(urls.n, 1);
	strlist_free(&urls);
	strlist_free(&vals);
	/* Bounded: past BACKOFF_URLS_MAX the one ending first goes. */
	for (i = 0; i < BACKOFF_URLS_MAX + 5; i++) {
		char u[64];

		snprintf(u, sizeof(u), "http://n%d/", i);
		if (store_backoff(st, u, 100000 + i, "x", 40000) == -1)
			break;
	}
	CHECK_INT(store_backoffs(st, 40000, &urls, &vals), 0);
	CHECK_INT(urls.n, BACKOFF_URLS_MAX);
	strlist_free(&urls);
	strlist_free(&vals);
	/* What Redis holds is data: a value the proxy never writes is no backoff. */
	raw(dir, "HSET {%s}:backoff %s %s", "t1", "http://bad/", "soon reason");
	CHECK_INT(store_wait_state(st, "h1", "http://bad/", 1000, &leased, &until, why, sizeof(why)), 0);
	CHECK_INT(until, 0);
	raw(dir, "HSET {%s}:backoff %s %s", "t1", "http://bad/", "99999999999999999999999 x");
	CHECK_INT(store_wait_state(st, "h1", "http://bad/", 1000, &leased, &until, why, sizeof(why)), 0);
	CHECK_INT(until, 0);
	/* ... nor one further off than any upstream_backoff: a writer to Redis would keep a good
	 * responder off for good. Neither it nor a URL the proxy never asks reaches ctl or the
	 * metrics; a reason does only printable. */
	raw(dir, "HSET {%s}:backoff %s %s", "t1", "http://bad/", "253402300799000 forever");
	CHECK_INT(store_wait_state(st, "h1", "http://bad/", 1000, &leased, &until, why, sizeof(why)), 0);
	CHECK_INT(until, 0);
	raw(dir, "DEL {%s}:backoff%s%s", "t1", "", "");
	raw(dir, "HSET {%s}:backoff %s %s", "t1", "http://bad/\033[2J", "9000 x");
	raw(dir, "HSET {%s}:backoff %s %s", "t1", "http://ok/", "9000 \033]0;x\007");
	CHECK_INT(store_backoffs(st, 1000, &urls, &vals), 0);
	CHECK_INT(urls.n, 1);
	CHECK_STR(urls.n > 0 ? urls.v[0] : NULL, "http://ok/");
	CHECK_STR(vals.n > 0 ? vals.v[0] : NULL, "9000 ?]0;x?");
	strlist_free(&urls);
	strlist_free(&vals);
	raw(dir, "DEL {%s}:backoff%s%s", "t1", "", "");
}

static void
test_down(struct store *st, const char *dir, pid_t *pid, long long timeout)
{
	struct strlist l = { 0 }, l2 = { 0 };
	struct entry e, got;
	long long t0, worst = 0, t;
	time_t when;
	int i;

	fill(&e, RESP1, sizeof(RESP1), 10, 100);
	CHECK_INT(store_ping(st), 0);

	/* Hung: the command times out. */
	kill(*pid, SIGSTOP);
	t0 = clock_ms();
	CHECK_INT(store_lookup(st, "aa01", 10, 1, &got), -1);
	t = clock_ms() - t0;
	CHECK(t >= timeout - 50 && t < timeout + 1000);

	redis_stop(*pid);
	for (i = 0; i < 2; i++) {
		t0 = clock_ms();
		CHECK_INT(store_lookup(st, "aa01", 10, 1, &got), -1);
		CHECK(got.resp == NULL);
		CHECK_INT(store_get(st, "aa01", &got), -1);
		CHECK_INT(store_put(st, "aa01", &e, 10), STORE_PUT_ERROR);
		CHECK_INT(store_fail(st, "aa01", "x", 1, 2), -1);
		CHECK_INT(store_delete(st, "aa01"), -1);
		CHECK_INT(store_due(st, 10, 10, &l, NULL), -1);
		CHECK_INT(store_next_due(st, &when), -1);
		CHECK_INT(store_certids(st, 0, 10, &l), -1);
		CHECK_INT(store_count(st), -1);
		CHECK_INT(store_count_due(st, 10), -1);
		CHECK_INT(store_count_failing(st), -1);
		CHECK_INT(store_lease(st, "aa01", "me", 1000), -1);
		CHECK_INT(store_release(st, "aa01", "me"), -1);
		CHECK_INT(store_stat_incr(st, "x", 1), -1);
		CHECK_INT(store_stats(st, &l, &l2), -1);
		CHECK_INT(store_ping(st), -1);
		t = clock_ms() - t0;
		if (t > worst)
			worst = t;
	}
	CHECK(worst < timeout);
	CHECK(strcmp(store_error(st), "no error") != 0);
	CHECK_INT(l.n, 0);
	strlist_free(&l);
	strlist_free(&l2);

	*pid = redis_start(dir);
	CHECK(*pid > 0);
	CHECK_INT(store_ping(st), 0);
	CHECK_INT(store_put(st, "aa01", &e, 10), STORE_PUT_STORED);
	CHECK_INT(store_lookup(st, "aa01", 10, 1, &got), 1);
	entry_free(&got);
}

/* redis_read: hits come from the read server and are recorded on the primary by store_flush;
 * either server may be down. rd is a second, independent redis-server standing in for a local
 * replica (the integration tests use real replication). */
static void
test_read_server(const char *dir, const struct config *base, pid_t *pid)
{
	char rdir[600], rsock[700];
	struct config wcfg = *base, cfg = *base;
	struct store *writer, *st;
	struct entry e, got;
	pid_t rpid;

	snprintf(rdir, sizeof(rdir), "%s/rd", dir);
	mkdir(rdir, 0700);
	if ((rpid = redis_start(rdir)) == -1) {
		CHECK(!"cannot start the second redis-server");
		return;
	}
	snprintf(rsock, sizeof(rsock), "unix://%s/redis.sock", rdir);
	wcfg.redis = rsock;
	wcfg.key_prefix = cfg.key_prefix = (char *)"t3";
	cfg.redis_read = rsock;
	writer = store_new(&wcfg);
	st = store_new(&cfg);

	fill(&e, RESP1, sizeof(RESP1), 1000, 3000);
	CHECK_INT(store_put(writer, "r1", &e, 1500), STORE_PUT_STORED);
	CHECK_INT(store_lookup(st, "r1", 2000, 1, &got), 1);
	CHECK(got.resp_len == sizeof(RESP1) && memcmp(got.resp, RESP1, sizeof(RESP1)) == 0);
	CHECK_INT(got.due, 1500);
	entry_free(&got);
	CHECK_INT(stat_value(st, "hits"), 0);
	CHECK_INT(store_flush(st), 0);
	CHECK_INT(stat_value(st, "hits"), 1);
	CHECK_INT(store_flush(st), 0);
	CHECK_INT(stat_value(st, "hits"), 1);
	/* Recording a hit never creates a half entry on the primary. */
	CHECK_INT(store_get(st, "r1", &got), 0);

	/* Writes go to the primary; the read server still answers the hit. */
	fill(&e, RESP2, sizeof(RESP2), 1100, 3000);
	CHECK_INT(store_put(st, "r1", &e, 1600), STORE_PUT_STORED);
	CHECK_INT(store_lookup(st, "r1", 2100, 1, &got), 1);
	CHECK(got.resp_len == sizeof(RESP1) && memcmp(got.resp, RESP1, sizeof(RESP1)) == 0);
	entry_free(&got);
	CHECK_INT(store_flush(st), 0);
	CHECK_INT(store_get(st, "r1", &got), 1);
	CHECK_INT(got.last_hit, 2100);
	CHECK(got.resp_len == sizeof(RESP2) && memcmp(got.resp, RESP2, sizeof(RESP2)) == 0);
	entry_free(&got);
	CHECK_INT(stat_value(st, "hits"), 2);
	/* A stale lookup is counted as one. */
	CHECK_INT(store_lookup(st, "r1", 4000, 1, &got), 1);
	entry_free(&got);
	CHECK_INT(store_flush(st), 0);
	CHECK_INT(stat_value(st, "stale_lookups"), 1);
	/* Without count nothing is recorded. */
	CHECK_INT(store_lookup(st, "r1", 2200, 0, &got), 1);
	entry_free(&got);
	CHECK_INT(store_flush(st), 0);
	CHECK_INT(stat_value(st, "hits"), 2);

	/* Not replicated yet: the primary has it, and counts it at once. */
	CHECK_INT(store_put(st, "r2", &e, 1600), STORE_PUT_STORED);
	CHECK_INT(store_lookup(st, "r2", 2000, 1, &got), 1);
	CHECK(got.resp_len == sizeof(RESP2) && memcmp(got.resp, RESP2, sizeof(RESP2)) == 0);
	entry_free(&got);
	CHECK_INT(stat_value(st, "hits"), 3);
	CHECK_INT(store_flush(st), 0);
	CHECK_INT(stat_value(st, "hits"), 3);
	CHECK_INT(store_lookup(st, "r3", 2000, 1, &got), 0);
	CHECK_INT(stat_value(st, "misses"), 1);

	/* The primary gone: hits still come from the read server; recording them fails. */
	redis_stop(*pid);
	*pid = -1;
	CHECK_INT(store_lookup(st, "r1", 2300, 1, &got), 1);
	CHECK(got.resp_len == sizeof(RESP1) && memcmp(got.resp, RESP1, sizeof(RESP1)) == 0);
	entry_free(&got);
	CHECK_INT(store_flush(st), -1);
	/* ... and right after a failure it is not even tried: a resident worker would wait. */
	CHECK_INT(store_lookup(st, "r1", 2300, 1, &got), 1);
	entry_free(&got);
	CHECK_INT(store_flush(st), -1);
	CHECK_STR(store_error(st), "primary unreachable a moment ago, hit not recorded");
	CHECK_INT(store_lookup(st, "r3", 2300, 1, &got), -1);
	CHECK_INT(store_put(st, "r3", &e, 1600), STORE_PUT_ERROR);
	/* ... even when the read server just killed our connection, as it does when a Sentinel
	 * promotes or repoints it (CLIENT KILL TYPE normal): it is asked again on a new one. */
	raw(rdir, "CLIENT KILL TYPE %s", "normal", NULL, NULL);
	CHECK_INT(store_lookup(st, "r1", 2400, 1, &got), 1);
	CHECK(got.resp_len == sizeof(RESP1) && memcmp(got.resp, RESP1, sizeof(RESP1)) == 0);
	entry_free(&got);
	CHECK_INT(store_flush(st), -1);

	/* The read server gone: the primary answers. */
	*pid = redis_start(dir);
	CHECK(*pid > 0);
	redis_stop(rpid);
	CHECK_INT(store_put(st, "r4", &e, 1600), STORE_PUT_STORED);
	CHECK_INT(store_lookup(st, "r4", 2000, 1, &got), 1);
	entry_free(&got);
	CHECK_INT(store_lookup(st, "r1", 2000, 1, &got), 0);

	store_free(writer);
	store_free(st);
	unlink(rsock + 7);
	rmdir(rdir);
}

/* One replacement rule: store_put's script keeps or replaces exactly as answer_replaces says,
 * over every pair of statuses (good, revoked, unknown) and older, same and newer thisUpdates. */
static void
test_replace_rule(struct store *st)
{
	static const int statuses[] = { OCSP_CERT_GOOD, OCSP_CERT_REVOKED, OCSP_CERT_UNKNOWN };
	static const time_t times[] = { 1000, 2000, 3000 };
	struct entry e;
	size_t a, b, j;
	int want, agree = 0, cases = 0;

	for (a = 0; a < 3; a++)
		for (b = 0; b < 3; b++)
			for (j = 0; j < 3; j++) {
				store_delete(st, "rule");
				fill(&e, RESP1, sizeof(RESP1), times[1], 9000);
				e.cert_status = statuses[a];
				if (store_put(st, "rule", &e, 5000) != STORE_PUT_STORED)
					continue;
				fill(&e, RESP2, sizeof(RESP2), times[j], 9000);
				e.cert_status = statuses[b];
				want = answer_replaces(times[1], statuses[a], times[j], statuses[b]);
				cases++;
				if (store_put(st, "rule", &e, 5000) ==
				    (want ? STORE_PUT_STORED : STORE_PUT_KEPT))
					agree++;
				else
					printf("# store_put and answer_replaces differ: cached %d at %lld, "
					       "answer %d at %lld\n", statuses[a], (long long)times[1],
					       statuses[b], (long long)times[j]);
			}
	CHECK_INT(cases, 27);
	CHECK_INT(agree, cases);
	/* The rule's cases by name. */
	CHECK_INT(answer_replaces(2000, OCSP_CERT_GOOD, 3000, OCSP_CERT_GOOD), 1);
	CHECK_INT(answer_replaces(2000, OCSP_CERT_GOOD, 1000, OCSP_CERT_REVOKED), 0);
	CHECK_INT(answer_replaces(2000, OCSP_CERT_GOOD, 2000, OCSP_CERT_GOOD), 1);
	CHECK_INT(answer_replaces(2000, OCSP_CERT_REVOKED, 2000, OCSP_CERT_GOOD), 0);
	CHECK_INT(answer_replaces(2000, OCSP_CERT_REVOKED, 2000, OCSP_CERT_REVOKED), 1);
	CHECK_INT(answer_replaces(2000, OCSP_CERT_UNKNOWN, 1000, OCSP_CERT_GOOD), 1);
	CHECK_INT(answer_replaces(2000, OCSP_CERT_UNKNOWN, 1000, OCSP_CERT_REVOKED), 1);
	CHECK_INT(answer_replaces(2000, OCSP_CERT_UNKNOWN, 1000, OCSP_CERT_UNKNOWN), 0);
	CHECK_INT(answer_replaces(2000, OCSP_CERT_GOOD, 1000, OCSP_CERT_UNKNOWN), 0);
	store_delete(st, "rule");
}

int
main(void)
{
	char dir[] = "/tmp/test_store.XXXXXX", sock[600], path[700];
	struct config cfg;
	struct store *st, *other;
	struct entry got;
	pid_t pid;

	signal(SIGPIPE, SIG_IGN);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	if ((pid = redis_start(dir)) == -1) {
		printf("cannot start redis-server\n");
		return 1;
	}
	snprintf(sock, sizeof(sock), "unix://%s/redis.sock", dir);
	memset(&cfg, 0, sizeof(cfg));
	cfg.redis = sock;
	cfg.redis_timeout = 400;
	cfg.key_prefix = (char *)"t1";

	if ((st = store_new(&cfg)) == NULL) {
		printf("out of memory\n");
		redis_stop(pid);
		return 1;
	}
	CHECK_STR(store_error(st), "no error");
	test_lookup_put(st);
	test_fields(st, dir);
	test_fail(st);
	test_replace_rule(st);

	/* Another prefix sees none of it; the keys are spelled as documented. */
	{
		struct config cfg2 = cfg;

		cfg2.key_prefix = (char *)"t2";
		other = store_new(&cfg2);
		CHECK_INT(store_lookup(other, "aa01", 100, 1, &got), 0);
		CHECK_INT(store_count(other), 0);
		test_schedule(other, dir);
		CHECK_INT(store_count(st), 2);
		CHECK_INT(stat_value(st, "passthrough"), 0); /* listed, never counted here */
		test_malformed(other, dir);
		store_free(other);
	}
	/* max_entries: a new entry past the cap is refused and counted; one cached is still
	 * replaced. */
	{
		struct config cfg3 = cfg;
		struct entry e;

		cfg3.key_prefix = (char *)"t3";
		cfg3.max_entries = 2;
		other = store_new(&cfg3);
		memset(&e, 0, sizeof(e));
		e.resp = (unsigned char *)"r";
		e.resp_len = 1;
		e.this_update = 100;
		e.next_update = 200;
		CHECK_INT(store_put(other, "c1", &e, 150), STORE_PUT_STORED);
		CHECK_INT(store_put(other, "c2", &e, 150), STORE_PUT_STORED);
		CHECK_INT(store_put(other, "c3", &e, 150), STORE_PUT_FULL);
		CHECK_INT(stat_value(other, "refused_full"), 1);
		CHECK_INT(store_lookup(other, "c3", 120, 0, &got), 0);
		e.this_update = 110;
		CHECK_INT(store_put(other, "c2", &e, 150), STORE_PUT_STORED);
		CHECK_INT(store_count(other), 2);
		CHECK_INT(store_delete(other, "c1"), 1);
		CHECK_INT(store_put(other, "c3", &e, 150), STORE_PUT_STORED);
		store_free(other);
	}
	/* A field longer than the proxy writes (resp over max_response_bytes, another over
	 * STORED_FIELD_MAX) is not shipped by the hit lookup: the entry reads as absent, is deleted
	 * with its schedule, and counted; one at the cap is read. */
	{
		struct config cfg4 = cfg;
		struct entry e;
		static char big[STORED_FIELD_MAX + 2];

		cfg4.key_prefix = (char *)"t4";
		cfg4.max_response_bytes = 64;
		other = store_new(&cfg4);
		memset(&e, 0, sizeof(e));
		e.resp = (unsigned char *)big;
		memset(big, 'r', sizeof(big) - 1);
		e.resp_len = 64;
		e.this_update = 100;
		e.next_update = 200;
		CHECK_INT(store_put(other, "o1", &e, 150), STORE_PUT_STORED);
		CHECK_INT(store_lookup(other, "o1", 120, 1, &got), 1);
		CHECK(got.resp_len == 64);
		entry_free(&got);
		e.resp_len = 65;
		e.this_update = 101;
		CHECK_INT(store_put(other, "o1", &e, 150), STORE_PUT_STORED);
		CHECK_INT(store_lookup(other, "o1", 120, 1, &got), 0);
		CHECK(got.resp == NULL);
		CHECK_INT(stat_value(other, "cache_rejected"), 1);
		CHECK_INT(store_get(other, "o1", &got), 0);
		CHECK_INT(store_count(other), 0);
		/* The URL: at STORED_FIELD_MAX read, one byte more not. */
		e.resp_len = 10;
		e.url = big + 1;
		CHECK_INT(store_put(other, "o2", &e, 150), STORE_PUT_STORED);
		CHECK_INT(store_lookup(other, "o2", 120, 1, &got), 1);
		CHECK(got.url != NULL && strlen(got.url) == STORED_FIELD_MAX);
		entry_free(&got);
		e.url = big;
		e.this_update = 102;
		CHECK_INT(store_put(other, "o2", &e, 150), STORE_PUT_STORED);
		CHECK_INT(store_lookup(other, "o2", 120, 1, &got), 0);
		CHECK_INT(stat_value(other, "cache_rejected"), 2);
		CHECK_INT(store_count(other), 0);
		store_free(other);
	}
	{
		redisContext *c;
		redisReply *r;

		snprintf(path, sizeof(path), "%s/redis.sock", dir);
		c = redisConnectUnix(path);
		r = redisCommand(c, "EXISTS {t1}:e:aa01 {t1}:due {t1}:stats {t2}:lease:a2");
		CHECK(r != NULL && r->type == REDIS_REPLY_INTEGER && r->integer == 4);
		if (r != NULL)
			freeReplyObject(r);
		r = redisCommand(c, "ZSCORE {t1}:due aa01");
		CHECK(r != NULL && r->type == REDIS_REPLY_STRING && strcmp(r->str, "3400") == 0);
		if (r != NULL)
			freeReplyObject(r);
		redisFree(c);
	}

	test_herd(st, dir);
	test_error_replies(dir, &cfg);
	test_bad_urls(&cfg);
	test_down(st, dir, &pid, cfg.redis_timeout);
	store_free(st);
	test_read_server(dir, &cfg, &pid);

	if (pid > 0)
		redis_stop(pid);
	snprintf(path, sizeof(path), "%s/redis.sock", dir);
	unlink(path);
	rmdir(dir);
	return CHECK_DONE();
}
