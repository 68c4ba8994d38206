/* resident: the handler as a small pre-forked server, for sites that outgrow a process per
 * connection. The master only forks, reaps and signals: on SIGHUP it starts the new workers
 * first and only then tells the old ones to drain; on SIGTERM every worker drains, bounded by
 * worker_drain_ms. Each worker is an event loop (worker.c) over many connections. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "resident.h"
#include "signals.h"
#include "bounds.h"
#include "clock.h"
#include "url.h"
#include "worker.h"

int
resident_inherited_socket(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	int listening = 0;
	socklen_t len = sizeof(listening);

	if (pid == NULL || fds == NULL || atol(pid) != (long)getpid() || atoi(fds) < 1)
		return -1;
	if (getsockopt(3, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == -1 || !listening)
		return -1;
	return 3;
}

int
resident_listen(const char *addr, struct err *err)
{
	struct addrinfo hints, *res = NULL;
	char host[256], port[8];
	int p, fd = -1, one = 1, rc;

	if (url_split_hostport(addr, host, sizeof(host), &p) == -1 || p == 0) {
		err_set(err, ERR_INPUT, "bad listen address '%s' (HOST:PORT)", addr);
		return -1;
	}
	snprintf(port, sizeof(port), "%d", p);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		err_set(err, ERR_INPUT, "%s: %s", addr, gai_strerror(rc));
		return -1;
	}
	if ((fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) == -1 || listen(fd, LISTEN_BACKLOG) == -1) {
		err_set(err, ERR_IO, "%s: %s", addr, strerror(errno));
		if (fd != -1)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/* The workers of one configuration. Old generations drain after a reload until their
 * deadline. */
struct gen {
	pid_t pids[RESIDENT_WORKERS_MAX];
	int n;
	long long deadline;          /* draining: killed past it; 0 while current */
};

static pid_t
spawn(int lfd, const struct config *cfg, const sigset_t *open_mask, int ready_fd)
{
	pid_t pid = fork();

	if (pid == 0)
		worker_run(lfd, cfg, open_mask, ready_fd);
	if (pid == -1)
		log_msg(LOG_ERR, "fork: %s", strerror(errno));
	return pid;
}

static int
count_workers(const struct config *cfg)
{
	long n = cfg->workers > 0 ? cfg->workers : sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : (n > RESIDENT_WORKERS_MAX ? RESIDENT_WORKERS_MAX : (int)n);
}

/* Starts a generation and waits (at most WORKER_READY_MS) until each worker says it is ready:
 * connected to Redis and watching the listening socket. A reload tells the old workers to
 * drain only then, so no request waits for workers still starting. */
static void
start_gen(struct gen *g, int lfd, const struct config *cfg, const sigset_t *open_mask)
{
	long long deadline = clock_ms() + WORKER_READY_MS, left;
	struct pollfd pfd = { .events = POLLIN };
	int i, ready = 0, p[2] = { -1, -1 };
	char buf[RESIDENT_WORKERS_MAX];
	ssize_t n;

	g->n = count_workers(cfg);
	g->deadline = 0;
	if (pipe2(p, O_CLOEXEC) == -1)
		log_msg(LOG_WARNING, "pipe: %s; not waiting for the workers to be ready", strerror(errno));
	for (i = 0; i < g->n; i++)
		g->pids[i] = spawn(lfd, cfg, open_mask, p[1]);
	if (p[0] == -1)
		return;
	close(p[1]);
	pfd.fd = p[0];
	/* A worker that dies before it is ready closes its end too: EOF ends the wait early. */
	while (ready < g->n && (left = deadline - clock_ms()) > 0 && poll(&pfd, 1, (int)left) > 0 &&
	       (n = read(p[0], buf, sizeof(buf))) > 0)
		ready += (int)n;
	close(p[0]);
	if (ready < g->n)
		log_msg(LOG_WARNING, "%d of %d workers ready after %d ms", ready, g->n, WORKER_READY_MS);
}

static int
alive(const struct gen *g)
{
	int i, n = 0;

	for (i = 0; i < g->n; i++)
		n += g->pids[i] > 0;
	return n;
}

static void
signal_gen(struct gen *g, int sig)
{
	int i;

	for (i = 0; i < g->n; i++)
		if (g->pids[i] > 0)
			kill(g->pids[i], sig);
}

/* Forgets pid in g; 1 when it was there. */
static int
forget(struct gen *g, pid_t pid)
{
	int i;

	for (i = 0; i < g->n; i++)
		if (g->pids[i] == pid) {
			g->pids[i] = 0;
			return 1;
		}
	return 0;
}

