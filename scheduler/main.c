/* main: ocsp-proxy-scheduler: the long-lived service that keeps every cached response fresh.
 * Ticks when entries fall due (at most check_interval apart), talks to systemd (READY, STATUS,
 * WATCHDOG), reloads on SIGHUP, stops on SIGTERM within a few seconds. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "owner.h"
#include "cli.h"
#include "bounds.h"
#include "clock.h"
#include "config.h"
#include "fetch.h"
#include "issuers.h"
#include "lastgood.h"
#include "log.h"
#include "metrics.h"
#include "signals.h"
#include "ocsp.h"
#include "staple.h"
#include "store.h"
#include "tick.h"

static const char usage[] =
    "usage: ocsp-proxy-scheduler [-c FILE] [--once]\n"
    "Refreshes every cached OCSP response before it goes stale.\n"
    "  -c, --config FILE  configuration (default $" CONFIG_ENV " or " CONFIG_DEFAULT_PATH ")\n"
    "      --once         run one tick, print its summary, exit (1 when Redis is unreachable)\n"
    "  -h, --help         this text\n"
    "  -V, --version      the version\n";

/* Everything built from one configuration; rebuilt whole on SIGHUP. */
struct runtime {
	struct config cfg;
	struct store *store;
	struct fetcher *fetcher;
	struct issuers *issuers;     /* NULL with verify = no */
};

static void
runtime_free(struct runtime *rt)
{
	store_free(rt->store);
	fetch_free(rt->fetcher);
	issuers_free(rt->issuers);
	config_free(&rt->cfg);
	memset(rt, 0, sizeof(*rt));
}

/* The configuration just loaded, copied where per-connection handlers fall back on it while
 * the file is broken (lastgood.h). Outside the shipped unit the directory is usually absent. */
static void
keep_last_good(const struct config *cfg)
{
	struct err err;

	if (lastgood_save(cfg, &err) == -1)
		log_msg(err.kind == ERR_IO ? LOG_DEBUG : LOG_WARNING, "last good configuration: %s",
		        err.msg);
}

static int
runtime_new(struct runtime *rt, const char *path, struct err *err)
{
	memset(rt, 0, sizeof(*rt));
	if (config_load(&rt->cfg, path, err) == -1)
		return -1;
	if ((rt->store = store_new(&rt->cfg)) == NULL) {
		err_set(err, ERR_NOMEM, "out of memory");
		goto fail;
	}
	if ((rt->fetcher = fetch_new(&rt->cfg, err)) == NULL)
		goto fail;
	if (rt->cfg.verify && (rt->issuers = issuers_load(&rt->cfg, err)) == NULL)
		goto fail;
	return 0;
fail:
	runtime_free(rt);
	return -1;
}

/* Read again before a tick when issuers_dir changed, so issuers ocsp-proxyctl prefetch --issuer
 * added count at once; a store that no longer reads keeps the previous one. Logs the warning of
 * verify = no at start. */
static void
reload_issuers(struct runtime *rt, int starting)
{
	struct err err;

	if (!rt->cfg.verify) {
		if (starting)
			log_msg(LOG_WARNING, "verify = no: upstream answers are cached and served "
			        "without checking their signatures; anyone on the path to a responder "
			        "can forge them");
		return;
	}
	if (!starting && issuers_refresh(&rt->issuers, &rt->cfg, &err) == -1)
		log_msg(LOG_ERR, "issuer store: %s; keeping the one read before", err.msg);
}

static void
summary(char *buf, size_t len, const struct tick_result *r)
{
	int n = snprintf(buf, len, "refreshed %d, kept %d, failed %d, evicted %d, skipped %d",
	                 r->refreshed, r->kept, r->failed, r->evicted, r->skipped);

	if (r->unfinished > 0 && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, ", unfinished %d (tick_budget)", r->unfinished);
}

