/* redis: where the Redis servers are and how to reach them: the URL syntax, the Sentinels,
 * and connections opened with AUTH, SELECT and ROLE in one round trip. store.c holds the keys. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include "redis.h"
#include "url.h"

/* What the helpers below share: the configuration and where the error goes. */
struct ctx {
	const struct config *cfg;
	struct err *err;
};

static void errf(struct ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A server that cannot be reached or used: ERR_IO, try again later. */
static void
errf(struct ctx *x, const char *fmt, ...)
{
	va_list ap;

	x->err->kind = ERR_IO;
	va_start(ap, fmt);
	vsnprintf(x->err->msg, sizeof(x->err->msg), fmt, ap);
	va_end(ap);
}

/* redis_timeout, for connect and for every command. */
static struct timeval
deadline(const struct config *cfg)
{
	struct timeval tv = { cfg->redis_timeout / 1000, (cfg->redis_timeout % 1000) * 1000 };

	return tv;
}

/* Decimal digits only, the whole of [s, end), within [min, max]. */
static int
parse_num(const char *s, const char *end, long min, long max, int *out)
{
	long v = 0;

	if (s == end || end - s > 9)
		return -1;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	if (v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

/* 1 when [s, s + n) can be a host name or an address literal: letters, digits, '-', '.', '_'
 * (':' and a '%' zone inside brackets). Anything else is a typo or a piece of a password, and
 * must reach neither the resolver nor a message. */
static int
host_chars_ok(const char *s, size_t n, int bracketed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || (c == '_' && !bracketed) ||
		    (bracketed && (c == ':' || c == '%')))
			continue;
		return 0;
	}
	return 1;
}

int
redis_url_parse(const char *url, struct redis_url *u)
{
	const char *p, *at, *slash, *colon, *q, *hend;
	char *host = u->host, *pass = u->pass;
	const size_t hostlen = sizeof(u->host), passlen = sizeof(u->pass);
	int *port = &u->port, *db = &u->db, bracketed;
	size_t n;

	*port = 6379;
	*db = 0;
	pass[0] = '\0';
	if (strncmp(url, "unix://", 7) == 0) {
		p = url + 7;
		q = strchr(p, '?');
		n = q != NULL ? (size_t)(q - p) : strlen(p);
		if (n == 0 || n >= hostlen)
			return -1;
		memcpy(host, p, n);
		host[n] = '\0';
		*port = 0;
		if (q == NULL)
			return 0;
		if (strncmp(q, "?db=", 4) != 0)
			return -1;
		return parse_num(q + 4, q + strlen(q), 0, 1000000, db);
	}
	if (strncmp(url, "redis://", 8) != 0)
		return -1;
	p = url + 8;
	/* The password ends at the last '@': it may hold '@' and '/' itself, while what follows
	 * (host, port, database) holds neither. Splitting at the first would make the rest of the
	 * password the "host", printed in errors and handed to the resolver. */
	at = strrchr(p, '@');
	if (at != NULL) {
		q = p[0] == ':' ? p + 1 : p;
		n = (size_t)(at - q);
		if (n >= passlen)
			return -1;
		memcpy(pass, q, n);
		pass[n] = '\0';
		p = at + 1;
	}
	slash = strchr(p, '/');
	hend = slash != NULL ? slash : p + strlen(p);
	bracketed = *p == '[';
	if (bracketed) {
		const char *rb = memchr(p, ']', (size_t)(hend - p));

		if (rb == NULL)
			return -1;
		p++;
		n = (size_t)(rb - p);
		colon = rb + 1;
		if (colon != hend && *colon != ':')
			return -1;
	} else {
		colon = memchr(p, ':', (size_t)(hend - p));
		if (colon == NULL)
			colon = hend;
		n = (size_t)(colon - p);
	}
	if (n == 0 || n >= hostlen || !host_chars_ok(p, n, bracketed))
		return -1;
	memcpy(host, p, n);
	host[n] = '\0';
	if (colon != hend && parse_num(colon + 1, hend, 1, 65535, port) == -1)
		return -1;
	if (slash != NULL && slash[1] != '\0' &&
	    parse_num(slash + 1, slash + strlen(slash), 0, 1000000, db) == -1)
		return -1;
	return 0;
}

/* Connects to the i-th Sentinel and authenticates. NULL when it cannot be reached. */
static redisContext *
sentinel_open(struct ctx *x, size_t i)
{
	const struct config *cfg = x->cfg;
	struct timeval tv = deadline(cfg);
	char shost[256];
	redisContext *c;
	redisReply *r;
	int sport;

	if (url_split_hostport(cfg->redis_sentinel.v[i], shost, sizeof(shost), &sport) == -1 ||
	    sport == 0)
		return NULL;
	c = redisConnectWithTimeout(shost, sport, tv);
	if (c == NULL || c->err || redisSetTimeout(c, tv) != REDIS_OK)
		goto fail;
	if (cfg->redis_sentinel_password != NULL) {
		r = redisCommand(c, "AUTH %s", cfg->redis_sentinel_password);
		if (r == NULL || r->type == REDIS_REPLY_ERROR) {
			if (r != NULL)
				freeReplyObject(r);
			goto fail;
		}
		freeReplyObject(r);
	}
	return c;
fail:
	if (c != NULL)
		redisFree(c);
	return NULL;
}

/* Copies a host string reply and a port string reply. 0 when both are sound. */
static int
host_port(const redisReply *h, const redisReply *p, char *host, size_t hostlen, int *port)
{
	if (h == NULL || p == NULL || h->type != REDIS_REPLY_STRING ||
	    p->type != REDIS_REPLY_STRING || h->len == 0 || h->len >= hostlen)
		return -1;
	memcpy(host, h->str, h->len);
	host[h->len] = '\0';
	*port = atoi(p->str);
	return *port > 0 && *port < 65536 ? 0 : -1;
}

/* A field of a Sentinel's flat name/value array, or NULL. */
static const redisReply *
field_of(const redisReply *r, const char *name)
{
	size_t i;

	for (i = 0; r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements; i += 2)
		if (r->element[i]->type == REDIS_REPLY_STRING && strcmp(r->element[i]->str, name) == 0)
			return r->element[i + 1];
	return NULL;
}

/* Asks the Sentinels in turn for redis_master_name's primary (replica 0) or for one of its
 * replicas the Sentinels do not consider down (replica 1). 0 with host and port filled, -1
 * when none answers. */
static int
sentinel_lookup(struct ctx *x, int replica, char *host, size_t hostlen, int *port)
{
	const struct config *cfg = x->cfg;
	const redisReply *flags;
	redisContext *c;
	redisReply *r;
	size_t i, k;
	int found;

	for (i = 0; i < cfg->redis_sentinel.n; i++) {
		if ((c = sentinel_open(x, i)) == NULL)
			continue;
		r = redisCommand(c, replica ? "SENTINEL replicas %s" : "SENTINEL get-master-addr-by-name %s",
		                 cfg->redis_master_name);
		found = 0;
		if (r != NULL && r->type == REDIS_REPLY_ARRAY && !replica)
			found = r->elements == 2 &&
			    host_port(r->element[0], r->element[1], host, hostlen, port) == 0;
		for (k = 0; r != NULL && r->type == REDIS_REPLY_ARRAY && replica && !found &&
		            k < r->elements; k++) {
			flags = field_of(r->element[k], "flags");
			if (flags == NULL || flags->type != REDIS_REPLY_STRING ||
			    strstr(flags->str, "s_down") != NULL || strstr(flags->str, "disconnected") != NULL)
				continue;
			found = host_port(field_of(r->element[k], "ip"), field_of(r->element[k], "port"),
			                  host, hostlen, port) == 0;
		}
		if (r != NULL)
			freeReplyObject(r);
		redisFree(c);
		if (found)
			return 0;
	}
	errf(x, "no sentinel of %zu knows %s of '%s'", cfg->redis_sentinel.n,
	        replica ? "a live replica" : "the primary", cfg->redis_master_name);
	return -1;
}

/* Connects to host:port (port 0: a unix socket path), then AUTH, SELECT and, for a
 * primary found through the Sentinels, ROLE (a Sentinel may not have noticed a failover yet),
 * pipelined in one round trip. Errors name the server by host:port or path, never by its URL:
 * that may hold the password. */
static redisContext *
open_conn(struct ctx *x, const char *host, int port, const char *pass, int db, int check_role)
{
	struct timeval tv = deadline(x->cfg);
	char what[600];
	redisContext *c;
	redisReply *r;
	int i, n = 0, role_at = -1, bad_role;

	if (port == 0)
		snprintf(what, sizeof(what), "%s", host);
	else
		snprintf(what, sizeof(what), "%s%s%s:%d", strchr(host, ':') != NULL ? "[" : "", host,
		         strchr(host, ':') != NULL ? "]" : "", port);

	c = port == 0 ? redisConnectUnixWithTimeout(host, tv) : redisConnectWithTimeout(host, port, tv);
	if (c == NULL || c->err) {
		errf(x, "connect %s: %s", what, c != NULL ? c->errstr : "no memory");
		goto fail;
	}
	if (redisSetTimeout(c, tv) != REDIS_OK) {
		errf(x, "cannot set the Redis timeout");
		goto fail;
	}
	if (pass[0] != '\0') {
		redisAppendCommand(c, "AUTH %s", pass);
		n++;
	}
	if (db != 0) {
		redisAppendCommand(c, "SELECT %d", db);
		n++;
	}
	if (check_role) {
		redisAppendCommand(c, "ROLE");
		role_at = n++;
	}
	for (i = 0; i < n; i++) {
		if (redisGetReply(c, (void **)&r) != REDIS_OK || r == NULL) {
			errf(x, "redis %s: %s", what, c->errstr);
			goto fail;
		}
		if (r->type == REDIS_REPLY_ERROR) {
			errf(x, "redis %s: %s", what, r->str);
			freeReplyObject(r);
			goto fail;
		}
		bad_role = i == role_at &&
		    (r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
		     r->element[0]->type != REDIS_REPLY_STRING || strcmp(r->element[0]->str, "master") != 0);
		freeReplyObject(r);
		if (bad_role) {
			errf(x, "redis: %s is not the primary (yet)", what);
			goto fail;
		}
	}
	return c;
fail:
	if (c != NULL)
		redisFree(c);
	return NULL;
}

redisContext *
redis_connect(const struct config *cfg, enum redis_server which, struct err *err)
{
	struct ctx x = { cfg, err };
	struct redis_url primary, u;
	redisContext *c = NULL;
	int sentinel = cfg->redis_sentinel.n > 0;

	memset(&primary, 0, sizeof(primary));
	memset(&u, 0, sizeof(u));
	if (cfg->redis == NULL || redis_url_parse(cfg->redis, &primary) == -1) {
		err_set(err, ERR_INPUT, "bad redis URL");
		goto out;
	}
	if (cfg->redis_password != NULL)
		snprintf(primary.pass, sizeof(primary.pass), "%s", cfg->redis_password);
	if (which == REDIS_PRIMARY) {
		/* The Sentinels' primary keeps the URL's password and database. */
		if (sentinel && sentinel_lookup(&x, 0, primary.host, sizeof(primary.host),
		                                &primary.port) == -1)
			goto out;
		c = open_conn(&x, primary.host, primary.port, primary.pass, primary.db, sentinel);
		goto out;
	}
	/* Read servers: redis_read, else a live replica the Sentinels know. No ROLE check: after a
	 * failover either may well be the primary itself. Replicas normally share the primary's
	 * password and database. */
	if (cfg->redis_read == NULL) {
		if (!sentinel)
			errf(&x, "no replica to read from");
		else if (sentinel_lookup(&x, 1, u.host, sizeof(u.host), &u.port) == 0)
			c = open_conn(&x, u.host, u.port, primary.pass, primary.db, 0);
		goto out;
	}
	if (redis_url_parse(cfg->redis_read, &u) == -1) {
		err_set(err, ERR_INPUT, "bad redis_read URL");
		goto out;
	}
	if (u.pass[0] == '\0')
		memcpy(u.pass, primary.pass, sizeof(u.pass));
	c = open_conn(&x, u.host, u.port, u.pass, u.db, 0);
out:
	/* The passwords do not outlive the connection attempt on the stack. */
	explicit_bzero(primary.pass, sizeof(primary.pass));
	explicit_bzero(u.pass, sizeof(u.pass));
	return c;
}

int
redis_sentinel_check(const struct config *cfg, size_t i, struct err *err)
{
	struct ctx x = { cfg, err };
	redisContext *c;
	redisReply *r;
	int rc = -1;

	if (i >= cfg->redis_sentinel.n || cfg->redis_master_name == NULL) {
		err_set(err, ERR_INPUT, "no such sentinel");
		return -1;
	}
	if ((c = sentinel_open(&x, i)) == NULL) {
		errf(&x, "sentinel %s: no answer, or it refused redis_sentinel_password",
		     cfg->redis_sentinel.v[i]);
		return -1;
	}
	r = redisCommand(c, "SENTINEL get-master-addr-by-name %s", cfg->redis_master_name);
	if (r == NULL)
		errf(&x, "sentinel %s: %s", cfg->redis_sentinel.v[i], c->errstr);
	else if (r->type == REDIS_REPLY_ERROR)
		err_set(err, ERR_REFUSED, "sentinel %s: %s", cfg->redis_sentinel.v[i], r->str);
	else if (r->type != REDIS_REPLY_ARRAY || r->elements != 2)
		err_set(err, ERR_REFUSED, "sentinel %s does not know a primary named '%s'",
		        cfg->redis_sentinel.v[i], cfg->redis_master_name);
	else
		rc = 0;
	if (r != NULL)
		freeReplyObject(r);
	redisFree(c);
	return rc;
}
