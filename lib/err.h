/* err: the one error model. A failing call returns -1 (or NULL) and fills a struct err: a kind
 * the caller can act on and a message for people, as hiredis keeps err and errstr. Callers
 * branch on the kind, never on the message's text. Messages never hold a secret. */
#ifndef OCSP_PROXY_ERR_H
#define OCSP_PROXY_ERR_H

#include <stddef.h>

enum err_kind {
	ERR_NONE = 0,
	ERR_NOMEM,                   /* out of memory */
	ERR_IO,                      /* a peer unreachable, gone or too slow: try again later */
	ERR_NOWRITE,                 /* Redis refuses writes but still answers reads (full under
	                                noeviction: OOM; a replica: READONLY) */
	ERR_REFUSED,                 /* a peer said no (a Redis error reply, a host not allowed) */
	ERR_PROTOCOL,                /* an answer that makes no sense (wrong reply type, bad bytes) */
	ERR_INPUT,                   /* bad input: a file, an argument, a configuration value */
	ERR_LIMIT,                   /* something past a limit of limits.h or the configuration */
};

/* Sized for a configuration error (path, line, key, value); longer messages are cut. */
#define ERR_MSG_MAX 512

struct err {
	enum err_kind kind;
	char msg[ERR_MSG_MAX];
};

void err_set(struct err *e, enum err_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void err_clear(struct err *e);
/* The message, or "no error". */
const char *err_str(const struct err *e);

#endif
