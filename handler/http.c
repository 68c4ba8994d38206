/* http: read and parse one HTTP/1.x request from the client, with bounded sizes and a deadline.
 * Strict on purpose: anything ambiguous (duplicate lengths, folding, chunking) is refused. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "bounds.h"
#include "clock.h"
#include "http.h"


void
http_request_free(struct http_request *r)
{
	free(r->target);
	free(r->host);
	free(r->content_type);
	free(r->if_none_match);
	free(r->body);
	memset(r, 0, sizeof(*r));
	r->content_length = -1;
}

const char *
http_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 417: return "Expectation Failed";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	default: return "Error";
	}
}

static int
is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* The next line of buf[*pos..len): its start and length without CRLF or LF. -1 when none. */
static int
next_line(const char *buf, size_t len, size_t *pos, const char **line, size_t *llen)
{
	const char *nl;

	if (*pos >= len)
		return -1;
	if ((nl = memchr(buf + *pos, '\n', len - *pos)) == NULL)
		return -1;
	*line = buf + *pos;
	*llen = (size_t)(nl - *line);
	if (*llen > 0 && (*line)[*llen - 1] == '\r')
		(*llen)--;
	*pos = (size_t)(nl - buf) + 1;
	return 0;
}

static char *
dup_trimmed(const char *s, size_t n)
{
	char *d;

	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if ((d = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static int
parse_request_line(const char *line, size_t len, struct http_request *r)
{
	const char *sp1, *sp2, *v;
	size_t mlen, tlen, i;

	if ((sp1 = memchr(line, ' ', len)) == NULL)
		return 400;
	mlen = (size_t)(sp1 - line);
	if ((sp2 = memchr(sp1 + 1, ' ', len - mlen - 1)) == NULL)
		return 400;
	tlen = (size_t)(sp2 - sp1 - 1);
	v = sp2 + 1;
	if (mlen == 0 || tlen == 0 || tlen > HTTP_TARGET_MAX)
		return tlen > HTTP_TARGET_MAX ? 431 : 400;
	for (i = 0; i < mlen; i++)
		if (!is_tchar((unsigned char)line[i]))
			return 400;
	for (i = 0; i < tlen; i++)
		if ((unsigned char)sp1[1 + i] <= ' ' || (unsigned char)sp1[1 + i] >= 0x7f)
			return 400;
	if ((size_t)(line + len - v) != 8 || memcmp(v, "HTTP/", 5) != 0 || v[6] != '.' ||
	    v[5] < '0' || v[5] > '9' || v[7] < '0' || v[7] > '9')
		return 400;
	if (v[5] != '1' || (v[7] != '0' && v[7] != '1'))
		return 505;
	r->minor = v[7] - '0';
	if ((r->target = dup_trimmed(sp1 + 1, tlen)) == NULL)
		return 500;
	if (r->target[0] != '/' && strncmp(r->target, "http://", 7) != 0 &&
	    strncmp(r->target, "https://", 8) != 0)
		return 400;
	if (mlen == 3 && memcmp(line, "GET", 3) == 0)
		r->method = HTTP_GET;
	else if (mlen == 4 && memcmp(line, "POST", 4) == 0)
		r->method = HTTP_POST;
	else if (mlen == 4 && memcmp(line, "HEAD", 4) == 0)
		r->method = HTTP_HEAD;
	else
		r->method = HTTP_OTHER;
	return 0;
}

static int
parse_length(const char *v, long long *out)
{
	long long n = 0;
	size_t i, len = strlen(v);

	if (len == 0 || len > 18)
		return -1;
	for (i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		n = n * 10 + (v[i] - '0');
	}
	*out = n;
	return 0;
}

/* One header field. 0, or the status to answer. */
static int
parse_field(const char *line, size_t len, struct http_request *r, int *has_te)
{
	const char *colon;
	size_t nlen, i;
	char *v;
	long long cl;
	int rc = 0;

	if (line[0] == ' ' || line[0] == '\t')
		return 400; /* obs-fold */
	if ((colon = memchr(line, ':', len)) == NULL)
		return 400;
	nlen = (size_t)(colon - line);
	if (nlen == 0)
		return 400;
	for (i = 0; i < nlen; i++)
		if (!is_tchar((unsigned char)line[i]))
			return 400;
	for (i = nlen + 1; i < len; i++)
		if (((unsigned char)line[i] < ' ' && line[i] != '\t') || line[i] == 0x7f)
			return 400;
	if ((v = dup_trimmed(colon + 1, len - nlen - 1)) == NULL)
		return 500;
#define NAME_IS(s) (nlen == sizeof(s) - 1 && strncasecmp(line, s, nlen) == 0)
	if (NAME_IS("Host")) {
		if (r->host != NULL || v[0] == '\0')
			rc = 400;
		else
			r->host = v, v = NULL;
	} else if (NAME_IS("Content-Length")) {
		if (parse_length(v, &cl) == -1 || (r->content_length != -1 && r->content_length != cl))
			rc = 400;
		else
			r->content_length = cl;
	} else if (NAME_IS("Transfer-Encoding")) {
		*has_te = 1;
	} else if (NAME_IS("Content-Type")) {
		size_t n = strcspn(v, "; \t");

		v[n] = '\0';
		for (i = 0; i < n; i++)
			if (v[i] >= 'A' && v[i] <= 'Z')
				v[i] = (char)(v[i] - 'A' + 'a');
		free(r->content_type);
		r->content_type = v;
		v = NULL;
	} else if (NAME_IS("If-None-Match")) {
		free(r->if_none_match);
		r->if_none_match = v;
		v = NULL;
	} else if (NAME_IS("Expect")) {
		if (strcasecmp(v, "100-continue") == 0)
			r->expect_continue = 1;
		else
			rc = 417;
	}
#undef NAME_IS
	free(v);
	return rc;
}

int
http_parse_head(const char *buf, size_t len, struct http_request *r)
{
	const char *line;
	size_t llen, pos = 0;
	int rc, n = 0, has_te = 0;

	memset(r, 0, sizeof(*r));
	r->content_length = -1;
	if (next_line(buf, len, &pos, &line, &llen) == -1)
		return 400;
	if ((rc = parse_request_line(line, llen, r)) != 0)
		return rc;
	for (;;) {
		if (next_line(buf, len, &pos, &line, &llen) == -1)
			return 400; /* no empty line: not a complete head */
		if (llen == 0)
			break;
		if (++n > HTTP_HEADERS_MAX)
			return 431;
		if ((rc = parse_field(line, llen, r, &has_te)) != 0)
			return rc;
	}
	if (r->minor == 1 && r->host == NULL)
		return 400;
	if (has_te)
		return 501;
	if (r->method == HTTP_OTHER)
		return 405;
	return 0;
}

/* Reads what is there into buf, waiting until the deadline. >0 bytes, 0 EOF, -1 error (errno
 * ETIMEDOUT when the deadline passed). */
static ssize_t
read_some(int fd, void *buf, size_t len, long long deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	long long left;
	ssize_t n;
	int pr;

	for (;;) {
		if ((left = deadline - clock_ms()) <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		pr = poll(&pfd, 1, left > POLL_SLICE_MS ? POLL_SLICE_MS : (int)left);
		if (pr == -1 && errno == EINTR)
			continue;
		if (pr == -1)
			return -1;
		if (pr == 0)
			continue;
		n = read(fd, buf, len);
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		return n;
	}
}

/* End of the header block: just past CRLFCRLF or LFLF (clients that send bare LF). */
static const char *
head_end(const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n')
			return buf + i + 2;
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return buf + i + 3;
	}
	return NULL;
}

static int
write_all(int fd, const char *s, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, s, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/* What the parsed head says of the body: 0 with *need its length (0 when none may come), or
 * the status to answer. */
static int
body_rules(const struct http_request *r, const struct config *cfg, size_t *need)
{
	*need = 0;
	if (r->method != HTTP_POST)
		return r->content_length > 0 ? 400 : 0;
	if (r->content_length < 0)
		return 411;
	if (r->content_type == NULL || strcmp(r->content_type, "application/ocsp-request") != 0)
		return 415;
	if ((unsigned long long)r->content_length > cfg->max_request_bytes)
		return 413;
	*need = (size_t)r->content_length;
	return 0;
}

int
http_read_request(int fd, int out_fd, const struct config *cfg, struct http_request *r)
{
	long long deadline = clock_ms() + cfg->read_timeout;
	size_t cap = cfg->max_header_bytes, got = 0, have, need;
	char *buf = NULL;
	const char *end = NULL;
	ssize_t n;
	int rc;

	memset(r, 0, sizeof(*r));
	r->content_length = -1;
	if ((buf = malloc(cap + 1)) == NULL)
		return 500;
	while (end == NULL) {
		if (got == cap) {
			rc = 431;
			goto out;
		}
		n = read_some(fd, buf + got, cap - got, deadline);
		if (n == -1 && errno == ETIMEDOUT) {
			rc = 408;
			goto out;
		}
		if (n <= 0) {
			rc = got == 0 ? -1 : 400;
			goto out;
		}
		got += (size_t)n;
		end = head_end(buf, got);
	}
	if ((rc = http_parse_head(buf, (size_t)(end - buf), r)) != 0)
		goto out;

	have = got - (size_t)(end - buf);
	if ((rc = body_rules(r, cfg, &need)) != 0 || r->method != HTTP_POST)
		goto out;
	if (r->expect_continue && have < need &&
	    write_all(out_fd, "HTTP/1.1 100 Continue\r\n\r\n", 25) == -1) {
		rc = -1;
		goto out;
	}
	if ((r->body = malloc(need > 0 ? need : 1)) == NULL) {
		rc = 500;
		goto out;
	}
	if (have > need)
		have = need; /* bytes after the body are ignored */
	memcpy(r->body, end, have);
	while (have < need) {
		n = read_some(fd, r->body + have, need - have, deadline);
		if (n == -1 && errno == ETIMEDOUT) {
			rc = 408;
			goto out;
		}
		if (n <= 0) {
			rc = 400;
			goto out;
		}
		have += (size_t)n;
	}
	r->body_len = need;
	rc = 0;
out:
	free(buf);
	return rc;
}

int
http_parse_buffer(const char *buf, size_t len, const struct config *cfg, size_t *scanned,
                  struct http_request *r, int *send_continue)
{
	size_t cap = cfg->max_header_bytes, look = len < cap ? len : cap, from, have, need;
	const char *end;
	int rc;

	*send_continue = 0;
	/* Resume the search for the blank line a few bytes back: its CRLFCRLF may straddle reads. */
	from = *scanned > 3 ? *scanned - 3 : 0;
	if (from > look)
		from = look;
	if ((end = head_end(buf + from, look - from)) == NULL) {
		*scanned = look;
		return len >= cap ? 431 : HTTP_INCOMPLETE;
	}
	/* Found: the next call (the body still coming) must find the same end again. */
	*scanned = (size_t)(end - buf) - 1;
	http_request_free(r);
	if ((rc = http_parse_head(buf, (size_t)(end - buf), r)) != 0)
		return rc;
	if ((rc = body_rules(r, cfg, &need)) != 0 || r->method != HTTP_POST)
		return rc;
	have = len - (size_t)(end - buf);
	if (have < need) {
		*send_continue = r->expect_continue;
		return HTTP_INCOMPLETE;
	}
	if ((r->body = malloc(need > 0 ? need : 1)) == NULL)
		return 500;
	memcpy(r->body, end, need); /* bytes after the body are ignored */
	r->body_len = need;
	return 0;
}
