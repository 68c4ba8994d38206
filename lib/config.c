/* config: the one configuration file every ocsp-proxy program reads. One table below holds every
 * key, its type and default; ocsp-proxy.conf(5) mirrors it. */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bounds.h"
#include "config.h"
#include "redis.h"
#include "url.h"

enum type { T_STR, T_URL, T_REDIS, T_DUR, T_SIZE, T_INT, T_BOOL, T_LIST, T_ROUTE, T_PREFIX,
             T_ALLOW, T_SECRET };

struct key {
	const char *name;
	enum type type;
	size_t off;
	const char *def;             /* NULL: unset */
	long long min, max;          /* T_INT, T_DUR (ms), T_SIZE */
};

#define O(f) offsetof(struct config, f)
#define DAY (86400LL * 1000)
static const struct key keys[] = {
	{ "redis",                    T_REDIS, O(redis), "redis://127.0.0.1:6379/0", 0, 0 },
	{ "redis_password",           T_SECRET, O(redis_password), NULL, 0, 0 },
	{ "redis_password_file",      T_STR,   O(redis_password_file), NULL, 0, 0 },
	{ "redis_read",               T_REDIS, O(redis_read), NULL, 0, 0 },
	{ "redis_sentinel",           T_LIST,  O(redis_sentinel), NULL, 0, 0 },
	{ "redis_master_name",        T_STR,   O(redis_master_name), NULL, 0, 0 },
	{ "redis_sentinel_password",  T_SECRET, O(redis_sentinel_password), NULL, 0, 0 },
	{ "redis_sentinel_password_file", T_STR, O(redis_sentinel_password_file), NULL, 0, 0 },
	{ "redis_timeout",            T_DUR,   O(redis_timeout), "1s", 1, 60000 },
	{ "key_prefix",               T_PREFIX, O(key_prefix), "ocsp", 0, 0 },
	{ "read_timeout",             T_DUR,   O(read_timeout), "10s", 1, 3600000 },
	{ "max_header_bytes",         T_SIZE,  O(max_header_bytes), "8k", 256, 1 << 20 },
	{ "max_request_bytes",        T_SIZE,  O(max_request_bytes), "16k", 64, 1 << 24 },
	{ "proxy_names",              T_LIST,  O(proxy_names), NULL, 0, 0 },
	{ "allow_upstream",           T_ALLOW, O(allow_upstream), NULL, 0, 0 },
	{ "default_upstream",         T_URL,   O(default_upstream), NULL, 0, 0 },
	{ "route",                    T_ROUTE, 0, NULL, 0, 0 },
	{ "upstream_timeout",         T_DUR,   O(upstream_timeout), "10s", 1, 3600000 },
	{ "upstream_backoff",         T_DUR,   O(upstream_backoff), "30s", 0, UPSTREAM_BACKOFF_MAX_MS },
	{ "upstream_proxy",           T_URL,   O(upstream_proxy), NULL, 0, 0 },
	{ "max_response_bytes",       T_SIZE,  O(max_response_bytes), "256k", 64, 1 << 28 },
	{ "clock_skew",               T_DUR,   O(clock_skew), "5m", 0, DAY },
	{ "trust_anchors",            T_STR,   O(trust_anchors), NULL, 0, 0 },
	{ "verify",                   T_BOOL,  O(verify), "yes", 0, 0 },
	{ "nonce_missing",            T_STR,   O(nonce_missing), "relay", 0, 0 },
	{ "issuers",                  T_LIST,  O(issuers), NULL, 0, 0 },
	{ "issuers_dir",              T_STR,   O(issuers_dir), "/etc/ocsp-proxy/issuers", 0, 0 },
	{ "system_issuers",           T_BOOL,  O(system_issuers), "yes", 0, 0 },
	{ "max_entries",              T_INT,   O(max_entries), "1000000", 1, 1000000000 },
	{ "check_interval",           T_DUR,   O(check_interval), "30m", 100, DAY },
	{ "refresh_interval",         T_DUR,   O(refresh_interval), "1d", 1000, 365 * DAY },
	{ "refresh_late_interval",    T_DUR,   O(refresh_late_interval), "1h", 1000, 365 * DAY },
	{ "refresh_margin",           T_DUR,   O(refresh_margin), "1h", 0, 365 * DAY },
	{ "retry_min",                T_DUR,   O(retry_min), "1m", 100, DAY },
	{ "retry_max",                T_DUR,   O(retry_max), "1h", 100, 365 * DAY },
	{ "unknown_refresh",          T_DUR,   O(unknown_refresh), "5m", 1000, DAY },
	{ "revocation_check_interval", T_DUR,  O(revocation_check_interval), "0", 0, 365 * DAY },
	{ "no_next_update_max_age",   T_DUR,   O(no_next_update_max_age), "1h", 0, 365 * DAY },
	{ "tick_budget",              T_DUR,   O(tick_budget), "20s", 1000, DAY },
	{ "evict_after",              T_DUR,   O(evict_after), "30d", 1000, 3650 * DAY },
	{ "expired_grace",            T_DUR,   O(expired_grace), "7d", 0, 3650 * DAY },
	{ "lease_time",               T_DUR,   O(lease_time), "1m", 1000, DAY },
	{ "concurrency",              T_INT,   O(concurrency), "16", 1, 1024 },
	{ "per_upstream_concurrency", T_INT,   O(per_upstream_concurrency), "4", 1, 256 },
	{ "metrics_file",             T_STR,   O(metrics_file), NULL, 0, 0 },
	{ "metrics_interval",         T_DUR,   O(metrics_interval), "1m", 1000, 3600000 },
	{ "staple_cert",              T_LIST,  O(staple_cert), NULL, 0, 0 },
	{ "staple_dir",               T_STR,   O(staple_dir), NULL, 0, 0 },
	{ "haproxy_socket",           T_STR,   O(haproxy_socket), NULL, 0, 0 },
	{ "listen",                   T_STR,   O(listen), NULL, 0, 0 },
	{ "workers",                  T_INT,   O(workers), "0", 0, 256 },
	{ "max_connections",          T_INT,   O(max_connections), "4096", 16, 1 << 20 },
	{ "max_misses",               T_INT,   O(max_misses), "64", 1, 4096 },
	{ "memory_cache_entries",     T_INT,   O(memory_cache_entries), "10000", 0, 1 << 24 },
	{ "log",                      T_STR,   O(log), "auto", 0, 0 },
	{ "log_format",               T_STR,   O(log_format), "logfmt", 0, 0 },
	{ "debug",                    T_BOOL,  O(debug), "no", 0, 0 },
};
#undef O

