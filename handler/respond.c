/* respond: write the one HTTP response a connection gets, with RFC 9919 caching headers. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bounds.h"
#include "clock.h"
#include "http.h"
#include "respond.h"

/* The last two decimal digits of v. */
static void
two(char *out, unsigned v)
{
	out[0] = (char)('0' + v / 10 % 10);
	out[1] = (char)('0' + v % 10);
}

void
http_date(time_t t, char out[30])
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	/* Never the locale's names: HTTP dates are English. */
	gmtime_r(&t, &tm);
	/* By hand, not snprintf: three dates go into every answer. Same text as
	 * "%s, %02u %s %04u %02u:%02u:%02u GMT". */
	memcpy(out, days[(unsigned)tm.tm_wday % 7], 3);
	memcpy(out + 3, ", ", 2);
	two(out + 5, (unsigned)tm.tm_mday);
	out[7] = ' ';
	memcpy(out + 8, months[(unsigned)tm.tm_mon % 12], 3);
	out[11] = ' ';
	two(out + 12, (unsigned)(tm.tm_year + 1900) / 100);
	two(out + 14, (unsigned)(tm.tm_year + 1900));
	out[16] = ' ';
	two(out + 17, (unsigned)tm.tm_hour);
	out[19] = ':';
	two(out + 20, (unsigned)tm.tm_min);
	out[22] = ':';
	two(out + 23, (unsigned)tm.tm_sec);
	memcpy(out + 25, " GMT", 5);
}

/* Writes all of buf unless the client stops reading for timeout_ms or goes away. */
static int
write_deadline(int fd, const char *buf, size_t len, long long timeout_ms)
{
	long long deadline = clock_ms() + timeout_ms, left;
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	ssize_t n;
	int pr;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno != EAGAIN)
			return -1; /* EPIPE, ECONNRESET: the client went away */
		if ((left = deadline - clock_ms()) <= 0)
			return -1;
		pr = poll(&pfd, 1, left > POLL_SLICE_MS ? POLL_SLICE_MS : (int)left);
		if (pr == -1 && errno != EINTR)
			return -1;
	}
	return 0;
}

int
respond_etag_matches(const char *inm, const char *etag)
{
	char quoted[70];

	if (inm == NULL || etag[0] == '\0')
		return 0;
	if (strcmp(inm, "*") == 0)
		return 1;
	snprintf(quoted, sizeof(quoted), "\"%s\"", etag);
	return strstr(inm, quoted) != NULL;
}

/* Makes *buf hold at least need bytes. 0, or -1 out of memory (*buf unchanged). */
static int
reserve(char **buf, size_t *cap, size_t need)
{
	char *p;

	if (need <= *cap)
		return 0;
	if ((p = realloc(*buf, need)) == NULL)
		return -1;
	*buf = p;
	*cap = need;
	return 0;
}

int
respond_format(const struct reply *r, time_t now, char **out, size_t *outlen)
{
	char date[30], lm[30], exp[30], *buf = NULL;
	size_t cap = 0, off = 0;
	long long maxage;
	time_t until;
	int n, with_body = r->status != 304 && r->body != NULL;

	/* Headers past RESPONSE_HEAD_MAX make the buffer grow: they are never cut short, and a
	 * long header is never mistaken for a client that went away. */
	if (reserve(&buf, &cap, RESPONSE_HEAD_MAX + r->len) == -1)
		return -1;
#define ADD(...) do { \
	while ((n = snprintf(buf + off, cap - off, __VA_ARGS__)) >= 0 && (size_t)n >= cap - off) \
		if (reserve(&buf, &cap, off + (size_t)n + 1 + r->len) == -1) \
			goto fail; \
	if (n < 0) \
		goto fail; \
	off += (size_t)n; \
} while (0)
	http_date(now, date);
	ADD("HTTP/1.1 %d %s\r\nDate: %s\r\nServer: ocsp-proxy\r\n", r->status,
	    http_reason(r->status), date);
	if (r->status != 304)
		ADD("Content-Type: %s\r\nContent-Length: %zu\r\n",
		    r->ocsp ? "application/ocsp-response" : "text/plain", with_body ? r->len : 0);
	if (r->this_update != 0 && r->next_update != 0) {
		until = r->next_update;
		if (r->due > now && r->due < until)
			until = r->due;
		maxage = (long long)until - (long long)now;
		if (maxage < 0)
			maxage = 0;
		http_date(r->this_update, lm);
		http_date(r->next_update, exp);
		ADD("Last-Modified: %s\r\nExpires: %s\r\n", lm, exp);
		if (r->etag != NULL && r->etag[0] != '\0')
			ADD("ETag: \"%s\"\r\n", r->etag);
		ADD("Cache-Control: max-age=%lld, public, no-transform, must-revalidate\r\n", maxage);
	} else {
		ADD("Cache-Control: max-age=0, no-cache\r\n");
	}
	if (r->request_id != NULL && r->request_id[0] != '\0')
		ADD("X-Request-Id: %s\r\n", r->request_id);
	ADD("Connection: close\r\n\r\n");
#undef ADD
	if (with_body && !r->head) {
		if (reserve(&buf, &cap, off + r->len) == -1)
			goto fail;
		memcpy(buf + off, r->body, r->len);
		off += r->len;
	}
	*out = buf;
	*outlen = off;
	return 0;
fail:
	free(buf);
	return -1;
}

int
respond(int fd, const struct reply *r, time_t now, long long timeout_ms)
{
	char *buf;
	size_t len;
	int rc;

	if (respond_format(r, now, &buf, &len) == -1)
		return -1;
	rc = write_deadline(fd, buf, len, timeout_ms);
	free(buf);
	return rc;
}

int
respond_error(int fd, int status, long long timeout_ms)
{
	return respond_error_id(fd, status, NULL, timeout_ms);
}

/* The reply for an error status; text (64 bytes) holds its body. */
static void
error_reply(struct reply *r, int status, const char *request_id, char text[64])
{
	int n = snprintf(text, 64, "%d %s\n", status, http_reason(status));

	memset(r, 0, sizeof(*r));
	r->status = status;
	r->body = (const unsigned char *)text;
	r->len = n > 0 ? (size_t)n : 0;
	r->request_id = request_id;
}

int
respond_error_id(int fd, int status, const char *request_id, long long timeout_ms)
{
	char text[64];
	struct reply r;

	error_reply(&r, status, request_id, text);
	return respond(fd, &r, time(NULL), timeout_ms);
}

int
respond_error_format(int status, const char *request_id, char **out, size_t *outlen)
{
	char text[64];
	struct reply r;

	error_reply(&r, status, request_id, text);
	return respond_format(&r, time(NULL), out, outlen);
}
