/* refresh: ocsp-proxyctl refresh: asks the responder now for cached entries (by CertID or serial,
 * or every one) or for a certificate file, through prefetch's fetch, check and store (a newer
 * cached answer is kept, a failed fetch changes nothing), then writes and pushes the staple
 * files as the scheduler does (scheduler/staple.c): a revocation reaches HAProxy at once. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "log.h"
#include "staple.h"

/* A refresh run: prefetch's, plus the staple files' outcomes. */
struct refresh {
	struct run r;
	struct strlist asked;        /* CertIDs asked (ctl_fetch_store): their staples' failures
	                                fail the command */
	int staples_first;           /* JSON: no comma before the next staple object */
	int staples_failed;
};

/* One cached entry, asked again at its responder (or --url). -1 when Redis failed. */
static int
refresh_entry(struct refresh *rf, const char *certid)
{
	struct run *r = &rf->r;
	struct ocsp_request req;
	struct entry e;
	const char *url;
	int got;

	if ((got = store_get(r->st, certid, &e)) != 1) {
		ctl_report(r, NULL, certid, NULL, NULL, NULL, "error",
		           got == 0 ? "not cached" : store_error(r->st));
		r->failed++;
		r->redis_down |= got == -1 && store_error_kind(r->st) == ERR_IO;
		return got == -1 ? -1 : 0;
	}
	/* Built from the CertID, never the stored request: one for another certificate (written
	 * by anyone who can write to Redis) would cache its answer under this name. */
	if (ocsp_request_for_certid(certid, &req) == -1) {
		ctl_report(r, NULL, certid, NULL, NULL, NULL, "error", "not a CertID");
		r->failed++;
	} else {
		if ((url = r->o->url != NULL ? r->o->url : e.url) == NULL) {
			ctl_report(r, NULL, certid, NULL, NULL, NULL, "error",
			           "no responder recorded; give --url");
			r->failed++;
		} else {
			ctl_fetch_store(r, NULL, NULL, &req, url, NULL, NULL);
		}
		ocsp_request_free(&req);
	}
	entry_free(&e);
	return r->redis_down ? -1 : 0;
}

/* Every cached CertID, read before any is refreshed: a refresh moves its entry in the schedule
 * the pages are read from. -1 on a Redis error. */
static int
all_certids(struct store *st, struct strlist *out)
{
	size_t off = 0;
	int n;

	do {
		if ((n = store_certids(st, off, CTL_LIST_PAGE, out)) == -1)
			return -1;
		off += (size_t)n;
	} while (n == CTL_LIST_PAGE);
	return 0;
}

static int
was_asked(const struct refresh *rf, const char *certid)
{
	size_t i;

	for (i = 0; certid != NULL && i < rf->asked.n; i++)
		if (strcmp(rf->asked.v[i], certid) == 0)
			return 1;
	return 0;
}

/* staple_run's hook: each staple file's outcome, printed; a file of a certificate asked about
 * that could not be written or pushed fails the command (its server staples the old answer). */
static void
staple_outcome(void *arg, const char *certid, const char *cert, const char *file,
               const char *result, const char *why)
{
	struct refresh *rf = arg;

	(void)cert;
	if (strcmp(result, "issuer") == 0)
		return;
	if ((strcmp(result, "failed") == 0 || strcmp(result, "push-failed") == 0) &&
	    was_asked(rf, certid))
		rf->staples_failed++;
	if (!rf->r.o->json) {
		printf("staple %s %s%s%s\n", file, result, why != NULL ? ": " : "",
		       why != NULL ? why : "");
		return;
	}
	printf("%s{\"file\":", rf->staples_first ? "" : ",");
	ctl_json_str(file);
	printf(",\"certid\":");
	ctl_json_or_null(certid);
	printf(",\"result\":");
	ctl_json_str(result);
	printf(",\"reason\":");
	ctl_json_or_null(why);
	printf("}");
	rf->staples_first = 0;
}

/* The staple files, as the scheduler keeps them: written when the cache's answer changed, and
 * pushed to HAProxy. */
