/* test_fetch: libcurl through fetch.c against a forked HTTP server on 127.0.0.1 that answers by
 * path (good, error, oversize, hanging, reset) and counts requests in flight per port. */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "clock.h"
#include "fetch.h"

#define MAX_BYTES 1000

/* What the server saw, in memory shared with the test. */
struct seen {
	int requests;                /* requests fully read, both ports */
	int cur[2], peak[2];         /* requests in flight per listening port */
	int cur_all, peak_all;
	char method[8];
	char content_type[64];
	char user_agent[64];
	unsigned char body[64];
	int body_len;
	char target[256];            /* the request target as sent: absolute when proxied */
};

static const unsigned char REQ_BODY[] = { 0x30, 0x03, 0x00, 0x01, 0xff };
static const unsigned char OK_BODY[] = { 0x30, 0x82, 0x00, 0x00, 0x0a, 0x0d, 0x00, 0x01 };

static int
listen_any(int *port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 || listen(fd, 64) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1) {
		close(fd);
		return -1;
	}
	*port = ntohs(sin.sin_port);
	return fd;
}

static void
write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t w;

	while (n > 0 && (w = write(fd, c, n)) > 0) {
		c += w;
		n -= (size_t)w;
	}
}

static void
header_value(const char *req, const char *name, char *out, size_t len)
{
	const char *p = strcasestr(req, name), *e;

	out[0] = '\0';
	if (p == NULL)
		return;
	p += strlen(name);
	while (*p == ' ')
		p++;
	e = strstr(p, "\r\n");
	if (e != NULL && (size_t)(e - p) < len) {
		memcpy(out, p, (size_t)(e - p));
		out[e - p] = '\0';
	}
}

