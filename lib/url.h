/* url: split http(s) URLs and decide which upstream hosts the proxy may contact. */
#ifndef OCSP_PROXY_URL_H
#define OCSP_PROXY_URL_H

#include <stddef.h>
#include "config.h"

struct url {
	char scheme[6];              /* "http" or "https" */
	char host[256];              /* without brackets for IPv6 literals */
	int port;                    /* explicit or the scheme's default */
	int port_given;
	char path[2048];             /* starts with '/', query kept */
};

/* Parses an absolute http(s) URL. 0 ok, -1 bad or oversize. */
int url_parse(const char *s, struct url *u);

/* 1 when the proxy may contact u, by host and port. allow_upstream entries are host patterns
 * (exact, case-insensitive; "*.example.org": any subdomain, not the apex; "*": any host) with an
 * optional ":PORT" that then allows that port only; a bare pattern allows the scheme's default
 * port only (80 for http, 443 for https). The URLs of default_upstream and of every route are
 * allowed as well, each on its own port only: the operator named them. */
int url_allowed(const struct config *cfg, const struct url *u);

/* 0 when s is a well-formed allow_upstream entry, -1 otherwise (config.c checks each). */
int url_allow_entry_ok(const char *s);

/* Splits "host[:port]" or "[v6]:port" (a Host header). 0 ok, -1 bad. port = 0 when absent. */
int url_split_hostport(const char *s, char *host, size_t hostlen, int *port);

#endif
