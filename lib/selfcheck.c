/* selfcheck: the checks of `-t` that need the world: each file the configuration names exists
 * and parses, the log target can be written, Redis and the Sentinels answer and accept the
 * credentials. Read-only: a check must not change what it checks. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "cacert.h"
#include "issuers.h"
#include "ocsp.h"
#include "redis.h"
#include "selfcheck.h"
#include "store.h"

struct report {
	FILE *out;
	int errors;
};

/* ok: 1 fine, 0 an error, -1 a warning (worth knowing, but -t still passes: it may run on
 * another host than the service, without its journal). */
static void say(struct report *r, int ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
say(struct report *r, int ok, const char *fmt, ...)
{
	va_list ap;

	fputs(ok == 1 ? "ok    " : ok == 0 ? "error " : "warn  ", r->out);
	va_start(ap, fmt);
	vfprintf(r->out, fmt, ap);
	va_end(ap);
	fputc('\n', r->out);
	if (ok == 0)
		r->errors++;
}

/* 0 when a file at path could be appended to (an existing one, or a new one in its directory),
 * else -1 with errno; creates nothing. */
static int
appendable(const char *path)
{
	char dir[4096];

	if (access(path, F_OK) == 0)
		return access(path, W_OK);
	if (errno != ENOENT || snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -1;
	return access(dirname(dir), W_OK | X_OK);
}

static int
is_socket(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISSOCK(sb.st_mode);
}

static void
check_log(struct report *r, const char *log)
{
	int journal = is_socket("/run/systemd/journal/socket"), syslog = is_socket("/dev/log");

	if (log[0] == '/') {
		if (appendable(log) == 0)
			say(r, 1, "log %s: writable", log);
		else
			say(r, 0, "log %s: cannot be written: %s", log, strerror(errno));
	} else if (strcmp(log, "journal") == 0) {
		say(r, journal ? 1 : -1, "log journal: %s", journal ? "the journal listens"
		                                           : "no journal here (messages go to syslog)");
	} else if (strcmp(log, "syslog") == 0) {
		say(r, syslog ? 1 : -1, "log syslog: %s", syslog ? "/dev/log listens"
		                                        : "nothing listens on /dev/log: messages are lost");
	} else if (strcmp(log, "stderr") == 0) {
		say(r, 1, "log stderr: fine for the scheduler and systemd units; the handler refuses it "
		          "under xinetd, where stderr is the client");
	} else {
		say(r, journal || syslog ? 1 : -1, "log auto: %s", journal ? "the journal" : syslog ? "syslog"
		    : "no journal, no syslog: stderr, and nothing under xinetd; set log to a file");
	}
}

/* A route's issuer: a key hash in hex, or the CA certificate that issued what the route serves
 * (a server's own certificate there would match no request). Each line names the file and
 * the route, and on success the issuer key hash it serves. */
static void
check_route(struct report *r, const struct config *cfg, size_t i)
{
	const char *is = cfg->routes[i].issuer, *url = cfg->routes[i].url;
	const char *file = cfg->path != NULL ? cfg->path : "built-in defaults";
	struct cacert c;

	if (strspn(is, "0123456789abcdefABCDEF") == strlen(is) && strlen(is) >= 40) {
		say(r, 1, "%s: route %zu: issuer key hash %s, to %s", file, i + 1, is, url);
		return;
	}
	if (cacert_read(is, &c) == -1) {
		if (errno != 0)
			say(r, 0, "%s: route %zu: issuer %s: %s", file, i + 1, is, strerror(errno));
		else
			say(r, 0, "%s: route %zu: issuer %s: not a certificate (PEM or DER)", file, i + 1,
			    is);
	} else if (!c.ca) {
		say(r, 0, "%s: route %zu: issuer %s (%s) is not a CA certificate: %s; give the CA that "
		    "issued the certificates this route serves", file, i + 1, is, c.subject, c.why);
	} else {
		say(r, 1, "%s: route %zu: issuer %s (%s) serves issuer key hash %s (SHA-1), to %s", file,
		    i + 1, is, c.subject, c.key_hash, url);
	}
}

static void
check_files(struct report *r, const struct config *cfg)
{
	struct issuers *issuers;
	struct err err;
	size_t i;

	/* The issuer store answers are verified against: issuers, issuers_dir, route issuer files,
	 * trust_anchors (the system bundle is read only on need). */
	if (!cfg->verify) {
		say(r, -1, "verify = no: upstream answers are not checked; anyone on the path to a "
		           "responder can forge them");
	} else if ((issuers = issuers_load(cfg, &err)) == NULL) {
		say(r, 0, "%s", err.msg); /* names the key and file: "trust_anchors FILE: ..." */
	} else {
		say(r, 1, "issuer store: %d certificates%s", issuers_count(issuers),
		    cfg->system_issuers ? ", and the system CA bundle" : "");
		issuers_free(issuers);
	}
	for (i = 0; i < cfg->n_routes; i++)
		check_route(r, cfg, i);
	/* Password files: readable, never shown. */
	if (cfg->redis_password_file != NULL)
		say(r, access(cfg->redis_password_file, R_OK) == 0, "redis_password_file %s: %s",
		    cfg->redis_password_file, access(cfg->redis_password_file, R_OK) == 0
		    ? "readable" : strerror(errno));
	if (cfg->redis_sentinel_password_file != NULL)
		say(r, access(cfg->redis_sentinel_password_file, R_OK) == 0,
		    "redis_sentinel_password_file %s: %s", cfg->redis_sentinel_password_file,
		    access(cfg->redis_sentinel_password_file, R_OK) == 0 ? "readable" : strerror(errno));
	for (i = 0; i < cfg->staple_cert.n; i++)
		say(r, access(cfg->staple_cert.v[i], R_OK) == 0, "staple_cert %s: %s",
		    cfg->staple_cert.v[i], access(cfg->staple_cert.v[i], R_OK) == 0 ? "readable"
		    : strerror(errno));
	if (cfg->staple_dir != NULL)
		say(r, access(cfg->staple_dir, W_OK | X_OK) == 0, "staple_dir %s: %s", cfg->staple_dir,
		    access(cfg->staple_dir, W_OK | X_OK) == 0 ? "writable" : strerror(errno));
	if (cfg->metrics_file != NULL) {
		if (appendable(cfg->metrics_file) == 0)
			say(r, 1, "metrics_file %s: writable", cfg->metrics_file);
		else
			say(r, 0, "metrics_file %s: cannot be written: %s", cfg->metrics_file,
			    strerror(errno));
	}
}

static void
check_redis(struct report *r, const struct config *cfg)
{
	struct store *st = store_new(cfg);
	struct redisContext *c;
	struct err e;
	size_t i;

	for (i = 0; i < cfg->redis_sentinel.n; i++) {
		if (redis_sentinel_check(cfg, i, &e) == 0)
			say(r, 1, "sentinel %s: knows '%s'", cfg->redis_sentinel.v[i],
			    cfg->redis_master_name);
		else
			say(r, 0, "%s", e.msg);
	}
	if (st == NULL || store_ping(st) == -1)
		say(r, 0, "redis: %s", st != NULL ? store_error(st) : "out of memory");
	else
		say(r, 1, "redis: answers, credentials accepted");
	store_free(st);
	if (cfg->redis_read != NULL) {
		if ((c = redis_connect(cfg, REDIS_READ, &e)) == NULL) {
			say(r, 0, "redis_read: %s", e.msg);
		} else {
			say(r, 1, "redis_read: answers, credentials accepted");
			redisFree(c);
		}
	}
}

int
selfcheck(const struct config *cfg, int network, FILE *out)
{
	struct report r = { out, 0 };

	check_log(&r, cfg->log);
	check_files(&r, cfg);
	if (network)
		check_redis(&r, cfg);
	else
		fputs("skip  redis and sentinels (--offline)\n", out);
	return r.errors;
}
