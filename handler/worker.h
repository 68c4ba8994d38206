/* worker: one resident worker process: an epoll loop over the listening socket, its
 * connections (conn.c), the Redis invalidation socket (hotcache.c) and the children that serve
 * misses; once a second it writes its batched hit records. */
#ifndef OCSP_PROXY_WORKER_H
#define OCSP_PROXY_WORKER_H

#include <signal.h>
#include <sys/types.h>

#include "config.h"
#include "fastpath.h"
#include "hotcache.h"
#include "http.h"
#include "herd.h"
#include "serve.h"

struct conn;

/* Connections in one state, oldest first; every member of a list has the same timeout, so the
 * head holds the earliest deadline. */
struct conn_list {
	struct conn *head, *tail;
};

struct worker {
	const struct config *cfg;
	int lfd;                     /* -1 once draining */
	int ep;                      /* epoll */
	int track_fd;                /* the invalidation socket in epoll, -1 when none */
	int tracked_fd;              /* the tracked primary connection in epoll, -1 when none */
	unsigned long tracked_epoch; /* and which of the store's primary connections it is */
	int sfd;                     /* signalfd: SIGTERM, SIGINT, SIGCHLD */
	int stop;                    /* SIGTERM or SIGINT came: drain and exit */
	struct handler h;            /* the store the fast path reads through */
	struct hotcache *hc;
	struct fastpath *fp;
	struct conn_list reading, waiting, writing; /* waiting: misses parked (park.c) */
	struct park_group *groups;   /* the fetches parked misses wait for */
	long long coalesced;         /* parked misses not yet counted in Redis */
	int nconn;
	pid_t *kids;                 /* children serving misses, cfg->max_misses slots */
	long long *kid_deadline;
	int nkids;
	const sigset_t *open_mask;   /* the mask children run with */
	long long accept_resume_ms;  /* accepting paused (out of descriptors) until then, or 0 */
	long long full_logged_ms;    /* last "connections full" warning, at most one a second */
};

/* Runs a worker on the listening socket lfd until SIGTERM (then drains) and exits; never
 * returns. open_mask is the signal mask its miss children run with. Once set up it writes one
 * byte to ready_fd (unless -1) and closes it. */
void worker_run(int lfd, const struct config *cfg, const sigset_t *open_mask, int ready_fd)
	__attribute__((noreturn));

/* How long a worker may take to drain: a request read, its miss served by a child (Redis,
 * upstream, Redis again), and the answer written. The master kills a worker past it. */
long long worker_drain_ms(const struct config *cfg);

/* Hands a complete request the fast path could not answer to a child running the pipeline on
 * fd (removed from epoll first); t0 and client as the fast path had them; lease (or NULL) the
 * lease on its CertID taken for it (park.c), given back by the child. Returns the child's pid
 * once handed over: the worker's copy of fd is closed and req freed. -1 when max_misses children are busy or fork fails: fd and req are untouched, the
 * caller answers. */
int worker_handoff(struct worker *w, int fd, struct http_request *req, long long t0,
                   const char *client, const struct herd_lease *lease);

#endif
