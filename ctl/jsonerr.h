/* jsonerr: under --json a failure answers in JSON on stdout as well ({"error": "...", "exit": N}),
 * whichever code printed its message, when the command printed nothing there itself. */
#ifndef OCSP_PROXY_JSONERR_H
#define OCSP_PROXY_JSONERR_H

#include <stdio.h>

#include "bounds.h"

struct jsonerr {
	FILE *real_out, *real_err;   /* stdout and stderr before the hooks */
	FILE *out, *err;             /* the hooks: NULL when not hooked */
	size_t out_bytes;            /* what the command wrote to stdout */
	char text[CTL_ERROR_TEXT_MAX]; /* the start of what it wrote to stderr */
	size_t textlen;
};

/* Hooks stdout (to count what is written) and stderr (to keep what is said, while it still
 * goes to stderr as it is written). 0, or -1 with nothing hooked (errors then stay text). */
int jsonerr_start(struct jsonerr *j);
/* Restores stdout and stderr; with rc non-zero and nothing written to stdout, prints the
 * JSON error there: the messages without the program's name, one line each joined by "; ". */
void jsonerr_end(struct jsonerr *j, int rc);

#endif
