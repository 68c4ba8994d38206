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

#include "cli.h"
#include "clock.h"
#include "config.h"
#include "fetch.h"
#include "issuers.h"
#include "log.h"
#include "metrics.h"
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

/* Set by signal handlers, read by the loop and by fetch_many: the only state a signal handler
 * may touch, so it cannot live in a struct passed around. */
static volatile sig_atomic_t stop_flag, reload_flag;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_flag = 1;
	else
		stop_flag = 1;
}

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
	struct issuers *is;
	struct err err;

	if (!rt->cfg.verify) {
		if (starting)
			log_msg(LOG_WARNING, "verify = no: upstream answers are cached and served "
			        "without checking their signatures; anyone on the path to a responder "
			        "can forge them");
		return;
	}
	if (starting || (rt->issuers != NULL && !issuers_stale(rt->issuers)))
		return;
	if ((is = issuers_load(&rt->cfg, &err)) == NULL) {
		log_msg(LOG_ERR, "issuer store: %s; keeping the one read before", err.msg);
		return;
	}
	issuers_free(rt->issuers);
	rt->issuers = is;
}

/* Sleeps up to ms, waking at once for a signal. Signals are blocked outside this and the tick,
 * and ppoll unblocks them atomically, so none is lost between the check and the sleep. */
static void
sleep_ms(long long ms, const sigset_t *open_mask)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	if (stop_flag || reload_flag)
		return;
	ppoll(NULL, 0, &ts, open_mask);
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

/* How often a sleeping scheduler looks at the earliest due time: an entry a handler adds that
 * falls due sooner than the planned wake is refreshed within this (one ZRANGE per wake). */
#define WAKE_CHECK_MS 1000

/* Sleeps wait_ms, watchdog fed and metrics file rewritten meanwhile, but wakes at once for a
 * signal and early when the schedule's earliest entry falls due before the planned wake. */
