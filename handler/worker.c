/* worker: one resident worker process. An epoll loop (level-triggered) over the listening
 * socket, the connections (conn.c), the Redis invalidation socket (hotcache.c) and its
 * children; once a second it writes its batched hit records.
 *
 * Misses go to a forked child that runs the per-connection pipeline (serve.c) on the
 * connection, with the request already read. Why a child and not libcurl's multi interface in
 * this loop: the miss path is the existing, tested, blocking code (Redis, upstream fetch with
 * its deadline, answer checks, store), so a slow upstream or Redis holds one child and never
 * the loop; a child that crashes loses one request; and misses are rare once the cache is warm
 * (the scheduler refreshes entries before they expire). At most max_misses children per
 * worker: past that a miss is answered tryLater at once. A cacheable miss whose certificate
 * someone already fetches (its lease is held: park.c) gets no child: it is parked in this loop
 * until the answer is stored. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bounds.h"
#include "clock.h"
#include "conn.h"
#include "fetch.h"
#include "issuers.h"
#include "log.h"
#include "ocsp.h"
#include "park.h"
#include "worker.h"


long long
worker_drain_ms(const struct config *cfg)
{
	return 2 * cfg->read_timeout + cfg->upstream_timeout + 4 * cfg->redis_timeout + 1000;
}

/* Signals come through a signalfd in the event loop, not a handler: epoll_pwait delivers a
 * pending signal only when it has nothing else to return, so under steady load a worker would
 * never see SIGCHLD (children unreaped, max_misses exhausted) nor SIGTERM. The master left
 * them blocked; a worker has no reload of its own (SIGHUP is the master's). -1 on failure. */
static int
signal_fd(void)
{
	sigset_t set;

	signal(SIGHUP, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

/* Room for max_connections descriptors: the soft limit raised to the hard one when short. */
static void
raise_fd_limit(const struct config *cfg)
{
	rlim_t need = (rlim_t)cfg->max_connections + (rlim_t)cfg->max_misses + WORKER_SPARE_FDS;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need)
		log_msg(LOG_WARNING, "max_connections %d needs more descriptors than the limit (%llu): "
		        "raise LimitNOFILE", cfg->max_connections, (unsigned long long)rl.rlim_cur);
}

/* What a miss needs besides Redis (OpenSSL's configuration, libcurl, the issuer store),
 * loaded once in the worker so that every miss child inherits it rather than loading it again:
 * that took a child tens of milliseconds and made misses the bottleneck under load. Called at
 * start and every second (an issuer store that changed is read again here, not in each child). */
static void
prepare_misses(struct worker *w)
{
	struct err err;

	if (w->h.fetcher == NULL) {
		ocsp_init_full();
		if ((w->h.fetcher = fetch_new(w->cfg, &err)) == NULL)
			log_msg(LOG_WARNING, "libcurl not loaded ahead, each miss will try: %s", err.msg);
	}
	switch (issuers_refresh(&w->h.issuers, w->cfg, &err)) {
	case -1:
		log_msg(LOG_WARNING, "issuer store not loaded ahead, each miss will try: %s", err.msg);
		break;
	case 1:
		issuers_anchors(w->h.issuers, &err);
		break;
	}
}

/* The child's side of worker_handoff: the pipeline on fd alone, then exit. */
static void __attribute__((noreturn))
child(struct worker *w, int fd, struct http_request *req, long long t0, const char *client,
      const struct herd_lease *lease)
{
	struct handler h;
	int fl, rc;

	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	sigprocmask(SIG_SETMASK, w->open_mask, NULL);
	/* Nothing of the worker's but this connection: other clients' sockets held here would
	 * stay open after the worker closes them. */
	if (fd > 3)
		close_range(3, (unsigned)fd - 1, 0);
	close_range((unsigned)fd + 1, ~0U, 0);
	log_open("ocsp-proxy-handler", w->cfg->log, log_flags(w->cfg->debug, w->cfg->log_format));
	if ((fl = fcntl(fd, F_GETFL)) != -1)
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	/* The worker's libcurl and issuer store (prepare_misses); its Redis connections are
	 * closed above, so a store of the child's own. */
	h = w->h;
	h.store = NULL;
	if (lease != NULL)
		h.lease = *lease;
	rc = handler_serve_request(&h, req, 0, fd, fd, t0, client);
	handler_cleanup(&h);
	log_close();
	_exit(rc == 0 ? 0 : 1);
}

int
worker_handoff(struct worker *w, int fd, struct http_request *req, long long t0,
               const char *client, const struct herd_lease *lease)
{
	pid_t pid;

	if (w->nkids >= w->cfg->max_misses)
		return -1;
	if ((pid = fork()) == -1) {
		log_msg(LOG_ERR, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0)
		child(w, fd, req, t0, client, lease);
	w->kids[w->nkids] = pid;
	w->kid_deadline[w->nkids] = clock_ms() + worker_drain_ms(w->cfg);
	w->nkids++;
	close(fd);
	http_request_free(req);
	return pid;
}

static void
reap(struct worker *w)
{
	pid_t pid;
	int i;

	while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
		for (i = 0; i < w->nkids; i++)
			if (w->kids[i] == pid) {
				w->nkids--;
				w->kids[i] = w->kids[w->nkids];
				w->kid_deadline[i] = w->kid_deadline[w->nkids];
				park_reaped(w, pid);
				break;
			}
}

/* A child past every deadline it has is stuck: it goes, its client with it. */
static void
kill_overdue(struct worker *w, long long now)
{
	int i;

	for (i = 0; i < w->nkids; i++)
		if (w->kid_deadline[i] <= now) {
			log_msg(LOG_WARNING, "miss child %ld overdue, killed", (long)w->kids[i]);
			kill(w->kids[i], SIGKILL);
			w->kid_deadline[i] = now + 1000;
		}
}

/* One connection per wake-up, as nginx without multi_accept: the listening socket is
 * level-triggered, so epoll says again at once when more wait, and a connection that is not
 * there costs no failed accept. */
static void
accept_one(struct worker *w)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd;

	fd = accept4(w->lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd != -1) {
		conn_open(w, fd, (const struct sockaddr *)&ss);
		return;
	}
	if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
		return;
	if (clock_ms() - w->full_logged_ms >= 1000) {
		log_msg(LOG_WARNING, "accept: %s", strerror(errno));
		w->full_logged_ms = clock_ms();
	}
	/* Out of descriptors or memory: the listening socket stays readable, so make room (the
	 * oldest connection still reading goes) or stop watching it for a moment; never spin. */
	if (conn_close_oldest_reading(w) == 0 &&
	    epoll_ctl(w->ep, EPOLL_CTL_DEL, w->lfd, NULL) == 0)
		w->accept_resume_ms = clock_ms() + WORKER_ACCEPT_PAUSE_MS;
}

/* Watches the listening socket again after a pause. */
static void
resume_accept(struct worker *w, long long now)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE, .data.ptr = &w->lfd };

	if (w->accept_resume_ms == 0 || now < w->accept_resume_ms)
		return;
	w->accept_resume_ms = 0;
	if (w->lfd != -1 && epoll_ctl(w->ep, EPOLL_CTL_ADD, w->lfd, &ev) == -1)
		log_msg(LOG_ERR, "epoll_ctl: %s", strerror(errno));
}

