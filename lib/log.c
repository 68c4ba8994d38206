/* log: one structured line per event, to the journal (native protocol), syslog, stderr or a file,
 * as logfmt (values quoted where needed) or JSON. The journal is spoken to directly (one
 * datagram) so a cache hit need not load libsystemd. */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define JOURNAL_SOCKET "/run/systemd/journal/socket"
#define SYSLOG_SOCKET "/dev/log"

enum sink { SINK_SYSLOG, SINK_JOURNAL, SINK_STDERR, SINK_FILE };

/* The one piece of process-wide state besides the config: like syslog(3)'s own, the sink is
 * chosen once at start and every module logs through it. */
static struct {
	enum sink sink;
	int fd;                      /* journal socket or file, -1 when none */
	int flags;                   /* LOG_F_* */
	char ident[64];
	char note[200];              /* why the sink is not the one asked for, logged once */
} logger = { SINK_SYSLOG, -1, 0, "ocsp-proxy", "" };

int
log_stderr_is_client(void)
{
	struct stat in, err;

	/* xinetd (and inetd) hand the client's socket over as stdin, stdout and stderr. */
	return fstat(STDERR_FILENO, &err) == 0 && S_ISSOCK(err.st_mode) &&
	       fstat(STDIN_FILENO, &in) == 0 && in.st_dev == err.st_dev && in.st_ino == err.st_ino;
}

static int
is_socket(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISSOCK(sb.st_mode);
}

static int
open_journal(void)
{
	struct sockaddr_un sa;

	logger.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, JOURNAL_SOCKET);
	if (logger.fd != -1 && connect(logger.fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		logger.sink = SINK_JOURNAL;
		return 0;
	}
	if (logger.fd != -1)
		close(logger.fd);
	logger.fd = -1;
	return -1;
}

/* "auto": the journal, else syslog where something listens on /dev/log, else stderr unless
 * it is the client's connection. Only then syslog blindly, and log_sink says so. */
static void
open_auto(void)
{
	if (open_journal() == 0)
		return;
	if (is_socket(SYSLOG_SOCKET)) {
		logger.sink = SINK_SYSLOG;
		return;
	}
	if (!log_stderr_is_client() && fcntl(STDERR_FILENO, F_GETFD) != -1) {
		logger.sink = SINK_STDERR;
		return;
	}
	logger.sink = SINK_SYSLOG;
	snprintf(logger.note, sizeof(logger.note),
	         "no journal, no syslog on " SYSLOG_SOCKET " and stderr is the client: "
	         "set log to a file");
}

