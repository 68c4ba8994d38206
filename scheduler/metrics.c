/* metrics: the cache's state as a Prometheus text file (node_exporter's textfile collector).
 * Written whole and renamed into place, so the collector never reads half a file; mode 0644
 * whatever the service's umask, since it holds no secret and node_exporter runs as another user. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "clock.h"
#include "metrics.h"
#include "overview.h"

/* A label value: backslash, quote and newline escaped, as the text format wants. */
static void
label(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			fputc('?', f);  /* Redis's bytes: one invalid UTF-8 fails the whole scrape */
		else
			fputc(*s, f);
	}
}

static void
gauge(FILE *f, const char *name, const char *help, long long v)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n%s %lld\n", name, help, name, name, v);
}

/* What Redis says; 0 when it answered everything, -1 (and nothing written) when not. */
static int
write_cache(FILE *f, struct store *st, time_t now)
{
	struct overview ov;
	time_t earliest = 0;
	size_t i;

	if (store_earliest_next(st, &earliest) == -1 || overview_read(st, now, &ov) == -1)
		return -1;
	gauge(f, "ocsp_proxy_entries", "Cached OCSP responses.", ov.entries);
	gauge(f, "ocsp_proxy_failing", "Entries whose last refresh failed.", ov.failing);
	gauge(f, "ocsp_proxy_due", "Entries due for a refresh now.", ov.due);
	gauge(f, "ocsp_proxy_unknown", "Entries cached as unknown: the CA did not know the "
	      "certificate when asked (ocsp-proxyctl list --status unknown).", ov.unknown);
	gauge(f, "ocsp_proxy_earliest_next_update_seconds",
	      "Earliest nextUpdate of any cached response (unix time; 0 when none).",
	      (long long)earliest);
	fprintf(f, "# HELP ocsp_proxy_scheduler_last_tick_seconds Each scheduler's last successful "
	           "tick (unix time).\n# TYPE ocsp_proxy_scheduler_last_tick_seconds gauge\n");
	for (i = 0; i < ov.owners.n && i < ov.ticks.n; i++) {
		fputs("ocsp_proxy_scheduler_last_tick_seconds{scheduler=\"", f);
		label(f, ov.owners.v[i]);
		fprintf(f, "\"} %lld\n", atoll(ov.ticks.v[i]));
	}
	gauge(f, "ocsp_proxy_upstreams_backed_off",
	      "Upstream responders misses do not ask now, after a failed fetch.",
	      (long long)ov.backoff_urls.n);
	fprintf(f, "# HELP ocsp_proxy_upstream_backoff_until_seconds Until when misses do not ask "
	           "this upstream (unix time), and why.\n"
	           "# TYPE ocsp_proxy_upstream_backoff_until_seconds gauge\n");
	for (i = 0; i < ov.backoff_urls.n && i < ov.backoffs.n; i++) {
		const char *why = strchr(ov.backoffs.v[i], ' ');

		fputs("ocsp_proxy_upstream_backoff_until_seconds{upstream=\"", f);
		label(f, ov.backoff_urls.v[i]);
		fputs("\",reason=\"", f);
		label(f, why != NULL ? why + 1 : "");
		fprintf(f, "\"} %lld\n", atoll(ov.backoffs.v[i]) / 1000);
	}
	fprintf(f, "# HELP ocsp_proxy_events_total Counters kept by handlers and schedulers.\n"
	           "# TYPE ocsp_proxy_events_total counter\n");
	for (i = 0; i < ov.names.n && i < ov.values.n; i++)
		if (strspn(ov.names.v[i], "abcdefghijklmnopqrstuvwxyz_") == strlen(ov.names.v[i]))
			fprintf(f, "ocsp_proxy_events_total{event=\"%s\"} %lld\n", ov.names.v[i],
			        atoll(ov.values.v[i]));
	overview_free(&ov);
	return 0;
}

int
metrics_write(struct store *st, const char *path, time_t now)
{
	struct atomicfile af;
	struct err err;
	int up;

	if (atomicfile_open(&af, path, 0644, &err) == -1)
		return -1;
	up = write_cache(af.f, st, now) == 0;
	gauge(af.f, "ocsp_proxy_redis_up", "1 when Redis answered this file's questions, else 0.", up);
	gauge(af.f, "ocsp_proxy_metrics_written_seconds", "When this file was written (unix time).",
	      (long long)now);
	if (atomicfile_commit(&af, &err) == -1)
		return -1;
	return up ? 0 : -1;
}

int
metrics_refresh(struct store *st, const char *path, long long period_ms, long long *last_ms,
                int force)
{
	long long now = clock_ms();

	if (path == NULL || (!force && *last_ms != 0 && now - *last_ms < period_ms))
		return 0;
	*last_ms = now;
	return metrics_write(st, path, time(NULL));
}
