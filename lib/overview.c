/* overview: counts, counters and scheduler reports read together for the tools that show them. */
#include <string.h>

#include "overview.h"

int
overview_read(struct store *st, time_t now, struct overview *out)
{
	memset(out, 0, sizeof(*out));
	out->entries = store_count(st);
	out->failing = store_count_failing(st);
	out->due = store_count_due(st, now);
	if (out->entries < 0 || out->failing < 0 || out->due < 0 ||
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