void
log_open(const char *ident, const char *target, int flags)
{
	log_close();
	snprintf(logger.ident, sizeof(logger.ident), "%s", ident);
	logger.flags = flags;
	logger.sink = SINK_SYSLOG;
	logger.note[0] = '\0';
	if (target == NULL || strcmp(target, "auto") == 0) {
		open_auto();
	} else if (strcmp(target, "journal") == 0) {
		if (open_journal() == -1)
			snprintf(logger.note, sizeof(logger.note),
			         "log = journal, but " JOURNAL_SOCKET " does not answer: using syslog");
	} else if (strcmp(target, "stderr") == 0) {
		if (!log_stderr_is_client()) {
			logger.sink = SINK_STDERR;
			return;
		}
		open_auto();
		snprintf(logger.note, sizeof(logger.note),
		         "log = stderr refused: stderr is the client's connection (inetd/xinetd)");
	} else if (target[0] == '/') {
		logger.fd = open(target, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
		if (logger.fd != -1) {
			logger.sink = SINK_FILE;
			return;
		}
		open_auto();
		snprintf(logger.note, sizeof(logger.note), "cannot open log file %s: %m", target);
	}
	if (logger.sink == SINK_SYSLOG)
		openlog(logger.ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	if (logger.note[0] != '\0')
		log_msg(LOG_WARNING, "%s", logger.note);
}

int
log_uses_stderr(void)
{
	return logger.sink == SINK_STDERR;
}

const char *
log_sink_note(void)
{
	return logger.note[0] != '\0' ? logger.note : NULL;
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

/* A bounded line: every put stops one byte short of the end, kept for the final newline. */
struct line {
	char b[8192];
	size_t n;
};

static void
put_char(struct line *l, char c)
{
	if (l->n + 2 < sizeof(l->b))
		l->b[l->n++] = c;
}

static void
put(struct line *l, const char *s)
{
	for (; *s != '\0'; s++)
		put_char(l, *s == '\n' || *s == '\r' ? ' ' : *s);
}

/* Escapes for a quoted logfmt or JSON value: quote, backslash, control bytes; for JSON also
 * bytes above 127, so hostile input never makes the line invalid. */
static void
put_escaped(struct line *l, const char *s, int json)
{
	char hex[8];

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			put_char(l, '\\');
			put_char(l, (char)c);
		} else if (c == '\n') {
			put(l, "\\n");
		} else if (c == '\t') {
			put(l, "\\t");
		} else if (c < 0x20 || c == 0x7f || (json && c >= 0x80)) {
			snprintf(hex, sizeof(hex), "\\u%04x", c);
			put(l, hex);
		} else {
			put_char(l, (char)c);
		}
	}
}

/* logfmt: bare when the value is plain, else in quotes. */
static int
plain(const char *v)
{
	if (*v == '\0')
		return 0;
	for (; *v != '\0'; v++)
		if (*v == ' ' || *v == '=' || *v == '"' || *v == '\\' || (unsigned char)*v < 0x20 ||
		    *v == 0x7f)
			return 0;
	return 1;
}

static void
put_value(struct line *l, const char *v)
{
	if (plain(v)) {
		put(l, v);
		return;
	}
	put_char(l, '"');
	put_escaped(l, v, 0);
	put_char(l, '"');
}

/* A field JSON gives as a number (log.h): STATUS, PID, or a name ending in _MS, whose value is
 * a decimal integer; anything else, a serial or an id made of digits included, stays a string. */
static int
json_number(const char *k, const char *v)
{
	size_t n = strlen(k);
	const char *d = v + (*v == '-');

	if (strcasecmp(k, "status") != 0 && strcasecmp(k, "pid") != 0 &&
	    (n < 3 || strcasecmp(k + n - 3, "_ms") != 0))
		return 0;
	if (*d == '\0' || (d[0] == '0' && d[1] != '\0') || strlen(d) > 18)
		return 0;
	return strspn(d, "0123456789") == strlen(d);
}

/* key=value (logfmt) or , "key":"value" (JSON); the key lower-cased. */
static void
put_field(struct line *l, const char *k, const char *v, int json)
{
	int number = json && json_number(k, v);

	if (json) {
		put(l, l->n > 1 ? ",\"" : "\"");
	} else if (l->n > 0) {
		put_char(l, ' ');
	}
	for (; *k != '\0'; k++)
		put_char(l, *k >= 'A' && *k <= 'Z' ? (char)(*k - 'A' + 'a') : *k);
	put(l, json ? "\":" : "=");
	if (number) {
		put(l, v);
	} else if (json) {
		put_char(l, '"');
		put_escaped(l, v, 1);
		put_char(l, '"');
	} else {
		put_value(l, v);
	}
}

static const char *
level_name(int prio)
{
	static const char *names[] = { "emerg", "alert", "crit", "err", "warning", "notice", "info",
	                               "debug" };

	return prio >= 0 && prio <= 7 ? names[prio] : "info";
}

static void
emit_journal(int prio, const char *msg, const char *const *fields)
{
	struct line l = { .n = 0 };
	char num[16];
	size_t i;

	/* One field a line: the separators are put_char's, since put flattens every newline (a
	 * value with one must not start a field of its own). */
	put(&l, "MESSAGE=");
	put(&l, msg);
	snprintf(num, sizeof(num), "PRIORITY=%d", prio);
	put_char(&l, '\n');
	put(&l, num);
	put_char(&l, '\n');
	put(&l, "SYSLOG_IDENTIFIER=");
	put(&l, logger.ident);
	for (i = 0; fields != NULL && fields[i] != NULL; i += 2) {
		if (fields[i + 1] == NULL)
			continue;
		put_char(&l, '\n');
		put(&l, "OCSP_");
		put(&l, fields[i]);
		put_char(&l, '=');
		put(&l, fields[i + 1]);
	}
	l.b[l.n++] = '\n';
	if (send(logger.fd, l.b, l.n, MSG_NOSIGNAL) == -1)
		syslog(LOG_DAEMON | prio, "%s", msg);
}

/* The text line: ts (files and stderr: they have no timestamp of their own; milliseconds, UTC),
 * level, prog and pid (syslog adds its own), msg, then the fields. */
static void
format_line(struct line *l, int prio, const char *msg, const char *const *fields, int json)
{
	char stamp[40], ms[8], pid[16];
	struct timespec ts;
	struct tm tm;
	size_t i;

	if (json)
		put_char(l, '{');
	if (logger.sink != SINK_SYSLOG) {
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp) - 8, "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(ms, sizeof(ms), ".%03ldZ", ts.tv_nsec / 1000000 % 1000);
		strcat(stamp, ms);
		put_field(l, "ts", stamp, json);
	}
	put_field(l, "level", level_name(prio), json);
	if (logger.sink != SINK_SYSLOG) {
		snprintf(pid, sizeof(pid), "%ld", (long)getpid());
		put_field(l, "prog", logger.ident, json);
		put_field(l, "pid", pid, json);
	}
	put_field(l, "msg", msg, json);
	for (i = 0; fields != NULL && fields[i] != NULL; i += 2)
		if (fields[i + 1] != NULL)
			put_field(l, fields[i], fields[i + 1], json);
	if (json)
		put_char(l, '}');
}

void
log_event(int prio, const char *msg, const char *const *fields)
{
	struct line l = { .n = 0 };

	if (prio == LOG_DEBUG && !(logger.flags & LOG_F_DEBUG))
		return;
	if (logger.sink == SINK_JOURNAL) {
		emit_journal(prio, msg, fields);
		return;
	}
	format_line(&l, prio, msg, fields, (logger.flags & LOG_F_JSON) != 0);
	if (logger.sink == SINK_SYSLOG) {
		l.b[l.n] = '\0';
		syslog(LOG_DAEMON | prio, "%s", l.b);
		return;
	}
	l.b[l.n++] = '\n'; /* put_char keeps one byte for this */
	if (write(logger.sink == SINK_STDERR ? STDERR_FILENO : logger.fd, l.b, l.n) == -1)
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

int
log_flags(int debug, const char *format)
{
	return (debug ? LOG_F_DEBUG : 0) |
	       (format != NULL && strcmp(format, "json") == 0 ? LOG_F_JSON : 0);
}
