/* conn: one client connection in a resident worker, a state machine that never blocks.
 * READING: bytes are appended to a buffer and parsed with http_parse_buffer until the request
 * is complete or read_timeout passes (408); WRITING: the answer goes out as the client takes
 * it, within read_timeout again; then the connection is closed. A request the fast path cannot
 * answer leaves the worker for a child (worker_handoff). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "bounds.h"
#include "clock.h"
#include "conn.h"
#include "fastpath.h"
#include "log.h"
#include "park.h"
#include "peer.h"
#include "respond.h"


enum state { READING, WAITING, WRITING };

struct conn {
	int fd;
	enum state state;
	int in_epoll;
	long long t0, deadline;      /* accepted at; the current state's deadline (clock_ms) */
	char client[80];             /* peer_address, taken at accept */
	char *buf;                   /* what the client sent: len bytes of alloc */
	size_t len, alloc, scanned;
	int continued;               /* "100 Continue" sent */
	struct http_request req;
	struct park_group *group;    /* WAITING: the fetch it waits for (park.c) */
	char *out;                   /* the answer, out_off of out_len bytes written */
	size_t out_len, out_off;
	struct conn *prev, *next;
};

static void
list_add(struct conn_list *l, struct conn *c)
{
	c->next = NULL;
	c->prev = l->tail;
	if (l->tail != NULL)
		l->tail->next = c;
	else
		l->head = c;
	l->tail = c;
}

static void
list_del(struct conn_list *l, struct conn *c)
{
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		l->head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		l->tail = c->prev;
	c->prev = c->next = NULL;
}

static struct conn_list *
list_of(struct worker *w, const struct conn *c)
{
	return c->state == READING ? &w->reading : c->state == WAITING ? &w->waiting : &w->writing;
}

/* Forgets c; its descriptor is closed unless keep_fd. */
static void
conn_free(struct worker *w, struct conn *c, int keep_fd)
{
	list_del(list_of(w, c), c);
	if (c->state == WAITING)
		park_leave(w, c->group);
	if (c->in_epoll)
		epoll_ctl(w->ep, EPOLL_CTL_DEL, c->fd, NULL);
	if (!keep_fd)
		close(c->fd);
	free(c->buf);
	free(c->out);
	http_request_free(&c->req);
	free(c);
	w->nconn--;
}

static int
watch(struct worker *w, struct conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	if (epoll_ctl(w->ep, c->in_epoll ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c->fd, &ev) == -1) {
		log_msg(LOG_ERR, "epoll_ctl: %s", strerror(errno));
		return -1;
	}
	c->in_epoll = 1;
	return 0;
}

