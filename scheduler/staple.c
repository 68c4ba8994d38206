/* staple: keeps <cert>.ocsp next to every staple_cert (or in staple_dir) with the cached
 * response for that certificate, written atomically when it changes and pushed to HAProxy. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "answer.h"
#include "atomicfile.h"
#include "certfile.h"
#include "haproxy.h"
#include "log.h"
#include "ocsp.h"
#include "policy.h"
#include "bounds.h"
#include "staple.h"
#include "upstream.h"
#include "verdict.h"

struct target {
	char *cert;                  /* the certificate file */
	char *out;                   /* its .ocsp file */
	struct certfile cf;
	struct ocsp_request req;
	int loaded;                  /* cf and req are filled */
	struct entry e;
	int cached;                  /* e is filled */
	const struct staple_hook *hook; /* NULL, or told what the log is */
};

struct targets {
	struct target *v;
	size_t n;
};

static void
log_staple(int prio, const struct target *t, const char *result, const char *why)
{
	const char *fields[] = { "CERT", t->cert, "FILE", t->out, "RESULT", result, "REASON", why,
	                         NULL };

	log_event(prio, "staple", fields);
	if (t->hook != NULL)
		t->hook->outcome(t->hook->arg, t->loaded ? t->req.certid : NULL, t->cert, t->out,
		                 result, why);
}

/* Files in a certificate directory that are not certificates (HAProxy's own rule). */
static int
skip_name(const char *name)
{
	static const char *sfx[] = { ".ocsp", ".issuer", ".key", ".sctl", ".tmp" };
	size_t i, n = strlen(name), m;

	if (name[0] == '.')
		return 1;
	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++)
		if (n > (m = strlen(sfx[i])) && strcmp(name + n - m, sfx[i]) == 0)
			return 1;
	return 0;
}

static int
add_target(struct targets *ts, const struct config *cfg, const char *cert)
{
	struct target *v, *t;
	const char *base = strrchr(cert, '/');
	int rc;

	if (ts->n >= STAPLE_TARGETS_MAX)
		return 0;
	if ((v = realloc(ts->v, (ts->n + 1) * sizeof(*v))) == NULL)
		return -1;
	ts->v = v;
	t = memset(&v[ts->n], 0, sizeof(*t));
	base = base != NULL ? base + 1 : cert;
	if ((t->cert = strdup(cert)) == NULL)
		return -1;
	ts->n++;
	if (cfg->staple_dir != NULL)
		rc = asprintf(&t->out, "%s/%s.ocsp", cfg->staple_dir, base);
	else
		rc = asprintf(&t->out, "%s.ocsp", cert);
	if (rc == -1) {
		t->out = NULL;
		return -1;
	}
	return 0;
}

/* Every staple_cert: a file, or each certificate file of a directory. -1 out of memory. */
static int
collect(const struct config *cfg, struct targets *ts)
{
	struct dirent *d;
	struct stat st;
	char path[4096];
	size_t i;
	DIR *dir;
	int rc = 0;

	for (i = 0; i < cfg->staple_cert.n && rc == 0; i++) {
		const char *p = cfg->staple_cert.v[i];

		if (stat(p, &st) == -1 || !S_ISDIR(st.st_mode)) {
			rc = add_target(ts, cfg, p); /* a missing file is said when it is loaded */
			continue;
		}
		if ((dir = opendir(p)) == NULL) {
			log_msg(LOG_WARNING, "staple_cert %s: %s", p, strerror(errno));
			continue;
		}
		while (rc == 0 && (d = readdir(dir)) != NULL) {
			if (skip_name(d->d_name) ||
			    snprintf(path, sizeof(path), "%s/%s", p, d->d_name) >= (int)sizeof(path) ||
			    stat(path, &st) == -1 || !S_ISREG(st.st_mode))
				continue;
			rc = add_target(ts, cfg, path);
		}
		closedir(dir);
	}
	return rc;
}

static void
targets_free(struct targets *ts)
{
	size_t i;

	for (i = 0; i < ts->n; i++) {
		struct target *t = &ts->v[i];

		if (t->loaded) {
			certfile_free(&t->cf);
			ocsp_request_free(&t->req);
		}
		if (t->cached)
			entry_free(&t->e);
		free(t->cert);
		free(t->out);
	}
	free(ts->v);
}

/* Is der a response fit to staple for t: the verdict's CACHEABLE (valid now for its CertID,
 * verified), signed by the certificate's own issuer (or that issuer's responder), and good or
 * revoked (an "unknown" staple helps no client)? */
