/* decode: find the DER OCSP request inside an HTTP request (POST body, or base64 in a GET path).
 * Kept apart from http.c so the GET spellings of real clients can be fuzzed on their own. */
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "decode.h"

void
ocsp_input_free(struct ocsp_input *in)
{
	free(in->der);
	free(in->path);
	free(in->origin);
	memset(in, 0, sizeof(*in));
}

/* An outer DER SEQUENCE whose length covers exactly len bytes. Cheap, so that a path prefix that
 * happens to be valid base64 ("/ocsp/") is not mistaken for the request. */
static int
der_sequence_exact(const unsigned char *p, size_t len)
{
	size_t body, hdr, i, n;

	if (len < 2 || p[0] != 0x30)
		return 0;
	if (p[1] < 0x80) {
		body = p[1];
		hdr = 2;
	} else {
		n = p[1] & 0x7f;
		if (n == 0 || n > 4 || len < 2 + n)
			return 0;
		body = 0;
		for (i = 0; i < n; i++)
			body = (body << 8) | p[2 + i];
		hdr = 2 + n;
	}
	return hdr + body == len;
}

/* Tries src[0..len) as the %-escaped base64 of a request. 0 ok (out->der set), -1 not it. */
static int
try_b64(const char *src, size_t len, size_t max, struct ocsp_input *out)
{
	char *txt = NULL;
	unsigned char *der = NULL;
	long tlen, dlen;
	int rc = -1;

	if (len == 0 || (txt = malloc(len + 1)) == NULL)
		goto out;
	if ((tlen = pct_decode_b64(src, len, txt)) <= 0)
		goto out;
	if ((size_t)tlen / 4 * 3 > max + 3)
		goto out;
	if ((der = malloc((size_t)tlen / 4 * 3 + 3)) == NULL)
		goto out;
	if ((dlen = b64_decode(txt, (size_t)tlen, der)) <= 0 || (size_t)dlen > max)
		goto out;
	if (!der_sequence_exact(der, (size_t)dlen))
		goto out;
	out->der = der;
	out->len = (size_t)dlen;
	der = NULL;
	rc = 0;
out:
	free(txt);
	free(der);
	return rc;
}

enum decode_result
decode_request(const struct http_request *req, size_t max, struct ocsp_input *out)
{
	const char *path, *end, *slash, *sep;

	memset(out, 0, sizeof(*out));
	path = req->target;
	if (strncmp(path, "http://", 7) == 0 || strncmp(path, "https://", 8) == 0) {
		sep = strstr(path, "://") + 3;
		path = strchr(sep, '/');
		if (path == NULL)
			path = sep + strlen(sep);
		if (path == sep)
			return DECODE_BAD_TARGET;
		if ((out->origin = strndup(req->target, (size_t)(path - req->target))) == NULL)
			return DECODE_NONE;
		if (*path == '\0')
			path = "/";
	}
	if (*path != '/') {
		ocsp_input_free(out);
		return DECODE_BAD_TARGET;
	}

	if (req->method == HTTP_POST) {
		if (req->body_len == 0 || req->body_len > max)
			goto bad;
		if ((out->der = malloc(req->body_len)) == NULL)
			goto bad;
		memcpy(out->der, req->body, req->body_len);
		out->len = req->body_len;
		if ((out->path = strdup(path)) == NULL)
			goto bad;
		return DECODE_OK;
	}

	/* GET/HEAD: the request is the base64 after some '/', possibly itself containing '/'. The
	 * query, if any, is not part of it. */
	end = strchr(path, '?');
	if (end == NULL)
		end = path + strlen(path);
	for (slash = path; slash != NULL && slash < end;
	     slash = memchr(slash + 1, '/', (size_t)(end - slash - 1))) {
		if (try_b64(slash + 1, (size_t)(end - slash - 1), max, out) == 0) {
			if ((out->path = strndup(path, (size_t)(slash - path) + 1)) == NULL)
				goto bad;
			return DECODE_OK;
		}
		if (slash + 1 >= end)
			break;
	}
bad:
	ocsp_input_free(out);
	return DECODE_NONE;
}
