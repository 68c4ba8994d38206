/* log: one structured line per event, to the journal (native protocol), syslog, stderr or a file.
 * Never to stdout, and never to stderr unless asked: under xinetd stderr is the client's socket. */
#ifndef OCSP_PROXY_LOG_H
#define OCSP_PROXY_LOG_H

#include <syslog.h>

/* target: "auto" (journal when /run/systemd/journal/socket exists, else syslog), "journal",
 * "syslog", "stderr", or an absolute file path (appended, for tests and debugging). */
void log_open(const char *ident, const char *target, int debug);
void log_close(void);

/* printf-style message. */
void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A message plus structured fields: fields is NULL-terminated, alternating upper-case field
 * names and values ("CERTID", hex, "RESULT", "hit", NULL). The journal gets real fields
 * (OCSP_CERTID=...); text targets get "message certid=... result=...". NULL values are skipped. */
void log_event(int prio, const char *msg, const char *const *fields);

#endif