/* What struct redis_url's pass holds, without its NUL: a longer one would be cut silently. */
#define MAX_SECRET ((int)sizeof(((struct redis_url *)0)->pass) - 1)

int
config_parse_duration(const char *s, long long *ms)
{
	long long v = 0, mult;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (LLONG_MAX / 1000 / 86400 - 9) / 10)
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (strcmp(p, "") == 0 || strcmp(p, "s") == 0)
		mult = 1000;
	else if (strcmp(p, "ms") == 0)
		mult = 1;
	else if (strcmp(p, "m") == 0)
		mult = 60 * 1000;
	else if (strcmp(p, "h") == 0)
		mult = 3600 * 1000;
	else if (strcmp(p, "d") == 0)
		mult = 86400 * 1000;
	else
		return -1;
	*ms = v * mult;
	return 0;
}

int
config_parse_size(const char *s, size_t *bytes)
{
	unsigned long long v = 0, mult = 1;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > 1ULL << 40)
			return -1;
		v = v * 10 + (unsigned long long)(*p - '0');
	}
	if (strcasecmp(p, "k") == 0)
		mult = 1024;
	else if (strcasecmp(p, "m") == 0)
		mult = 1024 * 1024;
	else if (*p != '\0')
		return -1;
	*bytes = (size_t)(v * mult);
	return 0;
}

static int
parse_int(const char *s, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno != 0 || end == s || *end != '\0' ? -1 : 0;
}

static int
parse_bool(const char *s, int *out)
{
	static const char *yes[] = { "yes", "true", "on", "1" }, *no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return *out = 1, 0;
		if (strcasecmp(s, no[i]) == 0)
			return *out = 0, 0;
	}
	return -1;
}

static int
prefix_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || strchr("-_.:", s[i]) != NULL))
			return 0;
	return 1;
}

/* Comma- and/or blank-separated items appended to l. */
static int
parse_list(const char *s, struct strlist *l)
{
	char item[CONFIG_LINE_MAX];
	size_t n;

	while (*s != '\0') {
		s += strspn(s, ", \t");
		n = strcspn(s, ", \t");
		if (n == 0)
			break;
		memcpy(item, s, n);
		item[n] = '\0';
		if (strlist_push(l, item) == -1)
			return -1;
		s += n;
	}
	return 0;
}

