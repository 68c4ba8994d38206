/* metrics: the cache's counters as a Prometheus text file (node_exporter's textfile collector).
 * Written whole and renamed into place, so the collector never reads half a file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metrics.h"

int
metrics_write(struct store *st, const char *path)
{
	struct strlist names, values;
	long long entries = store_count(st), failing = store_count_failing(st);
	char tmp[4096];
	FILE *f = NULL;
	size_t i;
	int rc = -1;

	memset(&names, 0, sizeof(names));
	memset(&values, 0, sizeof(values));
	if (entries < 0 || failing < 0 || store_stats(st, &names, &values) == -1)
		goto out;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		goto out;
	if ((f = fopen(tmp, "w")) == NULL)
		goto out;
	fprintf(f, "# HELP ocsp_proxy_entries Cached OCSP responses.\n"
	           "# TYPE ocsp_proxy_entries gauge\nocsp_proxy_entries %lld\n"
	           "# HELP ocsp_proxy_failing Entries whose last refresh failed.\n"
	           "# TYPE ocsp_proxy_failing gauge\nocsp_proxy_failing %lld\n", entries, failing);
	fprintf(f, "# HELP ocsp_proxy_events_total Counters kept by handlers and schedulers.\n"
	           "# TYPE ocsp_proxy_events_total counter\n");
	for (i = 0; i < names.n && i < values.n; i++)
		if (strspn(names.v[i], "abcdefghijklmnopqrstuvwxyz_") == strlen(names.v[i]))
			fprintf(f, "ocsp_proxy_events_total{event=\"%s\"} %lld\n", names.v[i],
			        atoll(values.v[i]));
	if (fclose(f) != 0) {
		f = NULL;
		unlink(tmp);
		goto out;
	}
	f = NULL;
	if (rename(tmp, path) == -1) {
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	if (f != NULL) {
		fclose(f);
		unlink(tmp);
	}
	strlist_free(&names);
	strlist_free(&values);
	return rc;
}