/* The invalidation socket: (re)connected when down, and watched while up. */
static void
watch_invalidations(struct worker *w)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &w->track_fd };
	int changed, fd = hot_connect(w->hc, &changed);

	if (!changed)
		return;
	/* A closed socket left epoll by itself; a new one may reuse the number. */
	if (w->track_fd != -1)
		epoll_ctl(w->ep, EPOLL_CTL_DEL, w->track_fd, NULL);
	w->track_fd = fd;
	if (fd != -1 && epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &ev) == -1)
		log_msg(LOG_ERR, "epoll_ctl: %s", strerror(errno));
}

/* The tracked connection: watched while the memory cache relies on it, so its loss is seen in
 * the same epoll batch as any request sent after it (handled first, as invalidations are). */
static void
watch_tracked(struct worker *w)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.ptr = &w->tracked_fd };
	unsigned long epoch;
	int fd = hot_tracked_fd(w->hc, &epoch);

	if (fd == w->tracked_fd && epoch == w->tracked_epoch)
		return;
	/* A closed socket left epoll by itself; a new one may reuse the number. */
	if (w->tracked_fd != -1)
		epoll_ctl(w->ep, EPOLL_CTL_DEL, w->tracked_fd, NULL);
	w->tracked_fd = fd;
	w->tracked_epoch = epoch;
	if (fd != -1 && epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &ev) == -1)
		log_msg(LOG_ERR, "epoll_ctl: %s", strerror(errno));
}