static int
fit(const struct config *cfg, const struct target *t, const unsigned char *der, size_t len,
    struct issuers *issuers, time_t now, struct ocsp_response_info *info, struct err *why)
{
	struct answer_rules rules = { .cfg = cfg, .issuers = issuers, .cf = &t->cf,
	                              .flags = ANSWER_NO_UNKNOWN, .now = now };

	why->kind = ERR_PROTOCOL;
	return answer_check(&rules, &t->req, der, len, info, why->msg, sizeof(why->msg)) ==
	    OCSP_V_CACHEABLE;
}

/* Reads each certificate and its cache entry. The issuer of each (in its file or FILE.issuer,
 * checked to have signed it) joins the issuer store in memory: naming a certificate in
 * staple_cert vouches for its issuer, as ocsp-proxyctl prefetch does, so its answers verify here
 * and at refresh without listing the issuer again. -1 on a Redis error. */
static int
load_all(struct targets *ts, struct store *st, struct issuers *issuers)
{
	struct err err;
	size_t i;
	int got;

	for (i = 0; i < ts->n; i++) {
		struct target *t = &ts->v[i];

		if (certfile_load(t->cert, &t->cf, &err) == -1) {
			log_staple(LOG_WARNING, t, "failed", err.msg);
			continue;
		}
		if (ocsp_request_parse(t->cf.req, t->cf.req_len, &t->req) == -1) {
			certfile_free(&t->cf);
			continue;
		}
		if (issuers != NULL && issuers_vouch(issuers, t->cf.issuer) == 1)
			log_staple(LOG_INFO, t, "issuer", "its issuer joins the issuer store");
		t->loaded = 1;
		if ((got = store_get(st, t->req.certid, &t->e)) == -1)
			return -1;
		t->cached = got == 1;
	}
	return 0;
}

/* Caches one fetched answer if it is fit, and reads the entry back. -1 on a Redis error. */
static int
settle(const struct config *cfg, struct store *st, struct target *t, struct fetch_job *job,
       struct issuers *issuers, time_t now)
{
	struct ocsp_response_info info;
	struct answer a;
	char subject[512], issuer[512];
	struct err why;
	int got;

	err_clear(&why);
	if (!job->res.ok)
		err_set(&why, ERR_IO, "upstream: %s", job->res.err.msg);
	else if (job->res.http_status != 200)
		err_set(&why, ERR_REFUSED, "upstream answered HTTP %ld", job->res.http_status);
	else if (fit(cfg, t, job->res.body, job->res.len, issuers, now, &info, &why))
		err_clear(&why);
	if (why.kind != ERR_NONE) {
		log_staple(LOG_WARNING, t, "failed", why.msg);
		return 0;
	}
	memset(&a, 0, sizeof(a));
	a.certid = t->req.certid;
	a.req = &t->req;
	a.resp = job->res.body;
	a.resp_len = job->res.len;
	a.info = &info;
	a.url = job->url;
	a.now = a.earliest = now;
	a.stapled = 1;
	if (ocsp_cert_names(t->cert, subject, sizeof(subject), issuer, sizeof(issuer)) == 0) {
		a.subject = subject;
		a.issuer = issuer;
	}
	if (answer_store(st, cfg, &a) == STORE_PUT_ERROR ||
	    (got = store_get(st, t->req.certid, &t->e)) == -1)
		return -1;
	t->cached = got == 1;
	return 0;
}

/* Fetches and caches what the cache lacks, in rounds of `concurrency` fetches, feeding the
 * watchdog between rounds (a round takes at most about upstream_timeout per host slot). */
static int
prefetch(const struct config *cfg, struct store *st, struct fetcher *f,
         struct issuers *issuers, struct targets *ts, time_t now, volatile sig_atomic_t *stop)
{
	struct fetch_job *jobs = NULL;
	struct target **who = NULL;
	size_t i = 0, n, k;
	int redis_failed = 0;

