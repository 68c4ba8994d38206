/* haproxy: hands a new OCSP response to a running HAProxy through its runtime API. One command
 * per connection (HAProxy closes after answering it); every step under one deadline. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "bounds.h"
#include "b64.h"
#include "haproxy.h"


/* where as a socket address. 0 ok, -1 when it is neither a path nor IP:PORT. */
static int
parse_where(const char *where, struct sockaddr_storage *ss, socklen_t *sl)
{
	char host[64];
	const char *colon;
	char *end;
	long port;
	size_t n;

	memset(ss, 0, sizeof(*ss));
	if (where[0] == '/') {
		struct sockaddr_un *un = (struct sockaddr_un *)ss;

		if (strlen(where) >= sizeof(un->sun_path))
			return -1;
		un->sun_family = AF_UNIX;
		strcpy(un->sun_path, where);
		*sl = sizeof(*un);
		return 0;
	}
	if ((colon = strrchr(where, ':')) == NULL || (n = (size_t)(colon - where)) >= sizeof(host))
		return -1;
	port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || port < 1 || port > 65535)
		return -1;
	memcpy(host, where, n);
	host[n] = '\0';
	if (host[0] == '[' && n > 2 && host[n - 1] == ']') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		host[n - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1)
			return -1;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((unsigned short)port);
		*sl = sizeof(*s6);
		return 0;
	}
	{
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			return -1;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((unsigned short)port);
		*sl = sizeof(*s4);
	}
	return 0;
}

/* Waits for events on fd until the deadline. 1 ready, 0 timed out or error. */
static int
wait_fd(int fd, short events, long long deadline)
{
	struct pollfd p = { fd, events, 0 };
	long long left;
	int rc;

	for (;;) {
		if ((left = deadline - clock_ms()) <= 0)
			return 0;
		rc = poll(&p, 1, (int)left);
		if (rc > 0)
			return 1;
		if (rc == 0 || errno != EINTR)
			return 0;
	}
}

/* Sends cmd and reads the answer into ans until HAProxy closes. 0 ok, -1 with why. */
static int
converse(int fd, const char *cmd, size_t len, char *ans, long long deadline, struct err *why)
{
	size_t off = 0, got = 0;
	ssize_t n;

	while (off < len) {
		if (!wait_fd(fd, POLLOUT, deadline)) {
			err_set(why, ERR_IO, "timed out sending");
			return -1;
		}
		if ((n = send(fd, cmd + off, len - off, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			err_set(why, ERR_IO, "send: %s", strerror(errno));
			return -1;
		}
		off += (size_t)n;
	}
	while (got < HAPROXY_ANSWER_MAX - 1) {
		if (!wait_fd(fd, POLLIN, deadline)) {
			err_set(why, ERR_IO, "timed out waiting for the answer");
			return -1;
		}
		if ((n = recv(fd, ans + got, HAPROXY_ANSWER_MAX - 1 - got, 0)) == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			err_set(why, ERR_IO, "recv: %s", strerror(errno));
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	ans[got] = '\0';
	return 0;
}

int
haproxy_push(const char *where, const unsigned char *der, size_t len, long long timeout_ms,
             struct err *why)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	long long deadline = clock_ms() + timeout_ms;
	char *cmd = NULL, ans[HAPROXY_ANSWER_MAX];
	size_t n;
	int fd = -1, rc = -1, soerr = 0;
	socklen_t el = sizeof(soerr);

	if (parse_where(where, &ss, &sl) == -1) {
		err_set(why, ERR_INPUT, "haproxy_socket '%s' is neither a path nor IP:PORT", where);
		return -1;
	}
	if ((cmd = malloc(sizeof("set ssl ocsp-response \n") + 4 * ((len + 2) / 3) + 1)) == NULL) {
		err_set(why, ERR_NOMEM, "out of memory");
		return -1;
	}
	n = (size_t)sprintf(cmd, "set ssl ocsp-response ");
	n += b64_encode(der, len, cmd + n);
	cmd[n++] = '\n';
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1) {
		err_set(why, ERR_IO, "socket: %s", strerror(errno));
		goto out;
	}
	if (connect(fd, (struct sockaddr *)&ss, sl) == -1) {
		if (errno != EINPROGRESS) {
			err_set(why, ERR_IO, "connect: %s", strerror(errno));
			goto out;
		}
		if (!wait_fd(fd, POLLOUT, deadline) ||
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &el) == -1 || soerr != 0) {
			err_set(why, ERR_IO, "connect: %s", soerr != 0 ? strerror(soerr) : "timed out");
			goto out;
		}
	}
	if (converse(fd, cmd, n, ans, deadline, why) == -1)
		goto out;
	if (strstr(ans, "OCSP Response updated") == NULL) {
		ans[strcspn(ans, "\r\n")] = '\0';
		err_set(why, ERR_REFUSED, "HAProxy answered: %.200s", ans[0] != '\0' ? ans : "nothing");
		goto out;
	}
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	free(cmd);
	return rc;
}
