/* fetch: the only code that knows libcurl. libcurl is dlopen()ed the first time it is needed,
 * so a handler answering from the cache never loads it. Only http and https, no redirects,
 * bounded time and size, and only to hosts allow_upstream permits. */
#ifndef OCSP_PROXY_FETCH_H
#define OCSP_PROXY_FETCH_H

#include <signal.h>
#include <stddef.h>
#include "config.h"
#include "err.h"

struct fetch_result {
	int ok;                      /* 1: an HTTP answer arrived (any status) */
	long http_status;
	char *content_type;          /* owned, may be NULL */
	unsigned char *body;         /* owned */
	size_t len;
	struct err err;              /* why, when !ok: ERR_REFUSED (allow_upstream), ERR_LIMIT
	                                (max_response_bytes), ERR_IO (transport, timeout) */
	double seconds;
};

void fetch_result_free(struct fetch_result *r);

struct fetcher;

/* NULL with err set when libcurl cannot be loaded. cfg must outlive the fetcher. */
struct fetcher *fetch_new(const struct config *cfg, struct err *err);
void fetch_free(struct fetcher *f);

/* POSTs body as application/ocsp-request to url. Returns 0 with res->ok set when an HTTP answer
 * arrived, -1 with res->err on transport failure, refusal by allow_upstream, oversize body or
 * timeout. */
int fetch_post(struct fetcher *f, const char *url, const unsigned char *body, size_t len,
               struct fetch_result *res);

struct fetch_job {
	const char *url;
	const unsigned char *body;
	size_t len;
	struct fetch_result res;     /* filled in; the caller frees */
	int done;
	int started;                 /* sent (done or abandoned in flight) */
};

/* What fetch_many tells its caller while it runs, so results are used as they come and a long
 * run can be watched and cut short. Any member may be NULL. */
struct fetch_hooks {
	/* Once per job as it finishes (answered, failed, or refused unsent), index into jobs.
	 * The caller may use and free jobs[index].res here. Non-zero stops fetch_many. */
	int (*done)(struct fetch_job *job, size_t index, void *arg);
	/* At least every 100 ms while transfers run. Non-zero stops fetch_many. */
	int (*poll)(void *arg);
	void *arg;
};

/* Runs jobs in parallel (curl multi): at most max_total at once and at most max_per_host to
 * one host. Returns early (unfinished jobs get done = 0) when *stop becomes non-zero or a hook
 * asks to stop. 0 ok, -1 when libcurl itself failed. */
int fetch_many(struct fetcher *f, struct fetch_job *jobs, size_t n, int max_total,
               int max_per_host, volatile sig_atomic_t *stop, const struct fetch_hooks *hooks);

#endif
