/* resident: the handler as a small pre-forked server, for sites that outgrow a process per
 * connection. Event-loop workers (worker.c) with the same limits and deadlines per connection;
 * hits answered in the worker, the rest by the same pipeline in a child. */
#ifndef OCSP_PROXY_RESIDENT_H
#define OCSP_PROXY_RESIDENT_H

#include "config.h"

/* The listening socket systemd passed (LISTEN_FDS, Accept=no), or -1. Connected sockets from an
 * Accept=yes unit are not listening sockets and give -1. */
int resident_inherited_socket(void);

/* Opens a listening TCP socket on "HOST:PORT" ("[v6]:PORT"). -1 with err on failure. */
int resident_listen(const char *addr, struct err *err);

/* Runs workers accepting on lfd until SIGTERM/SIGINT (drain, bounded by worker_drain_ms, then
 * exit 0). SIGHUP re-reads the configuration from path, starts new workers, then lets the old
 * ones drain. cfg is the configuration already loaded (taken over, freed on return). */
int resident_run(int lfd, const char *path, struct config *cfg);

#endif
