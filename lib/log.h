/* log: one structured line per event, to the journal (native protocol), syslog, stderr or a file.
 * Never to stdout, and never to stderr when that is the client's socket (inetd, xinetd). */
#ifndef OCSP_PROXY_LOG_H
#define OCSP_PROXY_LOG_H

#include <syslog.h>

enum { LOG_F_DEBUG = 1, LOG_F_JSON = 2 };

/* flags for log_open from the config's debug and log_format ("logfmt" or "json"). */
int log_flags(int debug, const char *format);

/* target: "auto" (the journal when it answers, else syslog when /dev/log exists, else stderr
 * unless it is the client's socket), "journal", "syslog", "stderr", or an absolute file path
 * (appended). A target that cannot be used falls back to "auto" and the reason is logged there
 * (log_sink_note). Text lines are logfmt, "ts=2026-11-29T10:13:44.123Z level=info
 * prog=ocsp-proxy-handler pid=42 msg=request certid=... reason=\"...\"" (ts, prog and pid not
 * for syslog, which adds its own), or one JSON object with the same keys (LOG_F_JSON). */
void log_open(const char *ident, const char *target, int flags);
void log_close(void);
/* 1 when the sink is stderr (so the caller must not point stderr elsewhere). */
int log_uses_stderr(void);
/* Why the sink is not the one asked for (or why messages may be lost), NULL when it is. */
const char *log_sink_note(void);
/* 1 when stderr is the same socket as stdin: the client's connection under (x)inetd. */
int log_stderr_is_client(void);

/* printf-style message. */
void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A message plus structured fields: fields is NULL-terminated, alternating upper-case field
 * names and values ("CERTID", hex, "RESULT", "hit", NULL). The journal gets real fields
 * (OCSP_CERTID=...); text targets get "msg=message certid=... result=...". NULL values are
 * skipped. In JSON, STATUS, PID and names ending in _MS are numbers when their value is a
 * decimal integer; every other field is a string. */
void log_event(int prio, const char *msg, const char *const *fields);

#endif
