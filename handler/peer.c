/* peer: the client's address and a request id, so an operator can find one request in the logs
 * of many hosts and match it to what the client saw. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "peer.h"

/* Only what an address can hold: the environment is the launcher's, but keep the log clean. */
static int
addr_chars(const char *s)
{
	return s != NULL && *s != '\0' && strlen(s) < 64 &&
	       strspn(s, "0123456789abcdefABCDEF.:[]%-_") == strlen(s);
}

int
peer_format(const struct sockaddr *sa, char *out, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		snprintf(out, len, "%s:%u", host, ntohs(sin->sin_port));
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		snprintf(out, len, "[%s]:%u", host, ntohs(sin6->sin6_port));
		return 0;
	}
	return -1;
}

void
peer_address(int fd, char *out, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	const char *env, *port;

	out[0] = '\0';
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0 &&
	    peer_format((const struct sockaddr *)&ss, out, len) == 0)
		return;
	if (addr_chars(env = getenv("REMOTE_ADDR"))) {
		port = getenv("REMOTE_PORT");
		if (addr_chars(port) && strchr(env, ':') != NULL)
			snprintf(out, len, "[%s]:%s", env, port);
		else if (addr_chars(port))
			snprintf(out, len, "%s:%s", env, port);
		else
			snprintf(out, len, "%s", env);
	} else if (addr_chars(env = getenv("REMOTE_HOST"))) {
		snprintf(out, len, "%s", env);
	}
}

void
peer_request_id(char out[REQUEST_ID_LEN + 1])
{
	unsigned char b[REQUEST_ID_LEN / 2];
	unsigned long long v;
	size_t i;

	if (getrandom(b, sizeof(b), GRND_NONBLOCK) != (ssize_t)sizeof(b)) {
		/* No entropy yet (early boot): time and pid still tell requests apart. */
		v = (unsigned long long)clock_ms() * 1000003ULL ^ ((unsigned long long)getpid() << 40);
		for (i = 0; i < sizeof(b); i++, v >>= 8)
			b[i] = (unsigned char)v;
	}
	/* Not snprintf: this runs for every request, and a resident hit is a few microseconds. */
	for (i = 0; i < sizeof(b); i++) {
		out[2 * i] = "0123456789abcdef"[b[i] >> 4];
		out[2 * i + 1] = "0123456789abcdef"[b[i] & 15];
	}
	out[2 * sizeof(b)] = '\0';
}