/* The systemd watchdog, fed from the sleep and from inside ticks. */
struct watchdog {
	uint64_t usec;               /* WatchdogSec, 0 when off */
	long long last_ms;
};

/* Feeds the watchdog when a quarter of its period has passed since the last time. */
static void
keepalive(void *arg)
{
	struct watchdog *wd = arg;
	long long now = clock_ms();

	if (wd->usec == 0 || now - wd->last_ms < (long long)(wd->usec / 4000))
		return;
	sd_notify(0, "WATCHDOG=1");
	wd->last_ms = now;
}

/* Sleeps wait_ms, watchdog fed and metrics file rewritten meanwhile, but wakes at once for a
 * signal and early when the schedule's earliest entry falls due before the planned wake. */
static void
doze(struct runtime *rt, long long wait_ms, struct watchdog *wd, long long *metrics_ms,
     const sigset_t *open_mask)
{
	long long until = clock_ms() + wait_ms, left, step, soon;
	time_t due;

	while (!signal_stop && !signal_reload && (left = until - clock_ms()) > 0) {
		step = left < WAKE_CHECK_MS ? left : WAKE_CHECK_MS;
		if (wd->usec > 0 && step > (long long)(wd->usec / 4000))
			step = (long long)(wd->usec / 4000);
		/* The metrics file moves between ticks too, for node_exporter and alerts. */
		if (rt->cfg.metrics_file != NULL && step > rt->cfg.metrics_interval)
			step = rt->cfg.metrics_interval;
		keepalive(wd);
		signals_sleep(step, open_mask);
		if (metrics_refresh(rt->store, rt->cfg.metrics_file, rt->cfg.metrics_interval,
		                    metrics_ms, 0) == -1)
			log_msg(LOG_DEBUG, "cannot write metrics_file %s", rt->cfg.metrics_file);
		if (store_next_due(rt->store, &due) == 0 && due > 0) {
			soon = ((long long)due - (long long)time(NULL)) * 1000;
			if (soon < until - clock_ms())
				until = clock_ms() + (soon > 0 ? soon : 0);
		}
	}
	keepalive(wd);
}

/* The scheduler's state across ticks. */
struct sched {
	/* On the heap: its store, fetcher and issuers keep pointers to its cfg, so a runtime is
	 * never copied (a reload used to copy one from the stack, leaving them pointing there). */
	struct runtime *rt;
	const char *path;
	int once;
	char owner[300];             /* host:pid, for leases and reports */
	struct watchdog wd;
	sigset_t open_mask;          /* the mask to sleep with: signals open */
	long long backoff_ms;        /* the next wait while Redis is unreachable */
	long long metrics_ms;        /* when the metrics file was last written */
	int ready;                   /* READY=1 sent */
	int down;                    /* Redis was unreachable at the last tick */
	char line[256];              /* the last tick's summary */
};

/* --once and the common flags. 0 to run, else the exit status + 1. */
static int
parse_args(int argc, char **argv, struct sched *s)
{
	int rc, rest, i;

	rc = cli_parse(argc, argv, "ocsp-proxy-scheduler", usage, &s->path, &rest);
	if (rc != CLI_RUN)
		return rc == CLI_EXIT ? 1 : 3;
	for (i = 1; i < rest; i++) {
		if (strcmp(argv[i], "--once") != 0) {
			fprintf(stderr, "ocsp-proxy-scheduler: unknown argument '%s'\n%s", argv[i], usage);
			return 3;
		}
		s->once = 1;
	}
	return 0;
}

/* SIGHUP: the new configuration whole, or the old one kept. */
static void
reload(struct sched *s)
{
	struct runtime *next;
	struct err err;

	if ((next = calloc(1, sizeof(*next))) == NULL) {
		log_msg(LOG_ERR, "reload failed, keeping the old configuration: out of memory");
		return;
	}
	if (runtime_new(next, s->path, &err) == -1) {
		log_msg(LOG_ERR, "reload failed, keeping the old configuration: %s", err.msg);
		free(next);
		return;
	}
	runtime_free(s->rt);
	free(s->rt);
	s->rt = next;
	log_open("ocsp-proxy-scheduler", s->rt->cfg.log,
	         log_flags(s->rt->cfg.debug, s->rt->cfg.log_format));
	log_msg(LOG_INFO, "configuration reloaded");
	keep_last_good(&s->rt->cfg);
	reload_issuers(s->rt, 1);
}

