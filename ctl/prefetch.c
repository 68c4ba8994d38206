/* prefetch: ocsp-proxyctl prefetch: certificates from full-chain files, several files or
 * directories; each one's issuer found (in its file, FILE.issuer, or --issuer) and checked to
 * have signed it, and added to the issuer store (issuers_dir) when the store lacks it; the answer
 * fetched, checked to come from that issuer or its delegated responder, and cached with the
 * certificate's serial and names. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "answer.h"
#include "bounds.h"
#include "certfile.h"
#include "ctl.h"
#include "fetch.h"
#include "issuers.h"
#include "ocsp.h"
#include "verdict.h"

void
ctl_report(struct run *r, const char *path, const char *certid, const char *serial,
       const char *subject, const char *status, const char *result, const char *why)
{
	if (!r->o->json) {
		if (strcmp(result, "error") == 0 && path == NULL && serial != NULL)
			fprintf(stderr, "ocsp-proxyctl: serial %s: %s\n", serial, why);
		else if (strcmp(result, "error") == 0)
			fprintf(stderr, "ocsp-proxyctl: %s: %s\n", path != NULL ? path : certid, why);
		else if (strcmp(result, "skipped") == 0)
			printf("%s: skipped: %s\n", path, why);
		else
			printf("%s %s %s (serial %s%s%s)\n", certid, status, result, serial,
			       path != NULL ? ", " : "", path != NULL ? path : "");
		return;
	}
	printf("%s{\"file\":", r->first ? "" : ",");
	ctl_json_or_null(path);
	printf(",\"certid\":");
	ctl_json_or_null(certid);
	printf(",\"serial\":");
	ctl_json_or_null(serial);
	printf(",\"subject\":");
	ctl_json_or_null(subject);
	printf(",\"status\":");
	ctl_json_or_null(status);
	printf(",\"result\":\"%s\",\"error\":", result);
	ctl_json_or_null(strcmp(result, "cached") == 0 || strcmp(result, "refreshed") == 0 ||
	                 strcmp(result, "kept") == 0 ? NULL : why);
	printf("}");
	r->first = 0;
}

int
ctl_fetch_checked(struct run *r, const struct certfile *cf, const struct ocsp_request *req,
                  const char *url, struct fetch_result *res, struct ocsp_response_info *info,
                  char *why, size_t whylen)
{
	struct answer_rules rules = { .cfg = r->cfg, .issuers = r->is, .cf = cf, .now = time(NULL) };
	char what[400], shown[201];

	/* The URL as shown: a refresh's comes from Redis, a certificate's from its AIA, and
	 * either may carry terminal escapes to the operator's screen. */
	snprintf(shown, sizeof(shown), "%s", url);
	ctl_printable(shown);
	if (fetch_post(r->f, url, req->der, req->der_len, res) == -1) {
		snprintf(why, whylen, "%s: %.300s", shown, res->err.msg);
		return -1;
	}
	if (res->http_status != 200) {
		snprintf(why, whylen, "%s answered HTTP %ld", shown, res->http_status);
		return -1;
	}
	/* Whatever trust_anchors says, the answer must come from this certificate's issuer too
	 * (when the certificate is known: refresh of a cached entry knows only its CertID). */
	if (answer_check(&rules, req, res->body, res->len, info, what, sizeof(what)) !=
	    OCSP_V_CACHEABLE) {
		snprintf(why, whylen, "%s: %.300s", shown, what);
		return -1;
	}
	return 0;
}

/* Naming a certificate's issuer to prefetch (in its file, FILE.issuer or --issuer; it signed the
 * certificate) is the operator vouching for it: an issuer the store lacks is written into
 * issuers_dir, where the handler and the scheduler find it too. 0 ok, -1 with why. */