static void
doze(struct runtime *rt, long long wait_ms, struct watchdog *wd, long long *metrics_ms,
     const sigset_t *open_mask)
{
	long long until = clock_ms() + wait_ms, left, step, soon;
	time_t due;

	while (!stop_flag && !reload_flag && (left = until - clock_ms()) > 0) {
		step = left < WAKE_CHECK_MS ? left : WAKE_CHECK_MS;
		if (wd->usec > 0 && step > (long long)(wd->usec / 4000))
			step = (long long)(wd->usec / 4000);
		/* The metrics file moves between ticks too, for node_exporter and alerts. */
		if (rt->cfg.metrics_file != NULL && step > rt->cfg.metrics_interval)
			step = rt->cfg.metrics_interval;
		keepalive(wd);
		sleep_ms(step, open_mask);
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

int
main(int argc, char **argv)
{
	struct runtime rt, next;
	struct tick_result res;
	struct tick_env env;
	struct sigaction sa;
	sigset_t block, open_mask;
	const char *path = NULL;
	struct err err;
	char owner[300], host[256], line[256];
	long long wait_ms, backoff_ms = 1000, cap_ms, metrics_ms = 0;
	struct watchdog wd = { 0, 0 };
	time_t now, due;
	long long n_entries, n_due, n_failing;
	int rc, rest, once = 0, i, ready = 0, down = 0;

	rc = cli_parse(argc, argv, "ocsp-proxy-scheduler", usage, &path, &rest);
	if (rc != CLI_RUN)
		return rc == CLI_EXIT ? 0 : 2;
	for (i = 1; i < rest; i++) {
		if (strcmp(argv[i], "--once") == 0) {
			once = 1;
		} else {
			fprintf(stderr, "ocsp-proxy-scheduler: unknown argument '%s'\n%s", argv[i], usage);
			return 2;
		}
	}
	if (runtime_new(&rt, path, &err) == -1) {
		fprintf(stderr, "ocsp-proxy-scheduler: %s\n", err.msg);
		return 1;
	}
	log_open("ocsp-proxy-scheduler", rt.cfg.log, log_flags(rt.cfg.debug, rt.cfg.log_format));
	reload_issuers(&rt, 1);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &open_mask);

	if (gethostname(host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(owner, sizeof(owner), "%s:%ld", host, (long)getpid());
	if (sd_watchdog_enabled(0, &wd.usec) <= 0)
		wd.usec = 0;
	log_msg(LOG_INFO, "started (%s), config %s", owner,
	        rt.cfg.path != NULL ? rt.cfg.path : "built-in defaults");

	while (!stop_flag) {
		if (reload_flag) {
			reload_flag = 0;
			if (runtime_new(&next, path, &err) == -1) {
				log_msg(LOG_ERR, "reload failed, keeping the old configuration: %s", err.msg);
			} else {
				runtime_free(&rt);
				rt = next;
				log_open("ocsp-proxy-scheduler", rt.cfg.log,
				         log_flags(rt.cfg.debug, rt.cfg.log_format));
				log_msg(LOG_INFO, "configuration reloaded");
				reload_issuers(&rt, 1);
			}
		}
		env.cfg = &rt.cfg;
		env.store = rt.store;
		env.fetcher = rt.fetcher;
		reload_issuers(&rt, 0);
		env.issuers = rt.issuers;
		env.owner = owner;
		env.stop = &stop_flag;
		env.keepalive = keepalive;
		env.keepalive_arg = &wd;

		now = time(NULL);
		/* Signals open during the tick: a SIGTERM cuts fetch_many short. */
		sigprocmask(SIG_SETMASK, &open_mask, NULL);
		rc = tick_run(&env, now, &res);
		sigprocmask(SIG_BLOCK, &block, NULL);
		summary(line, sizeof(line), &res);

		if (rc == -1) {
			if (!down)
				log_msg(LOG_ERR, "redis unreachable: %s", store_error(rt.store));
			down = 1;
			sd_notifyf(0, "%sSTATUS=redis unreachable: %s, retrying in %llds",
			           ready ? "" : "READY=1\n", store_error(rt.store), backoff_ms / 1000);
			ready = 1;
			if (once)
				break;
			wait_ms = backoff_ms;
			backoff_ms = backoff_ms * 2 > 30000 ? 30000 : backoff_ms * 2;
		} else {
			if (down)
				log_msg(LOG_INFO, "redis reachable again");
			down = 0;
			backoff_ms = 1000;
			/* Staple files follow the cache (staple.c); on start this is the prefetch. */
			if (rt.cfg.staple_cert.n > 0 && staple_run(&rt.cfg, rt.store, rt.fetcher, rt.issuers,
			                                           time(NULL), &stop_flag) == -1)
				log_msg(LOG_WARNING, "staples: redis: %s", store_error(rt.store));
			n_entries = store_count(rt.store);
			n_due = store_count_due(rt.store, time(NULL));
			n_failing = store_count_failing(rt.store);
			if (res.refreshed + res.failed + res.evicted + res.kept > 0 || once)
				log_msg(LOG_INFO, "tick: %s", line);
			if (store_report(rt.store, owner, time(NULL), line,
			                 rt.cfg.check_interval / 1000 * 3 > 86400
			                     ? rt.cfg.check_interval / 1000 * 3 : 86400) == -1)
				log_msg(LOG_WARNING, "cannot report the tick: %s", store_error(rt.store));
			if (metrics_refresh(rt.store, rt.cfg.metrics_file, rt.cfg.metrics_interval,
			                    &metrics_ms, 1) == -1)
				log_msg(LOG_WARNING, "cannot write metrics_file %s", rt.cfg.metrics_file);
			sd_notifyf(0, "%sSTATUS=entries %lld, due %lld, failing %lld, last tick: %s",
			           ready ? "" : "READY=1\n", n_entries, n_due, n_failing, line);
			ready = 1;
			if (once)
				break;
			wait_ms = rt.cfg.check_interval;
			if (store_next_due(rt.store, &due) == 0 && due > 0) {
				long long until = ((long long)due - (long long)time(NULL)) * 1000;

				if (until < wait_ms)
					wait_ms = until;
			}
			cap_ms = rt.cfg.check_interval < 1000 ? rt.cfg.check_interval : 1000;
			if (wait_ms < cap_ms)
				wait_ms = cap_ms;
		}
		doze(&rt, wait_ms, &wd, &metrics_ms, &open_mask);
	}

	if (once)
		printf("%s%s\n", rc == -1 ? "redis unreachable: " : "", rc == -1 ? store_error(rt.store) : line);
	sd_notify(0, "STOPPING=1");
	log_msg(LOG_INFO, "stopped");
	runtime_free(&rt);
	log_close();
	return once && rc == -1 ? 1 : 0;
}
