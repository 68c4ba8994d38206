/* test_decode: the GET and POST spellings real clients use all yield the same DER request. */
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "check.h"
#include "decode.h"

/* A small OCSP request (one SHA-1 CertID, serial 0x1001) as OpenSSL writes it. */
static const char req_b64[] =
    "MEMwQTA/MD0wOzAJBgUrDgMCGgUABBS/cFLIucD3YMiRI+CZgV6ywDlCJgQUTdSPrpIVZVVFKultp9Y4YyrmAogCAhAB";

static enum decode_result
decode_target(const char *target, enum http_method m, struct ocsp_input *in)
{
	struct http_request r;

	memset(&r, 0, sizeof(r));
	r.method = m;
	r.target = (char *)target;
	return decode_request(&r, 16384, in);
}

static char *
escape_nginx(const char *s)
{
	char *out = malloc(strlen(s) * 3 + 1), *o = out;

	for (; *s; s++) {
		if (*s == '/' || *s == '+' || *s == '=') {
			sprintf(o, "%%%02X", (unsigned char)*s);
			o += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	return out;
}

int
main(void)
{
	unsigned char want[256];
	long wantlen = b64_decode(req_b64, strlen(req_b64), want);
	char target[1024], *esc, *spaced;
	struct ocsp_input in;
	struct http_request post;
	size_t i;

	CHECK(wantlen > 0);

	/* raw, %-escaped (nginx), doubled slash, with a prefix, '+' as a space, with a query */
	snprintf(target, sizeof(target), "/%s", req_b64);
	CHECK_INT(decode_target(target, HTTP_GET, &in), 0);
	CHECK_INT(in.len, wantlen);
	CHECK(memcmp(in.der, want, in.len) == 0);
	CHECK_STR(in.path, "/");
	CHECK(in.origin == NULL);
	ocsp_input_free(&in);

	esc = escape_nginx(req_b64);
	snprintf(target, sizeof(target), "/%s", esc);
	CHECK_INT(decode_target(target, HTTP_GET, &in), 0);
	CHECK(in.len == (size_t)wantlen && memcmp(in.der, want, in.len) == 0);
	ocsp_input_free(&in);
	free(esc);

	snprintf(target, sizeof(target), "//%s", req_b64);
	CHECK_INT(decode_target(target, HTTP_GET, &in), 0);
	CHECK(in.len == (size_t)wantlen && memcmp(in.der, want, in.len) == 0);
	ocsp_input_free(&in);

	snprintf(target, sizeof(target), "/ocsp/r3/%s", req_b64);
	CHECK_INT(decode_target(target, HTTP_GET, &in), 0);
	CHECK(in.len == (size_t)wantlen && memcmp(in.der, want, in.len) == 0);
	CHECK_STR(in.path, "/ocsp/r3/");
	ocsp_input_free(&in);

	spaced = strdup(req_b64);
	for (i = 0; spaced[i]; i++)
		if (spaced[i] == '+')
			spaced[i] = ' ';
	esc = malloc(strlen(spaced) * 3 + 1);
	{
		char *o = esc;
		for (i = 0; spaced[i]; i++) {
			if (spaced[i] == ' ') {
				memcpy(o, "%20", 3);
				o += 3;
			} else {
				*o++ = spaced[i];
			}
		}
		*o = '\0';
	}
	snprintf(target, sizeof(target), "/%s?x=1", esc);
	CHECK_INT(decode_target(target, HTTP_GET, &in), 0);
	CHECK(in.len == (size_t)wantlen && memcmp(in.der, want, in.len) == 0);
	ocsp_input_free(&in);
	free(esc);
	free(spaced);

	/* absolute form keeps the origin and the prefix */
	snprintf(target, sizeof(target), "http://ocsp.ca.example:8080/p/%s", req_b64);
	CHECK_INT(decode_target(target, HTTP_GET, &in), 0);
	CHECK_STR(in.origin, "http://ocsp.ca.example:8080");
	CHECK_STR(in.path, "/p/");
	ocsp_input_free(&in);

	/* not a request */
	CHECK_INT(decode_target("/", HTTP_GET, &in), DECODE_NONE);
	CHECK_INT(decode_target("/favicon.ico", HTTP_GET, &in), DECODE_NONE);
	CHECK_INT(decode_target("/%zz", HTTP_GET, &in), DECODE_NONE);
	CHECK_INT(decode_target("/MEMwQTA", HTTP_GET, &in), DECODE_NONE);
	CHECK_INT(decode_target("http://", HTTP_GET, &in), DECODE_BAD_TARGET);

	/* POST: the body as is, the path for Host-based upstreams */
	memset(&post, 0, sizeof(post));
	post.method = HTTP_POST;
	post.target = "/ocsp";
	post.body = want;
	post.body_len = (size_t)wantlen;
	CHECK_INT(decode_request(&post, 16384, &in), 0);
	CHECK(in.len == (size_t)wantlen && memcmp(in.der, want, in.len) == 0);
	CHECK_STR(in.path, "/ocsp");
	ocsp_input_free(&in);
	post.body_len = 0;
	CHECK_INT(decode_request(&post, 16384, &in), DECODE_NONE);
	post.body_len = (size_t)wantlen;
	CHECK_INT(decode_request(&post, 10, &in), DECODE_NONE);

	return CHECK_DONE();
}
