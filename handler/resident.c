/* resident: the handler as a small pre-forked server, for sites that outgrow a process per
 * connection. The master only forks, reaps and signals; workers accept on the shared socket and
 * run each connection through handler_serve, keeping their Redis connection, libcurl handle and
 * OpenSSL state between connections. */
#include <errno.h>
#include <netdb.h>
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
#include "serve.h"
#include "url.h"

#define MAX_WORKERS 256

/* Set by signal handlers and read by the loops: the only state a handler may touch. */
static volatile sig_atomic_t stop_flag, reload_flag, child_flag;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_flag = 1;
	else if (sig == SIGCHLD)
		child_flag = 1;
	else
		stop_flag = 1;
}

/* No SA_RESTART: a signal must interrupt accept() and the master's wait. */
static void
catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
}

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
	    bind(fd, res->ai_addr, res->ai_addrlen) == -1 || listen(fd, 1024) == -1) {
		err_set(err, ERR_IO, "%s: %s", addr, strerror(errno));
		if (fd != -1)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/* A worker: accept and serve until told to stop; never returns. */
static void
worker(int lfd, const struct config *cfg, const sigset_t *open_mask)
{
	struct handler h;
	int cfd;

	signal(SIGHUP, SIG_IGN);
	sigprocmask(SIG_SETMASK, open_mask, NULL);
	signal(SIGCHLD, SIG_DFL);
	log_open("ocsp-proxy-handler", cfg->log, log_flags(cfg->debug, cfg->log_format));
	handler_init(&h, cfg);
	while (!stop_flag) {
		cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (cfd == -1) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
				usleep(100000); /* out of descriptors: let connections finish */
			continue;
		}
		handler_serve(&h, cfd, cfd);
		close(cfd);
	}
	handler_cleanup(&h);
	log_close();
	_exit(0);
}

static pid_t
spawn(int lfd, const struct config *cfg, const sigset_t *open_mask)
{
	pid_t pid = fork();

	if (pid == 0)
		worker(lfd, cfg, open_mask);
	if (pid == -1)
		log_msg(LOG_ERR, "fork: %s", strerror(errno));
	return pid;
}

static int
count_workers(const struct config *cfg)
{
	long n = cfg->workers > 0 ? cfg->workers : sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : (n > MAX_WORKERS ? MAX_WORKERS : (int)n);
}

/* Sends sig to every worker and waits up to ms for them to exit; the rest are killed. */
static void
stop_workers(pid_t *pids, int n, long long ms)
{
	struct timespec ts = { 0, 50 * 1000000 };
	int i, left;

	for (i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	for (; ms > 0; ms -= 50) {
		for (i = 0, left = 0; i < n; i++) {
			if (pids[i] > 0 && waitpid(pids[i], NULL, WNOHANG) == pids[i])
				pids[i] = 0;
			left += pids[i] > 0;
		}
		if (left == 0)
			return;
		nanosleep(&ts, NULL);
	}
	for (i = 0; i < n; i++)
		if (pids[i] > 0) {
			kill(pids[i], SIGKILL);
			waitpid(pids[i], NULL, 0);
			pids[i] = 0;
		}
}

int
resident_run(int lfd, const char *path, struct config *cfg)
{
	pid_t pids[MAX_WORKERS], pid;
	struct config next;
	sigset_t block, open_mask;
	struct err err;
	int n, i, status;
	long long drain;

	memset(pids, 0, sizeof(pids));
	catch_signals();
	/* The master sleeps in sigsuspend with these blocked otherwise, so none is missed between
	 * checking the flags and sleeping. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &open_mask);
	n = count_workers(cfg);
	log_msg(LOG_INFO, "resident mode: %d workers", n);
	for (i = 0; i < n; i++)
		pids[i] = spawn(lfd, cfg, &open_mask);

	while (!stop_flag) {
		if (!reload_flag && !child_flag)
			sigsuspend(&open_mask);
		if (reload_flag) {
			reload_flag = 0;
			if (config_load(&next, path, &err) == -1) {
				log_msg(LOG_ERR, "reload failed, keeping the old configuration: %s", err.msg);
			} else {
				/* Old workers finish their connection; new ones start at once. */
				stop_workers(pids, n, cfg->read_timeout + cfg->upstream_timeout);
				config_free(cfg);
				*cfg = next;
				log_open("ocsp-proxy-handler", cfg->log,
				         log_flags(cfg->debug, cfg->log_format));
				n = count_workers(cfg);
				for (i = 0; i < n; i++)
					pids[i] = spawn(lfd, cfg, &open_mask);
				log_msg(LOG_INFO, "configuration reloaded: %d workers", n);
			}
		}
		if (child_flag) {
			child_flag = 0;
			while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
				for (i = 0; i < n; i++) {
					if (pids[i] != pid)
						continue;
					log_msg(LOG_WARNING, "worker %ld died (status %d), replacing it",
					        (long)pid, status);
					usleep(100000); /* a worker that dies at once must not spin */
					pids[i] = stop_flag ? 0 : spawn(lfd, cfg, &open_mask);
				}
			}
		}
	}
	/* Drain: each worker finishes the connection it is serving, bounded by its timeouts. */
	drain = cfg->read_timeout + cfg->upstream_timeout + 1000;
	log_msg(LOG_INFO, "stopping: draining %d workers", n);
	stop_workers(pids, n, drain);
	close(lfd);
	config_free(cfg);
	log_msg(LOG_INFO, "stopped");
	return 0;
}
