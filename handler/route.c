/* route: which upstream responder a request goes to (RFC 6960 leaves it to the client; real
 * clients name it in the request target, in Host, or not at all). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "route.h"
#include "url.h"

/* The address and port the client connected to, numeric. 0 ok, -1 when fd is no socket (tests
 * that pipe a request in) . */
static int
local_address(int fd, char *host, size_t hostlen, int *port)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == -1)
		return -1;
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)&ss;
		inet_ntop(AF_INET, &s4->sin_addr, host, (socklen_t)hostlen);
		*port = ntohs(s4->sin_port);
		return 0;
	}
	if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&ss;
		inet_ntop(AF_INET6, &s6->sin6_addr, host, (socklen_t)hostlen);
		/* A v4-mapped address compares as the v4 literal clients write in Host. */
		if (strncmp(host, "::ffff:", 7) == 0 && strchr(host + 7, '.') != NULL)
			memmove(host, host + 7, strlen(host + 7) + 1);
		*port = ntohs(s6->sin6_port);
		return 0;
	}
	return -1;
}

/* Host names the proxy itself: nginx and Apache's forced URLs send the proxy's own name, and
 * OpenSSL and nginx drop the port, so a missing port cannot tell us anything. */
static int
host_is_self(const struct config *cfg, const char *host, int port, int fd)
{
	char lhost[INET6_ADDRSTRLEN];
	int lport = 0, have_local;
	size_t i;

	have_local = local_address(fd, lhost, sizeof(lhost), &lport) == 0;
	if (port != 0 && have_local && port != lport)
		return 0;
	if (strcasecmp(host, "localhost") == 0)
		return 1;
	if (have_local && strcasecmp(host, lhost) == 0)
		return 1;
	for (i = 0; i < cfg->proxy_names.n; i++)
		if (strcasecmp(host, cfg->proxy_names.v[i]) == 0)
			return 1;
	return 0;
}

int
route_from_request(const struct config *cfg, const struct http_request *req,
                   const struct ocsp_input *in, int fd, char *out, size_t outlen)
{
	char host[256];
	int port, n;

	if (in->origin != NULL) {
		n = snprintf(out, outlen, "%s%s", in->origin, in->path);
		return n > 0 && (size_t)n < outlen ? 1 : -1;
	}
	if (req->host == NULL)
		return 0;
	if (url_split_hostport(req->host, host, sizeof(host), &port) == -1)
		return -1;
	if (host_is_self(cfg, host, port, fd))
		return 0;
	/* Keep the port and path as sent: the predecessor dropped the path. */
	n = snprintf(out, outlen, "http://%s%s", req->host, in->path);
	return n > 0 && (size_t)n < outlen ? 1 : -1;
}

int
route_allowed(const struct config *cfg, const char *url)
{
	struct url u;

	return url_parse(url, &u) == 0 && url_allowed(cfg, &u);
}
