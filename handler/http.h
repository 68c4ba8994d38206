/* http: read and parse one HTTP/1.x request from the client, with bounded sizes and a deadline. */
#ifndef OCSP_PROXY_HTTP_H
#define OCSP_PROXY_HTTP_H

#include <stddef.h>
#include "config.h"

enum http_method { HTTP_GET, HTTP_POST, HTTP_HEAD, HTTP_OTHER };

struct http_request {
	enum http_method method;
	int minor;                   /* HTTP/1.<minor> */
	char *target;                /* request target as sent (origin or absolute form), owned */
	char *host;                  /* Host header, owned, NULL when absent */
	char *content_type;          /* media type only, lower-cased, parameters dropped, owned */
	long long content_length;    /* -1 when absent */
	char *if_none_match;         /* owned, NULL when absent */
	int expect_continue;
	unsigned char *body;         /* owned, body_len bytes */
	size_t body_len;
};

void http_request_free(struct http_request *r);

/* Parses a complete header block (request line and headers, ending with an empty line) of len
 * bytes. Returns 0, or the HTTP status to answer: 400 malformed, 405 method other than
 * GET/POST/HEAD (method is still set), 431 header too large, 501 Transfer-Encoding, 505 version.
 * Pure: no I/O, so it can be fuzzed. */
int http_parse_head(const char *buf, size_t len, struct http_request *r);

/* Reads one request from fd within cfg->read_timeout (total, not per read), header block at most
 * cfg->max_header_bytes, body at most cfg->max_request_bytes. When the client sent
 * "Expect: 100-continue", writes the interim response to out_fd before reading the body.
 * Returns 0, or the status to answer: 400, 405, 408 (timeout or short body), 411 (POST without
 * Content-Length), 413 (body too large), 415 (POST not application/ocsp-request), 431, 501, 505.
 * Returns -1 when the client closed without sending anything (nothing to answer). */
int http_read_request(int fd, int out_fd, const struct config *cfg, struct http_request *r);

/* The buffer-based form, for a resident worker that reads without blocking: parses the first
 * len bytes a client sent. HTTP_INCOMPLETE while more are needed (*send_continue set once the
 * head asked for "Expect: 100-continue" and the body is still to come), else what
 * http_read_request returns for the same bytes (0 with r filled, or the status to answer; r is
 * freed by the caller either way). *scanned carries where the search for the end of the head
 * stopped between calls (0 at first), so a client sending a byte at a time costs linear work. */
#define HTTP_INCOMPLETE (-2)
int http_parse_buffer(const char *buf, size_t len, const struct config *cfg, size_t *scanned,
                      struct http_request *r, int *send_continue);

const char *http_reason(int status);

#endif
