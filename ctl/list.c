/* list: ocsp-proxyctl list: the cached entries as an aligned table (serial, status, next update,
 * next refresh, failures, subject) or JSON, filtered by status, due time or failure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bounds.h"
#include "ctl.h"
#include "ocsp.h"

/* One table row, its strings owned. */
struct row {
	char *serial, *subject;
	char status[16], next[32], due[32], fail[16];
};

struct table {
	struct row *rows;
	size_t n, cap;
};

static int
wanted(const struct entry *e, const struct opts *o, time_t now)
{
	if (o->status != NULL && strcmp(ocsp_cert_status_name(e->cert_status), o->status) != 0)
		return 0;
	if (o->failing && e->failures == 0)
		return 0;
	if (o->due_within_ms >= 0 && (e->due == 0 || e->due > now + o->due_within_ms / 1000))
		return 0;
	return 1;
}

static int
add_row(struct table *t, const struct entry *e)
{
	struct row *r;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;

		if ((r = realloc(t->rows, cap * sizeof(*r))) == NULL)
			return -1;
		t->rows = r;
		t->cap = cap;
	}
	r = &t->rows[t->n];
	memset(r, 0, sizeof(*r));
	r->serial = strdup(e->serial != NULL ? e->serial : "?");
	/* Entries learned from a client's request carry no certificate, hence no names. */
	r->subject = strdup(e->subject != NULL ? e->subject : "(not known: seen in a request; "
	                                                      "prefetch the certificate to record it)");
	if (r->serial == NULL || r->subject == NULL) {
		free(r->serial);
		free(r->subject);
		return -1;
	}
	ctl_printable(r->serial);
	ctl_printable(r->subject);
	snprintf(r->status, sizeof(r->status), "%s", ocsp_cert_status_name(e->cert_status));
	ctl_iso(e->next_update, r->next);
	ctl_iso(e->due, r->due);
	snprintf(r->fail, sizeof(r->fail), "%d", e->failures);
	t->n++;
	return 0;
}

static void
print_table(const struct table *t)
{
	int ws = 6, wst = 6;
	size_t i;

	for (i = 0; i < t->n; i++) {
		if ((int)strlen(t->rows[i].serial) > ws)
			ws = (int)strlen(t->rows[i].serial);
		if ((int)strlen(t->rows[i].status) > wst)
			wst = (int)strlen(t->rows[i].status);
	}
	printf("%-*s  %-*s  %-20s  %-20s  %-4s  %s\n", ws, "SERIAL", wst, "STATUS", "NEXT UPDATE",
	       "NEXT REFRESH", "FAIL", "SUBJECT");
	for (i = 0; i < t->n; i++)
		printf("%-*s  %-*s  %-20s  %-20s  %-4s  %s\n", ws, t->rows[i].serial, wst,
		       t->rows[i].status, t->rows[i].next, t->rows[i].due, t->rows[i].fail,
		       t->rows[i].subject);
}

static void
table_free(struct table *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		free(t->rows[i].serial);
		free(t->rows[i].subject);
	}
	free(t->rows);
}

/* Visits every entry in refresh order, a page at a time. */
static int
each_entry(struct store *st, const struct opts *o, struct table *t, int *first)
{
	struct strlist keys;
	struct entry e;
	time_t now = time(NULL);
	size_t off = 0, i;
	int n, rc, oom;

	for (;;) {
		memset(&keys, 0, sizeof(keys));
		if ((n = store_certids(st, off, CTL_LIST_PAGE, &keys)) == -1)
			return -1;
		for (i = 0; i < keys.n; i++) {
			if ((rc = store_get(st, keys.v[i], &e)) == -1) {
				strlist_free(&keys);
				return -1;
			}
			oom = 0;
			if (rc == 1 && wanted(&e, o, now)) {
				if (o->json && *first)
					putchar('['); /* not before: a failure first answers {"error": ...} */
				if (o->json)
					ctl_print_entry(keys.v[i], &e, 1, *first);
				else
					oom = add_row(t, &e) == -1;
				*first = 0;
			}
			if (rc == 1)
				entry_free(&e);
			if (oom) {
				strlist_free(&keys);
				return -1;
			}
		}
		strlist_free(&keys);
		if (n < CTL_LIST_PAGE)
			return 0;
		off += (size_t)n;
	}
}

int
cmd_list(struct store *st, const struct opts *o)
{
	struct table t = { NULL, 0, 0 };
	int first = 1, rc;

	if (o->status != NULL && strcmp(o->status, "good") != 0 &&
	    strcmp(o->status, "revoked") != 0 && strcmp(o->status, "unknown") != 0) {
		fprintf(stderr, "ocsp-proxyctl: --status takes good, revoked or unknown, not '%s'\n",
		        o->status);
		return CTL_USAGE;
	}
	if (each_entry(st, o, &t, &first) == -1) {
		if (o->json && !first)
			printf("]\n");
		table_free(&t);
		return ctl_store_failed(st);
	}
	if (o->json)
		printf("%s]\n", first ? "[" : "");
	else if (t.n > 0)
		print_table(&t);
	else
		fprintf(stderr, "ocsp-proxyctl: no cached entry%s\n",
		        o->status != NULL || o->failing || o->due_within_ms >= 0 ? " matches" : "");
	rc = CTL_OK;
	table_free(&t);
	return rc;
}
