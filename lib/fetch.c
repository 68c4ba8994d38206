/* fetch: the only code that knows libcurl. libcurl is dlopen()ed the first time it is needed,
 * so a handler answering from the cache never pays for loading it and its dependencies. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "bounds.h"
#include "fetch.h"
#include "url.h"

/* The libcurl functions we use, resolved at run time. */
struct curl_api {
	CURLcode (*global_init)(long);
	void (*global_cleanup)(void);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_perform)(CURL *);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	void (*easy_reset)(CURL *);
	void (*easy_cleanup)(CURL *);
	const char *(*easy_strerror)(CURLcode);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
	CURLM *(*multi_init)(void);
	CURLMcode (*multi_add_handle)(CURLM *, CURL *);
	CURLMcode (*multi_remove_handle)(CURLM *, CURL *);
	CURLMcode (*multi_perform)(CURLM *, int *);
	CURLMcode (*multi_poll)(CURLM *, struct curl_waitfd *, unsigned int, int, int *);
	CURLMsg *(*multi_info_read)(CURLM *, int *);
	CURLMcode (*multi_cleanup)(CURLM *);
};

struct fetcher {
	const struct config *cfg;
	void *lib;
	struct curl_api api;
	CURL *easy;                  /* reused across fetch_post calls (resident mode) */
	struct curl_slist *headers;
};

/* Where one transfer's answer goes; aborts once it would exceed the limit. */
struct sink {
	struct fetch_result *res;
	size_t cap;
	size_t max;
	int too_big;
};

void
fetch_result_free(struct fetch_result *r)
{
	free(r->content_type);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

static size_t
on_data(char *data, size_t size, size_t nmemb, void *userp)
{
	struct sink *s = userp;
	struct fetch_result *r = s->res;
	size_t n = size * nmemb, cap;
	unsigned char *p;

	if (n > s->max - r->len || r->len + n > s->max) {
		s->too_big = 1;
		return 0; /* makes curl abort the transfer */
	}
	if (r->len + n > s->cap) {
		cap = s->cap == 0 ? FETCH_BUF_INITIAL : s->cap;
		while (cap < r->len + n)
			cap *= 2;
		if (cap > s->max)
			cap = s->max;
		if ((p = realloc(r->body, cap)) == NULL)
			return 0;
		r->body = p;
		s->cap = cap;
	}
	memcpy(r->body + r->len, data, n);
	r->len += n;
	return n;
}

#define SYM(field, name) do { \
	*(void **)(&f->api.field) = dlsym(f->lib, name); \
	if (f->api.field == NULL) { \
		err_set(err, ERR_IO, "libcurl lacks %s", name); \
		goto fail; \
	} \
} while (0)

struct fetcher *
fetch_new(const struct config *cfg, struct err *err)
{
	struct fetcher *f;

	if ((f = calloc(1, sizeof(*f))) == NULL) {
		err_set(err, ERR_NOMEM, "out of memory");
		return NULL;
	}
	f->cfg = cfg;
	/* NODELETE: libcurl and its libraries stay mapped after dlclose. Unloading them buys nothing
	 * in a process about to exit, and leaves thread-local storage slots that LeakSanitizer
	 * (and any other code walking them) trips over. */
	if ((f->lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE)) == NULL) {
		err_set(err, ERR_IO, "cannot load libcurl.so.4: %s", dlerror());
		goto fail;
	}
	SYM(global_init, "curl_global_init");
	SYM(global_cleanup, "curl_global_cleanup");
	SYM(easy_init, "curl_easy_init");
	SYM(easy_setopt, "curl_easy_setopt");
	SYM(easy_perform, "curl_easy_perform");
	SYM(easy_getinfo, "curl_easy_getinfo");
	SYM(easy_reset, "curl_easy_reset");
	SYM(easy_cleanup, "curl_easy_cleanup");
	SYM(easy_strerror, "curl_easy_strerror");
	SYM(slist_append, "curl_slist_append");
	SYM(slist_free_all, "curl_slist_free_all");
	SYM(multi_init, "curl_multi_init");
	SYM(multi_add_handle, "curl_multi_add_handle");
	SYM(multi_remove_handle, "curl_multi_remove_handle");
	SYM(multi_perform, "curl_multi_perform");
	SYM(multi_poll, "curl_multi_poll");
	SYM(multi_info_read, "curl_multi_info_read");
	SYM(multi_cleanup, "curl_multi_cleanup");
	/* Not thread-safe; both programs are single-threaded. */
	if (f->api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		err_set(err, ERR_IO, "curl_global_init failed");
		goto fail;
	}
	f->headers = f->api.slist_append(NULL, "Content-Type: application/ocsp-request");
	if (f->headers == NULL) {
		err_set(err, ERR_NOMEM, "out of memory");
		f->api.global_cleanup();
		goto fail;
	}
	return f;