/* Reaps exited workers: a current one that died is replaced, a draining one is done. */
static void
reap(struct gen *cur, struct gen *old, int lfd, const struct config *cfg,
     const sigset_t *open_mask)
{
	pid_t pid;
	int i, status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (forget(old, pid))
			continue;
		for (i = 0; i < cur->n; i++) {
			if (cur->pids[i] != pid)
				continue;
			log_msg(LOG_WARNING, "worker %ld died (status %d), replacing it", (long)pid, status);
			usleep(100000); /* a worker that dies at once must not spin */
			cur->pids[i] = signal_stop ? 0 : spawn(lfd, cfg, open_mask, -1);
		}
	}
}

/* SIGHUP: the new configuration's workers start accepting before the old ones are told to
 * drain, so no request waits for a slow client of an old worker. A second reload while one
 * drains kills the oldest generation. */
static void
reload(struct gen *cur, struct gen *old, int lfd, const char *path, struct config *cfg,
       const sigset_t *open_mask)
{
	struct config next;
	struct err err;

	if (config_load(&next, path, &err) == -1) {
		log_msg(LOG_ERR, "reload failed, keeping the old configuration: %s", err.msg);
		return;
	}
	if (alive(old) > 0) {
		signal_gen(old, SIGKILL);
		log_msg(LOG_WARNING, "reload while the previous workers drain: killed them");
	}
	*old = *cur;
	old->deadline = clock_ms() + worker_drain_ms(cfg) + 1000;
	config_free(cfg);
	*cfg = next;
	log_open("ocsp-proxy-handler", cfg->log, log_flags(cfg->debug, cfg->log_format));
	start_gen(cur, lfd, cfg, open_mask);
	signal_gen(old, SIGTERM);
	log_msg(LOG_INFO, "configuration reloaded: %d workers", cur->n);
}

/* SIGTERM: every worker drains, bounded; the rest are killed. */
static void
stop_all(struct gen *cur, struct gen *old, const struct config *cfg, const sigset_t *open_mask)
{
	long long deadline = clock_ms() + worker_drain_ms(cfg) + 1000;
	pid_t pid;

	log_msg(LOG_INFO, "stopping: draining %d workers", alive(cur) + alive(old));
	signal_gen(cur, SIGTERM);
	signal_gen(old, SIGTERM);
	while (alive(cur) + alive(old) > 0 && clock_ms() < deadline) {
		signal_child = 0;
		while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
			if (!forget(cur, pid))
				forget(old, pid);
		if (alive(cur) + alive(old) > 0)
			signals_sleep(100, open_mask);
	}
	signal_gen(cur, SIGKILL);
	signal_gen(old, SIGKILL);
	while ((pid = waitpid(-1, NULL, 0)) > 0)
		;
}

int
resident_run(int lfd, const char *path, struct config *cfg)
{
	struct gen cur, old;
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGCHLD, 0 };
	sigset_t open_mask;
	int fl;

	memset(&cur, 0, sizeof(cur));
	memset(&old, 0, sizeof(old));
	/* The master and the workers sleep with these unblocked only inside ppoll/epoll_pwait,
	 * so none is missed between checking the flags and sleeping. */
	signals_catch(sigs, &open_mask);
	/* Workers accept from an event loop: a connection another worker took must not block. */
	if ((fl = fcntl(lfd, F_GETFL)) != -1)
		fcntl(lfd, F_SETFL, fl | O_NONBLOCK);
	start_gen(&cur, lfd, cfg, &open_mask);
	log_msg(LOG_INFO, "resident mode: %d workers", cur.n);

	while (!signal_stop) {
		signals_sleep(alive(&old) > 0 ? 100 : -1, &open_mask);
		if (signal_reload) {
			signal_reload = 0;
			reload(&cur, &old, lfd, path, cfg, &open_mask);
		}
		if (signal_child) {
			signal_child = 0;
			reap(&cur, &old, lfd, cfg, &open_mask);
		}
		if (alive(&old) > 0 && clock_ms() >= old.deadline) {
			log_msg(LOG_WARNING, "old workers still draining past the bound: killed");
			signal_gen(&old, SIGKILL);
			old.deadline = clock_ms() + 1000;
		}
	}
	stop_all(&cur, &old, cfg, &open_mask);
	close(lfd);
	config_free(cfg);
	log_msg(LOG_INFO, "stopped");
	return 0;
}
