/* test_config: defaults, every value type, and the errors an operator sees, with file and line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "redis.h"
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

static int
allowed(const struct config *cfg, const char *url)
{
	struct url u;

	return url_parse(url, &u) == 0 && url_allowed(cfg, &u);
}

static void
write_file(const char *name, const char *text)
{
	FILE *f = fopen(name, "w");

	if (f != NULL) {
		fputs(text, f);
		fclose(f);
	}
}

/* Redis URLs: the password runs to the last '@'; a host is a name or an address literal. */
static void
test_redis_url(void)
{
	struct redis_url u = { .port = 0 };

	CHECK_INT(redis_url_parse("redis://:p@ss@h.example:6380/2", &u), 0);
	CHECK_STR(u.pass, "p@ss");
	CHECK_STR(u.host, "h.example");
	CHECK_INT(u.port, 6380);
	CHECK_INT(u.db, 2);
	CHECK_INT(redis_url_parse("redis://:a/b@c@[::1]:7000", &u), 0);
	CHECK_STR(u.pass, "a/b@c");
	CHECK_STR(u.host, "::1");
	CHECK_INT(u.port, 7000);
	CHECK_INT(u.db, 0);
	CHECK_INT(redis_url_parse("redis://my_host-1.local", &u), 0);
	CHECK_STR(u.host, "my_host-1.local");
	CHECK_STR(u.pass, "");
	CHECK_INT(redis_url_parse("redis://[fe80::1%eth0]:6379/0", &u), 0);
	CHECK_STR(u.host, "fe80::1%eth0");
	/* What the first '@' split used to take for a host, and hosts no resolver should see. */
	CHECK_INT(redis_url_parse("redis://:p@ss!x@h:6379/0", &u), 0);
	CHECK_STR(u.host, "h");
	CHECK_INT(redis_url_parse("redis://:pw@ho st:6379/0", &u), -1);
	CHECK_INT(redis_url_parse("redis://:pw@h%x:6379/0", &u), -1);
	CHECK_INT(redis_url_parse("redis://:pw@[::1;x]:6379/0", &u), -1);
	CHECK_INT(redis_url_parse("redis://:pw@[h_1]:6379/0", &u), -1);
	CHECK_INT(redis_url_parse("redis://:pw@:6379/0", &u), -1);
	CHECK_INT(redis_url_parse("redis://:pw@h:6379/0@", &u), -1);
}