fail:
	if (f->lib != NULL)
		dlclose(f->lib);
	free(f);
	return NULL;
}
#undef SYM

void
fetch_free(struct fetcher *f)
{
	if (f == NULL)
		return;
	if (f->easy != NULL)
		f->api.easy_cleanup(f->easy);
	f->api.slist_free_all(f->headers);
	f->api.global_cleanup();
	dlclose(f->lib);
	free(f);
}

/* Refuses URLs the allow list does not cover: nothing is sent to them. */
static int
allowed(const struct fetcher *f, const char *url, struct err *err)
{
	struct url u;

	if (url_parse(url, &u) == -1) {
		err_set(err, ERR_INPUT, "bad upstream URL");
		return 0;
	}
	if (!url_allowed(f->cfg, &u)) {
		err_set(err, ERR_REFUSED, "upstream not allowed: %.200s port %d", u.host, u.port);
		return 0;
	}
	return 1;
}

/* Every option matters for safety (protocols, no redirects, limits), so a libcurl that refuses
 * one gets no transfer at all. 0 ok, -1 with res->err set. */
static int
setup(struct fetcher *f, CURL *c, const char *url, const unsigned char *body, size_t len,
      struct sink *s, char *errbuf)
{
	const struct curl_api *a = &f->api;
	CURLcode cc = CURLE_OK;

	errbuf[0] = '\0';
	/* A NULL body would make curl read the POST data from stdin: the client's socket. */
	if (body == NULL) {
		body = (const unsigned char *)"";
		len = 0;
	}
	if (cc == CURLE_OK)
		cc = a->easy_setopt(c, CURLOPT_URL, url);
	if (cc == CURLE_OK)
		cc = a->easy_setopt(c, CURLOPT_POST, 1L);
	if (cc == CURLE_OK)
		cc = a->easy_setopt(c, CURLOPT_POSTFIELDS, (const char *)body);
	if (cc == CURLE_OK)
		cc = a->easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	if (cc == CURLE_OK)
		cc = a->easy_setopt(c, CURLOPT_HTTPHEADER, f->headers);
	if (cc == CURLE_OK)
		cc = a->easy_setopt(c, CURLOPT_USERAGENT, "ocsp-proxy/" OCSP_PROXY_VERSION);
	if (cc == CURLE_OK)
		cc = a->easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)f->cfg->upstream_timeout);
	if (cc == CURLE_OK)
		cc = a->easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)f->cfg->upstream_timeout);
	if (cc == CURLE_OK)
		cc = a->easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	/* The environment's http_proxy, HTTPS_PROXY, ALL_PROXY and no_proxy are not the operator's
	 * configuration: only upstream_proxy sends anything through a proxy ("" = none), and then
	 * for every host (NOPROXY ""). */
	if (cc == CURLE_OK)
		cc = a->easy_setopt(c, CURLOPT_PROXY,
		                    f->cfg->upstream_proxy != NULL ? f->cfg->upstream_proxy : "");
	if (cc == CURLE_OK)
		cc = a->easy_setopt(c, CURLOPT_NOPROXY, f->cfg->upstream_proxy != NULL ? "" : "*");
	/* A redirect could lead outside allow_upstream: never follow one. */
	if (cc == CURLE_OK)
		cc = a->easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	if (cc == CURLE_OK)
		cc = a->easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (cc == CURLE_OK)
		cc = a->easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
		                    (curl_off_t)f->cfg->max_response_bytes);
	if (cc == CURLE_OK)
		cc = a->easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	if (cc == CURLE_OK)
		cc = a->easy_setopt(c, CURLOPT_WRITEDATA, s);
	if (cc == CURLE_OK)
		cc = a->easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	if (cc != CURLE_OK) {
		err_set(&s->res->err, ERR_IO, "libcurl option refused: %s",
		         a->easy_strerror(cc));
		return -1;
	}
	return 0;
}

/* Fills res from a finished transfer. */
static int
finish(struct fetcher *f, CURL *c, CURLcode cc, struct sink *s, const char *errbuf)
{
	const struct curl_api *a = &f->api;
	struct fetch_result *res = s->res;
	char *ct = NULL;
	double t = 0;

	a->easy_getinfo(c, CURLINFO_TOTAL_TIME, &t);
	res->seconds = t;
	if (cc != CURLE_OK) {
		if (s->too_big || cc == CURLE_FILESIZE_EXCEEDED)
			err_set(&res->err, ERR_LIMIT, "response larger than %zu bytes",
			         f->cfg->max_response_bytes);
		else
			err_set(&res->err, ERR_IO, "%s",
			         errbuf[0] != '\0' ? errbuf : a->easy_strerror(cc));
		free(res->body);
		res->body = NULL;
		res->len = 0;
		res->ok = 0;
		return -1;
	}
	a->easy_getinfo(c, CURLINFO_RESPONSE_CODE, &res->http_status);
	if (a->easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct != NULL)
		res->content_type = strdup(ct);
	res->ok = 1;
	return 0;
}

