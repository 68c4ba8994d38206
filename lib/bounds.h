/* bounds: every size, count and time the code fixes rather than the configuration, named once
 * with the reason for its value. (Not "limits.h": with -Ilib that name would hide the C one.) */
#ifndef OCSP_PROXY_BOUNDS_H
#define OCSP_PROXY_BOUNDS_H

/* --- HTTP, the handler's side (handler/http.c, respond.c, resident.c) --- */
/* Longest request target: RFC 9112 3 asks for at least 8000 octets; a GET request's base64
 * is far shorter (a SHA-256 CertID request is about 140 characters). */
#define HTTP_TARGET_MAX 8000
/* Header fields in one request: real OCSP clients send fewer than 10. */
#define HTTP_HEADERS_MAX 100
/* Room a response's status line and headers may take (about 450 bytes are used); a response
 * whose headers do not fit is an internal error (500), never "the client went away". */
#define RESPONSE_HEAD_MAX 1024
/* Longest single poll(2) inside a deadline: poll takes an int of milliseconds. */
#define POLL_SLICE_MS 60000
/* Resident mode: connections the kernel queues before a worker accepts them. */
#define LISTEN_BACKLOG 1024
/* Resident mode: most worker processes, whatever `workers` says. */
#define RESIDENT_WORKERS_MAX 256
/* Resident mode: a worker reads a connection in pieces of this size; a request is usually one. */
#define CONN_READ_CHUNK 16384
/* Resident mode: events one epoll_pwait returns at most. */
#define WORKER_EVENTS_MAX 128
/* Resident mode: descriptors a worker keeps beyond its connections (epoll, Redis, log,
 * listening socket, libcurl), checked against RLIMIT_NOFILE. */
#define WORKER_SPARE_FDS 32
/* How long the resident master waits for new workers to be ready (reload, start). */
#define WORKER_READY_MS 5000
/* How long a resident worker out of descriptors stops accepting. */
#define WORKER_ACCEPT_PAUSE_MS 100

/* --- OCSP (lib/ocsp.c) --- */
/* Longest CertID hex (`certid`, the cache's key): bounded so a hostile request cannot make a
 * huge Redis key (a SHA-512 CertID with a 20-byte serial is about 300 hex digits). */
#define CERTID_HEX_MAX 512
/* Largest DER parsed at all, before the configured max_request_bytes/max_response_bytes
 * (which are lower) apply: bounds what a caller that skipped them can make OpenSSL parse. */
#define OCSP_REQUEST_DER_MAX (1 << 20)
#define OCSP_RESPONSE_DER_MAX (1 << 24)
/* Longest subject or issuer name kept for an entry (ctl prefetch); longer ones are not kept. */
#define CERT_NAME_MAX 1024
/* Largest certificate file read (a full chain is a few KB). */
#define CERT_FILE_MAX (1 << 20)

/* Issuer store: a directory of issuers holds a few hundred files at most; more is a mistake,
 * not a store. And the largest issuer file read (a CA bundle). */
#define ISSUERS_DIR_FILES_MAX 10000
#define ISSUER_FILE_MAX (4 << 20)

/* --- Upstream fetches (lib/fetch.c) --- */
/* First buffer for a response body, doubled as it grows: most OCSP responses fit. */
#define FETCH_BUF_INITIAL 4096
/* How often fetch_many looks at its stop flag while transfers are quiet. */
#define FETCH_POLL_MS 100

/* --- Redis (lib/store.c) --- */
/* Longest Redis key: "{" key_prefix "}:lease:" and the longest CertID hex. */
#define REDIS_KEY_MAX 700
/* Digits (and a sign) of the longest number store.c writes: a long long. */
#define REDIS_NUMBER_MAX 20
/* A stored time outside [0, this] (the end of year 9999) or a stored count outside
 * [-STORED_INT_MAX, STORED_INT_MAX] is none the proxy wrote: the field is malformed, so nothing
 * computed from it (a validity, a backoff, failures + 1) can overflow. */
#define STORED_TIME_MAX 253402300799LL
#define STORED_INT_MAX 1000000000
/* Longest hit field but resp (bounded by max_response_bytes) a lookup ships from Redis: the
 * longest is a URL, a client-named upstream at most a request target (HTTP_TARGET_MAX). A longer
 * one is none the proxy wrote: the entry is malformed, and the value is not shipped. */
#define STORED_FIELD_MAX 8192
/* After a failed write of a hit record to the primary, hits go unrecorded this long, so a
 * resident worker does not wait redis_timeout after every hit while the primary is gone. */
#define HIT_RECORD_PAUSE_MS 1000
/* A resident worker rewrites an entry's last-hit time only once the stored one is this old (or
 * evict_after / 8, when shorter): each write invalidates the entry in every worker's memory. */
