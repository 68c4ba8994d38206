/* url: split http(s) URLs and decide which upstream hosts the proxy may contact. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "url.h"

static int
parse_port(const char *s, size_t len, int *port)
{
	size_t i;
	long v = 0;

	if (len == 0 || len > 5)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*port = (int)v;
	return 0;
}

static int
host_chars_ok(const char *h, size_t len, int v6)
{
	size_t i;
	unsigned char c;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++) {
		c = (unsigned char)h[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_')
			continue;
		if (v6 && (c == ':' || (c >= 'a' && c <= 'f')))
			continue;
		return 0;
	}
	return 1;
}

int
url_split_hostport(const char *s, char *host, size_t hostlen, int *port)
{
	const char *end, *colon;
	size_t hlen;
	int v6 = 0;

	*port = 0;
	if (*s == '[') {
		if ((end = strchr(s, ']')) == NULL)
			return -1;
		s++;
		hlen = (size_t)(end - s);
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] != '\0' && colon == NULL)
			return -1;
		v6 = 1;
	} else {
		colon = strchr(s, ':');
		hlen = colon != NULL ? (size_t)(colon - s) : strlen(s);
	}
	if (hlen == 0 || hlen >= hostlen || !host_chars_ok(s, hlen, v6))
		return -1;
	if (colon != NULL && parse_port(colon + 1, strlen(colon + 1), port) == -1)
		return -1;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	return 0;
}

int
url_parse(const char *s, struct url *u)
{
	const char *auth, *slash;
	char hostport[300];
	size_t alen, i;

	memset(u, 0, sizeof(*u));
	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return -1;
	if (strncasecmp(s, "http://", 7) == 0) {
		strcpy(u->scheme, "http");
		auth = s + 7;
		u->port = 80;
	} else if (strncasecmp(s, "https://", 8) == 0) {
		strcpy(u->scheme, "https");
		auth = s + 8;
		u->port = 443;
	} else {
		return -1;
	}
	slash = auth + strcspn(auth, "/?#");
	alen = (size_t)(slash - auth);
	/* userinfo would let a URL hide its real host from a reader. */
	if (alen == 0 || alen >= sizeof(hostport) || memchr(auth, '@', alen) != NULL)
		return -1;
	memcpy(hostport, auth, alen);
	hostport[alen] = '\0';
	if (url_split_hostport(hostport, u->host, sizeof(u->host), &u->port_given) == -1)
		return -1;
	if (u->port_given != 0) {
		u->port = u->port_given;
		u->port_given = 1;
	}
	if (*slash == '\0') {
		strcpy(u->path, "/");
	} else if (*slash == '/') {
		if (strlen(slash) >= sizeof(u->path))
			return -1;
		strcpy(u->path, slash);
	} else {
		if (strlen(slash) + 1 >= sizeof(u->path))
			return -1;
		u->path[0] = '/';
		strcpy(u->path + 1, slash);
	}
	return 0;
}

/* host and pattern compared case-insensitively, a trailing dot on host ignored. */
static int
host_match(const char *pattern, size_t plen, const char *host, size_t hlen)
{
	if (plen == 1 && pattern[0] == '*')
		return 1;
	if (plen > 2 && strncmp(pattern, "*.", 2) == 0) {
		plen--; /* ".example.org" */
		return hlen > plen && strncasecmp(host + hlen - plen, pattern + 1, plen) == 0;
	}
	return plen == hlen && strncasecmp(pattern, host, hlen) == 0;
}

/* Splits an allow_upstream entry into its host pattern (pointer and length into e) and port:
 * "host", "*.example.org", "*", "host:8080", "[2001:db8::1]:8080", "2001:db8::1" (more than
 * one ':' without brackets: all host). *port = 0 when none is given. 0 ok, -1 malformed. */
static int
split_entry(const char *e, const char **host, size_t *hlen, int *port)
{
	const char *colon = strrchr(e, ':'), *end;
	size_t i;

	*port = 0;
	*host = e;
	if (e[0] == '[') {
		if ((end = strchr(e, ']')) == NULL || end == e + 1)
			return -1;
		*host = e + 1;
		*hlen = (size_t)(end - e - 1);
		if (end[1] == '\0')
			return 0;
		return end[1] == ':' ? parse_port(end + 2, strlen(end + 2), port) : -1;
	}
	if (colon != NULL && strchr(e, ':') == colon) {
		*hlen = (size_t)(colon - e);
		if (parse_port(colon + 1, strlen(colon + 1), port) == -1)
			return -1;
	} else {
		*hlen = strlen(e);
	}
	if (*hlen == 0 || *hlen > 255)
		return -1;
	for (i = 0; i < *hlen; i++)
		if ((unsigned char)e[i] <= ' ' || strchr("/?#@[]", e[i]) != NULL)
			return -1;
	return 0;
}

int
url_allow_entry_ok(const char *entry)
{
	const char *h;
	size_t n;
	int port;

	return split_entry(entry, &h, &n, &port);
}

static int
default_port(const struct url *u)
{
	return strcmp(u->scheme, "https") == 0 ? 443 : 80;
}

/* The operator named this URL (default_upstream, a route): its host on its own port. */
static int
url_is(const char *url, const struct url *u, size_t hlen)
{
	struct url c;

	return url != NULL && url_parse(url, &c) == 0 && c.port == u->port &&
	    strlen(c.host) == hlen && strncasecmp(c.host, u->host, hlen) == 0;
}

int
url_allowed(const struct config *cfg, const struct url *u)
{
	size_t hlen = strlen(u->host), plen, i;
	const char *pat;
	int port;

	if (hlen > 0 && u->host[hlen - 1] == '.')
		hlen--;
	if (hlen == 0)
		return 0;
	for (i = 0; i < cfg->allow_upstream.n; i++) {
		if (split_entry(cfg->allow_upstream.v[i], &pat, &plen, &port) == -1)
			continue;
		/* A bare host means the scheme's own port: a client must not pick another. */
		if (port != 0 ? u->port != port : u->port != default_port(u))
			continue;
		if (host_match(pat, plen, u->host, hlen))
			return 1;
	}
	if (url_is(cfg->default_upstream, u, hlen))
		return 1;
	for (i = 0; i < cfg->n_routes; i++)
		if (url_is(cfg->routes[i].url, u, hlen))
			return 1;
	return 0;
}
