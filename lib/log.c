/* log: one structured line per event, to the journal (native protocol), syslog, stderr or a file.
 * The journal is spoken to directly (one datagram) so a cache hit need not load libsystemd. */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define JOURNAL_SOCKET "/run/systemd/journal/socket"

enum sink { SINK_SYSLOG, SINK_JOURNAL, SINK_STDERR, SINK_FILE };

/* The one piece of process-wide state besides the config: like syslog(3)'s own, the sink is
 * chosen once at start and every module logs through it. */
static struct {
	enum sink sink;
	int fd;                      /* journal socket or file, -1 when none */
	int debug;
	char ident[64];
} logger = { SINK_SYSLOG, -1, 0, "ocsp-proxy" };

void
log_open(const char *ident, const char *target, int debug)
{
	struct sockaddr_un sa;
	struct stat sb;

	log_close();
	snprintf(logger.ident, sizeof(logger.ident), "%s", ident);
	logger.debug = debug;
	logger.sink = SINK_SYSLOG;
	if (target == NULL || strcmp(target, "auto") == 0)
		target = stat(JOURNAL_SOCKET, &sb) == 0 ? "journal" : "syslog";
	if (strcmp(target, "journal") == 0) {
		logger.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		memset(&sa, 0, sizeof(sa));
		sa.sun_family = AF_UNIX;
		strcpy(sa.sun_path, JOURNAL_SOCKET);
		if (logger.fd != -1 &&
		    connect(logger.fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			logger.sink = SINK_JOURNAL;
			return;
		}
		if (logger.fd != -1)
			close(logger.fd);
		logger.fd = -1;
	} else if (strcmp(target, "stderr") == 0) {
		logger.sink = SINK_STDERR;
		return;
	} else if (target[0] == '/') {
		logger.fd = open(target, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
		if (logger.fd != -1) {
			logger.sink = SINK_FILE;
			return;
		}
	}
	openlog(logger.ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_close(void)
{
	if (logger.fd != -1)
		close(logger.fd);
	logger.fd = -1;
	if (logger.sink == SINK_SYSLOG)
		closelog();
	logger.sink = SINK_SYSLOG;
}

/* Appends src to buf at *off, newlines flattened: one event is one line everywhere. Two bytes
 * stay free for the callers' separators and final newline. */
static void
append(char *buf, size_t size, size_t *off, const char *src)
{
	for (; *src != '\0' && *off + 3 < size; src++)
		buf[(*off)++] = (*src == '\n' || *src == '\r') ? ' ' : *src;
	buf[*off] = '\0';
}

static void
append_lower(char *buf, size_t size, size_t *off, const char *src)
{
	for (; *src != '\0' && *off + 3 < size; src++)
		buf[(*off)++] = (*src >= 'A' && *src <= 'Z') ? (char)(*src - 'A' + 'a') : *src;
	buf[*off] = '\0';
}

static void
emit_journal(int prio, const char *msg, const char *const *fields)
{
	char buf[8192], num[16];
	size_t off = 0, i;

	append(buf, sizeof(buf), &off, "MESSAGE=");
	append(buf, sizeof(buf), &off, msg);
	buf[off++] = '\n';
	snprintf(num, sizeof(num), "PRIORITY=%d", prio);
	append(buf, sizeof(buf), &off, num);
	buf[off++] = '\n';
	append(buf, sizeof(buf), &off, "SYSLOG_IDENTIFIER=");
	append(buf, sizeof(buf), &off, logger.ident);
	for (i = 0; fields != NULL && fields[i] != NULL; i += 2) {
		if (fields[i + 1] == NULL)
			continue;
		buf[off++] = '\n';
		append(buf, sizeof(buf), &off, "OCSP_");
		append(buf, sizeof(buf), &off, fields[i]);
		append(buf, sizeof(buf), &off, "=");
		append(buf, sizeof(buf), &off, fields[i + 1]);
	}
	buf[off++] = '\n';
	if (send(logger.fd, buf, off, MSG_NOSIGNAL) == -1)
		syslog(LOG_DAEMON | prio, "%s", msg);
}

void
log_event(int prio, const char *msg, const char *const *fields)
{
	char line[8192], stamp[32];
	size_t off = 0, i;
	struct tm tm;
	time_t now;

	if (prio == LOG_DEBUG && !logger.debug)
		return;
	if (logger.sink == SINK_JOURNAL) {
		emit_journal(prio, msg, fields);
		return;
	}
	if (logger.sink == SINK_FILE) {
		now = time(NULL);
		gmtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ ", &tm);
		append(line, sizeof(line), &off, stamp);
	}
	if (logger.sink != SINK_SYSLOG) {
		snprintf(stamp, sizeof(stamp), "[%ld]: ", (long)getpid());
		append(line, sizeof(line), &off, logger.ident);
		append(line, sizeof(line), &off, stamp);
	}
	append(line, sizeof(line), &off, msg);
	for (i = 0; fields != NULL && fields[i] != NULL; i += 2) {
		if (fields[i + 1] == NULL)
			continue;
		append(line, sizeof(line), &off, " ");
		append_lower(line, sizeof(line), &off, fields[i]);
		append(line, sizeof(line), &off, "=");
		append(line, sizeof(line), &off, fields[i + 1]);
	}
	if (logger.sink == SINK_SYSLOG) {
		syslog(LOG_DAEMON | prio, "%s", line);
		return;
	}
	line[off++] = '\n'; /* append() keeps one byte for this */
	if (write(logger.sink == SINK_STDERR ? STDERR_FILENO : logger.fd, line, off) == -1)
		return; /* nowhere left to say so */
}

void
log_msg(int prio, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_event(prio, msg, NULL);
}
