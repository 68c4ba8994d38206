/* test_config: defaults, every value type, and the errors an operator sees, with file and line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "url.h"

static char path[64];

static int
load_text(const char *text, struct config *cfg, char *err, size_t errlen)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
	struct err e;
	int rc = config_load(cfg, path, &e);

	snprintf(err, errlen, "%s", rc == -1 ? e.msg : "");
	return rc;
}

/* The error text for a one-line file, with the path replaced by "F". */
static const char *
error_of(const char *text)
{
	static char err[512], out[512];
	struct config cfg;
	size_t n = strlen(path);

	if (load_text(text, &cfg, err, sizeof(err)) == 0) {
		config_free(&cfg);
		return "(loaded)";
	}
	if (strncmp(err, path, n) == 0)
		snprintf(out, sizeof(out), "F%s", err + n);
	else
		snprintf(out, sizeof(out), "%s", err);
	return out;
}

int
main(void)
{
	struct config cfg;
	char err[512];
	struct err e;
	long long ms;
	size_t sz;
	int fd;

	snprintf(path, sizeof(path), "/tmp/test_config.XXXXXX");
	if ((fd = mkstemp(path)) == -1)
		return 1;
	close(fd);

	/* Durations and sizes. */
	CHECK(config_parse_duration("500ms", &ms) == 0 && ms == 500);
	CHECK(config_parse_duration("30", &ms) == 0 && ms == 30000);
	CHECK(config_parse_duration("30s", &ms) == 0 && ms == 30000);
	CHECK(config_parse_duration("30m", &ms) == 0 && ms == 1800000);
	CHECK(config_parse_duration("1h", &ms) == 0 && ms == 3600000);
	CHECK(config_parse_duration("7d", &ms) == 0 && ms == 604800000);
	CHECK_INT(config_parse_duration("", &ms), -1);
	CHECK_INT(config_parse_duration("-1s", &ms), -1);
	CHECK_INT(config_parse_duration("1.5h", &ms), -1);
	CHECK_INT(config_parse_duration("5x", &ms), -1);
	CHECK_INT(config_parse_duration("99999999999999999999d", &ms), -1);
	CHECK(config_parse_size("64k", &sz) == 0 && sz == 65536);
	CHECK(config_parse_size("1m", &sz) == 0 && sz == 1048576);
	CHECK_INT(config_parse_size("1g", &sz), -1);

	/* Defaults: an empty file. */
	CHECK_INT(load_text("", &cfg, err, sizeof(err)), 0);
	CHECK_STR(cfg.redis, "redis://127.0.0.1:6379/0");
	CHECK_STR(cfg.key_prefix, "ocsp");
	CHECK_INT(cfg.read_timeout, 10000);
	CHECK_INT(cfg.upstream_timeout, 10000);
	CHECK_INT(cfg.max_request_bytes, 16384);
	CHECK_INT(cfg.check_interval, 1800000);
	CHECK_INT(cfg.refresh_interval, 86400000);
	CHECK_INT(cfg.evict_after, 30LL * 86400000);
	CHECK_INT(cfg.concurrency, 16);
	CHECK_STR(cfg.log, "auto");
	CHECK(cfg.default_upstream == NULL);
	CHECK_INT(cfg.allow_upstream.n, 0);
	config_free(&cfg);

	/* Every type, lists appending, routes, comments. */
	CHECK_INT(load_text("# comment\n"
	                    "redis = unix:///run/redis.sock?db=2   # trailing comment\n"
	                    "  key_prefix=site-a  \n"
	                    "allow_upstream = a.example, *.b.example\n"
	                    "allow_upstream = c.example\n"
	                    "default_upstream = http://ocsp.example/path#frag\n"
	                    "route = 0123456789abcdef0123456789abcdef01234567 http://r1.example/\n"
	                    "route = /etc/ssl/issuer.pem http://r2.example:8080/x\n"
	                    "read_timeout = 1500ms\n"
	                    "max_request_bytes = 4k\n"
	                    "concurrency = 3\n"
	                    "debug = yes\n",
	                    &cfg, err, sizeof(err)), 0);
	CHECK_STR(cfg.redis, "unix:///run/redis.sock?db=2");
	CHECK_STR(cfg.key_prefix, "site-a");
	CHECK_INT(cfg.allow_upstream.n, 3);
	CHECK_STR(cfg.allow_upstream.v[1], "*.b.example");
	CHECK_STR(cfg.default_upstream, "http://ocsp.example/path#frag");
	CHECK_INT(cfg.n_routes, 2);
	CHECK_STR(cfg.routes[1].issuer, "/etc/ssl/issuer.pem");
	CHECK_STR(cfg.routes[1].url, "http://r2.example:8080/x");
	CHECK_INT(cfg.read_timeout, 1500);
	CHECK_INT(cfg.max_request_bytes, 4096);
	CHECK_INT(cfg.concurrency, 3);
	CHECK_INT(cfg.debug, 1);
	CHECK(cfg.path != NULL && strcmp(cfg.path, path) == 0);
	/* allow_upstream semantics */
	CHECK_INT(url_host_allowed(&cfg, "a.example"), 1);
	CHECK_INT(url_host_allowed(&cfg, "A.EXAMPLE."), 1);
	CHECK_INT(url_host_allowed(&cfg, "x.b.example"), 1);
	CHECK_INT(url_host_allowed(&cfg, "b.example"), 0);
	CHECK_INT(url_host_allowed(&cfg, "xb.example"), 0);
	CHECK_INT(url_host_allowed(&cfg, "ocsp.example"), 1);  /* default_upstream */
	CHECK_INT(url_host_allowed(&cfg, "r2.example"), 1);    /* a route */
	CHECK_INT(url_host_allowed(&cfg, "evil.example"), 0);
	config_free(&cfg);

	/* Errors name the file and line. */
	CHECK_STR(error_of("foo = 1\n"), "F:1: unknown key 'foo'");
	CHECK_STR(error_of("\n\nread_timeout = 5x\n"), "F:3: bad value '5x' for read_timeout");
	CHECK_STR(error_of("read_timeout = 1s\nread_timeout = 2s\n"), "F:2: duplicate key 'read_timeout'");
	CHECK_STR(error_of("just words\n"), "F:1: expected 'key = value'");
	CHECK_STR(error_of("redis = mysql://x\n"), "F:1: bad value 'mysql://x' for redis");
	/* The same parser as the connection code: what it would refuse is refused here. */
	CHECK_STR(error_of("redis = unix:///tmp/r.sock?db=z\n"),
	          "F:1: bad value 'unix:///tmp/r.sock?db=z' for redis");
	CHECK_STR(error_of("redis_read = redis://h:70000/0\n"),
	          "F:1: bad value 'redis://h:70000/0' for redis_read");
	CHECK_STR(error_of("redis_read = redis://[::1\n"), "F:1: bad value 'redis://[::1' for redis_read");
	CHECK_STR(error_of("default_upstream = ftp://x/\n"), "F:1: bad value 'ftp://x/' for default_upstream");
	CHECK_STR(error_of("route = http://only-url/\n"), "F:1: route needs 'ISSUER URL'");
	CHECK_STR(error_of("concurrency = 0\n"), "F:1: bad value '0' for concurrency");
	CHECK_STR(error_of("key_prefix = a b\n"), "F:1: bad value 'a b' for key_prefix");
	CHECK_STR(error_of("debug = maybe\n"), "F:1: bad value 'maybe' for debug");
	CHECK_STR(error_of("retry_min = 2h\nretry_max = 1h\n"), "F: retry_min is longer than retry_max");
	CHECK_STR(error_of("redis_sentinel = 127.0.0.1:26379\n"), "F: redis_sentinel needs redis_master_name");

	/* Which file: explicit (must exist), environment, default (may be missing). */
	CHECK_INT(config_load(&cfg, "/nonexistent/ocsp-proxy.conf", &e), -1);
	CHECK(strstr(e.msg, "/nonexistent/ocsp-proxy.conf") != NULL);
	CHECK_INT(e.kind, ERR_INPUT);
	setenv(CONFIG_ENV, path, 1);
	load_text("key_prefix = fromenv\n", &cfg, err, sizeof(err));
	config_free(&cfg);
	CHECK_INT(config_load(&cfg, NULL, &e), 0);
	CHECK_STR(cfg.key_prefix, "fromenv");
	config_free(&cfg);
	setenv(CONFIG_ENV, "/nonexistent/env.conf", 1);
	CHECK_INT(config_load(&cfg, NULL, &e), -1);
	unsetenv(CONFIG_ENV);

	unlink(path);
	return CHECK_DONE();
}