/* One tick with signals open (a SIGTERM cuts fetch_many short). tick_run's result. */
static int
tick(struct sched *s, struct tick_result *res)
{
	struct runtime *rt = s->rt;
	struct tick_env env;
	sigset_t closed;
	int rc;

	reload_issuers(rt, 0);
	memset(&env, 0, sizeof(env));
	env.cfg = &rt->cfg;
	env.store = rt->store;
	env.fetcher = rt->fetcher;
	env.issuers = rt->issuers;
	env.owner = s->owner;
	env.stop = &signal_stop;
	env.keepalive = keepalive;
	env.keepalive_arg = &s->wd;
	sigprocmask(SIG_SETMASK, &s->open_mask, &closed);
	rc = tick_run(&env, time(NULL), res);
	sigprocmask(SIG_SETMASK, &closed, NULL);
	summary(s->line, sizeof(s->line), res);
	return rc;
}

/* Redis unreachable: said once, in STATUS every time. The wait before the next try. */
static long long
after_failure(struct sched *s)
{
	long long wait_ms = s->backoff_ms;

	if (!s->down)
		log_msg(LOG_ERR, "redis unreachable: %s", store_error(s->rt->store));
	s->down = 1;
	/* The metrics file must not keep saying redis_up 1 until the next interval (or forever,
	 * after --once): rewritten now, with redis_up 0 and no cache figures it cannot know (its
	 * -1 is that Redis did not answer: a file it cannot write is logged after a good tick). */
	(void)metrics_refresh(s->rt->store, s->rt->cfg.metrics_file, s->rt->cfg.metrics_interval,
	                      &s->metrics_ms, 1);
	sd_notifyf(0, "%sSTATUS=redis unreachable: %s, retrying in %llds",
	           s->ready ? "" : "READY=1\n", store_error(s->rt->store), s->backoff_ms / 1000);
	s->ready = 1;
	s->backoff_ms = s->backoff_ms * 2 > REDIS_BACKOFF_MAX_MS ? REDIS_BACKOFF_MAX_MS
	                                                        : s->backoff_ms * 2;
	return wait_ms;
}

/* Until the earliest entry falls due, at most check_interval, at least a second (or
 * check_interval when shorter). */
static long long
next_wait(struct runtime *rt)
{
	long long wait_ms = rt->cfg.check_interval, until, floor_ms;
	time_t due;

	if (store_next_due(rt->store, &due) == 0 && due > 0) {
		until = ((long long)due - (long long)time(NULL)) * 1000;
		if (until < wait_ms)
			wait_ms = until;
	}
	floor_ms = rt->cfg.check_interval < 1000 ? rt->cfg.check_interval : 1000;
	return wait_ms < floor_ms ? floor_ms : wait_ms;
}

/* A tick that reached Redis: staples, the tick's report, metrics and STATUS. The wait before
 * the next tick. */
