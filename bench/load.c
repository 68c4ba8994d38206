/* load: a bounded load generator for bench/load.sh. N client processes, each connecting anew
 * for every request (as OCSP clients do) to 127.0.0.1:PORT for SECONDS, sending POSTs of OCSP
 * requests: a share of "hits" (requests from files, cached before the run) and the rest "misses"
 * (the template request with a fresh serial each time). Prints counts and latency percentiles.
 * usage: load PORT CLIENTS SECONDS MISS_PERCENT TEMPLATE SERIAL_OFFSET HIT_FILE... */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct stats {
	long ok_hit, ok_miss, trylater_hit, trylater_miss, other_hit, other_miss, neterr;
	long n;                      /* latencies recorded */
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *b = malloc(65536);

	if (f == NULL || b == NULL)
		exit(2);
	*len = fread(b, 1, 65536, f);
	fclose(f);
	return b;
}

/* One request: 0 and the OCSP status byte, or -1 on a network error. */
static int
one(int port, const unsigned char *der, size_t len, int *ocsp_status, int *http)
{
	struct sockaddr_in sa;
	struct timeval tv = { 15, 0 };
	char head[256], buf[16384];
	size_t got = 0;
	ssize_t n;
	int fd, hl;
	char *body;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		close(fd);
		return -1;
	}
	hl = snprintf(head, sizeof(head), "POST / HTTP/1.0\r\nContent-Type: application/ocsp-request\r\n"
	              "Content-Length: %zu\r\n\r\n", len);
	if (write(fd, head, (size_t)hl) != hl || write(fd, der, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	while (got < sizeof(buf) - 1 && (n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	buf[got] = '\0';
	if (got < 12 || sscanf(buf, "HTTP/1.%*d %d", http) != 1)
		return -1;
	*ocsp_status = -1;
	if ((body = strstr(buf, "\r\n\r\n")) != NULL && (size_t)(body + 4 - buf) + 5 <= got &&
	    (unsigned char)body[4] == 0x30)
		/* OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED, ... }: the status byte follows
		 * the outer length (short or 0x81/0x82 long form) and 0a 01. */
		for (char *p = body + 4; p < body + 12 && p + 2 < buf + got; p++)
			if ((unsigned char)p[0] == 0x0a && (unsigned char)p[1] == 0x01) {
				*ocsp_status = (unsigned char)p[2];
				break;
			}
	return 0;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	int port, clients, secs, miss_pct, nhits, i, c, (*pipes)[2];
	size_t tlen, off, hlen[64];
	unsigned char *tmpl, *hits[64];
	struct stats total;
	double *all = NULL;
	long alln = 0;

	if (argc < 8) {
		fprintf(stderr, "usage: load PORT CLIENTS SECONDS MISS_PERCENT TEMPLATE SERIAL_OFFSET HIT_FILE...\n");
		return 2;
	}
	port = atoi(argv[1]);
	clients = atoi(argv[2]);
	secs = atoi(argv[3]);
	miss_pct = atoi(argv[4]);
	tmpl = slurp(argv[5], &tlen);
	off = (size_t)atol(argv[6]);
	nhits = argc - 7 > 64 ? 64 : argc - 7;
	for (i = 0; i < nhits; i++)
		hits[i] = slurp(argv[7 + i], &hlen[i]);
	/* One pipe per client: results of several clients in one pipe would interleave once they
	 * pass PIPE_BUF, and a parent that stops reading leaves the clients blocked forever. */
	if (off + 2 > tlen || clients < 1 || (pipes = calloc((size_t)clients, sizeof(*pipes))) == NULL)
		return 2;
	for (c = 0; c < clients; c++)
		if (pipe(pipes[c]) == -1)
			return 2;

	for (c = 0; c < clients; c++) {
		if (fork() != 0)
			continue;
		struct stats st;
		double end = now_s() + secs, t0, *lat = malloc(sizeof(double) * 200000);
		unsigned seed = (unsigned)getpid() * 2654435761u;

		memset(&st, 0, sizeof(st));
		close(pipes[c][0]);
		while (now_s() < end && st.n < 200000) {
			int miss = (int)(rand_r(&seed) % 100) < miss_pct, os, http, rc;
			unsigned char req[4096];
			size_t len;

			if (miss) {
				/* A serial nobody asked for yet: a new CertID, a real miss. */
				memcpy(req, tmpl, tlen);
				req[off] = (unsigned char)(0x40 | (rand_r(&seed) & 0x3f));
				req[off + 1] = (unsigned char)rand_r(&seed);
				len = tlen;
			} else {
				i = (int)(rand_r(&seed) % (unsigned)nhits);
				memcpy(req, hits[i], hlen[i]);
				len = hlen[i];
			}
			t0 = now_s();
			rc = one(port, req, len, &os, &http);
			lat[st.n++] = now_s() - t0;
			if (rc == -1)
				st.neterr++;
			else if (http == 200 && os == 0)
				miss ? st.ok_miss++ : st.ok_hit++;
			else if (http == 200 && os == 3)
				miss ? st.trylater_miss++ : st.trylater_hit++;
			else
				miss ? st.other_miss++ : st.other_hit++;
		}
		if (write(pipes[c][1], &st, sizeof(st)) != sizeof(st) ||
		    write(pipes[c][1], lat, sizeof(double) * (size_t)st.n) < 0)
			_exit(1);
		_exit(0);
	}
	for (c = 0; c < clients; c++)
		close(pipes[c][1]);
	memset(&total, 0, sizeof(total));
	all = malloc(sizeof(double) * 200000 * (size_t)clients);
	for (c = 0; c < clients; c++) {
		struct stats st;
		ssize_t n = read(pipes[c][0], &st, sizeof(st));
		size_t want, got = 0;

		if (n != sizeof(st))
			continue;
		want = sizeof(double) * (size_t)st.n;
		while (got < want && (n = read(pipes[c][0], (char *)(all + alln) + got, want - got)) > 0)
			got += (size_t)n;
		alln += st.n;
		total.ok_hit += st.ok_hit;
		total.ok_miss += st.ok_miss;
		total.trylater_hit += st.trylater_hit;
		total.trylater_miss += st.trylater_miss;
		total.other_hit += st.other_hit;
		total.other_miss += st.other_miss;
		total.neterr += st.neterr;
	}
	while (wait(NULL) > 0)
		;
	qsort(all, (size_t)alln, sizeof(double), cmp);
	printf("requests %ld in %d s: %.0f req/s, p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", alln, secs,
	       (double)alln / secs, alln ? all[alln / 2] * 1000 : 0, alln ? all[alln * 99 / 100] * 1000 : 0,
	       alln ? all[alln - 1] * 1000 : 0);
	printf("hits: %ld ok, %ld tryLater, %ld other; misses: %ld ok, %ld tryLater, %ld other; "
	       "network errors %ld\n", total.ok_hit, total.trylater_hit, total.other_hit, total.ok_miss,
	       total.trylater_miss, total.other_miss, total.neterr);
	printf("failed that a cached response could have answered: %ld\n",
	       total.trylater_hit + total.other_hit);
	return 0;
}