int
fetch_post(struct fetcher *f, const char *url, const unsigned char *body, size_t len,
           struct fetch_result *res)
{
	char errbuf[CURL_ERROR_SIZE];
	struct sink s;
	CURLcode cc;
	int rc;

	memset(res, 0, sizeof(*res));
	if (!allowed(f, url, &res->err))
		return -1;
	if (f->easy == NULL && (f->easy = f->api.easy_init()) == NULL) {
		err_set(&res->err, ERR_IO, "curl_easy_init failed");
		return -1;
	}
	f->api.easy_reset(f->easy);
	memset(&s, 0, sizeof(s));
	s.res = res;
	s.max = f->cfg->max_response_bytes;
	if (setup(f, f->easy, url, body, len, &s, errbuf) == -1) {
		rc = -1;
	} else {
		cc = f->api.easy_perform(f->easy);
		rc = finish(f, f->easy, cc, &s, errbuf);
	}
	/* The handle stays for the next call (its connection cache is the point), but must not
	 * keep pointers to this call's stack and the caller's body. */
	f->api.easy_reset(f->easy);
	return rc;
}

/* One transfer in flight in fetch_many. */
struct slot {
	CURL *easy;
	size_t job;
	struct sink sink;
	char errbuf[CURL_ERROR_SIZE];
	char host[300];
};

static void
job_host(const char *url, char *out, size_t len)
{
	struct url u;

	if (url_parse(url, &u) == 0)
		snprintf(out, len, "%s:%d", u.host, u.port);
	else
		snprintf(out, len, "?");
}

static int
host_busy(const struct slot *slots, int nslots, const char *host, int max_per_host)
{
	int i, n = 0;

	for (i = 0; i < nslots; i++)
		if (slots[i].easy != NULL && strcmp(slots[i].host, host) == 0)
			n++;
	return n >= max_per_host;
}

/* The next pending job whose host has room, from `from` on; n when none. */
static size_t
pick(const struct fetch_job *jobs, size_t n, size_t from, const unsigned char *running,
     const struct slot *slots, int nslots, int max_per_host, char *host, size_t hostlen)
{
	size_t j;

	for (j = from; j < n; j++) {
		if (jobs[j].done || running[j])
			continue;
		job_host(jobs[j].url, host, hostlen);
		if (!host_busy(slots, nslots, host, max_per_host))
			return j;
	}
	return n;
}

/* Tells the caller a job finished. 1 when the caller wants fetch_many to stop. */
static int
job_done(const struct fetch_hooks *hooks, struct fetch_job *jobs, size_t j)
{
	jobs[j].done = 1;
	return hooks != NULL && hooks->done != NULL && hooks->done(&jobs[j], j, hooks->arg) != 0;
}

/* What fetch_many's steps share. */
struct multi {
	struct fetcher *f;
	struct fetch_job *jobs;
	size_t n;
	size_t first;                /* no pending job before this one */
	size_t done;                 /* jobs finished, refused or failed */
	struct slot *slots;
	int nslots, max_per_host;
	unsigned char *running;      /* per job: in a slot now */
	CURLM *m;
	const struct fetch_hooks *hooks;
	int quit;                    /* the done or poll hook asked to stop */
};

/* Starts job j in the free slot s. 0 started or failed alone (done), -1 libcurl failed. */
static int
start_job(struct multi *mm, struct slot *s, size_t j, const char *host)
{
	const struct curl_api *a = &mm->f->api;
	struct fetch_job *job = &mm->jobs[j];

	if ((s->easy = a->easy_init()) == NULL)
		return -1;
	s->job = j;
	memset(&s->sink, 0, sizeof(s->sink));
	s->sink.res = &job->res;
	s->sink.max = mm->f->cfg->max_response_bytes;
	snprintf(s->host, sizeof(s->host), "%s", host);
	if (setup(mm->f, s->easy, job->url, job->body, job->len, &s->sink, s->errbuf) == -1 ||
	    a->multi_add_handle(mm->m, s->easy) != CURLM_OK) {
		/* This job fails alone; the others go on. */
		if (job->res.err.kind == ERR_NONE)
			err_set(&job->res.err, ERR_IO, "curl_multi_add_handle failed");
		a->easy_cleanup(s->easy);
		s->easy = NULL;
		mm->done++;
		mm->quit = job_done(mm->hooks, mm->jobs, j);
		return 0;
	}
	mm->running[j] = 1;
	job->started = 1;
	return 0;
}

