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

/* 1 when host matches one of the patterns: exact (case-insensitive), "*.example.org" (any
 * subdomain, not the apex) or "*" (anything). The hosts of default_upstream and of every route
 * are always allowed: the operator named them. */
int url_host_allowed(const struct config *cfg, const char *host);

/* Splits "host[:port]" or "[v6]:port" (a Host header). 0 ok, -1 bad. port = 0 when absent. */
int url_split_hostport(const char *s, char *host, size_t hostlen, int *port);

#endif
