/* main: ocsp-proxyctl, the operator's tool: list, show, prefetch, purge and stats of the cache,
 * each also as JSON. It talks to Redis through lib/store.c like the daemons do. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "answer.h"
#include "bounds.h"
#include "cli.h"
#include "config.h"
#include "fetch.h"
#include "ocsp.h"
#include "overview.h"
#include "policy.h"
#include "store.h"

static const char usage[] =
    "usage: ocsp-proxyctl [-c FILE] [--json] COMMAND [ARGS]\n"
    "  list                                  every cached entry, in refresh order\n"
    "  show CERTID | --cert FILE --issuer FILE\n"
    "  prefetch --cert FILE --issuer FILE [--url URL]\n"
    "                                        fetch and cache now (URL default: the cert's AIA)\n"
    "  purge CERTID | --cert FILE --issuer FILE\n"
    "  stats                                 counters kept by the handlers and schedulers\n"
    "  -c, --config FILE  configuration (default $" CONFIG_ENV " or " CONFIG_DEFAULT_PATH ")\n"
    "  -h, --help, -V, --version\n";

struct opts {
	int json;
	const char *cmd;
	const char *certid;
	const char *cert;
	const char *issuer;
	const char *url;
};

static void
iso(time_t t, char out[32])
{
	struct tm tm;

	if (t <= 0) {
		strcpy(out, "-");
		return;
	}
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* JSON string: only what a cert id, URL or error can hold needs escaping. */
static void
json_str(const char *s)
{
	putchar('"');
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void
json_or_null(const char *s)
{
	if (s != NULL)
		json_str(s);
	else
		printf("null");
}

static void
print_entry(const char *key, const struct entry *e, int json, int first)
{
	char th[32], nx[32], du[32], fe[32], hi[32];

	iso(e->this_update, th);
	iso(e->next_update, nx);
	iso(e->due, du);
	iso(e->fetched, fe);
	iso(e->last_hit, hi);
	if (!json) {
		printf("%s\n  upstream %s\n  status %s, thisUpdate %s, nextUpdate %s\n"
		       "  fetched %s, last hit %s, next refresh %s\n",
		       key, e->url != NULL ? e->url : "-", ocsp_cert_status_name(e->cert_status), th,
		       nx, fe, hi, du);
		if (e->failures > 0)
			printf("  failing: %d in a row, last error: %s\n", e->failures,
			       e->err != NULL ? e->err : "-");
		printf("  serial %s\n", e->serial != NULL ? e->serial : "-");
		if (e->subject != NULL || e->issuer != NULL)
			printf("  subject %s\n  issuer %s\n", e->subject != NULL ? e->subject : "-",
			       e->issuer != NULL ? e->issuer : "-");
		return;
	}
	printf("%s{\"certid\":", first ? "" : ",");
	json_str(key);
	printf(",\"upstream\":");
	json_str(e->url);
	printf(",\"status\":\"%s\",\"this_update\":%lld,\"next_update\":%lld,\"fetched\":%lld,"
	       "\"last_hit\":%lld,\"next_refresh\":%lld,\"failures\":%d,\"last_error\":",
	       ocsp_cert_status_name(e->cert_status), (long long)e->this_update,
	       (long long)e->next_update, (long long)e->fetched, (long long)e->last_hit,
	       (long long)e->due, e->failures);
	json_or_null(e->err);
	printf(",\"serial\":");
	json_or_null(e->serial);
	printf(",\"subject\":");
	json_or_null(e->subject);
	printf(",\"issuer\":");
	json_or_null(e->issuer);
	printf("}");
}

static int
cmd_list(struct store *st, const struct opts *o)
{
	struct strlist keys;
	struct entry e;
	size_t off = 0, i;
	int n, first = 1, rc;

	if (o->json)
		printf("[");
	for (;;) {
		memset(&keys, 0, sizeof(keys));
		if ((n = store_certids(st, off, CTL_LIST_PAGE, &keys)) == -1)
			goto fail;
		for (i = 0; i < keys.n; i++) {
			if ((rc = store_get(st, keys.v[i], &e)) == -1) {
				strlist_free(&keys);
				goto fail;
			}
			if (rc == 1) {
				print_entry(keys.v[i], &e, o->json, first);
				first = 0;
				entry_free(&e);
			}
		}
		strlist_free(&keys);
		if (n < CTL_LIST_PAGE)
			break;
		off += (size_t)n;
	}
	if (o->json)
		printf("]\n");
	return 0;
fail:
	fprintf(stderr, "ocsp-proxyctl: %s\n", store_error(st));
	return 1;
}

/* The cache key of --cert/--issuer, or the CERTID given. 0 ok. */
static int
resolve_key(const struct opts *o, char *key, size_t keylen, unsigned char **der, size_t *len,
            char **aia)
{
	struct ocsp_request req;
	char err[256];

	*der = NULL;
	*aia = NULL;
	if (o->certid != NULL) {
		snprintf(key, keylen, "%s", o->certid);
		return 0;
	}
	if (o->cert == NULL || o->issuer == NULL) {
		fprintf(stderr, "ocsp-proxyctl: %s needs a CERTID or --cert and --issuer\n", o->cmd);
		return -1;
	}
	if (ocsp_request_build(o->cert, o->issuer, der, len, aia, err, sizeof(err)) == -1) {
		fprintf(stderr, "ocsp-proxyctl: %s\n", err);
		return -1;
	}
	if (ocsp_request_parse(*der, *len, &req) == -1) {
		fprintf(stderr, "ocsp-proxyctl: cannot parse the request built\n");
		return -1;
	}
	snprintf(key, keylen, "%s", req.key);
	ocsp_request_free(&req);
	return 0;
}

static int
cmd_show(struct store *st, const struct opts *o)
{
	char key[OCSP_KEY_MAX + 1], *aia = NULL;
	unsigned char *der = NULL;
	struct entry e;
	size_t len;
	int rc = 1, found;

	if (resolve_key(o, key, sizeof(key), &der, &len, &aia) == -1)
		goto out;
	if ((found = store_get(st, key, &e)) == -1) {
		fprintf(stderr, "ocsp-proxyctl: %s\n", store_error(st));
		goto out;
	}
	if (found == 0) {
		fprintf(stderr, "ocsp-proxyctl: %s: not cached\n", key);
		goto out;
	}
	print_entry(key, &e, o->json, 1);
	if (o->json)
		printf("\n");
	entry_free(&e);
	rc = 0;
out:
	free(der);
	free(aia);
	return rc;
}

static int
cmd_prefetch(const struct config *cfg, struct store *st, const struct opts *o)
{
	char key[OCSP_KEY_MAX + 1], *aia = NULL, err[256], why[256];
	unsigned char *der = NULL;
	const char *url;
	struct ocsp_request req;
	struct ocsp_response_info info;
	struct fetch_result res;
	struct fetcher *f = NULL;
	struct err ferr;
	struct answer a;
	char subject[CERT_NAME_MAX], issuer[CERT_NAME_MAX];
	void *trust = NULL;
	size_t len;
	time_t now = time(NULL);
	int rc = 1, have_req = 0, put;

	memset(&res, 0, sizeof(res));
	if (o->certid != NULL) {
		fprintf(stderr, "ocsp-proxyctl: prefetch needs --cert and --issuer\n");
		return 1;
	}
	if (resolve_key(o, key, sizeof(key), &der, &len, &aia) == -1)
		goto out;
	if ((url = o->url != NULL ? o->url : aia) == NULL) {
		fprintf(stderr, "ocsp-proxyctl: %s names no OCSP responder; give --url\n", o->cert);
		goto out;
	}
	if (ocsp_request_parse(der, len, &req) == -1)
		goto out;
	have_req = 1;
	if ((f = fetch_new(cfg, &ferr)) == NULL) {
		fprintf(stderr, "ocsp-proxyctl: %s\n", ferr.msg);
		goto out;
	}
	if (cfg->trust_anchors != NULL &&
	    (trust = ocsp_trust_load(cfg->trust_anchors, err, sizeof(err))) == NULL) {
		fprintf(stderr, "ocsp-proxyctl: trust_anchors: %s\n", err);
		goto out;
	}
	if (fetch_post(f, url, der, len, &res) == -1) {
		fprintf(stderr, "ocsp-proxyctl: %s: %s\n", url, res.err.msg);
		goto out;
	}
	if (res.http_status != 200) {
		fprintf(stderr, "ocsp-proxyctl: %s answered HTTP %ld\n", url, res.http_status);
		goto out;
	}
	if (policy_cacheable(cfg, ocsp_response_check(&req, res.body, res.len, now,
	                                              cfg->clock_skew / 1000, trust, &info, why,
	                                              sizeof(why)),
	                     &info, now, why, sizeof(why)) != OCSP_V_CACHEABLE) {
		fprintf(stderr, "ocsp-proxyctl: %s: not cached: %s\n", url, why);
		goto out;
	}
	memset(&a, 0, sizeof(a));
	a.certid = key;
	a.req = &req;
	a.resp = res.body;
	a.resp_len = res.len;
	a.info = &info;
	a.url = url;
	a.now = a.earliest = now;
	if (ocsp_cert_names(o->cert, subject, sizeof(subject), issuer, sizeof(issuer)) == 0) {
		a.subject = subject;
		a.issuer = issuer;
	}
	put = answer_store(st, cfg, &a);
	if (put == -1) {
		fprintf(stderr, "ocsp-proxyctl: %s\n", store_error(st));
		goto out;
	}
	printf("%s %s %s\n", key, ocsp_cert_status_name(info.cert_status),
	       put == 1 ? "cached" : "kept (the cache holds a newer response)");
	rc = 0;
out:
	if (have_req)
		ocsp_request_free(&req);
	fetch_result_free(&res);
	fetch_free(f);
	if (trust != NULL)
		ocsp_trust_free(trust);
	free(der);
	free(aia);
	return rc;
}

static int
cmd_purge(struct store *st, const struct opts *o)
{
	char key[OCSP_KEY_MAX + 1], *aia = NULL;
	unsigned char *der = NULL;
	size_t len;
	int rc = 1, n;

	if (resolve_key(o, key, sizeof(key), &der, &len, &aia) == -1)
		goto out;
	if ((n = store_delete(st, key)) == -1) {
		fprintf(stderr, "ocsp-proxyctl: %s\n", store_error(st));
		goto out;
	}
	if (n == 0) {
		fprintf(stderr, "ocsp-proxyctl: %s: not cached\n", key);
		goto out;
	}
	printf("%s purged\n", key);
	rc = 0;
out:
	free(der);
	free(aia);
	return rc;
}

/* The schedulers that reported a tick, on every host: "scheduler OWNER last tick TIME: SUMMARY". */
static void
print_schedulers(const struct strlist *owners, const struct strlist *values, int json)
{
	char when[32];
	const char *summary;
	size_t i;

	if (json)
		printf(",\"schedulers\":[");
	for (i = 0; i < owners->n && i < values->n; i++) {
		summary = strchr(values->v[i], ' ');
		summary = summary != NULL ? summary + 1 : "";
		if (json) {
			printf("%s{\"owner\":", i > 0 ? "," : "");
			json_str(owners->v[i]);
			printf(",\"last_tick\":%lld,\"summary\":", atoll(values->v[i]));
			json_str(summary);
			printf("}");
		} else {
			iso((time_t)atoll(values->v[i]), when);
			printf("scheduler %s last tick %s: %s\n", owners->v[i], when, summary);
		}
	}
	if (json)
		printf("]");
}

static int
cmd_stats(struct store *st, const struct opts *o)
{
	struct overview ov;
	size_t i;

	if (overview_read(st, time(NULL), &ov) == -1) {
		fprintf(stderr, "ocsp-proxyctl: %s\n", store_error(st));
		return 1;
	}
	if (o->json)
		printf("{\"entries\":%lld,\"failing\":%lld", ov.entries, ov.failing);
	else
		printf("entries %lld\nfailing %lld\n", ov.entries, ov.failing);
	for (i = 0; i < ov.names.n && i < ov.values.n; i++) {
		if (o->json) {
			printf(",");
			json_str(ov.names.v[i]);
			printf(":%lld", atoll(ov.values.v[i]));
		} else {
			printf("%s %s\n", ov.names.v[i], ov.values.v[i]);
		}
	}
	print_schedulers(&ov.owners, &ov.ticks, o->json);
	if (o->json)
		printf("}\n");
	overview_free(&ov);
	return 0;
}

int
main(int argc, char **argv)
{
	struct config cfg;
	struct store *st;
	struct opts o;
	const char *path;
	struct err err;
	int rc, rest, i;

	rc = cli_parse(argc, argv, "ocsp-proxyctl", usage, &path, &rest);
	if (rc != CLI_RUN)
		return rc == CLI_EXIT ? 0 : 2;
	memset(&o, 0, sizeof(o));
	for (i = 1; i < rest; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--json") == 0)
			o.json = 1;
		else if (strcmp(a, "--cert") == 0 && i + 1 < rest)
			o.cert = argv[++i];
		else if (strcmp(a, "--issuer") == 0 && i + 1 < rest)
			o.issuer = argv[++i];
		else if (strcmp(a, "--url") == 0 && i + 1 < rest)
			o.url = argv[++i];
		else if (a[0] == '-')
			goto bad;
		else if (o.cmd == NULL)
			o.cmd = a;
		else if (o.certid == NULL)
			o.certid = a;
		else
			goto bad;
	}
	if (o.cmd == NULL)
		goto bad;
	if (config_load(&cfg, path, &err) == -1) {
		fprintf(stderr, "ocsp-proxyctl: %s\n", err.msg);
		return 1;
	}
	if ((st = store_new(&cfg)) == NULL) {
		config_free(&cfg);
		return 1;
	}
	if (strcmp(o.cmd, "list") == 0)
		rc = cmd_list(st, &o);
	else if (strcmp(o.cmd, "show") == 0)
		rc = cmd_show(st, &o);
	else if (strcmp(o.cmd, "prefetch") == 0)
		rc = cmd_prefetch(&cfg, st, &o);
	else if (strcmp(o.cmd, "purge") == 0)
		rc = cmd_purge(st, &o);
	else if (strcmp(o.cmd, "stats") == 0)
		rc = cmd_stats(st, &o);
	else
		rc = -1;
	store_free(st);
	config_free(&cfg);
	if (rc != -1)
		return rc;
bad:
	fprintf(stderr, "%s", usage);
	return 2;
}
