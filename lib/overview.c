/* overview: counts, counters and scheduler reports read together for the tools that show them. */
#include <stdlib.h>
#include <string.h>

#include <openssl/ocsp.h>

#include "overview.h"

int
overview_read(struct store *st, time_t now, struct overview *out)
{
	memset(out, 0, sizeof(*out));
	out->entries = store_count(st);
	out->failing = store_count_failing(st);
	out->due = store_count_due(st, now);
	out->unknown = store_count_status(st, V_OCSP_CERTSTATUS_UNKNOWN);
	if (out->entries < 0 || out->failing < 0 || out->due < 0 || out->unknown < 0 ||
	    store_stats(st, &out->names, &out->values) == -1 ||
	    store_reports(st, &out->owners, &out->ticks) == -1 ||
	    store_backoffs(st, (long long)now * 1000, &out->backoff_urls, &out->backoffs) == -1) {
		overview_free(out);
		return -1;
	}
	return 0;
}

void
overview_free(struct overview *o)
{
	strlist_free(&o->names);
	strlist_free(&o->values);
	strlist_free(&o->owners);
	strlist_free(&o->ticks);
	strlist_free(&o->backoff_urls);
	strlist_free(&o->backoffs);
	memset(o, 0, sizeof(*o));
}

void
overview_report(const char *value, struct sched_report *out)
{
	const char *p = strchr(value, ' ');

	memset(out, 0, sizeof(*out));
	out->last = (time_t)atoll(value);
	out->summary = p != NULL ? p + 1 : "";
	if (strncmp(out->summary, "once ", 5) == 0) {
		out->once = 1;
		out->summary += 5;
	} else if (strncmp(out->summary, "every=", 6) == 0) {
		out->every_s = atoll(out->summary + 6);
		out->summary += 6 + strspn(out->summary + 6, "0123456789");
		out->summary += *out->summary == ' ';
	}
}

enum sched_state
overview_state(const struct sched_report *r, time_t now, long long default_every_s)
{
	long long every = r->every_s > 0 ? r->every_s : default_every_s;

	if (r->once)
		return SCHED_ONCE;
	/* A tick waits at most its interval; a slow tick or a Redis hiccup gets another and a
	 * minute before the scheduler counts as gone. */
	return (long long)now - (long long)r->last <= every * 2 + 60 ? SCHED_RUNNING : SCHED_STALE;
}

const char *
overview_state_name(enum sched_state s)
{
	return s == SCHED_RUNNING ? "running" : s == SCHED_STALE ? "stale" : "once";
}