/* Writes what the client takes. 1 when all is written, 0 to wait, -1 when it went away. */
static int
flush_out(struct conn *c)
{
	ssize_t n;

	while (c->out_off < c->out_len) {
		n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
		if (n > 0) {
			c->out_off += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		return n == -1 && errno == EAGAIN ? 0 : -1;
	}
	return 1;
}

/* Past max_connections with every connection busy writing: one attempt at a 503, then close. */
static void
refuse(int fd)
{
	char *out;
	size_t len;

	if (respond_error_format(503, NULL, &out, &len) == 0) {
		if (write(fd, out, len) < 0) {
			/* the client is gone or not reading: it loses nothing more by the close */
		}
		free(out);
	}
	close(fd);
}

/* From READING to WRITING with the answer in out (taken over). */
static void
start_write(struct worker *w, struct conn *c, char *out, size_t len)
{
	int rc;

	list_del(list_of(w, c), c);
	if (c->state == WAITING)
		park_leave(w, c->group);
	c->state = WRITING;
	c->deadline = clock_ms() + w->cfg->read_timeout;
	list_add(&w->writing, c);
	free(c->buf);
	c->buf = NULL;
	c->out = out;
	c->out_len = len;
	c->out_off = 0;
	rc = flush_out(c);
	if (rc != 0 || watch(w, c, EPOLLOUT) == -1)
		conn_free(w, c, 0);
}

/* fast_answer's way to the connection. */
struct sender {
	struct worker *w;
	struct conn *c;
};

static void
send_answer(void *arg, char *out, size_t len)
{
	struct sender *s = arg;

	start_write(s->w, s->c, out, len);
}

static void
fast_conn_of(struct conn *c, struct sender *s, struct fast_conn *fc, char *miss)
{
	memset(fc, 0, sizeof(*fc));
	fc->fd = c->fd;
	fc->t0 = c->t0;
	memcpy(fc->client, c->client, sizeof(fc->client));
	fc->send = send_answer;
	fc->arg = s;
	fc->miss = miss;
}

/* A miss another request fetches: parked (no child, nothing of the loop's time) until
 * park.c wakes it, or upstream_timeout passes. */
static void
park(struct worker *w, struct conn *c, struct park_group *g)
{
	list_del(list_of(w, c), c);
	c->state = WAITING;
	c->group = g;
	g->parked++;
	w->coalesced++;
	/* The same timeout for every parked connection: the list stays in deadline order. */
	c->deadline = clock_ms() + w->cfg->upstream_timeout;
	list_add(&w->waiting, c);
}

/* To a child, with the lease taken for it when there is one; tryLater when none is free. */
static void
hand_off(struct worker *w, struct conn *c, struct fast_conn *fc, struct park_group *g,
         const struct herd_lease *lease)
{
	pid_t pid = worker_handoff(w, c->fd, &c->req, c->t0, c->client, lease);

	if (g != NULL) {
		if (pid == -1)
			store_release(w->h.store, lease->certid, lease->owner);
		park_started(w, g, pid);
	}
	if (pid != -1) {
		conn_free(w, c, 1);  /* the child has the descriptor, worker_handoff closed ours */
		return;
	}
	if (fast_trylater(&c->req, fc, "no child free to serve the miss (max_misses)") == -1)
		conn_free(w, c, 0);
}

/* The request is complete (rc 0) or must be refused (rc a status): answer it here, park it
 * behind another request's fetch, or hand it to a child. c may be gone on return. */
static void
finish(struct worker *w, struct conn *c, int rc)
{
	char miss[CERTID_HEX_MAX + 1];
	struct sender s = { w, c };
	struct herd_lease lease;
	struct park_group *g = NULL;
	struct fast_conn fc;

	miss[0] = '\0';
	fast_conn_of(c, &s, &fc, miss);
	if (fast_answer(w->fp, &c->req, rc, &fc))
		return;
	if (rc != 0) {               /* out of memory for the error answer */
		conn_free(w, c, 0);
		return;
	}
	if (c->in_epoll) {
		epoll_ctl(w->ep, EPOLL_CTL_DEL, c->fd, NULL);
		c->in_epoll = 0;
	}
	if (miss[0] != '\0') {
		switch (park_miss(w, miss, &lease, &g)) {
		case PARK_WAIT:
			park(w, c, g);
			return;
		case PARK_FETCH:
			hand_off(w, c, &fc, g, &lease);
			return;
		case PARK_PLAIN:
			break;
		}
	}
	hand_off(w, c, &fc, NULL, NULL);
}

/* A parked connection answered: from the cache (the fast path) when it can, else tryLater. */
static void
wake(struct worker *w, struct conn *c, const char *why)
{
	struct sender s = { w, c };
	struct fast_conn fc;

	fast_conn_of(c, &s, &fc, NULL);
	fc.coalesced = 1;
	if (fast_answer(w->fp, &c->req, 0, &fc))
		return;
	if (fast_trylater(&c->req, &fc, why != NULL ? why : "another request's fetch gave no "
	                  "answer to serve") == -1)
		conn_free(w, c, 0);
}

void
conn_wake(struct worker *w, struct park_group *g, const char *why)
{
	struct conn *c, *next;

	for (c = w->waiting.head; c != NULL; c = next) {
		next = c->next;
		if (c->group == g)
			wake(w, c, why);
	}
}

/* The most a request may be: the header block and a body. */
static size_t
max_request(const struct config *cfg)
{
	return cfg->max_header_bytes + cfg->max_request_bytes;
}

/* Appends n bytes to what c has read, up to max_request (more is ignored, as bytes after a
 * body are). 0, or -1 out of memory. */
static int
append(struct conn *c, size_t max, const char *p, size_t n)
{
	size_t size;
	char *nb;

	if (n > max - c->len)
		n = max - c->len;
	if (c->len + n > c->alloc) {
		for (size = c->alloc > 0 ? c->alloc : 1024; size < c->len + n; size *= 2)
			;
		if (size > max)
			size = max;
		if ((nb = realloc(c->buf, size)) == NULL)
			return -1;
		c->buf = nb;
		c->alloc = size;
	}
	memcpy(c->buf + c->len, p, n);
	c->len += n;
	return 0;
}

/* Reads what the client has sent. 1 while the request is still coming, 0 when c was answered,
 * handed over or closed. */
static int
readable(struct worker *w, struct conn *c)
{
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
	char chunk[CONN_READ_CHUNK];
	size_t max = max_request(w->cfg);
	ssize_t n;
	int rc, eof = 0, send_continue = 0;

	for (;;) {
		n = read(c->fd, chunk, sizeof(chunk));
		if (n > 0) {
			if (append(c, max, chunk, (size_t)n) == -1) {
				conn_free(w, c, 0);
				return 0;
			}
			if ((size_t)n < sizeof(chunk) || c->len == max)
				break;
			continue;
		}
		if (n == 0) {
			eof = 1;
			break;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			break;
		conn_free(w, c, 0);  /* reset by the client: nobody to answer */
		return 0;
	}
	rc = c->len > 0 ? http_parse_buffer(c->buf, c->len, w->cfg, &c->scanned, &c->req,
	                                    &send_continue)
	                : HTTP_INCOMPLETE;
	if (rc == HTTP_INCOMPLETE && eof && c->len == 0) {
		conn_free(w, c, 0);  /* connected and closed: nothing to answer */
		return 0;
	}
	if (rc == HTTP_INCOMPLETE && eof)
		rc = 400;            /* a head or body cut short */
	if (rc == HTTP_INCOMPLETE) {
		if (send_continue && !c->continued) {
			c->continued = 1;
			/* Into an empty send buffer: 25 bytes always fit. */
			if (write(c->fd, cont, sizeof(cont) - 1) != (ssize_t)sizeof(cont) - 1) {
				conn_free(w, c, 0);
				return 0;
			}
		}
		return 1;
	}
	finish(w, c, rc);
	return 0;
}

void
conn_open(struct worker *w, int fd, const struct sockaddr *peer)
{
	struct conn *c;

	if (w->nconn >= w->cfg->max_connections) {
		if (clock_ms() - w->full_logged_ms >= 1000) {
			log_msg(LOG_WARNING, "max_connections (%d) reached: %s",
			        w->cfg->max_connections,
			        w->reading.head != NULL ? "closing the oldest still reading"
			                                : "refusing with 503");
			w->full_logged_ms = clock_ms();
		}
		if (w->reading.head != NULL) {
			conn_free(w, w->reading.head, 0);
		} else {
			refuse(fd);
			return;
		}
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->state = READING;
	c->t0 = clock_ms();
	c->deadline = c->t0 + w->cfg->read_timeout;
	c->req.content_length = -1;
	if (peer_format(peer, c->client, sizeof(c->client)) == -1)
		peer_address(fd, c->client, sizeof(c->client));
	list_add(&w->reading, c);
	w->nconn++;
	if (readable(w, c) == 1 && watch(w, c, EPOLLIN) == -1)
		conn_free(w, c, 0);
}

int
conn_close_oldest_reading(struct worker *w)
{
	if (w->reading.head == NULL)
		return 0;
	conn_free(w, w->reading.head, 0);
	return 1;
}

void
conn_event(struct worker *w, struct conn *c, uint32_t events)
{
	int rc;

	if (c->state == READING) {
		readable(w, c);
		return;
	}
	rc = flush_out(c);
	if (rc != 0 || (events & (EPOLLERR | EPOLLHUP)) != 0)
		conn_free(w, c, 0);
}

void
conn_expire(struct worker *w, long long now)
{
	while (w->reading.head != NULL && w->reading.head->deadline <= now)
		finish(w, w->reading.head, 408);
	while (w->waiting.head != NULL && w->waiting.head->deadline <= now)
		wake(w, w->waiting.head, "another request's fetch still running after upstream_timeout");
	while (w->writing.head != NULL && w->writing.head->deadline <= now)
		conn_free(w, w->writing.head, 0);
}

long long
conn_next_deadline(const struct worker *w)
{
	long long d[3], best = -1;
	int i;

	d[0] = w->reading.head != NULL ? w->reading.head->deadline : -1;
	d[1] = w->waiting.head != NULL ? w->waiting.head->deadline : -1;
	d[2] = w->writing.head != NULL ? w->writing.head->deadline : -1;
	for (i = 0; i < 3; i++)
		if (d[i] != -1 && (best == -1 || d[i] < best))
			best = d[i];
	return best;
}

void
conn_free_all(struct worker *w, int close_fds)
{
	while (w->reading.head != NULL)
		conn_free(w, w->reading.head, !close_fds);
	while (w->waiting.head != NULL)
		conn_free(w, w->waiting.head, !close_fds);
	while (w->writing.head != NULL)
		conn_free(w, w->writing.head, !close_fds);
}