static int
add_issuer(struct run *r, const struct certfile *cf, char *why, size_t whylen)
{
	char subject[CERT_NAME_MAX];
	struct issuers *is;
	struct err e;
	int added;

	if (r->is == NULL || issuers_has(r->is, cf->issuer))
		return 0;
	if (r->cfg->issuers_dir == NULL) {
		snprintf(why, whylen, "its issuer is not in the issuer store and issuers_dir is unset");
		return -1;
	}
	if ((added = issuers_add(r->cfg->issuers_dir, cf->issuer, &e)) == -1) {
		snprintf(why, whylen, "cannot add its issuer to issuers_dir: %.400s", e.msg);
		return -1;
	}
	X509_NAME_oneline(X509_get_subject_name(cf->issuer), subject, sizeof(subject));
	if (added == 1 && !r->o->json)
		fprintf(stderr, "ocsp-proxyctl: added the issuer %s to %s\n", subject,
		        r->cfg->issuers_dir);
	if ((is = issuers_load(r->cfg, &e)) == NULL) {
		snprintf(why, whylen, "issuer store: %.400s", e.msg);
		return -1;
	}
	issuers_free(r->is);
	r->is = is;
	return 0;
}

/* 1 when path holds a PEM certificate block: in a directory, keys and notes are no error. */
static int
has_certificate(const char *path)
{
	char line[256];
	FILE *f = fopen(path, "r");
	int found = 0, n = 0;

	while (f != NULL && !found && n++ < CTL_PEM_SCAN_LINES && fgets(line, sizeof(line), f))
		found = strncmp(line, "-----BEGIN CERTIFICATE-----", 27) == 0;
	if (f != NULL)
		fclose(f);
	return found;
}

void
ctl_fetch_store(struct run *r, const char *path, const struct certfile *cf,
                const struct ocsp_request *req, const char *url, const char *subject,
                const char *issuer)
{
	char why[512], serial[CERTID_HEX_MAX + 1];
	struct ocsp_response_info info;
	struct fetch_result res;
	struct answer a;
	enum store_put_result put;

	memset(&res, 0, sizeof(res));
	ocsp_request_serial(req, serial, sizeof(serial));
	if (r->asked != NULL && strlist_push(r->asked, req->certid) == -1) {
		snprintf(why, sizeof(why), "out of memory");
		goto fail;
	}
	if (ctl_fetch_checked(r, cf, req, url, &res, &info, why, sizeof(why)) == -1)
		goto fail;
	memset(&a, 0, sizeof(a));
	a.certid = req->certid;
	a.req = req;
	a.resp = res.body;
	a.resp_len = res.len;
	a.info = &info;
	a.url = url;
	a.now = a.earliest = time(NULL);
	a.subject = subject;
	a.issuer = issuer;
	if ((put = answer_store(r->st, r->cfg, &a)) == STORE_PUT_ERROR) {
		snprintf(why, sizeof(why), "%.500s", store_error(r->st));
		r->redis_down |= store_error_kind(r->st) == ERR_IO;
		goto fail;
	}
	ctl_report(r, path, req->certid, serial, subject, ocsp_cert_status_name(info.cert_status),
	           put == STORE_PUT_STORED ? (r->refresh ? "refreshed" : "cached")
	           : put == STORE_PUT_FULL ? "refused (max_entries)" : "kept", NULL);
	r->done++;
	goto out;
fail:
	ctl_report(r, path, req->certid, serial, NULL, NULL, "error", why);
	r->failed++;
out:
	fetch_result_free(&res);
}

/* Where to ask for req: --url; for a refresh, the responder the cache asks (a route's may not be
 * the certificate's own); else the certificate's AIA URL. NULL when none; *owned is freed by
 * the caller. */
static const char *
pick_url(struct run *r, const struct certfile *cf, const struct ocsp_request *req, char **owned)
{
	struct entry e;

	*owned = NULL;
	if (r->o->url != NULL)
		return r->o->url;
	if (r->refresh && store_get(r->st, req->certid, &e) == 1) {
		if (e.url != NULL)
			*owned = strdup(e.url);
		entry_free(&e);
		if (*owned != NULL)
			return *owned;
	}
	return cf->aia;
}

