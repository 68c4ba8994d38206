/* ctl: what ocsp-proxyctl's commands share: the parsed command line, the output helpers and the
 * exit codes (docs/ocsp-proxyctl.8). */
#ifndef OCSP_PROXY_CTL_H
#define OCSP_PROXY_CTL_H

#include <time.h>

#include "config.h"
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
/* Reports a store error on stderr; CTL_REDIS when Redis could not be reached, else CTL_FAILED. */
int ctl_store_failed(struct store *st);

int cmd_list(struct store *st, const struct opts *o);
int cmd_prefetch(const struct config *cfg, struct store *st, const struct opts *o);

#endif