static long long
after_success(struct sched *s, const struct tick_result *res)
{
	struct runtime *rt = s->rt;
	long long n_entries, n_due, n_failing, max_age = rt->cfg.check_interval / 1000 * 3;
	char report[sizeof(s->line) + 32];

	if (s->down)
		log_msg(LOG_INFO, "redis reachable again");
	s->down = 0;
	s->backoff_ms = REDIS_BACKOFF_FIRST_MS;
	/* Staple files follow the cache (staple.c); on start this is the prefetch. */
	if (rt->cfg.staple_cert.n > 0 && staple_run(&rt->cfg, rt->store, rt->fetcher, rt->issuers,
	                                            time(NULL), &signal_stop, NULL) == -1)
		log_msg(LOG_WARNING, "staples: redis: %s", store_error(rt->store));
	n_entries = store_count(rt->store);
	n_due = store_count_due(rt->store, time(NULL));
	n_failing = store_count_failing(rt->store);
	if (res->refreshed + res->failed + res->evicted + res->kept > 0 || s->once)
		log_msg(LOG_INFO, "tick: %s", s->line);
	/* The report says how soon the next is due (health and stats judge staleness by it), or
	 * that this run is a one-off that will not tick again. */
	if (s->once)
		snprintf(report, sizeof(report), "once %s", s->line);
	else
		snprintf(report, sizeof(report), "every=%lld %s", (rt->cfg.check_interval + 999) / 1000,
		         s->line);
	if (store_report(rt->store, s->owner, time(NULL), report,
	                 max_age > SCHEDULER_REPORT_MAX_AGE_S ? max_age
	                                                      : SCHEDULER_REPORT_MAX_AGE_S) == -1)
		log_msg(LOG_WARNING, "cannot report the tick: %s", store_error(rt->store));
	if (metrics_refresh(rt->store, rt->cfg.metrics_file, rt->cfg.metrics_interval,
	                    &s->metrics_ms, 1) == -1)
		log_msg(LOG_WARNING, "cannot write metrics_file %s", rt->cfg.metrics_file);
	sd_notifyf(0, "%sSTATUS=entries %lld, due %lld, failing %lld, last tick: %s",
	           s->ready ? "" : "READY=1\n", n_entries, n_due, n_failing, s->line);
	s->ready = 1;
	return next_wait(rt);
}

int
main(int argc, char **argv)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, 0 };
	struct sched s;
	struct tick_result res;
	struct err err;
	long long wait_ms;
	int rc;

	memset(&s, 0, sizeof(s));
	s.backoff_ms = REDIS_BACKOFF_FIRST_MS;
	if ((rc = parse_args(argc, argv, &s)) != 0)
		return rc - 1;
	if ((s.rt = calloc(1, sizeof(*s.rt))) == NULL) {
		fprintf(stderr, "ocsp-proxy-scheduler: out of memory\n");
		return 1;
	}
	if (runtime_new(s.rt, s.path, &err) == -1) {
		fprintf(stderr, "ocsp-proxy-scheduler: %s\n", err.msg);
		free(s.rt);
		return 1;
	}
	log_open("ocsp-proxy-scheduler", s.rt->cfg.log,
	         log_flags(s.rt->cfg.debug, s.rt->cfg.log_format));
	reload_issuers(s.rt, 1);
	signals_catch(sigs, &s.open_mask);
	signal(SIGPIPE, SIG_IGN);
	owner_name(s.owner, sizeof(s.owner));
	if (sd_watchdog_enabled(0, &s.wd.usec) <= 0)
		s.wd.usec = 0;
	log_msg(LOG_INFO, "started (%s), config %s", s.owner,
	        s.rt->cfg.path != NULL ? s.rt->cfg.path : "built-in defaults");
	keep_last_good(&s.rt->cfg);

	while (!signal_stop) {
		if (signal_reload) {
			signal_reload = 0;
			reload(&s);
		}
		rc = tick(&s, &res);
		wait_ms = rc == -1 ? after_failure(&s) : after_success(&s, &res);
		if (s.once)
			break;
		doze(s.rt, wait_ms, &s.wd, &s.metrics_ms, &s.open_mask);
	}

	if (s.once)
		printf("%s%s\n", rc == -1 ? "redis unreachable: " : "",
		       rc == -1 ? store_error(s.rt->store) : s.line);
	sd_notify(0, "STOPPING=1");
	log_msg(LOG_INFO, "stopped");
	runtime_free(s.rt);
	free(s.rt);
	log_close();
	return s.once && rc == -1 ? 1 : 0;
}
