/* ctl: what ocsp-proxyctl's commands share: the parsed command line, the output helpers and the
 * exit codes (docs/ocsp-proxyctl.8). */
#ifndef OCSP_PROXY_CTL_H
#define OCSP_PROXY_CTL_H

#include <time.h>

#include "certfile.h"
#include "config.h"
#include "fetch.h"
#include "issuers.h"
#include "ocsp.h"
#include "store.h"

enum ctl_exit {
	CTL_OK = 0,                  /* done */
	CTL_FAILED = 1,              /* not cached, a fetch or check failed, or some items failed */
	CTL_USAGE = 2,               /* bad command line or configuration */
	CTL_REDIS = 3,               /* Redis could not be reached */
};

struct opts {
	int json;
	const char *cmd;
	char **args;                 /* positional arguments after the command */
	int nargs;
	const char *cert;
	const char *issuer;
	const char *url;
	const char *status;          /* list --status */
	long long due_within_ms;     /* list --due-within, -1 when not given */
	int failing;                 /* list --failing */
	int all;                     /* refresh --all */
};

/* "2026-11-29T10:13:44Z", "-" for 0. */
void ctl_iso(time_t t, char out[32]);
void ctl_json_str(const char *s);
/* Control characters in s (text read from Redis: an escape sequence would retitle or clear the
 * operator's terminal, a newline forge a row) replaced by '?', in place. */
void ctl_printable(char *s);
void ctl_json_or_null(const char *s);
/* One entry: a text block (show) or a JSON object, comma first unless first. */
void ctl_print_entry(const char *certid, const struct entry *e, int json, int first);
/* The CertID of a CERTID or SERIAL argument (the one cached entry with that serial). 0, or a
 * CTL_ code with the reason on stderr. */
int ctl_certid_of(struct store *st, const char *arg, char *certid, size_t certidlen);
/* Reports a store error on stderr; CTL_REDIS when Redis could not be reached, else CTL_FAILED. */
int ctl_store_failed(struct store *st);

/* One run of prefetch or refresh: what every certificate shares, and the counts its exit
 * status comes from. */
struct run {
	const struct config *cfg;
	struct store *st;
	const struct opts *o;
	struct fetcher *f;
	struct issuers *is;          /* NULL with verify = no */
	int refresh;                 /* ocsp-proxyctl refresh: the cached responder first */
	struct strlist *asked;       /* refresh: every CertID asked is added, else NULL */
	int first;                   /* JSON: no comma before the next object */
	int failed, redis_down, done;
};

/* One line (text) or object (JSON) per certificate: certid status result (serial, path), or
 * the error; path NULL when the certificate was named by its cache entry. */
void ctl_report(struct run *r, const char *path, const char *certid, const char *serial,
                const char *subject, const char *status, const char *result, const char *why);
/* Fetches the answer to req from url and checks it as the daemons do, and, when the
 * certificate cf is known (NULL when not), that its issuer (or the issuer's responder) signed
 * it. 0 with res and info filled, -1 with why. */
int ctl_fetch_checked(struct run *r, const struct certfile *cf, const struct ocsp_request *req,
                      const char *url, struct fetch_result *res, struct ocsp_response_info *info,
                      char *why, size_t whylen);
/* ctl_fetch_checked, then the answer cached through answer_store (a newer cached one is kept;
 * nothing is written when the fetch or check fails) and reported; counted in r. subject and
 * issuer: the certificate's names, NULL to keep the stored ones. */
void ctl_fetch_store(struct run *r, const char *path, const struct certfile *cf,
                     const struct ocsp_request *req, const char *url, const char *subject,
                     const char *issuer);
/* One certificate file: its issuer vouched for (issuers_dir), then ctl_fetch_store. In a
 * directory (in_dir), files without a certificate and CA certificates are skipped. */
void ctl_prefetch_file(struct run *r, const char *path, int in_dir);

int cmd_list(struct store *st, const struct opts *o);
int cmd_prefetch(const struct config *cfg, struct store *st, const struct opts *o);
int cmd_refresh(const struct config *cfg, struct store *st, const struct opts *o);

#endif
