/* conn: one client connection in a resident worker, as a state machine that never blocks:
 * reading the request (header and body within read_timeout), then writing the answer (within
 * read_timeout again, as respond.c allows a client that does not read), then closed. An idle or
 * slow client costs its descriptor and a place in a deadline list, never the worker. */
#ifndef OCSP_PROXY_CONN_H
#define OCSP_PROXY_CONN_H

#include <stdint.h>
#include <sys/socket.h>

#include "worker.h"

/* A connection just accepted (non-blocking fd) from peer: read at once, since the request is often
 * already there, and watched by epoll when it is not. Past max_connections the oldest
 * connection still reading is closed to make room; with none, the new one gets a 503. */
void conn_open(struct worker *w, int fd, const struct sockaddr *peer);
/* Closes the connection that has been reading its request longest. 1 when there was one. */
int conn_close_oldest_reading(struct worker *w);
/* epoll reported events for c. */
void conn_event(struct worker *w, struct conn *c, uint32_t events);
/* Answers (408) or closes every connection whose deadline is past now (clock_ms). */
void conn_expire(struct worker *w, long long now);
/* The earliest deadline of any connection, or -1 when there is none. */
long long conn_next_deadline(const struct worker *w);
struct park_group;
/* Answers every connection parked on g (park.c): from the cache when it now holds an answer,
 * else tryLater with why (the fast path's answer when why is NULL and it has none). */
void conn_wake(struct worker *w, struct park_group *g, const char *why);
/* Frees every connection (a child's copy of the worker, or a worker that must exit). With
 * close_fds 0 the descriptors are left to the caller. */
void conn_free_all(struct worker *w, int close_fds);

#endif