	if ((jobs = calloc((size_t)cfg->concurrency, sizeof(*jobs))) == NULL ||
	    (who = calloc((size_t)cfg->concurrency, sizeof(*who))) == NULL) {
		log_msg(LOG_ERR, "staple: out of memory");
		goto out;
	}
	while (i < ts->n && !*stop) {
		for (n = 0; i < ts->n && n < (size_t)cfg->concurrency; i++) {
			struct target *t = &ts->v[i];
			const char *url;

			if (!t->loaded || t->cached)
				continue;
			if ((url = upstream_configured(cfg, &t->req, t->cf.aia)) == NULL) {
				log_staple(LOG_WARNING, t, "failed", "no responder: no AIA URL, route "
				                                     "or default_upstream");
				continue;
			}
			memset(&jobs[n], 0, sizeof(jobs[n]));
			jobs[n].url = url;
			jobs[n].body = t->cf.req;
			jobs[n].len = t->cf.req_len;
			who[n++] = t;
		}
		if (n > 0 && fetch_many(f, jobs, n, cfg->concurrency, cfg->per_upstream_concurrency,
		                        stop, NULL) == -1)
			log_msg(LOG_ERR, "staple: libcurl failed");
		for (k = 0; k < n; k++) {
			if (jobs[k].done && !redis_failed &&
			    settle(cfg, st, who[k], &jobs[k], issuers, now) == -1)
				redis_failed = 1;
			fetch_result_free(&jobs[k].res);
		}
		if (redis_failed)
			goto out;
		sd_notify(0, "WATCHDOG=1");
	}
out:
	free(jobs);
	free(who);
	return redis_failed ? -1 : 0;
}

/* 1 when the file at path holds exactly der. */
static int
same_file(const char *path, const unsigned char *der, size_t len)
{
	unsigned char *buf;
	ssize_t n;
	int fd, same = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	if ((buf = malloc(len + 1)) != NULL) {
		size_t got = 0;

		while (got < len + 1 && (n = read(fd, buf + got, len + 1 - got)) > 0)
			got += (size_t)n;
		same = got == len && memcmp(buf, der, len) == 0;
		free(buf);
	}
	close(fd);
	return same;
}

/* Writes t's cached response to its file when it is fit and new, then hands it to HAProxy. */
static void
publish(const struct config *cfg, struct target *t, struct issuers *issuers, time_t now)
{
	struct ocsp_response_info info;
	struct err why;

	if (!t->cached)
		return; /* said when the prefetch failed */
	if (!fit(cfg, t, t->e.resp, t->e.resp_len, issuers, now, &info, &why)) {
		log_staple(LOG_WARNING, t, "kept", why.msg);
		return;
	}
	if (same_file(t->out, t->e.resp, t->e.resp_len))
		return;
	if (atomicfile_write(t->out, t->e.resp, t->e.resp_len, 0644, &why) == -1) {
		log_staple(LOG_ERR, t, "failed", why.msg);
		return;
	}
	log_staple(LOG_INFO, t, "written", ocsp_cert_status_name(info.cert_status));
	if (cfg->haproxy_socket == NULL)
		return;
	/* Refused or absent while HAProxy is down: it reads the file when it starts. */
	if (haproxy_push(cfg->haproxy_socket, t->e.resp, t->e.resp_len, HAPROXY_PUSH_TIMEOUT_MS, &why) == -1)
		log_staple(LOG_WARNING, t, "push-failed", why.msg);
	else
		log_staple(LOG_INFO, t, "pushed", NULL);
}

/* An entry with a staple file is due before HAProxy's last minutes of its answer
 * (policy_next_due, stapled), whoever planned its refresh: the handler, this scheduler's tick,
 * one on a host without staple files. Only ever earlier. -1 on a Redis error. */
static int
due_before_window(const struct config *cfg, struct store *st, const struct target *t,
                  time_t now)
{
	time_t due;

	/* unknown is never stapled, and its own backoff (policy_unknown_due) stays. */
	if (!t->loaded || !t->cached || t->e.due == 0 || t->e.cert_status == OCSP_CERT_UNKNOWN)
		return 0;
	due = policy_next_due(cfg, t->e.fetched, t->e.this_update, t->e.next_update,
	                      t->e.cert_status, t->e.failures, 1, now);
	if (due >= t->e.due)
		return 0;
	return store_reschedule(st, t->req.certid, due) == -1 ? -1 : 0;
}

int
staple_run(const struct config *cfg, struct store *st, struct fetcher *f,
           struct issuers *issuers, time_t now, volatile sig_atomic_t *stop,
           const struct staple_hook *hook)
{
	struct targets ts = { NULL, 0 };
	size_t i;
	int rc = -1;

	if (collect(cfg, &ts) == -1) {
		log_msg(LOG_ERR, "staple: out of memory");
		rc = 0;
		goto out;
	}
	for (i = 0; i < ts.n; i++)
		ts.v[i].hook = hook;
	if (load_all(&ts, st, issuers) == -1 || prefetch(cfg, st, f, issuers, &ts, now, stop) == -1)
		goto out;
	for (i = 0; i < ts.n && !*stop; i++) {
		publish(cfg, &ts.v[i], issuers, now);
		if (due_before_window(cfg, st, &ts.v[i], now) == -1)
			goto out;
	}
	rc = 0;
out:
	targets_free(&ts);
	return rc;
}
