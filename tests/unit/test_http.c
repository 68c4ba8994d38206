/* test_http: the request parser on what real clients send and on what they must not, and the
 * reader's limits and deadline through a real socket pair. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "http.h"
#include "respond.h"

static int
parse(const char *s, struct http_request *r)
{
	int rc = http_parse_head(s, strlen(s), r);

	return rc;
}

/* Plays the client on one end of a socket pair: writes the chunks with a pause between, then
 * (when hold) keeps the connection open without sending more. */
static pid_t
client(int fd, const char *const *chunks, int hold)
{
	pid_t pid = fork();
	size_t i;

	if (pid != 0)
		return pid;
	for (i = 0; chunks[i] != NULL; i++) {
		if (write(fd, chunks[i], strlen(chunks[i])) < 0)
			_exit(1);
		usleep(20000);
	}
	if (hold)
		sleep(3);
	_exit(0);
}

static int
read_via_socket(const char *const *chunks, int hold, const struct config *cfg,
                struct http_request *r, char *reply, size_t replylen)
{
	int sv[2], rc;
	pid_t pid;
	ssize_t n;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		return -99;
	pid = client(sv[1], chunks, hold);
	if (!hold)
		close(sv[1]);
	rc = http_read_request(sv[0], sv[0], cfg, r);
	if (reply != NULL) {
		reply[0] = '\0';
		if (hold) {
			n = recv(sv[1], reply, replylen - 1, MSG_DONTWAIT);
			if (n > 0)
				reply[n] = '\0';
		}
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(sv[0]);
	if (hold)
		close(sv[1]);
	return rc;
}

/* http_parse_buffer on s, whole and as it would arrive a byte at a time (as a resident worker
 * reads a slow client): every prefix before the end is HTTP_INCOMPLETE unless the head already
 * tells the answer, and the end gives what http_read_request gives for the same bytes. */
static void
buffer_case(const char *s, const struct config *cfg, int want)
{
	const char *chunks[2] = { s, NULL };
	struct http_request r, rr;
	size_t n = strlen(s), i, scanned = 0;
	int rc, cont, early = 0;

	memset(&r, 0, sizeof(r));
	for (i = 1; i < n; i++) {
		rc = http_parse_buffer(s, i, cfg, &scanned, &r, &cont);
		if (rc != HTTP_INCOMPLETE && !early) {
			early = 1;
			CHECK_INT(rc, want); /* an early answer is the final one */
		}
	}
	rc = http_parse_buffer(s, n, cfg, &scanned, &r, &cont);
	CHECK_INT(rc, want);
	http_request_free(&r);
	scanned = 0;
	memset(&r, 0, sizeof(r));
	CHECK_INT(http_parse_buffer(s, n, cfg, &scanned, &r, &cont), want);
	if (want != HTTP_INCOMPLETE)
		CHECK_INT(read_via_socket(chunks, 0, cfg, &rr, NULL, 0), want);
	if (want == 0 && rr.method == HTTP_POST) {
		CHECK_INT(r.body_len, rr.body_len);
		CHECK(r.body != NULL && rr.body != NULL && memcmp(r.body, rr.body, r.body_len) == 0);
	}
	if (want != HTTP_INCOMPLETE)
		http_request_free(&rr);
	http_request_free(&r);
}

int
main(void)
{
	struct http_request r;
	struct config cfg;
	char reply[256];
	static const struct { const char *req; int want; } table[] = {
		{ "POST / HTTP/1.0\r\nContent-Type: application/ocsp-request\r\nContent-Length: 5\r\nHost: 127.0.0.1\r\n\r\n", 0 },
		{ "POST http://ocsp.ca.example/ HTTP/1.0\r\nHost: ocsp.ca.example\r\n\r\n", 0 },
		{ "GET /MEQw%2BMEAw HTTP/1.0\r\nHost: proxy\r\n\r\n", 0 },
		{ "GET / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n", 0 },
		{ "GET / HTTP/1.0\n\n", 0 },
		{ "HEAD / HTTP/1.0\r\n\r\n", 0 },
		{ "HELLO\r\n\r\n", 400 },
		{ "GET  / HTTP/1.0\r\n\r\n", 400 },
		{ "GET / HTTP/1.0 \r\n\r\n", 400 },
		{ "GET * HTTP/1.0\r\n\r\n", 400 },
		{ "GET ftp://x/ HTTP/1.0\r\n\r\n", 400 },
		{ "GET / HTTP/2.0\r\n\r\n", 505 },
		{ "GET / HTTP/1.2\r\n\r\n", 505 },
		{ "GET / HTTP/1.1\r\n\r\n", 400 },
		{ "PUT / HTTP/1.0\r\n\r\n", 405 },
		{ "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", 400 },
		{ "GET / HTTP/1.0\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400 },
		{ "GET / HTTP/1.0\r\nContent-Length: -1\r\n\r\n", 400 },
		{ "GET / HTTP/1.0\r\nContent-Length: 1234567890123456789\r\n\r\n", 400 },
		{ "GET / HTTP/1.0\r\nX-A: 1\r\n 2\r\n\r\n", 400 },
		{ "GET / HTTP/1.0\r\nX-A : 1\r\n\r\n", 400 },
		{ "GET / HTTP/1.0\r\nNoColon\r\n\r\n", 400 },
		{ "GET / HTTP/1.0\r\nX-A: a\x01b\r\n\r\n", 400 },
		{ "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", 501 },
		{ "POST / HTTP/1.0\r\nExpect: magic\r\n\r\n", 417 },
		{ "GET / HTTP/1.0\r\n", 400 },
	};
	size_t i;

	signal(SIGPIPE, SIG_IGN); /* as the handler does: a gone client is an error return */
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		int got = parse(table[i].req, &r);

		if (got != table[i].want)
			printf("# case %zu: %s\n", i, table[i].req);
		CHECK_INT(got, table[i].want);
		http_request_free(&r);
	}

	CHECK_INT(parse("POST http://ocsp.ca.example:8080/p HTTP/1.0\r\nHost: proxy\r\n"
	                "Content-Type: Application/OCSP-Request; charset=x\r\nContent-Length: 12\r\n"
	                "If-None-Match: \"abc\"\r\n\r\n", &r), 0);
	CHECK_INT(r.method, HTTP_POST);
	CHECK_INT(r.minor, 0);
	CHECK_STR(r.target, "http://ocsp.ca.example:8080/p");
	CHECK_STR(r.host, "proxy");
	CHECK_STR(r.content_type, "application/ocsp-request");
	CHECK_INT(r.content_length, 12);
	CHECK_STR(r.if_none_match, "\"abc\"");
	http_request_free(&r);

	/* 101 header lines: 431 */
	{
		char *big = malloc(100000), *p = big;
		p += sprintf(p, "GET / HTTP/1.0\r\n");
		for (i = 0; i < 101; i++)
			p += sprintf(p, "X-%zu: v\r\n", i);
		sprintf(p, "\r\n");
		CHECK_INT(parse(big, &r), 431);
		http_request_free(&r);
		free(big);
	}

	memset(&cfg, 0, sizeof(cfg));
	cfg.read_timeout = 300;
	cfg.max_header_bytes = 1024;
	cfg.max_request_bytes = 64;

	{
		const char *const split[] = { "PO", "ST / HTTP/1.0\r\nContent-Type: applica",
		                              "tion/ocsp-request\r\nContent-Len", "gth: 4\r\n\r",
		                              "\nab", "cd", NULL };
		CHECK_INT(read_via_socket(split, 0, &cfg, &r, NULL, 0), 0);
		CHECK_INT(r.body_len, 4);
		CHECK(r.body != NULL && memcmp(r.body, "abcd", 4) == 0);
		http_request_free(&r);
	}
	{
		const char *const big[] = { "POST / HTTP/1.0\r\nContent-Type: application/ocsp-request\r\n"
		                            "Content-Length: 65\r\n\r\n", NULL };
		CHECK_INT(read_via_socket(big, 0, &cfg, &r, NULL, 0), 413);
		http_request_free(&r);
	}
	{
		const char *const nolen[] = { "POST / HTTP/1.0\r\nContent-Type: application/ocsp-request\r\n\r\n", NULL };
		CHECK_INT(read_via_socket(nolen, 0, &cfg, &r, NULL, 0), 411);
		http_request_free(&r);
	}
	{
		const char *const plain[] = { "POST / HTTP/1.0\r\nContent-Type: text/plain\r\nContent-Length: 1\r\n\r\nx", NULL };
		CHECK_INT(read_via_socket(plain, 0, &cfg, &r, NULL, 0), 415);
		http_request_free(&r);
	}
	{
		const char *const stall_body[] = { "POST / HTTP/1.0\r\nContent-Type: application/ocsp-request\r\n"
		                                   "Content-Length: 10\r\n\r\nabc", NULL };
		CHECK_INT(read_via_socket(stall_body, 1, &cfg, &r, NULL, 0), 408);
		http_request_free(&r);
	}
	{
		const char *const stall_head[] = { "GET / HTTP/1.0\r\nHost: x", NULL };
		CHECK_INT(read_via_socket(stall_head, 1, &cfg, &r, NULL, 0), 408);
		http_request_free(&r);
	}
	{
		const char *const short_body[] = { "POST / HTTP/1.0\r\nContent-Type: application/ocsp-request\r\n"
		                                   "Content-Length: 10\r\n\r\nabc", NULL };
		CHECK_INT(read_via_socket(short_body, 0, &cfg, &r, NULL, 0), 400);
		http_request_free(&r);
	}
	{
		const char *const nothing[] = { NULL };
		CHECK_INT(read_via_socket(nothing, 0, &cfg, &r, NULL, 0), -1);
		http_request_free(&r);
	}
	{
		char head[2048];
		const char *const huge[] = { head, NULL };
		memset(head, 'a', sizeof(head) - 1);
		memcpy(head, "GET / HTTP/1.0\r\nX: ", 19);
		head[sizeof(head) - 1] = '\0';
		CHECK_INT(read_via_socket(huge, 0, &cfg, &r, NULL, 0), 431);
		http_request_free(&r);
	}
	{
		const char *const expect[] = { "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/ocsp-request\r\n"
		                               "Expect: 100-continue\r\nContent-Length: 2\r\n\r\n", NULL };
		CHECK_INT(read_via_socket(expect, 1, &cfg, &r, reply, sizeof(reply)), 408);
		CHECK(strncmp(reply, "HTTP/1.1 100 Continue\r\n\r\n", 25) == 0);
		http_request_free(&r);
	}

	/* respond: headers and max-age arithmetic. */
	{
		int sv[2];
		char out[4096];
		ssize_t n;
		struct reply rep;
		const unsigned char body[] = { 0x30, 0x03, 0x0a, 0x01, 0x00 };
		time_t now = 1800000000;

		socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
		memset(&rep, 0, sizeof(rep));
		rep.status = 200;
		rep.body = body;
		rep.len = sizeof(body);
		rep.ocsp = 1;
		rep.this_update = now - 100;
		rep.next_update = now + 7200;
		rep.due = now + 600;
		rep.etag = "abcd";
		CHECK_INT(respond(sv[0], &rep, now, 1000), 0);
		n = read(sv[1], out, sizeof(out) - 1);
		out[n > 0 ? n : 0] = '\0';
		CHECK(strstr(out, "HTTP/1.1 200 OK\r\n") == out);
		CHECK(strstr(out, "Cache-Control: max-age=600, public, no-transform, must-revalidate\r\n") != NULL);
		CHECK(strstr(out, "ETag: \"abcd\"\r\n") != NULL);
		CHECK(strstr(out, "Date: Fri, 15 Jan 2027 08:00:00 GMT\r\n") != NULL);
		CHECK(strstr(out, "Last-Modified: Fri, 15 Jan 2027 07:58:20 GMT\r\n") != NULL);
		CHECK(strstr(out, "Content-Length: 5\r\n") != NULL);
		CHECK(n > 5 && memcmp(out + n - 5, body, 5) == 0);

		rep.due = now - 1; /* a past due time does not shorten max-age to nothing */
		rep.status = 304;
		CHECK_INT(respond(sv[0], &rep, now, 1000), 0);
		n = read(sv[1], out, sizeof(out) - 1);
		out[n > 0 ? n : 0] = '\0';
		CHECK(strstr(out, "HTTP/1.1 304 Not Modified\r\n") == out);
		CHECK(strstr(out, "max-age=7200,") != NULL);
		CHECK(strstr(out, "Content-Length") == NULL);

		CHECK_INT(respond_error(sv[0], 413, 1000), 0);
		n = read(sv[1], out, sizeof(out) - 1);
		out[n > 0 ? n : 0] = '\0';
		CHECK(strstr(out, "HTTP/1.1 413 Content Too Large\r\n") == out);
		CHECK(strstr(out, "Cache-Control: max-age=0, no-cache\r\n") != NULL);
		close(sv[1]);
		CHECK_INT(respond_error(sv[0], 400, 1000), -1);
		close(sv[0]);
	}
	{
		/* The buffer-based parser agrees with the reader, fed whole or a byte at a time. */
		static const char post5[] = "POST / HTTP/1.0\r\nContent-Type: application/ocsp-request\r\n"
		                            "Content-Length: 5\r\n\r\n";
		char big[1200], req[256];
		struct http_request b;
		size_t scanned = 0;
		int cont = 0;

		cfg.read_timeout = 300;
		cfg.max_header_bytes = 1024;
		cfg.max_request_bytes = 64;
		buffer_case("GET /abc HTTP/1.0\r\n\r\n", &cfg, 0);
		buffer_case("GET /abc HTTP/1.0\n\n", &cfg, 0);
		snprintf(req, sizeof(req), "%shelloEXTRA", post5);
		buffer_case(req, &cfg, 0);
		buffer_case("POST / HTTP/1.0\r\nContent-Type: application/ocsp-request\r\n\r\n", &cfg, 411);
		buffer_case("POST / HTTP/1.0\r\nContent-Type: text/plain\r\nContent-Length: 1\r\n\r\nx",
		            &cfg, 415);
		buffer_case("POST / HTTP/1.0\r\nContent-Type: application/ocsp-request\r\n"
		            "Content-Length: 65\r\n\r\n", &cfg, 413);
		buffer_case("GET / HTTP/2.0\r\n\r\n", &cfg, 505);
		buffer_case("BREW / HTTP/1.0\r\n\r\n", &cfg, 405);
		buffer_case("GET / HTTP/1.1\r\n\r\n", &cfg, 400);
		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		memcpy(big, "GET /", 5);
		buffer_case(big, &cfg, 431);
		/* Expect: 100-continue with the body still to come: wait, and say to send the 100. */
		snprintf(req, sizeof(req), "POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
		         "Content-Type: application/ocsp-request\r\nContent-Length: 5\r\n\r\n");
		memset(&b, 0, sizeof(b));
		CHECK_INT(http_parse_buffer(req, strlen(req), &cfg, &scanned, &b, &cont), HTTP_INCOMPLETE);
		CHECK_INT(cont, 1);
		strcat(req, "hello");
		CHECK_INT(http_parse_buffer(req, strlen(req), &cfg, &scanned, &b, &cont), 0);
		CHECK_INT(b.body_len, 5);
		http_request_free(&b);
	}
	return CHECK_DONE();
}