/* allow_upstream: a list whose every entry must be HOST[:PORT] (url_allow_entry_ok). */
static int
parse_allow(const char *v, struct strlist *l, char *why, size_t whylen)
{
	size_t from = l->n;

	if (parse_list(v, l) == -1) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	for (; from < l->n; from++)
		if (url_allow_entry_ok(l->v[from]) == -1) {
			snprintf(why, whylen, "bad allow_upstream entry '%s' (HOST or HOST:PORT)",
			         l->v[from]);
			return -1;
		}
	return 0;
}

static int
add_route(struct config *cfg, const char *v, char *why, size_t whylen)
{
	char issuer[CONFIG_LINE_MAX];
	const char *url;
	struct url u;
	struct route *r;
	size_t n = strcspn(v, " \t");

	url = v + n;
	url += strspn(url, " \t");
	if (n == 0 || *url == '\0' || strpbrk(url, " \t") != NULL) {
		snprintf(why, whylen, "route needs 'ISSUER URL'");
		return -1;
	}
	if (url_parse(url, &u) == -1) {
		snprintf(why, whylen, "bad URL '%s' for route", url);
		return -1;
	}
	memcpy(issuer, v, n);
	issuer[n] = '\0';
	if ((r = realloc(cfg->routes, (cfg->n_routes + 1) * sizeof(*r))) == NULL)
		return -1;
	cfg->routes = r;
	r = &cfg->routes[cfg->n_routes];
	r->issuer = strdup(issuer);
	r->url = strdup(url);
	cfg->n_routes++;
	if (r->issuer == NULL || r->url == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	return 0;
}

/* A duration in the largest unit that divides it: 1d, 30m, 500ms. */
static void
duration_text(long long ms, char *out, size_t len)
{
	static const struct { long long ms; const char *unit; } units[] = {
		{ DAY, "d" }, { 3600000, "h" }, { 60000, "m" }, { 1000, "s" }, { 1, "ms" },
	};
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (ms != 0 && ms % units[i].ms == 0)
			break;
	if (i == sizeof(units) / sizeof(units[0]))
		i = 3;
	snprintf(out, len, "%lld%s", ms / units[i].ms, units[i].unit);
}

/* What a key accepts, for its error message (ocsp-proxy.conf(5) says the same). */
static void
allowed(const struct key *k, char *out, size_t len)
{
	char lo[32], hi[32];

	switch (k->type) {
	case T_DUR:
		duration_text(k->min, lo, sizeof(lo));
		duration_text(k->max, hi, sizeof(hi));
		snprintf(out, len, "a duration from %s to %s (ms, s, m, h, d)", lo, hi);
		break;
	case T_SIZE:
		snprintf(out, len, "a size from %lld to %lld bytes (k, m allowed)", k->min, k->max);
		break;
	case T_INT:
		snprintf(out, len, "a whole number from %lld to %lld", k->min, k->max);
		break;
	case T_BOOL:
		snprintf(out, len, "yes or no");
		break;
	case T_URL:
		snprintf(out, len, "an http:// or https:// URL");
		break;
	case T_REDIS:
		snprintf(out, len, "redis://[:PASSWORD@]HOST[:PORT][/DB] or unix:///PATH[?db=N]");
		break;
	case T_PREFIX:
		snprintf(out, len, "1 to 64 of letters, digits and - _ . :");
		break;
	case T_SECRET:
		snprintf(out, len, "a password");
		break;
	case T_ALLOW:
		snprintf(out, len, "HOST, *.DOMAIN, HOST:PORT or *, comma or space separated");
		break;
	default:
		snprintf(out, len, "a non-empty value");
		break;
	}
}

/* Sets one key from its text. 0 ok, -1 with why. */
static int
set_key(struct config *cfg, const struct key *k, const char *v, char *why, size_t whylen)
{
	char *base = (char *)cfg, range[128];
	struct redis_url ru;
	long long n;
	size_t sz;
	struct url u;
	int b;

	switch (k->type) {
	case T_URL:
		if (url_parse(v, &u) == -1)
			goto bad;
		/* FALLTHROUGH */
	case T_STR:
	case T_SECRET:
	case T_REDIS:
	case T_PREFIX:
		if (k->type == T_REDIS && redis_url_parse(v, &ru) == -1)
			goto bad;
		if (k->type == T_PREFIX && !prefix_ok(v))
			goto bad;
		if ((k->type == T_STR || k->type == T_SECRET) && *v == '\0')
			goto bad;
		{
			char **p = (char **)(base + k->off), *d = strdup(v);

			if (d == NULL) {
				snprintf(why, whylen, "out of memory");
				return -1;
			}
			free(*p);
			*p = d;
		}
		return 0;
	case T_DUR:
		if (config_parse_duration(v, &n) == -1 || n < k->min || n > k->max)
			goto bad;
		*(long long *)(base + k->off) = n;
		return 0;
	case T_SIZE:
		if (config_parse_size(v, &sz) == -1 || (long long)sz < k->min ||
		    (long long)sz > k->max)
			goto bad;
		*(size_t *)(base + k->off) = sz;
		return 0;
	case T_INT:
		if (parse_int(v, &n) == -1 || n < k->min || n > k->max)
			goto bad;
		*(int *)(base + k->off) = (int)n;
		return 0;
	case T_BOOL:
		if (parse_bool(v, &b) == -1)
			goto bad;
		*(int *)(base + k->off) = b;
		return 0;
	case T_LIST:
		if (parse_list(v, (struct strlist *)(base + k->off)) == -1) {
			snprintf(why, whylen, "out of memory");
			return -1;
		}
		return 0;
	case T_ALLOW:
		return parse_allow(v, (struct strlist *)(base + k->off), why, whylen);
	case T_ROUTE:
		return add_route(cfg, v, why, whylen);
	}
bad:
	allowed(k, range, sizeof(range));
	/* A password, or a Redis URL carrying one, is never echoed: errors reach logs. */
	if (k->type == T_SECRET || (k->type == T_REDIS && strchr(v, '@') != NULL))
		snprintf(why, whylen, "bad value for %s (not shown: it may hold a password): expected %s",
		         k->name, range);
	else
		snprintf(why, whylen, "bad value '%s' for %s: expected %s", v, k->name, range);
	return -1;
}

static const struct key *
find_key(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static void
trim(char *s)
{
	size_t n = strlen(s), lead = strspn(s, " \t");

	while (n > lead && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
	                    s[n - 1] == '\n'))
		n--;
	memmove(s, s + lead, n - lead);
	s[n - lead] = '\0';
}

static int
read_file(struct config *cfg, FILE *f, const char *path, char *err, size_t errlen)
{
	char line[CONFIG_LINE_MAX + 2], why[256], *eq, *hash, *v;
	unsigned char seen[sizeof(keys) / sizeof(keys[0])] = { 0 };
	const struct key *k;
	int lineno = 0;

	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err, errlen, "%s:%d: line too long", path, lineno);
			return -1;
		}
		/* '#' starts a comment at the start of a line or after blank space; URLs keep theirs. */
		for (hash = line; (hash = strchr(hash, '#')) != NULL; hash++)
			if (hash == line || hash[-1] == ' ' || hash[-1] == '\t') {
				*hash = '\0';
				break;
			}
		trim(line);
		if (line[0] == '\0')
			continue;
		if ((eq = strchr(line, '=')) == NULL) {
			snprintf(err, errlen, "%s:%d: expected 'key = value'", path, lineno);
			return -1;
		}
		*eq = '\0';
		v = eq + 1;
		trim(line);
		trim(v);
		if ((k = find_key(line)) == NULL) {
			snprintf(err, errlen, "%s:%d: unknown key '%.100s'", path, lineno, line);
			return -1;
		}
		if (k->type != T_LIST && k->type != T_ALLOW && k->type != T_ROUTE && seen[k - keys]++) {
			snprintf(err, errlen, "%s:%d: duplicate key '%.100s'", path, lineno, line);
			return -1;
		}
		if (set_key(cfg, k, v, why, sizeof(why)) == -1) {
			snprintf(err, errlen, "%s:%d: %s", path, lineno, why);
			return -1;
		}
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		return -1;
	}
	return 0;
}