/* Fills free slots in job order, skipping jobs whose host is at its limit. 0, or -1 when
 * libcurl failed. */
static int
fill_slots(struct multi *mm)
{
	char host[300];
	size_t j;
	int i;

	for (i = 0; i < mm->nslots && !mm->quit; i++) {
		if (mm->slots[i].easy != NULL)
			continue;
		while (mm->first < mm->n && (mm->jobs[mm->first].done || mm->running[mm->first]))
			mm->first++;
		j = pick(mm->jobs, mm->n, mm->first, mm->running, mm->slots, mm->nslots,
		         mm->max_per_host, host, sizeof(host));
		if (j == mm->n)
			break;
		if (start_job(mm, &mm->slots[i], j, host) == -1)
			return -1;
	}
	return 0;
}

/* Collects the transfers libcurl finished; returns how many. */
static int
reap(struct multi *mm)
{
	const struct curl_api *a = &mm->f->api;
	struct slot *s;
	CURLMsg *msg;
	int i, left, finished = 0;

	while ((msg = a->multi_info_read(mm->m, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		for (s = NULL, i = 0; i < mm->nslots; i++)
			if (mm->slots[i].easy == msg->easy_handle)
				s = &mm->slots[i];
		if (s == NULL)
			continue;
		finish(mm->f, s->easy, msg->data.result, &s->sink, s->errbuf);
		mm->running[s->job] = 0;
		mm->done++;
		a->multi_remove_handle(mm->m, s->easy);
		a->easy_cleanup(s->easy);
		s->easy = NULL;
		finished++;
		if (!mm->quit)
			mm->quit = job_done(mm->hooks, mm->jobs, s->job);
	}
	return finished;
}

/* Drops what is still in flight (on stop: the job stays undone, its partial answer dropped)
 * and frees the state. */
static void
multi_end(struct multi *mm)
{
	const struct curl_api *a = &mm->f->api;
	int i;

	for (i = 0; mm->slots != NULL && i < mm->nslots; i++) {
		if (mm->slots[i].easy == NULL)
			continue;
		fetch_result_free(&mm->jobs[mm->slots[i].job].res);
		a->multi_remove_handle(mm->m, mm->slots[i].easy);
		a->easy_cleanup(mm->slots[i].easy);
	}
	if (mm->m != NULL)
		a->multi_cleanup(mm->m);
	free(mm->running);
	free(mm->slots);
}

int
fetch_many(struct fetcher *f, struct fetch_job *jobs, size_t n, int max_total, int max_per_host,
           volatile sig_atomic_t *stop, const struct fetch_hooks *hooks)
{
	const struct curl_api *a = &f->api;
	struct multi mm = { .f = f, .jobs = jobs, .n = n, .hooks = hooks };
	size_t j;
	int active, finished, rc = -1;

	mm.nslots = max_total < 1 ? 1 : max_total;
	mm.max_per_host = max_per_host < 1 ? 1 : max_per_host;
	for (j = 0; j < n; j++) {
		memset(&jobs[j].res, 0, sizeof(jobs[j].res));
		jobs[j].done = 0;
		jobs[j].started = 0;
	}
	/* Refused jobs are done at once: nothing is sent for them. */
	for (j = 0; j < n && !mm.quit; j++)
		if (!allowed(f, jobs[j].url, &jobs[j].res.err)) {
			mm.done++;
			mm.quit = job_done(hooks, jobs, j);
		}
	if ((mm.slots = calloc((size_t)mm.nslots, sizeof(*mm.slots))) == NULL ||
	    (mm.running = calloc(n > 0 ? n : 1, 1)) == NULL || (mm.m = a->multi_init()) == NULL)
		goto out;

	while (mm.done < n && !mm.quit && !(stop != NULL && *stop)) {
		if (fill_slots(&mm) == -1 || a->multi_perform(mm.m, &active) != CURLM_OK)
			goto out;
		finished = reap(&mm);
		if (!mm.quit && hooks != NULL && hooks->poll != NULL)
			mm.quit = hooks->poll(hooks->arg) != 0;
		/* A freed slot is refilled at once; otherwise wait for the sockets (or a moment, to
		 * notice *stop and call the poll hook). */
		if (!mm.quit && mm.done < n && finished == 0 &&
		    a->multi_poll(mm.m, NULL, 0, FETCH_POLL_MS, NULL) != CURLM_OK)
			goto out;
	}
	rc = 0;
out:
	multi_end(&mm);
	return rc;
}