static void
staples(struct refresh *rf)
{
	const struct config *cfg = rf->r.cfg;
	struct staple_hook hook = { staple_outcome, rf };
	volatile sig_atomic_t stop = 0;

	if (rf->r.o->json)
		printf("],\"staples\":[");
	if (cfg->staple_cert.n > 0 && !rf->r.redis_down &&
	    staple_run(cfg, rf->r.st, rf->r.f, rf->r.is, time(NULL), &stop, &hook) == -1) {
		fprintf(stderr, "ocsp-proxyctl: staples: %s\n", store_error(rf->r.st));
		rf->staples_failed++;
	}
	if (rf->r.o->json)
		printf("]}\n");
}

/* What to refresh: --all, --cert FILE, or CERTIDs and SERIALs. 0, or CTL_USAGE (said). */
static int
check_args(const struct opts *o)
{
	if (o->all + (o->cert != NULL) + (o->nargs > 0) == 1)
		return 0;
	fprintf(stderr, "ocsp-proxyctl: refresh takes CERTID or SERIAL arguments, --cert FILE or "
	                "--all (one of them)\n");
	return CTL_USAGE;
}

/* The entries named (--all, or each CERTID or SERIAL argument), one after the other. */
static void
refresh_named(struct refresh *rf)
{
	char certid[CERTID_HEX_MAX + 1];
	struct strlist all;
	size_t i;
	int k, rc;

	memset(&all, 0, sizeof(all));
	if (rf->r.o->all && all_certids(rf->r.st, &all) == -1) {
		ctl_store_failed(rf->r.st);
		rf->r.failed++;
		rf->r.redis_down |= store_error_kind(rf->r.st) == ERR_IO;
	}
	for (i = 0; i < all.n; i++)
		if (refresh_entry(rf, all.v[i]) == -1)
			break;
	strlist_free(&all);
	for (k = 0; k < rf->r.o->nargs && !rf->r.redis_down; k++) {
		if ((rc = ctl_certid_of(rf->r.st, rf->r.o->args[k], certid, sizeof(certid))) != 0) {
			rf->r.failed++;
			rf->r.redis_down |= rc == CTL_REDIS;
			continue;
		}
		refresh_entry(rf, certid);
	}
}

int
cmd_refresh(const struct config *cfg, struct store *st, const struct opts *o)
{
	struct refresh rf;
	struct err e;
	int rc;

	if ((rc = check_args(o)) != 0)
		return rc;
	memset(&rf, 0, sizeof(rf));
	rf.r.cfg = cfg;
	rf.r.st = st;
	rf.r.o = o;
	rf.r.refresh = 1;
	rf.r.asked = &rf.asked;
	rf.r.first = 1;
	rf.staples_first = 1;
	if ((rf.r.f = fetch_new(cfg, &e)) == NULL) {
		fprintf(stderr, "ocsp-proxyctl: %s\n", e.msg);
		return CTL_FAILED;
	}
	if (cfg->verify && (rf.r.is = issuers_load(cfg, &e)) == NULL) {
		fprintf(stderr, "ocsp-proxyctl: issuer store: %s\n", e.msg);
		fetch_free(rf.r.f);
		return CTL_USAGE;
	}
	/* The staple files' log lines go where the scheduler's do. */
	log_open("ocsp-proxyctl", cfg->log, log_flags(cfg->debug, cfg->log_format));
	if (o->json)
		printf("{\"entries\":[");
	if (o->cert != NULL)
		ctl_prefetch_file(&rf.r, o->cert, 0);
	refresh_named(&rf);
	staples(&rf);
	log_close();
	fetch_free(rf.r.f);
	issuers_free(rf.r.is);
	strlist_free(&rf.asked);
	if (rf.r.failed > 0 && rf.r.redis_down)
		return CTL_REDIS;
	return rf.r.failed > 0 || rf.staples_failed > 0 || rf.r.done == 0 ? CTL_FAILED : CTL_OK;
}