/* One connection: read the request, answer by path, close. Runs in its own process. */
static void
serve_one(int fd, int idx, struct seen *sv)
{
	char buf[8192], path[256], len_s[32], *hend;
	size_t got = 0, need;
	ssize_t r;
	int cur;

	for (;;) {
		if ((r = read(fd, buf + got, sizeof(buf) - 1 - got)) <= 0)
			return;
		got += (size_t)r;
		buf[got] = '\0';
		if ((hend = strstr(buf, "\r\n\r\n")) != NULL)
			break;
		if (got == sizeof(buf) - 1)
			return;
	}
	header_value(buf, "Content-Length:", len_s, sizeof(len_s));
	need = (size_t)(hend + 4 - buf) + (size_t)atoi(len_s);
	while (got < need && got < sizeof(buf) - 1 && (r = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)r;
	if (sscanf(buf, "%7s %255s", sv->method, path) != 2)
		return;
	snprintf(sv->target, sizeof(sv->target), "%s", path);
	/* Asked as a proxy: answer for the absolute target's path. */
	if (strncmp(path, "http://", 7) == 0 && strchr(path + 7, '/') != NULL)
		memmove(path, strchr(path + 7, '/'), strlen(strchr(path + 7, '/')) + 1);
	header_value(buf, "Content-Type:", sv->content_type, sizeof(sv->content_type));
	header_value(buf, "User-Agent:", sv->user_agent, sizeof(sv->user_agent));
	sv->body_len = (int)(got - (size_t)(hend + 4 - buf));
	if (sv->body_len > (int)sizeof(sv->body))
		sv->body_len = (int)sizeof(sv->body);
	memcpy(sv->body, hend + 4, (size_t)sv->body_len);
	__atomic_add_fetch(&sv->requests, 1, __ATOMIC_SEQ_CST);

	cur = __atomic_add_fetch(&sv->cur[idx], 1, __ATOMIC_SEQ_CST);
	if (cur > __atomic_load_n(&sv->peak[idx], __ATOMIC_SEQ_CST))
		__atomic_store_n(&sv->peak[idx], cur, __ATOMIC_SEQ_CST);
	cur = __atomic_add_fetch(&sv->cur_all, 1, __ATOMIC_SEQ_CST);
	if (cur > __atomic_load_n(&sv->peak_all, __ATOMIC_SEQ_CST))
		__atomic_store_n(&sv->peak_all, cur, __ATOMIC_SEQ_CST);

	/* In flight until the answer starts: the client may start its next transfer as soon as
	 * this one's last byte arrives. */
	if (strcmp(path, "/slow") == 0)
		usleep(150000);
	__atomic_sub_fetch(&sv->cur[idx], 1, __ATOMIC_SEQ_CST);
	__atomic_sub_fetch(&sv->cur_all, 1, __ATOMIC_SEQ_CST);

	if (strcmp(path, "/ok") == 0 || strcmp(path, "/slow") == 0) {
		char h[256];

		snprintf(h, sizeof(h), "HTTP/1.1 200 OK\r\nContent-Type: application/ocsp-response\r\n"
		         "Content-Length: %zu\r\nConnection: close\r\n\r\n", sizeof(OK_BODY));
		write_all(fd, h, strlen(h));
		write_all(fd, OK_BODY, sizeof(OK_BODY));
	} else if (strcmp(path, "/500") == 0) {
		static const char m[] = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\n"
		                        "Connection: close\r\n\r\noops!";
		write_all(fd, m, sizeof(m) - 1);
	} else if (strcmp(path, "/redirect") == 0) {
		static const char m[] = "HTTP/1.1 302 Found\r\nLocation: /ok\r\nContent-Length: 0\r\n"
		                        "Connection: close\r\n\r\n";
		write_all(fd, m, sizeof(m) - 1);
	} else if (strncmp(path, "/size/", 6) == 0 || strncmp(path, "/chunked/", 9) == 0) {
		/* /size/N: N bytes with a Content-Length; /chunked/N: the same without one. */
		int chunked = path[1] == 'c';
		size_t n = (size_t)atol(path + (chunked ? 9 : 6)), i;
		char h[256], block[512];

		if (chunked)
			snprintf(h, sizeof(h), "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
			         "Connection: close\r\n\r\n");
		else
			snprintf(h, sizeof(h), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n"
			         "Connection: close\r\n\r\n", n);
		write_all(fd, h, strlen(h));
		memset(block, 'x', sizeof(block));
		for (i = 0; i < n; i += sizeof(block)) {
			size_t k = n - i < sizeof(block) ? n - i : sizeof(block);

			if (chunked) {
				snprintf(h, sizeof(h), "%zx\r\n", k);
				write_all(fd, h, strlen(h));
			}
			write_all(fd, block, k);
			if (chunked)
				write_all(fd, "\r\n", 2);
		}
		if (chunked)
			write_all(fd, "0\r\n\r\n", 5);
	} else if (strcmp(path, "/hang") == 0) {
		sleep(3);
	} else if (strcmp(path, "/reset") == 0) {
		struct linger lg = { 1, 0 };

		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	} else {
		static const char m[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n"
		                        "Connection: close\r\n\r\n";
		write_all(fd, m, sizeof(m) - 1);
	}
}

/* The server: its own process group, one child per connection. */
static pid_t
server_start(const int lfd[2], struct seen *sv)
{
	struct pollfd pfd[2];
	pid_t pid;
	int i, fd;

	fflush(stdout);
	if ((pid = fork()) != 0) {
		if (pid > 0)
			setpgid(pid, pid);
		return pid;
	}
	setpgid(0, 0);
	signal(SIGCHLD, SIG_IGN);
	pfd[0].fd = lfd[0];
	pfd[1].fd = lfd[1];
	pfd[0].events = pfd[1].events = POLLIN;
	for (;;) {
		if (poll(pfd, 2, -1) == -1)
			continue;
		for (i = 0; i < 2; i++) {
			if (!(pfd[i].revents & POLLIN) || (fd = accept(lfd[i], NULL, NULL)) == -1)
				continue;
			if (fork() == 0) {
				close(lfd[0]);
				close(lfd[1]);
				serve_one(fd, i, sv);
				close(fd);
				_exit(0);
			}
			close(fd);
		}
	}
}

static void
test_post(struct fetcher *f, const char *base, struct seen *sv)
{
	struct fetch_result res;
	char url[256];
	long long t0;
	int before;

	snprintf(url, sizeof(url), "%s/ok", base);
	CHECK_INT(fetch_post(f, url, REQ_BODY, sizeof(REQ_BODY), &res), 0);
	CHECK_INT(res.ok, 1);
	CHECK_INT(res.http_status, 200);
	CHECK_STR(res.content_type, "application/ocsp-response");
	CHECK_INT(res.len, sizeof(OK_BODY));
	CHECK(res.body != NULL && memcmp(res.body, OK_BODY, sizeof(OK_BODY)) == 0);
	CHECK(res.seconds > 0 && res.seconds < 2);
	CHECK_STR(sv->method, "POST");
	CHECK_STR(sv->content_type, "application/ocsp-request");
	CHECK_STR(sv->user_agent, "ocsp-proxy/" OCSP_PROXY_VERSION);
	CHECK_INT(sv->body_len, sizeof(REQ_BODY));
	CHECK(memcmp(sv->body, REQ_BODY, sizeof(REQ_BODY)) == 0);
	fetch_result_free(&res);

	/* An HTTP error is still an answer. */
	snprintf(url, sizeof(url), "%s/500", base);
	CHECK_INT(fetch_post(f, url, REQ_BODY, sizeof(REQ_BODY), &res), 0);
	CHECK_INT(res.ok, 1);
	CHECK_INT(res.http_status, 500);
	CHECK(res.len == 5 && memcmp(res.body, "oops!", 5) == 0);
	CHECK(res.content_type == NULL);
	fetch_result_free(&res);

	/* Redirects are not followed. */
	before = sv->requests;
	snprintf(url, sizeof(url), "%s/redirect", base);
	CHECK_INT(fetch_post(f, url, REQ_BODY, sizeof(REQ_BODY), &res), 0);
	CHECK_INT(res.http_status, 302);
	CHECK_INT(res.len, 0);
	CHECK_INT(sv->requests, before + 1);
	fetch_result_free(&res);

	/* The size limit, exactly at it and past it, announced or not. */
	snprintf(url, sizeof(url), "%s/size/%d", base, MAX_BYTES);
	CHECK_INT(fetch_post(f, url, REQ_BODY, sizeof(REQ_BODY), &res), 0);
	CHECK_INT(res.len, MAX_BYTES);
	fetch_result_free(&res);
	snprintf(url, sizeof(url), "%s/chunked/%d", base, MAX_BYTES);
	CHECK_INT(fetch_post(f, url, REQ_BODY, sizeof(REQ_BODY), &res), 0);
	CHECK_INT(res.len, MAX_BYTES);
	fetch_result_free(&res);
	snprintf(url, sizeof(url), "%s/size/%d", base, MAX_BYTES + 1);
	CHECK_INT(fetch_post(f, url, REQ_BODY, sizeof(REQ_BODY), &res), -1);
	CHECK_INT(res.ok, 0);
	CHECK_STR(res.err.msg, "response larger than 1000 bytes");
	CHECK(res.body == NULL && res.len == 0);
	fetch_result_free(&res);
	snprintf(url, sizeof(url), "%s/chunked/%d", base, 50000);
	CHECK_INT(fetch_post(f, url, REQ_BODY, sizeof(REQ_BODY), &res), -1);
	CHECK_STR(res.err.msg, "response larger than 1000 bytes");
	CHECK(res.body == NULL && res.len == 0);
	fetch_result_free(&res);

	/* A responder that never answers costs upstream_timeout, not more. */
	snprintf(url, sizeof(url), "%s/hang", base);
	t0 = clock_ms();
	CHECK_INT(fetch_post(f, url, REQ_BODY, sizeof(REQ_BODY), &res), -1);
	CHECK(clock_ms() - t0 >= 250 && clock_ms() - t0 < 1500);
	CHECK_INT(res.ok, 0);
	CHECK(strstr(res.err.msg, "imed out") != NULL);
	fetch_result_free(&res);

	snprintf(url, sizeof(url), "%s/reset", base);
	CHECK_INT(fetch_post(f, url, REQ_BODY, sizeof(REQ_BODY), &res), -1);
	CHECK_INT(res.ok, 0);
	CHECK(res.err.msg[0] != '\0');
	fetch_result_free(&res);

	/* Still usable after all those failures; an empty body is sent as such. */
	snprintf(url, sizeof(url), "%s/ok", base);
	CHECK_INT(fetch_post(f, url, NULL, 0, &res), 0);
	CHECK_INT(res.http_status, 200);
	CHECK_INT(sv->body_len, 0);
	fetch_result_free(&res);

	/* Hosts outside allow_upstream, other schemes, junk: refused, nothing sent. */
	before = sv->requests;
	snprintf(url, sizeof(url), "http://localhost:%s", strrchr(base, ':') + 1);
	strcat(url, "/ok");
	CHECK_INT(fetch_post(f, url, REQ_BODY, sizeof(REQ_BODY), &res), -1);
	CHECK(strncmp(res.err.msg, "upstream not allowed: localhost port ", 37) == 0);
	CHECK_INT(res.ok, 0);
	CHECK_INT(fetch_post(f, "ftp://127.0.0.1/x", REQ_BODY, sizeof(REQ_BODY), &res), -1);
	CHECK_INT(res.ok, 0);
	CHECK_INT(fetch_post(f, "not a url", REQ_BODY, sizeof(REQ_BODY), &res), -1);
	CHECK_INT(res.ok, 0);
	usleep(100000);
	CHECK_INT(sv->requests, before);
}

static volatile sig_atomic_t stop_flag;

static void
on_alarm(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* What the hooks saw: the order jobs finished in, and how often poll ran. */
struct hook_log {
	size_t order[8];
	size_t n_done;
	int polls;
	int stop_after;              /* poll asks to stop after this many calls; 0: never */
	int res_seen;                /* done saw a result it could use */
};

static int
on_job_done(struct fetch_job *job, size_t index, void *arg)
{
	struct hook_log *h = arg;

	if (h->n_done < 8)
		h->order[h->n_done] = index;
	h->n_done++;
	h->res_seen += job->done && (job->res.ok || job->res.err.kind != ERR_NONE);
	return 0;
}

static int
on_poll(void *arg)
{
	struct hook_log *h = arg;

	h->polls++;
	return h->stop_after > 0 && h->polls >= h->stop_after;
}

static void
test_many(struct fetcher *f, int port[2], struct seen *sv, struct config *cfg)
{
	struct hook_log hl;
	struct fetch_hooks hooks = { on_job_done, on_poll, &hl };
	struct fetch_job jobs[20], more[3];
	char urls[20][128];
	struct itimerval it;
	long long t0;
	size_t i;
	int before, ok = 0;

	/* 20 jobs over two host:port pairs: two at a time on each, four at most in all. A long
	 * timeout, so a slow machine (valgrind) cannot turn the concurrency test into a timeout. */
	cfg->upstream_timeout = 5000;
	memset(jobs, 0, sizeof(jobs));
	for (i = 0; i < 20; i++) {
		snprintf(urls[i], sizeof(urls[i]), "http://127.0.0.1:%d/slow", port[i % 3 == 0]);
		jobs[i].url = urls[i];
		jobs[i].body = REQ_BODY;
		jobs[i].len = sizeof(REQ_BODY);
	}
	memset(sv->peak, 0, sizeof(sv->peak));
	sv->peak_all = 0;
	before = sv->requests;
	CHECK_INT(fetch_many(f, jobs, 20, 4, 2, NULL, NULL), 0);
	for (i = 0; i < 20; i++) {
		ok += jobs[i].done && jobs[i].res.ok && jobs[i].res.http_status == 200 &&
		      jobs[i].res.len == sizeof(OK_BODY) &&
		      memcmp(jobs[i].res.body, OK_BODY, sizeof(OK_BODY)) == 0;
		fetch_result_free(&jobs[i].res);
	}
	CHECK_INT(ok, 20);
	CHECK_INT(sv->requests, before + 20);
	CHECK_INT(sv->peak[0], 2);
	CHECK_INT(sv->peak[1], 2);
	CHECK(sv->peak_all >= 3 && sv->peak_all <= 4);

	/* One host only: never more than two at once although four slots are free. */
	for (i = 0; i < 10; i++)
		snprintf(urls[i], sizeof(urls[i]), "http://127.0.0.1:%d/slow", port[0]);
	memset(sv->peak, 0, sizeof(sv->peak));
	sv->peak_all = 0;
	CHECK_INT(fetch_many(f, jobs, 10, 4, 2, NULL, NULL), 0);
	for (i = 0, ok = 0; i < 10; i++) {
		ok += jobs[i].done && jobs[i].res.ok;
		fetch_result_free(&jobs[i].res);
	}
	CHECK_INT(ok, 10);
	CHECK_INT(sv->peak[0], 2);
	CHECK_INT(sv->peak_all, 2);

	/* Mixed outcomes, and a refused job that is done without being sent; the done hook hears
	 * of each as it ends, the refused one first. */
	memset(&hl, 0, sizeof(hl));
	memset(more, 0, sizeof(more));
	more[0].url = "http://forbidden.example/ocsp";
	snprintf(urls[0], sizeof(urls[0]), "http://127.0.0.1:%d/500", port[0]);
	snprintf(urls[1], sizeof(urls[1]), "http://127.0.0.1:%d/chunked/5000", port[1]);
	more[1].url = urls[0];
	more[2].url = urls[1];
	before = sv->requests;
	CHECK_INT(fetch_many(f, more, 3, 4, 2, NULL, &hooks), 0);
	CHECK(more[0].done && !more[0].res.ok);
	CHECK_STR(more[0].res.err.msg, "upstream not allowed: forbidden.example port 80");
	CHECK(more[1].done && more[1].res.ok && more[1].res.http_status == 500);
	CHECK(more[2].done && !more[2].res.ok && more[2].res.body == NULL);
	CHECK_STR(more[2].res.err.msg, "response larger than 1000 bytes");
	CHECK_INT(sv->requests, before + 2);
	CHECK_INT(hl.n_done, 3);
	CHECK_INT(hl.order[0], 0);
	CHECK_INT(hl.res_seen, 3);
	CHECK(hl.polls >= 1);
	for (i = 0; i < 3; i++)
		fetch_result_free(&more[i].res);

	/* The poll hook stops hanging transfers, as a tick's time budget does. */
	cfg->upstream_timeout = 10000;
	for (i = 0; i < 4; i++)
		snprintf(urls[i], sizeof(urls[i]), "http://127.0.0.1:%d/hang", port[i % 2]);
	memset(&hl, 0, sizeof(hl));
	hl.stop_after = 3;
	t0 = clock_ms();
	CHECK_INT(fetch_many(f, jobs, 4, 4, 2, NULL, &hooks), 0);
	CHECK(clock_ms() - t0 < 2000);
	CHECK_INT(hl.polls, 3);
	CHECK_INT(hl.n_done, 0);
	for (i = 0; i < 4; i++) {
		CHECK(!jobs[i].done);
		fetch_result_free(&jobs[i].res);
	}
	usleep(100000); /* the server has counted these before the next step counts afresh */

	/* Stop: already set, nothing starts; set midway, hanging transfers are dropped. */
	cfg->upstream_timeout = 10000;
	for (i = 0; i < 6; i++)
		snprintf(urls[i], sizeof(urls[i]), "http://127.0.0.1:%d/hang", port[i % 2]);
	before = sv->requests;
	stop_flag = 1;
	CHECK_INT(fetch_many(f, jobs, 6, 4, 2, &stop_flag, NULL), 0);
	for (i = 0, ok = 0; i < 6; i++)
		ok += jobs[i].done;
	CHECK_INT(ok, 0);
	usleep(100000);
	CHECK_INT(sv->requests, before);

	stop_flag = 0;
	signal(SIGALRM, on_alarm);
	memset(&it, 0, sizeof(it));
	it.it_value.tv_usec = 300000;
	setitimer(ITIMER_REAL, &it, NULL);
	t0 = clock_ms();
	CHECK_INT(fetch_many(f, jobs, 6, 4, 2, &stop_flag, NULL), 0);
	CHECK(clock_ms() - t0 >= 250 && clock_ms() - t0 < 1000);
	for (i = 0, ok = 0; i < 6; i++) {
		ok += jobs[i].done;
		CHECK(jobs[i].res.body == NULL);
		fetch_result_free(&jobs[i].res);
	}
	CHECK_INT(ok, 0);
	CHECK_INT(sv->requests, before + 4);
	cfg->upstream_timeout = 300;
	CHECK_INT(fetch_many(f, jobs, 0, 4, 2, NULL, NULL), 0);
}

/* allow_upstream holds ports; the environment's proxy variables are ignored unless
 * upstream_proxy is set, which then carries every request. */
static void
test_ports_and_proxies(struct config *cfg, const int port[2], struct seen *sv)
{
	char url[128], allow0[32], *one[] = { allow0 }, *named[] = { (char *)"ocsp.invalid" };
	struct err err;
	struct strlist saved = cfg->allow_upstream;
	struct fetch_result res;
	struct fetcher *f;
	int before;

	/* Only port[0] allowed: the same host's other port is refused, nothing sent. */
	snprintf(allow0, sizeof(allow0), "127.0.0.1:%d", port[0]);
	cfg->allow_upstream.v = one;
	cfg->allow_upstream.n = 1;
	if ((f = fetch_new(cfg, &err)) == NULL) {
		CHECK(f != NULL);
		return;
	}
	before = sv->requests;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/ok", port[1]);
	CHECK_INT(fetch_post(f, url, REQ_BODY, sizeof(REQ_BODY), &res), -1);
	CHECK(strstr(res.err.msg, "not allowed") != NULL);
	snprintf(url, sizeof(url), "http://127.0.0.1/ok");
	CHECK_INT(fetch_post(f, url, REQ_BODY, sizeof(REQ_BODY), &res), -1);
	CHECK_INT(sv->requests, before);

	/* Proxy variables naming a dead port: the fetch still goes direct. */
	setenv("http_proxy", "http://127.0.0.1:1", 1);
	setenv("HTTP_PROXY", "http://127.0.0.1:1", 1);
	setenv("HTTPS_PROXY", "http://127.0.0.1:1", 1);
	setenv("ALL_PROXY", "http://127.0.0.1:1", 1);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/ok", port[0]);
	CHECK_INT(fetch_post(f, url, REQ_BODY, sizeof(REQ_BODY), &res), 0);
	CHECK_INT(res.http_status, 200);
	CHECK_STR(sv->target, "/ok");
	fetch_result_free(&res);
	fetch_free(f);

	/* upstream_proxy: the test server as the proxy, for a host that does not resolve; no_proxy
	 * from the environment does not exempt it. */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port[0]);
	cfg->upstream_proxy = url;
	cfg->allow_upstream.v = named;
	setenv("no_proxy", "*", 1);
	if ((f = fetch_new(cfg, &err)) != NULL) {
		CHECK_INT(fetch_post(f, "http://ocsp.invalid/ok", REQ_BODY, sizeof(REQ_BODY), &res), 0);
		CHECK_INT(res.http_status, 200);
		CHECK_STR(sv->target, "http://ocsp.invalid/ok");
		fetch_result_free(&res);
		fetch_free(f);
	}
	cfg->upstream_proxy = NULL;
	cfg->allow_upstream = saved;
	unsetenv("http_proxy");
	unsetenv("HTTP_PROXY");
	unsetenv("HTTPS_PROXY");
	unsetenv("ALL_PROXY");
	unsetenv("no_proxy");
}

int
main(void)
{
	struct config cfg;
	struct fetcher *f;
	struct seen *sv;
	char base[64], allow0[32], allow1[32], *allow[] = { allow0, allow1 };
	struct err ferr;
	int lfd[2], port[2];
	pid_t pid;

	signal(SIGPIPE, SIG_IGN);
	/* The environment must not route the test through a proxy. */
	unsetenv("http_proxy");
	unsetenv("HTTP_PROXY");
	unsetenv("https_proxy");
	unsetenv("all_proxy");
	unsetenv("ALL_PROXY");
	sv = mmap(NULL, sizeof(*sv), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sv == MAP_FAILED || (lfd[0] = listen_any(&port[0])) == -1 ||
	    (lfd[1] = listen_any(&port[1])) == -1) {
		printf("cannot set up the server\n");
		return 1;
	}
	memset(sv, 0, sizeof(*sv));
	if ((pid = server_start(lfd, sv)) == -1) {
		printf("fork: %s\n", strerror(errno));
		return 1;
	}
	close(lfd[0]);
	close(lfd[1]);

	memset(&cfg, 0, sizeof(cfg));
	cfg.upstream_timeout = 300;
	cfg.max_response_bytes = MAX_BYTES;
	/* Both ports of the test server, each by name: a bare 127.0.0.1 would allow port 80 only. */
	snprintf(allow0, sizeof(allow0), "127.0.0.1:%d", port[0]);
	snprintf(allow1, sizeof(allow1), "127.0.0.1:%d", port[1]);
	cfg.allow_upstream.v = allow;
	cfg.allow_upstream.n = 2;

	if ((f = fetch_new(&cfg, &ferr)) == NULL) {
		printf("fetch_new: %s\n", ferr.msg);
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return 1;
	}
	snprintf(base, sizeof(base), "http://127.0.0.1:%d", port[0]);
	test_post(f, base, sv);
	test_many(f, port, sv, &cfg);
	fetch_free(f);

	/* A second fetcher after the first is gone: global init and cleanup pair up. */
	f = fetch_new(&cfg, &ferr);
	CHECK(f != NULL);
	if (f != NULL) {
		struct fetch_result res;

		snprintf(base, sizeof(base), "http://127.0.0.1:%d/ok", port[1]);
		CHECK_INT(fetch_post(f, base, REQ_BODY, sizeof(REQ_BODY), &res), 0);
		CHECK_INT(res.http_status, 200);
		fetch_result_free(&res);
		fetch_free(f);
	}

	test_ports_and_proxies(&cfg, port, sv);

	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	munmap(sv, sizeof(*sv));
	return CHECK_DONE();
}
