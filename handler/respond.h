/* respond: write the one HTTP response a connection gets, with RFC 9919 caching headers. */
#ifndef OCSP_PROXY_RESPOND_H
#define OCSP_PROXY_RESPOND_H

#include <stddef.h>
#include <time.h>

struct reply {
	int status;                  /* 200, 304, or an error */
	const unsigned char *body;   /* application/ocsp-response for 200, else text or NULL */
	size_t len;
	int ocsp;                    /* body is an OCSPResponse */
	/* caching: only for a cacheable, successful response; 0 otherwise (then no-cache) */
	time_t this_update;
	time_t next_update;
	time_t due;                  /* next planned refresh, caps max-age */
	const char *etag;            /* hex, quoted on output */
	int head;                    /* HEAD request: headers only */
	const char *request_id;      /* sent as X-Request-Id when set */
};

/* Formats t as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") into out (30 bytes). */
void http_date(time_t t, char out[30]);

/* Writes the response to fd (Connection: close) with a deadline of timeout_ms for a client
 * that does not read. 0 ok, -1 when the client went away (or, before anything was written,
 * memory ran out). */
int respond(int fd, const struct reply *r, time_t now, long long timeout_ms);

/* The same response as respond() writes, into *out (malloc'd, caller frees) for a writer that
 * does not block (resident workers). 0, or -1 out of memory. */
int respond_format(const struct reply *r, time_t now, char **out, size_t *outlen);
/* respond_error_id()'s response, formatted the same way. */
int respond_error_format(int status, const char *request_id, char **out, size_t *outlen);

/* 1 when If-None-Match (inm, may be NULL) names etag or is "*": the answer is a 304. */
int respond_etag_matches(const char *inm, const char *etag);

/* Error answer without OCSP body: status with a short text/plain reason, no-cache. */
int respond_error(int fd, int status, long long timeout_ms);
/* The same with an X-Request-Id header (request_id may be NULL). */
int respond_error_id(int fd, int status, const char *request_id, long long timeout_ms);

#endif
