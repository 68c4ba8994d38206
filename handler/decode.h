/* decode: find the DER OCSP request inside an HTTP request (POST body, or base64 in a GET path). */
#ifndef OCSP_PROXY_DECODE_H
#define OCSP_PROXY_DECODE_H

#include <stddef.h>
#include "http.h"

struct ocsp_input {
	unsigned char *der;          /* owned */
	size_t len;
	char *path;                  /* owned: the target's path up to the request (GET prefix or
	                                POST path), starting with '/', for Host-based upstream URLs */
	char *origin;                /* owned: "scheme://authority" of an absolute-form target,
	                                else NULL */
};

void ocsp_input_free(struct ocsp_input *in);

enum decode_result {
	DECODE_OK = 0,
	DECODE_NONE,                 /* no OCSP request could be found: malformedRequest */
	DECODE_BAD_TARGET,           /* the request target is not a path or URL: 400 */
};

/* Finds the request in req. GET accepts
 * what real clients send: %-escapes (nginx), raw '/' '+' '=', '+' turned into a space, a doubled
 * slash, a path prefix before the base64. The DER is only checked for its outer SEQUENCE length
 * here; ocsp_request_parse validates it. max bounds the decoded size. */
enum decode_result decode_request(const struct http_request *req, size_t max,
                                  struct ocsp_input *out);

#endif
