/* config: the one configuration file every ocsp-proxy program reads.
 * `key = value` lines; defaults live in one table in config.c, mirrored by ocsp-proxy.conf(5). */
#ifndef OCSP_PROXY_CONFIG_H
#define OCSP_PROXY_CONFIG_H

#include <stddef.h>

#include "err.h"
#include "strlist.h"

#define CONFIG_DEFAULT_PATH "/etc/ocsp-proxy/ocsp-proxy.conf"
#define CONFIG_ENV "OCSP_PROXY_CONFIG"
#define OCSP_PROXY_VERSION "0.1.0"


/* route = ISSUER URL: ISSUER is the hex SHA-1 (or SHA-256) hash of the issuer's
 * public key, or the path of the issuer's certificate (PEM or DER). */
struct route {
	char *issuer;
	char *url;
};

/* Durations are kept in milliseconds, sizes in bytes. */
struct config {
	char *path;                  /* file read, NULL when built-in defaults */

	/* Redis */
	char *redis;                 /* redis://[:PASS@]HOST[:PORT][/DB] or unix:///path[?db=N] */
	char *redis_password;        /* from the key, redis_password_file or the credential */
	char *redis_password_file;
	char *redis_read;            /* optional local replica for reads */
	struct strlist redis_sentinel; /* HOST:PORT list */
	char *redis_master_name;
	char *redis_sentinel_password;
	char *redis_sentinel_password_file;
	long long redis_timeout;     /* connect and command timeout */
	char *key_prefix;

	/* handler */
	long long read_timeout;      /* whole request, header and body */
	size_t max_header_bytes;
	size_t max_request_bytes;    /* body of a POST, or decoded GET */
	struct strlist proxy_names;  /* Host names that mean "the proxy itself" */
	struct strlist allow_upstream; /* "ocsp.ca.example", "*.ca.example", "*", each [:PORT] */
	char *default_upstream;
	struct route *routes;
	size_t n_routes;

	/* upstream */
	long long upstream_timeout;
	long long upstream_backoff;  /* a failed fetch keeps misses off its URL this long (0: never) */
	char *upstream_proxy;        /* NULL: direct, whatever the environment's *_proxy say */
	size_t max_response_bytes;
	long long clock_skew;
	char *trust_anchors;         /* CA file or directory issuers must chain to, or NULL */
	int verify;                  /* check every upstream answer's signature (lib/verify.c) */
	char *nonce_missing;         /* "relay" or "refuse": an answer without the nonce a request
	                                carried (lib/verdict.c) */
	struct strlist issuers;      /* CA certificate files or directories (lib/issuers.c) */
	char *issuers_dir;           /* directory ocsp-proxyctl prefetch --issuer adds to */
	int system_issuers;          /* the system CA bundle counts as issuers too */
	int max_entries;             /* cap on cached entries: new ones are refused past it */

	/* scheduler */
	long long check_interval;
	long long refresh_interval;  /* daily refresh */
	long long refresh_late_interval; /* hourly refresh past half validity */
	long long refresh_margin;    /* refresh at once when nextUpdate is this close */
	long long retry_min;
	long long retry_max;
	long long unknown_refresh;   /* an `unknown` answer is asked again this soon */
	long long revocation_check_interval; /* an entry is asked again at least this often;
	                                        0: no bound beyond the refresh rules */
	long long no_next_update_max_age; /* a response without nextUpdate is cached this long
	                                     after its thisUpdate; 0: relayed, never cached */
	long long tick_budget;       /* a tick stops starting and waiting for fetches after this */
	long long evict_after;       /* no hit for this long: drop */
	long long expired_grace;     /* expired this long and not refreshable: drop */
	long long lease_time;
	int concurrency;
	int per_upstream_concurrency;
	char *metrics_file;
	long long metrics_interval;  /* ms: metrics_file rewritten at least this often */

	/* staples for servers that read files (HAProxy, nginx's ssl_stapling_file) */
	struct strlist staple_cert;  /* certificate files, or directories of them */
	char *staple_dir;            /* where <cert>.ocsp files go; NULL: next to each certificate */
	char *haproxy_socket;        /* runtime API, /path or HOST:PORT; NULL: files only */

	/* resident mode */
	char *listen;
	int workers;
	int max_connections;         /* per worker; past it the oldest still reading is closed */
	int max_misses;              /* per worker: misses served at once (a child each) */
	int memory_cache_entries;    /* per worker; 0: every hit read from Redis */

	/* logging: "auto" (journal, else syslog), "journal", "syslog", "stderr", or a file path */
	char *log;
	char *log_format;            /* "logfmt" or "json" */
	int debug;
};

/* systemd credentials (LoadCredential=) read when the configuration names no password. */
#define CREDENTIAL_REDIS_PASSWORD "redis-password"
#define CREDENTIAL_SENTINEL_PASSWORD "redis-sentinel-password"

/* Fills cfg with defaults, then reads path. When path is NULL, uses $OCSP_PROXY_CONFIG or the
 * default path; a missing *default* file means built-in defaults, any other missing file is an
 * error. On error fills err (ERR_INPUT, "file:line: message") and returns -1; cfg is then freed.
 * The Redis password is redis_password, else the first line of redis_password_file, else the
 * credential CREDENTIAL_REDIS_PASSWORD in $CREDENTIALS_DIRECTORY (unset: in systemd's credential
 * stores, /etc/credstore...), else the URL's own (the same
 * for the Sentinels' password). No error message ever quotes a password or a URL holding one. */
int config_load(struct config *cfg, const char *path, struct err *err);
void config_free(struct config *cfg);
/* The last value of key name in the file config_load would read, however broken the rest of it
 * (for a broken configuration to be reported where the operator wanted logs). 0 found, -1 not. */
int config_peek(const char *path, const char *name, char *out, size_t outlen);

/* "500ms", "30s", "30m", "1h", "7d" or plain seconds, into milliseconds. 0 ok, -1 bad. */
int config_parse_duration(const char *s, long long *ms);
/* "4096", "64k", "1m" into bytes. 0 ok, -1 bad. */
int config_parse_size(const char *s, size_t *bytes);


#endif
