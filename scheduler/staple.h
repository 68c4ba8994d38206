/* staple: keeps a <cert>.ocsp file with the current response next to every certificate named by
 * staple_cert (or in staple_dir), for servers that staple from files: HAProxy, nginx's
 * ssl_stapling_file. Optionally hands each new response to HAProxy (haproxy_socket). */
#ifndef OCSP_PROXY_STAPLE_H
#define OCSP_PROXY_STAPLE_H

#include <signal.h>
#include <time.h>

#include "config.h"
#include "fetch.h"
#include "issuers.h"
#include "store.h"

/* Told each outcome the log is (ocsp-proxyctl refresh reports them): certid NULL when the
 * certificate did not load; result "written", "pushed", "push-failed", "kept" (the cached
 * response is not fit for the file), "failed" or "issuer"; why NULL or the reason. */
struct staple_hook {
	void (*outcome)(void *arg, const char *certid, const char *cert, const char *file,
	                const char *result, const char *why);
	void *arg;
};

/* One pass over every certificate: a certificate the cache does not know is fetched and cached
 * (prefetch: a fresh install has staples before the first handshake); then each file whose
 * response differs from the cache's, valid for its certificate, is replaced atomically and
 * pushed to HAProxy. A file is never replaced by nothing or by an invalid response. Answers
 * are verified against issuers (NULL with verify = no); hook may be NULL. 0 done, -1 Redis
 * failed. */
int staple_run(const struct config *cfg, struct store *st, struct fetcher *f,
               struct issuers *issuers, time_t now, volatile sig_atomic_t *stop,
               const struct staple_hook *hook);

#endif
