/* resident: the handler as a small pre-forked server, for sites that outgrow a process per
 * connection. Same pipeline, same limits per connection; workers keep Redis, libcurl and OpenSSL
 * state across connections. */
#ifndef OCSP_PROXY_RESIDENT_H
#define OCSP_PROXY_RESIDENT_H

#include "config.h"

/* The listening socket systemd passed (LISTEN_FDS, Accept=no), or -1. Connected sockets from an
 * Accept=yes unit are not listening sockets and give -1. */
int resident_inherited_socket(void);

/* Opens a listening TCP socket on "HOST:PORT" ("[v6]:PORT"). -1 with err on failure. */
int resident_listen(const char *addr, struct err *err);

/* Runs workers accepting on lfd until SIGTERM/SIGINT (drain, then exit 0). SIGHUP re-reads the
 * configuration from path and replaces the workers. cfg is the configuration already loaded
 * (taken over, freed on return). */
int resident_run(int lfd, const char *path, struct config *cfg);

#endif