void
ctl_prefetch_file(struct run *r, const char *path, int in_dir)
{
	char why[512], subject[CERT_NAME_MAX], issuer[CERT_NAME_MAX], *owned = NULL;
	struct certfile cf;
	struct ocsp_request req;
	struct err e;
	const char *url;
	int have_req = 0;

	if (in_dir && !has_certificate(path)) {
		ctl_report(r, path, NULL, NULL, NULL, NULL, "skipped", "no certificate in it");
		return;
	}
	if (in_dir && certfile_first_is_ca(path) == 1) {
		ctl_report(r, path, NULL, NULL, NULL, NULL, "skipped", "a CA certificate");
		return;
	}
	if (certfile_load_with(path, r->o->issuer, &cf, &e) == -1) {
		snprintf(why, sizeof(why), "%.500s", e.msg);
		goto fail;
	}
	certfile_names(&cf, subject, sizeof(subject), issuer, sizeof(issuer));
	if (add_issuer(r, &cf, why, sizeof(why)) == -1)
		goto fail;
	if (ocsp_request_parse(cf.req, cf.req_len, &req) == -1) {
		snprintf(why, sizeof(why), "cannot parse the request built");
		goto fail;
	}
	have_req = 1;
	if ((url = pick_url(r, &cf, &req, &owned)) == NULL) {
		snprintf(why, sizeof(why), "names no OCSP responder; give --url");
		goto fail;
	}
	ctl_fetch_store(r, path, &cf, &req, url, subject[0] != '\0' ? subject : NULL,
	                issuer[0] != '\0' ? issuer : NULL);
	goto out;
fail:
	ctl_report(r, path, NULL, NULL, NULL, NULL, "error", why);
	r->failed++;
out:
	free(owned);
	if (have_req)
		ocsp_request_free(&req);
	certfile_free(&cf);
}

static int
skip_name(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* A file, or every regular file of a directory (not recursing), in name order. */
static void
prefetch_path(struct run *r, const char *path)
{
	struct dirent **names = NULL;
	struct stat sb;
	char full[4096];
	int n, i;

	if (stat(path, &sb) == -1) {
		ctl_report(r, path, NULL, NULL, NULL, NULL, "error", strerror(errno));
		r->failed++;
		return;
	}
	if (!S_ISDIR(sb.st_mode)) {
		ctl_prefetch_file(r, path, 0);
		return;
	}
	if ((n = scandir(path, &names, skip_name, alphasort)) == -1) {
		ctl_report(r, path, NULL, NULL, NULL, NULL, "error", strerror(errno));
		r->failed++;
		return;
	}
	for (i = 0; i < n; i++) {
		if (snprintf(full, sizeof(full), "%s/%s", path, names[i]->d_name) < (int)sizeof(full) &&
		    stat(full, &sb) == 0 && S_ISREG(sb.st_mode))
			ctl_prefetch_file(r, full, 1);
		free(names[i]);
	}
	free(names);
}

int
cmd_prefetch(const struct config *cfg, struct store *st, const struct opts *o)
{
	struct run r = { cfg, st, o, NULL, NULL, 0, NULL, 1, 0, 0, 0 };
	struct err e;
	int i;

	if (o->nargs == 0 && o->cert == NULL) {
		fprintf(stderr, "ocsp-proxyctl: prefetch needs certificate files or directories "
		                "(or --cert FILE)\n");
		return CTL_USAGE;
	}
	if ((r.f = fetch_new(cfg, &e)) == NULL) {
		fprintf(stderr, "ocsp-proxyctl: %s\n", e.msg);
		return CTL_FAILED;
	}
	if (cfg->verify && (r.is = issuers_load(cfg, &e)) == NULL) {
		fprintf(stderr, "ocsp-proxyctl: issuer store: %s\n", e.msg);
		fetch_free(r.f);
		return CTL_USAGE;
	}
	if (o->json)
		printf("[");
	if (o->cert != NULL)
		prefetch_path(&r, o->cert);
	for (i = 0; i < o->nargs; i++)
		prefetch_path(&r, o->args[i]);
	if (o->json)
		printf("]\n");
	else if (r.done == 0 && r.failed == 0)
		fprintf(stderr, "ocsp-proxyctl: no server certificate found to prefetch\n");
	fetch_free(r.f);
	issuers_free(r.is);
	if (r.failed > 0 && r.redis_down)
		return CTL_REDIS;
	return r.failed > 0 || r.done == 0 ? CTL_FAILED : CTL_OK;
}