static int
setup(struct worker *w, int lfd, const struct config *cfg, const sigset_t *open_mask)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE, .data.ptr = &w->lfd };
	struct epoll_event sev = { .events = EPOLLIN, .data.ptr = &w->sfd };

	memset(w, 0, sizeof(*w));
	w->sfd = -1;
	w->cfg = cfg;
	w->lfd = lfd;
	w->track_fd = -1;
	w->tracked_fd = -1;
	w->open_mask = open_mask;
	handler_init(&w->h, cfg);
	w->kids = calloc((size_t)cfg->max_misses, sizeof(*w->kids));
	w->kid_deadline = calloc((size_t)cfg->max_misses, sizeof(*w->kid_deadline));
	if (w->kids == NULL || w->kid_deadline == NULL || (w->h.store = store_new(cfg)) == NULL ||
	    (w->hc = hot_new(cfg, w->h.store)) == NULL || (w->fp = fast_new(cfg, w->hc)) == NULL) {
		log_msg(LOG_ERR, "worker: out of memory");
		return -1;
	}
	if ((w->ep = epoll_create1(EPOLL_CLOEXEC)) == -1 || (w->sfd = signal_fd()) == -1 ||
	    epoll_ctl(w->ep, EPOLL_CTL_ADD, w->sfd, &sev) == -1) {
		log_msg(LOG_ERR, "worker: epoll: %s", strerror(errno));
		return -1;
	}
	/* Connected before the first request, so it is answered as fast as any other. */
	watch_invalidations(w);
	prepare_misses(w);
	if (store_ping(w->h.store) == -1)
		log_msg(LOG_WARNING, "redis unavailable at start: %s", store_error(w->h.store));
	watch_tracked(w);
	/* The listening socket last: EPOLLEXCLUSIVE hands a connection to one epoll set, and
	 * one whose worker is still starting would hold it meanwhile. */
	if (epoll_ctl(w->ep, EPOLL_CTL_ADD, lfd, &ev) == -1) {
		log_msg(LOG_ERR, "worker: epoll: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Milliseconds until the next thing the loop must do by itself. */
static int
next_timeout(const struct worker *w, long long now, long long next_tick)
{
	long long t = next_tick, d = conn_next_deadline(w), p = park_next(w);
	int i;

	if (d != -1 && d < t)
		t = d;
	if (p != -1 && p < t)
		t = p;
	if (w->accept_resume_ms != 0 && w->accept_resume_ms < t)
		t = w->accept_resume_ms;
	for (i = 0; i < w->nkids; i++)
		if (w->kid_deadline[i] < t)
			t = w->kid_deadline[i];
	return t <= now ? 0 : (int)(t - now);
}

/* What the signalfd says: SIGCHLD reaps, SIGTERM and SIGINT start the drain. */
static void
read_signals(struct worker *w)
{
	struct signalfd_siginfo si;

	while (read(w->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			reap(w);
		else
			w->stop = 1;
	}
}

/* Parked misses, counted in Redis once a second (and at exit). */
static void
count_coalesced(struct worker *w)
{
	if (w->coalesced > 0 && store_stat_incr(w->h.store, "coalesced", w->coalesced) == 0)
		w->coalesced = 0;
}

/* One pass: wait, then handle invalidations and the tracked connection's loss before
 * connections, so a hit in the same batch as the invalidation of its entry (or as the loss of
 * what would have told us) reads Redis again. */
static void
turn(struct worker *w, struct epoll_event *evs, long long *next_tick)
{
	long long now = clock_ms();
	int i, n;

	n = epoll_wait(w->ep, evs, WORKER_EVENTS_MAX, next_timeout(w, now, *next_tick));
	for (i = 0; i < n; i++)
		if (evs[i].data.ptr == &w->track_fd)
			hot_invalidations(w->hc);
		else if (evs[i].data.ptr == &w->tracked_fd)
			hot_tracked_event(w->hc);
		else if (evs[i].data.ptr == &w->sfd)
			read_signals(w);
	for (i = 0; i < n; i++) {
		if (evs[i].data.ptr == &w->track_fd || evs[i].data.ptr == &w->tracked_fd ||
		    evs[i].data.ptr == &w->sfd)
			continue;
		if (evs[i].data.ptr == &w->lfd && w->lfd != -1)
			accept_one(w);
		else
			conn_event(w, evs[i].data.ptr, evs[i].events);
	}
	now = clock_ms();
	park_check(w, now);
	conn_expire(w, now);
	kill_overdue(w, now);
	resume_accept(w, now);
	if (now >= *next_tick) {
		count_coalesced(w);
		hot_flush(w->hc);
		watch_invalidations(w);
		prepare_misses(w);
		*next_tick = now + 1000;
	}
	/* Requests and the flush may have opened a new primary connection. */
	watch_tracked(w);
}

void
worker_run(int lfd, const struct config *cfg, const sigset_t *open_mask, int ready_fd)
{
	struct epoll_event evs[WORKER_EVENTS_MAX];
	struct worker w;
	long long next_tick;

	log_open("ocsp-proxy-handler", cfg->log, log_flags(cfg->debug, cfg->log_format));
	raise_fd_limit(cfg);
	if (setup(&w, lfd, cfg, open_mask) == -1)
		_exit(1);
	if (ready_fd != -1) {
		if (write(ready_fd, "r", 1) != 1)
			log_msg(LOG_WARNING, "could not tell the master this worker is ready");
		close(ready_fd);
	}
	next_tick = clock_ms() + 1000;
	for (;;) {
		if (w.stop && w.lfd != -1) {
			/* Stop accepting (the new workers or the next start take the queue) and
			 * finish what is open: requests within their deadlines, children too. */
			epoll_ctl(w.ep, EPOLL_CTL_DEL, w.lfd, NULL);
			close(w.lfd);
			w.lfd = -1;
		}
		if (w.lfd == -1 && w.nconn == 0 && w.nkids == 0)
			break;
		turn(&w, evs, &next_tick);
	}
	count_coalesced(&w);
	hot_flush(w.hc);
	conn_free_all(&w, 1);
	park_free_all(&w);
	fast_free(w.fp);
	hot_free(w.hc);
	handler_cleanup(&w.h);
	close(w.ep);
	close(w.sfd);
	free(w.kids);
	free(w.kid_deadline);
	log_close();
	_exit(0);
}
