/* redis: finding the Redis servers (URL, Sentinels, replicas) and opening authenticated
 * connections to them. Only store.c talks to them (and track.c, which only listens for
 * invalidations); config.c checks URLs with redis_url_parse. */
#ifndef OCSP_PROXY_REDIS_H
#define OCSP_PROXY_REDIS_H

#include "config.h"
#include "err.h"

struct redisContext;

struct redis_url {
	char host[512];              /* host name, address, or unix socket path */
	int port;                    /* 0 for a unix socket */
	char pass[256];              /* "" when none */
	int db;
};

/* Splits redis://[:PASS@]HOST[:PORT][/DB] or unix:///path[?db=N]. 0, or -1 when malformed. */
int redis_url_parse(const char *url, struct redis_url *u);

/* The two servers a store talks to; also the index of store.c's connections. */
enum redis_server {
	REDIS_PRIMARY,               /* `redis`, or the primary redis_sentinel names (ROLE checked) */
	REDIS_READ,                  /* redis_read, else a live replica the Sentinels know */
	REDIS_NSERVERS
};

/* Connects with redis_timeout on connect and every command, authenticates and selects the
 * database. NULL with err filled when it cannot (ERR_IO; ERR_INPUT for a bad URL). */
struct redisContext *redis_connect(const struct config *cfg, enum redis_server which,
                                   struct err *err);

/* Asks the i-th of redis_sentinel (with redis_sentinel_password) for redis_master_name's
 * primary: 0 when it answers with one, -1 with err (ERR_IO no answer or password refused,
 * ERR_REFUSED it does not know the name). For ocsp-proxy-handler -t. */
int redis_sentinel_check(const struct config *cfg, size_t i, struct err *err);

#endif