#define HIT_TIME_GRANULARITY_S 3600

/* --- Concurrent misses (handler/herd.c) --- */
/* A miss's lease on its CertID lasts upstream_timeout and this much more: libcurl and the issuer
 * store loaded, the answer verified and stored, with Redis calls between. A holder that dies
 * leaves it to expire. */
#define HERD_LEASE_MARGIN_MS 2000
/* A miss waiting for another's fetch looks at Redis first after this, then at doubling
 * intervals up to the last: an answer is seen within that of its arrival. */
#define HERD_POLL_FIRST_MS 10
#define HERD_POLL_MAX_MS 100
/* The longest lease the proxy takes (lease_time's bound; a miss's, upstream_timeout and
 * HERD_LEASE_MARGIN_MS, is shorter). One without an expiry or longer than this was not written by
 * the proxy and would keep its CertID from ever being fetched again: store_lease takes it over. */
#define LEASE_MAX_MS 86400000LL
/* Upstreams backed off at once, kept in Redis: a client can name any allowed URL, so the hash is
 * bounded; past it, the oldest goes. And the longest reason kept with one. */
#define BACKOFF_URLS_MAX 1000
#define BACKOFF_REASON_MAX 200
/* The longest upstream_backoff (config.c): a backoff Redis holds for longer than this from now
 * was not written by the proxy, and keeping a responder off for good is what a writer to Redis
 * would want. */
#define UPSTREAM_BACKOFF_MAX_MS 3600000
/* Slack on that: the hosts' clocks differ, and ctl and the metrics look in whole seconds. */
#define BACKOFF_SKEW_MS 60000
/* The longest upstream URL kept with a backoff: a request names one of 2 kB at most (serve.c). */
#define BACKOFF_URL_MAX 2048

/* --- Scheduler (scheduler/) --- */
/* Due CertIDs read from Redis at once; the fetches themselves are bounded by concurrency. */
#define TICK_BATCH 256
/* Waits between attempts while Redis is unreachable: doubling from the first to the last. */
#define REDIS_BACKOFF_FIRST_MS 1000
#define REDIS_BACKOFF_MAX_MS 30000
/* How often a sleeping scheduler looks at the earliest due time: an entry a handler adds that
 * falls due sooner than the planned wake is refreshed within this (one ZRANGE per wake). */
#define WAKE_CHECK_MS 1000
/* A scheduler silent this long (or three check intervals, if longer) is dropped from the
 * report every host reads (ctl stats). */
#define SCHEDULER_REPORT_MAX_AGE_S 86400

/* Longest answer read from HAProxy's runtime API (a one-line status), and how long HAProxy
 * may take to give it. */
#define HAPROXY_ANSWER_MAX 4096
#define HAPROXY_PUSH_TIMEOUT_MS 5000
/* HAProxy staples no answer within this of its nextUpdate (OCSP_MAX_RESPONSE_TIME_SKEW, 2.6
 * and later): an entry with a staple file is refreshed before that (policy_next_due). */
#define HAPROXY_STAPLE_WINDOW_S 300
/* Certificates one staple pass handles (a directory of thousands is not a TLS server's). */
#define STAPLE_TARGETS_MAX 10000
/* What an ocsp-proxyctl failure under --json repeats of its stderr messages in the JSON error
 * (every message still reaches stderr whole; a run that fails says one or two lines). */
#define CTL_ERROR_TEXT_MAX 2048
/* A scheduler's name in reports: a host name (255) and ":pid". */
#define OWNER_NAME_MAX 280

/* --- Resident mode's memory cache and fast path (handler/hotcache.c, fastpath.c) --- */
/* Entries kept even with memory_cache_entries = 0: the one being served, and its hit record. */
#define HOTCACHE_MIN_ENTRIES 64
/* Distinct entries whose hit time one flush records; more are counted but not timed. */
#define HOTCACHE_PENDING_MAX 65536
/* Requests remembered (direct-mapped by a hash of their DER: a collision replaces). */
#define FASTPATH_MEMO_SLOTS 4096
/* Longer requests are parsed each time: a plain single-CertID request is under 100 bytes. */
#define FASTPATH_MEMO_DER_MAX 512

/* --- Configuration (lib/config.c, lastgood.c) --- */
/* Longest line of the configuration file, and the largest file kept as the last good copy. */
#define CONFIG_LINE_MAX 4096
#define CONFIG_FILE_MAX (1 << 20)

/* --- ocsp-proxyctl --- */
/* CertIDs `list` reads per round trip. */
#define CTL_LIST_PAGE 500
/* ctl prefetch: lines read looking for a certificate in a file of a directory (key files,
 * notes and such are skipped, not errors). */
#define CTL_PEM_SCAN_LINES 10000

#endif