/* Reads a password: the whole file, one trailing newline dropped. 1 read into *out, 0 when the
 * file is missing or empty and that is allowed (optional: a credential; 2: also when it may not
 * be read, a credential store of root's), -1 with why. The password is never put in why. */
static int
read_secret(const char *path, int optional, char **out, char *why, size_t whylen)
{
	char buf[MAX_SECRET + 2];
	size_t n;
	FILE *f;
	int rc = -1;

	if ((f = fopen(path, "re")) == NULL) {
		if ((optional && errno == ENOENT) || (optional == 2 && errno == EACCES))
			return 0;
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, sizeof(buf), f);
	if (ferror(f)) {
		snprintf(why, whylen, "%s: read error", path);
		goto out;
	}
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	if (n == 0 && optional) {
		rc = 0;
		goto out;
	}
	if (n == 0 || n > MAX_SECRET || memchr(buf, '\0', n) != NULL || memchr(buf, '\n', n) != NULL ||
	    memchr(buf, '\r', n) != NULL) {
		snprintf(why, whylen, "%s: must hold one password of 1 to %d bytes on one line", path,
		         MAX_SECRET);
		goto out;
	}
	buf[n] = '\0';
	if ((*out = strdup(buf)) == NULL) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	rc = 1;
out:
	explicit_bzero(buf, sizeof(buf));
	fclose(f);
	return rc;
}