/* Passwords: never in an error; from the key, a file or a systemd credential. */
static void
test_secrets(void)
{
	char err[512], dir[64], pw[80], text[512];
	struct config cfg;
	int fd;

	CHECK(strstr(error_of("redis = redis://:s3cr3t@h:99999/0\n"), "s3cr3t") == NULL);
	CHECK_STR(error_of("redis = redis://:s3cr3t@h:99999/0\n"),
	          "F:1: bad value for redis (not shown: it may hold a password): expected redis://[:PASSWORD@]HOST[:PORT][/DB] or unix:///PATH[?db=N]");
	CHECK(strstr(error_of("redis_read = redis://:s3cr3t@[::1\n"), "s3cr3t") == NULL);
	CHECK(strstr(error_of("redis = redis://:s3c@r3t@h!x:6379/0\n"), "r3t") == NULL);
	CHECK_STR(error_of("redis_password =\n"),
	          "F:1: bad value for redis_password (not shown: it may hold a password): expected a password");
	CHECK_STR(error_of("redis_password = a\nredis_password = s3cr3t\n"),
	          "F:2: duplicate key 'redis_password'");

	snprintf(dir, sizeof(dir), "/tmp/test_config.d.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return;
	snprintf(pw, sizeof(pw), "%s/pw", dir);
	write_file(pw, "s3cr3t\n");
	snprintf(text, sizeof(text), "redis_password_file = %s\nredis_sentinel_password_file = %s\n",
	         pw, pw);
	CHECK_INT(load_text(text, &cfg, err, sizeof(err)), 0);
	CHECK_STR(cfg.redis_password, "s3cr3t");
	CHECK_STR(cfg.redis_sentinel_password, "s3cr3t");
	config_free(&cfg);
	snprintf(text, sizeof(text), "redis_password = other\nredis_password_file = %s\n", pw);
	CHECK_STR(error_of(text), "F: redis_password and redis_password_file are both set");
	write_file(pw, "two\nlines\n");
	snprintf(text, sizeof(text), "redis_password_file = %s\n", pw);
	CHECK(strstr(error_of(text), "must hold one password") != NULL);
	CHECK(strstr(error_of(text), "lines") == NULL);
	write_file(pw, "");
	CHECK(strstr(error_of(text), "must hold one password") != NULL);
	snprintf(text, sizeof(text), "redis_password_file = %s/missing\n", dir);
	CHECK(strstr(error_of(text), "No such file") != NULL);

	/* Credentials: used when the configuration names no password; missing or empty is none. */
	setenv("CREDENTIALS_DIRECTORY", dir, 1);
	write_file(pw, "");
	snprintf(text, sizeof(text), "%s/" CREDENTIAL_REDIS_PASSWORD, dir);
	write_file(text, "fromcred\r\n");
	CHECK_INT(load_text("", &cfg, err, sizeof(err)), 0);
	CHECK_STR(cfg.redis_password, "fromcred");
	CHECK(cfg.redis_sentinel_password == NULL);
	config_free(&cfg);
	CHECK_INT(load_text("redis_password = fromkey\n", &cfg, err, sizeof(err)), 0);
	CHECK_STR(cfg.redis_password, "fromkey");
	config_free(&cfg);
	write_file(text, "");
	CHECK_INT(load_text("", &cfg, err, sizeof(err)), 0);
	CHECK(cfg.redis_password == NULL);
	config_free(&cfg);
	unlink(text);
	snprintf(text, sizeof(text), "%s/" CREDENTIAL_SENTINEL_PASSWORD, dir);
	fd = open(text, O_WRONLY | O_CREAT, 0600);
	if (fd != -1) {
		CHECK(write(fd, "sentinelpw", 10) == 10);
		close(fd);
	}
	CHECK_INT(load_text("", &cfg, err, sizeof(err)), 0);
	CHECK_STR(cfg.redis_sentinel_password, "sentinelpw");
	CHECK(cfg.redis_password == NULL);
	config_free(&cfg);
	unsetenv("CREDENTIALS_DIRECTORY");
	unlink(text);
	unlink(pw);
	rmdir(dir);
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
	/* allow_upstream semantics: a bare host allows the scheme's default port only. */
	CHECK_INT(allowed(&cfg, "http://a.example/"), 1);
	CHECK_INT(allowed(&cfg, "https://a.example/"), 1);
	CHECK_INT(allowed(&cfg, "http://a.example:80/"), 1);
	CHECK_INT(allowed(&cfg, "http://a.example:8080/"), 0);
	CHECK_INT(allowed(&cfg, "http://a.example:443/"), 0);
	CHECK_INT(allowed(&cfg, "http://A.EXAMPLE./"), 1);
	CHECK_INT(allowed(&cfg, "http://x.b.example/"), 1);
	CHECK_INT(allowed(&cfg, "http://x.b.example:81/"), 0);
	CHECK_INT(allowed(&cfg, "http://b.example/"), 0);
	CHECK_INT(allowed(&cfg, "http://xb.example/"), 0);
	CHECK_INT(allowed(&cfg, "http://ocsp.example/"), 1);     /* default_upstream */
	CHECK_INT(allowed(&cfg, "http://ocsp.example:81/"), 0);  /* ... on its own port only */
	CHECK_INT(allowed(&cfg, "http://r2.example:8080/"), 1);  /* a route */
	CHECK_INT(allowed(&cfg, "http://r2.example/"), 0);
	CHECK_INT(allowed(&cfg, "http://evil.example/"), 0);
	config_free(&cfg);

	/* allow_upstream with ports: that port only, for names, wildcards and addresses. */
	CHECK_INT(load_text("allow_upstream = ocsp.example:8080 *.ca.example:2560 [::1]:9000 "
	                    "127.0.0.1:8888 ::2\n", &cfg, err, sizeof(err)), 0);
	CHECK_INT(allowed(&cfg, "http://ocsp.example:8080/"), 1);
	CHECK_INT(allowed(&cfg, "https://ocsp.example:8080/"), 1);
	CHECK_INT(allowed(&cfg, "http://ocsp.example/"), 0);
	CHECK_INT(allowed(&cfg, "http://ocsp.example:8081/"), 0);
	CHECK_INT(allowed(&cfg, "http://r.ca.example:2560/"), 1);
	CHECK_INT(allowed(&cfg, "http://r.ca.example/"), 0);
	CHECK_INT(allowed(&cfg, "http://[::1]:9000/"), 1);
	CHECK_INT(allowed(&cfg, "http://[::1]/"), 0);
	CHECK_INT(allowed(&cfg, "http://127.0.0.1:8888/"), 1);
	CHECK_INT(allowed(&cfg, "http://127.0.0.1:8889/"), 0);
	CHECK_INT(allowed(&cfg, "http://[::2]/"), 1);
	CHECK_INT(allowed(&cfg, "http://[::2]:8080/"), 0);
	config_free(&cfg);
	CHECK_INT(load_text("allow_upstream = *\n", &cfg, err, sizeof(err)), 0);
	CHECK_INT(allowed(&cfg, "http://anything.example/"), 1);
	CHECK_INT(allowed(&cfg, "https://anything.example/"), 1);
	CHECK_INT(allowed(&cfg, "http://anything.example:8080/"), 0);
	config_free(&cfg);
	CHECK_STR(error_of("allow_upstream = a.example:0\n"),
	          "F:1: bad allow_upstream entry 'a.example:0' (HOST or HOST:PORT)");
	CHECK_STR(error_of("allow_upstream = a.example, b.example:http\n"),
	          "F:1: bad allow_upstream entry 'b.example:http' (HOST or HOST:PORT)");
	CHECK_STR(error_of("allow_upstream = http://a.example/\n"),
	          "F:1: bad allow_upstream entry 'http://a.example/' (HOST or HOST:PORT)");
	CHECK_STR(error_of("upstream_proxy = socks5://127.0.0.1:1080\n"),
	          "F:1: bad value 'socks5://127.0.0.1:1080' for upstream_proxy: expected an http:// or https:// URL");
	CHECK_STR(error_of("upstream_proxy = http://user:pw@proxy.example:3128\n"),
	          "F:1: bad value 'http://user:pw@proxy.example:3128' for upstream_proxy: expected an http:// or https:// URL");

	/* Errors name the file and line. */
	CHECK_STR(error_of("foo = 1\n"), "F:1: unknown key 'foo'");
	CHECK_STR(error_of("\n\nread_timeout = 5x\n"), "F:3: bad value '5x' for read_timeout: expected a duration from 1ms to 1h (ms, s, m, h, d)");
	CHECK_STR(error_of("read_timeout = 1s\nread_timeout = 2s\n"), "F:2: duplicate key 'read_timeout'");
	CHECK_STR(error_of("just words\n"), "F:1: expected 'key = value'");
	CHECK_STR(error_of("redis = mysql://x\n"), "F:1: bad value 'mysql://x' for redis: expected redis://[:PASSWORD@]HOST[:PORT][/DB] or unix:///PATH[?db=N]");
	/* The same parser as the connection code: what it would refuse is refused here. */
	CHECK_STR(error_of("redis = unix:///tmp/r.sock?db=z\n"),
	          "F:1: bad value 'unix:///tmp/r.sock?db=z' for redis: expected redis://[:PASSWORD@]HOST[:PORT][/DB] or unix:///PATH[?db=N]");
	CHECK_STR(error_of("redis_read = redis://h:70000/0\n"),
	          "F:1: bad value 'redis://h:70000/0' for redis_read: expected redis://[:PASSWORD@]HOST[:PORT][/DB] or unix:///PATH[?db=N]");
	CHECK_STR(error_of("redis_read = redis://[::1\n"), "F:1: bad value 'redis://[::1' for redis_read: expected redis://[:PASSWORD@]HOST[:PORT][/DB] or unix:///PATH[?db=N]");
	CHECK_STR(error_of("default_upstream = ftp://x/\n"), "F:1: bad value 'ftp://x/' for default_upstream: expected an http:// or https:// URL");
	CHECK_STR(error_of("route = http://only-url/\n"), "F:1: route needs 'ISSUER URL'");
	CHECK_STR(error_of("concurrency = 0\n"), "F:1: bad value '0' for concurrency: expected a whole number from 1 to 1024");
	CHECK_STR(error_of("key_prefix = a b\n"), "F:1: bad value 'a b' for key_prefix: expected 1 to 64 of letters, digits and - _ . :");
	CHECK_STR(error_of("debug = maybe\n"), "F:1: bad value 'maybe' for debug: expected yes or no");
	CHECK_STR(error_of("retry_min = 2h\nretry_max = 1h\n"), "F: retry_min is longer than retry_max");
	CHECK_STR(error_of("redis_sentinel = 127.0.0.1:26379\n"), "F: redis_sentinel needs redis_master_name");

	test_secrets();
	test_redis_url();

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
