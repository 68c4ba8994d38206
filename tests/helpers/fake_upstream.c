/* fake_upstream: an upstream that misbehaves on purpose, for what the real `openssl ocsp`
 * responder cannot do (tryLater, garbage, hangs, resets, huge or replayed answers), and the
 * forger of issue 11: mode `forge` answers every CertID asked about with --status (good by
 * default), valid ten years, signed with --key/--cert (a self-signed key posing as the CA),
 * embedding that certificate unless --no-certs.
 * --count FILE appends a line to FILE for each request read, before any delay: what the
 * responder's side saw, for tests and benchmarks that count upstream requests.
 * usage: fake_upstream --port PORT [--record FILE] [--count FILE] [--delay MS] MODE [FILE]
 *        fake_upstream --port PORT --key KEY --cert CERT [--status S] [--no-certs] forge */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/ocsp.h>
#include <openssl/pem.h>

/* The forger's signing identity and what it claims. */
struct forgery {
	const char *key, *cert;
	int status;                  /* V_OCSP_CERTSTATUS_* */
	unsigned long flags;         /* OCSP_basic_sign flags: OCSP_NOCERTS */
};

static int
write_all(int fd, const void *p, size_t len)
{
	const char *s = p;
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, s, len)) <= 0)
			return -1;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads the request head and body; returns the body (malloc'd) and its length. */
static char *
read_request(int fd, size_t *blen)
{
	char head[16384], *end, *cl, *body;
	size_t got = 0, have, need = 0;
	ssize_t n;

	*blen = 0;
	while (got < sizeof(head) - 1) {
		if ((n = read(fd, head + got, sizeof(head) - 1 - got)) <= 0)
			return NULL;
		got += (size_t)n;
		head[got] = '\0';
		if ((end = strstr(head, "\r\n\r\n")) != NULL)
			break;
	}
	if (end == NULL)
		return NULL;
	end += 4;
	if ((cl = strcasestr(head, "Content-Length:")) != NULL && cl < end)
		need = strtoul(cl + 15, NULL, 10);
	if (need > 1 << 20 || (body = malloc(need + 1)) == NULL)
		return NULL;
	have = got - (size_t)(end - head);
	if (have > need)
		have = need;
	memcpy(body, end, have);
	while (have < need) {
		if ((n = read(fd, body + have, need - have)) <= 0)
			break;
		have += (size_t)n;
	}
	*blen = have;
	return body;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0) {
		if (f != NULL)
			fclose(f);
		return NULL;
	}
	rewind(f);
	if ((buf = malloc((size_t)n + 1)) != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void
answer(int fd, const char *type, const char *body, size_t len)
{
	char head[256];
	int n = snprintf(head, sizeof(head),
	                 "HTTP/1.0 200 OK\r\nContent-Type: %s\r\nContent-Length: %zu\r\n\r\n", type,
	                 len);

	if (write_all(fd, head, (size_t)n) == 0)
		write_all(fd, body, len);
}

/* A successful response to the DER request in body, as the forgery says. NULL on error. */
static unsigned char *
forge(const struct forgery *fg, const char *body, size_t blen, size_t *len)
{
	const unsigned char *p = (const unsigned char *)body;
	OCSP_REQUEST *req = d2i_OCSP_REQUEST(NULL, &p, (long)blen);
	OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
	OCSP_RESPONSE *resp = NULL;
	ASN1_TIME *thisupd = X509_gmtime_adj(NULL, -60), *nextupd = X509_gmtime_adj(NULL, 3650L * 86400);
	ASN1_TIME *rev = X509_gmtime_adj(NULL, -86400);
	unsigned char *out = NULL;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	FILE *f;
	int i, n;

	if ((f = fopen(fg->key, "r")) != NULL) {
		key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
	}
	if ((f = fopen(fg->cert, "r")) != NULL) {
		cert = PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
	}
	if (req == NULL || bs == NULL || key == NULL || cert == NULL)
		goto out;
	for (i = 0; i < OCSP_request_onereq_count(req); i++)
		OCSP_basic_add1_status(bs, OCSP_onereq_get0_id(OCSP_request_onereq_get0(req, i)),
		                       fg->status, fg->status == V_OCSP_CERTSTATUS_REVOKED ? 0 : -1,
		                       fg->status == V_OCSP_CERTSTATUS_REVOKED ? rev : NULL, thisupd,
		                       nextupd);
	OCSP_copy_nonce(bs, req);
	if (OCSP_basic_sign(bs, cert, key, EVP_sha256(), NULL, fg->flags) != 1 ||
	    (resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs)) == NULL ||
	    (n = i2d_OCSP_RESPONSE(resp, &out)) <= 0)
		goto out;
	*len = (size_t)n;
out:
	OCSP_RESPONSE_free(resp);
	OCSP_BASICRESP_free(bs);
	OCSP_REQUEST_free(req);
	EVP_PKEY_free(key);
	X509_free(cert);
	ASN1_TIME_free(thisupd);
	ASN1_TIME_free(nextupd);
	ASN1_TIME_free(rev);
	return out;
}

static const char *count_file;

static void
serve(int fd, const char *mode, const char *file, const char *record, int delay_ms,
      const struct forgery *fg)
{
	static const char trylater[] = { 0x30, 0x03, 0x0a, 0x01, 0x03 };
	char *body, *data = NULL;
	size_t blen, dlen = 0, i;
	FILE *rec;

	if ((body = read_request(fd, &blen)) == NULL)
		return;
	if (record != NULL && (rec = fopen(record, "ab")) != NULL) {
		fwrite(body, 1, blen, rec);
		fclose(rec);
	}
	/* One write(2) of a line to an O_APPEND file: concurrent children never mix lines. */
	if (count_file != NULL && (rec = fopen(count_file, "a")) != NULL) {
		fputs("request\n", rec);
		fclose(rec);
	}
	if (strcmp(mode, "forge") == 0) {
		unsigned char *der = forge(fg, body, blen, &dlen);

		if (der != NULL)
			answer(fd, "application/ocsp-response", (const char *)der, dlen);
		OPENSSL_free(der);
	}
	free(body);
	if (delay_ms > 0)
		usleep((useconds_t)delay_ms * 1000); /* a responder far away */
	if (strcmp(mode, "trylater") == 0) {
		answer(fd, "application/ocsp-response", trylater, sizeof(trylater));
	} else if (strcmp(mode, "file") == 0 || strcmp(mode, "truncated") == 0) {
		if (file == NULL || (data = slurp(file, &dlen)) == NULL)
			return;
		answer(fd, "application/ocsp-response", data,
		       strcmp(mode, "truncated") == 0 ? dlen / 2 : dlen);
	} else if (strcmp(mode, "status500") == 0) {
		const char r[] = "HTTP/1.0 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n";
		write_all(fd, r, sizeof(r) - 1);
	} else if (strcmp(mode, "html") == 0) {
		const char h[] = "<html><body>Service temporarily unavailable</body></html>";
		answer(fd, "text/html", h, sizeof(h) - 1);
	} else if (strcmp(mode, "garbage") == 0) {
		dlen = 700;
		if ((data = malloc(dlen)) == NULL)
			return;
		for (i = 0; i < dlen; i++)
			data[i] = (char)(rand() & 0xff);
		data[0] = 0x30;
		answer(fd, "application/ocsp-response", data, dlen);
	} else if (strcmp(mode, "huge") == 0) {
		dlen = 8 << 20;
		if ((data = calloc(1, dlen)) == NULL)
			return;
		answer(fd, "application/ocsp-response", data, dlen);
	} else if (strcmp(mode, "hang") == 0) {
		/* Until the client gives up: a hanging child must not outlive the test. */
		while (read(fd, &i, sizeof(i)) > 0)
			;
	} else if (strcmp(mode, "reset") == 0) {
		struct linger l = { 1, 0 };
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	}
	free(data);
}

int
main(int argc, char **argv)
{
	const char *mode = NULL, *file = NULL, *record = NULL;
	struct forgery fg = { NULL, NULL, V_OCSP_CERTSTATUS_GOOD, 0 };
	struct sockaddr_in sa;
	int i, port = 0, s, c, one = 1, delay_ms = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
			port = atoi(argv[++i]);
		else if (strcmp(argv[i], "--record") == 0 && i + 1 < argc)
			record = argv[++i];
		else if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
			count_file = argv[++i];
		else if (strcmp(argv[i], "--delay") == 0 && i + 1 < argc)
			delay_ms = atoi(argv[++i]);
		else if (strcmp(argv[i], "--key") == 0 && i + 1 < argc)
			fg.key = argv[++i];
		else if (strcmp(argv[i], "--cert") == 0 && i + 1 < argc)
			fg.cert = argv[++i];
		else if (strcmp(argv[i], "--no-certs") == 0)
			fg.flags |= OCSP_NOCERTS;
		else if (strcmp(argv[i], "--status") == 0 && i + 1 < argc)
			fg.status = strcmp(argv[++i], "revoked") == 0 ? V_OCSP_CERTSTATUS_REVOKED
			          : strcmp(argv[i], "unknown") == 0 ? V_OCSP_CERTSTATUS_UNKNOWN
			                                            : V_OCSP_CERTSTATUS_GOOD;
		else if (mode == NULL)
			mode = argv[i];
		else
			file = argv[i];
	}
	if (port <= 0 || mode == NULL) {
		fprintf(stderr, "usage: fake_upstream --port PORT [--record FILE] [--count FILE] "
		        "[--delay MS] MODE [FILE]\n");
		return 2;
	}
	signal(SIGCHLD, SIG_IGN);
	s = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) == -1 || listen(s, 64) == -1) {
		perror("fake_upstream");
		return 1;
	}
	for (;;) {
		if ((c = accept(s, NULL, NULL)) == -1)
			continue;
		if (fork() == 0) {
			close(s);
			serve(c, mode, file, record, delay_ms, &fg);
			close(c);
			_exit(0);
		}
		close(c);
	}
}