/* One password: the key itself, else its _file key, else the systemd credential: in
 * $CREDENTIALS_DIRECTORY when systemd set it (a service), else in the credential stores systemd
 * loads it from (ocsp-proxyctl run by root finds what the services get). */
static int
resolve_secret(char **secret, const char *file, const char *name, const char *credential,
               char *why, size_t whylen)
{
	static const char *const stores[] = { "/etc/credstore", "/run/credstore", "/usr/lib/credstore" };
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	char path[4096];
	size_t i;
	int rc;

	if (*secret != NULL && file != NULL) {
		snprintf(why, whylen, "%s and %s_file are both set", name, name);
		return -1;
	}
	if (*secret != NULL)
		return 0;
	if (file != NULL)
		return read_secret(file, 0, secret, why, whylen) == -1 ? -1 : 0;
	if (dir != NULL && *dir != '\0') {
		if (snprintf(path, sizeof(path), "%s/%s", dir, credential) >= (int)sizeof(path)) {
			snprintf(why, whylen, "CREDENTIALS_DIRECTORY is too long");
			return -1;
		}
		return read_secret(path, 1, secret, why, whylen) == -1 ? -1 : 0;
	}
	for (i = 0; i < sizeof(stores) / sizeof(stores[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", stores[i], credential);
		if ((rc = read_secret(path, 2, secret, why, whylen)) != 0)
			return rc == -1 ? -1 : 0;
	}
	return 0;
}

static int
check(const struct config *cfg, const char *path, char *err, size_t errlen)
{
	const char *where = path != NULL ? path : "defaults";

	if (cfg->retry_min > cfg->retry_max) {
		snprintf(err, errlen, "%s: retry_min is longer than retry_max", where);
		return -1;
	}
	if (strcmp(cfg->log, "auto") != 0 && strcmp(cfg->log, "journal") != 0 &&
	    strcmp(cfg->log, "syslog") != 0 && strcmp(cfg->log, "stderr") != 0 && cfg->log[0] != '/') {
		snprintf(err, errlen, "%s: bad value '%s' for log (auto, journal, syslog, stderr or an "
		         "absolute file path)", where, cfg->log);
		return -1;
	}
	if (strcmp(cfg->log_format, "logfmt") != 0 && strcmp(cfg->log_format, "json") != 0) {
		snprintf(err, errlen, "%s: bad value '%s' for log_format (logfmt or json)", where,
		         cfg->log_format);
		return -1;
	}
	if (strcmp(cfg->nonce_missing, "relay") != 0 && strcmp(cfg->nonce_missing, "refuse") != 0) {
		snprintf(err, errlen, "%s: bad value '%s' for nonce_missing (relay or refuse)", where,
		         cfg->nonce_missing);
		return -1;
	}
	if (cfg->redis_sentinel.n > 0 && cfg->redis_master_name == NULL) {
		snprintf(err, errlen, "%s: redis_sentinel needs redis_master_name", where);
		return -1;
	}
	return 0;
}

static int
secrets(struct config *cfg, const char *path, char *err, size_t errlen)
{
	const char *where = path != NULL ? path : "defaults";
	char why[300];

	if (resolve_secret(&cfg->redis_password, cfg->redis_password_file, "redis_password",
	                   CREDENTIAL_REDIS_PASSWORD, why, sizeof(why)) == -1 ||
	    resolve_secret(&cfg->redis_sentinel_password, cfg->redis_sentinel_password_file,
	                   "redis_sentinel_password", CREDENTIAL_SENTINEL_PASSWORD, why,
	                   sizeof(why)) == -1) {
		snprintf(err, errlen, "%s: %s", where, why);
		return -1;
	}
	if ((cfg->redis_password != NULL && strlen(cfg->redis_password) > MAX_SECRET) ||
	    (cfg->redis_sentinel_password != NULL && strlen(cfg->redis_sentinel_password) > MAX_SECRET)) {
		snprintf(err, errlen, "%s: a Redis password is longer than %d bytes", where, MAX_SECRET);
		return -1;
	}
	return 0;
}

int
config_load(struct config *cfg, const char *path, struct err *e)
{
	char *err, why[256];
	size_t errlen = sizeof(e->msg);
	FILE *f = NULL;
	size_t i;
	int optional = 0, rc = -1;

	err_clear(e);
	err = e->msg;
	memset(cfg, 0, sizeof(*cfg));
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (keys[i].def != NULL && set_key(cfg, &keys[i], keys[i].def, why, sizeof(why)) == -1) {
			snprintf(err, errlen, "built-in default: %s", why);
			goto out;
		}
	if (path == NULL && (path = getenv(CONFIG_ENV)) != NULL && *path == '\0')
		path = NULL;
	if (path == NULL) {
		path = CONFIG_DEFAULT_PATH;
		optional = 1;
	}
	if ((f = fopen(path, "r")) == NULL) {
		if (optional && errno == ENOENT) {
			rc = secrets(cfg, NULL, err, errlen) == -1 ? -1 : check(cfg, NULL, err, errlen);
			goto out;
		}
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if ((cfg->path = strdup(path)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (read_file(cfg, f, path, err, errlen) == -1)
		goto out;
	rc = secrets(cfg, path, err, errlen) == -1 ? -1 : check(cfg, path, err, errlen);
out:
	if (f != NULL)
		fclose(f);
	if (rc == -1) {
		e->kind = ERR_INPUT;
		config_free(cfg);
	}
	return rc;
}

void
config_free(struct config *cfg)
{
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char **p = (char **)((char *)cfg + keys[i].off);

		/* Passwords, and URLs that may hold one, do not outlive the configuration. */
		if ((keys[i].type == T_SECRET || keys[i].type == T_REDIS) && *p != NULL)
			explicit_bzero(*p, strlen(*p));
		if (keys[i].type == T_STR || keys[i].type == T_URL || keys[i].type == T_REDIS ||
		    keys[i].type == T_PREFIX || keys[i].type == T_SECRET)
			free(*p);
		else if (keys[i].type == T_LIST || keys[i].type == T_ALLOW)
			strlist_free((struct strlist *)((char *)cfg + keys[i].off));
	}
	for (i = 0; i < cfg->n_routes; i++) {
		free(cfg->routes[i].issuer);
		free(cfg->routes[i].url);
	}
	free(cfg->routes);
	free(cfg->path);
	memset(cfg, 0, sizeof(*cfg));
}

int
config_peek(const char *path, const char *name, char *out, size_t outlen)
{
	char line[CONFIG_LINE_MAX + 2], *eq, *hash;
	FILE *f;
	int found = -1;

	if (path == NULL && (path = getenv(CONFIG_ENV)) != NULL && *path == '\0')
		path = NULL;
	if ((f = fopen(path != NULL ? path : CONFIG_DEFAULT_PATH, "r")) == NULL)
		return -1;
	/* The same reading as read_file's, without its checks: a later bad line must not hide
	 * where the operator wanted the log to go. */
	while (fgets(line, sizeof(line), f) != NULL) {
		for (hash = line; (hash = strchr(hash, '#')) != NULL; hash++)
			if (hash == line || hash[-1] == ' ' || hash[-1] == '\t') {
				*hash = '\0';
				break;
			}
		if ((eq = strchr(line, '=')) == NULL)
			continue;
		*eq = '\0';
		trim(line);
		trim(eq + 1);
		if (strcmp(line, name) == 0 && eq[1] != '\0' &&
		    snprintf(out, outlen, "%s", eq + 1) < (int)outlen)
			found = 0;
	}
	fclose(f);
	return found;
}
