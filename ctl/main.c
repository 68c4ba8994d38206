/* main: ocsp-proxyctl, the operator's tool: list, show, prefetch, refresh, purge and stats of
 * the cache, each also as JSON. It talks to Redis through lib/store.c like the daemons do. */
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "answer.h"
#include "bounds.h"
#include "certfile.h"
#include "cli.h"
#include "config.h"
#include "ctl.h"
#include "fetch.h"
#include "jsonerr.h"
#include "ocsp.h"
#include "overview.h"
#include "policy.h"
#include "store.h"

static const char usage[] =
    "usage: ocsp-proxyctl [-c FILE] [--json] COMMAND [ARGS]\n"
    "  list [--status good|revoked|unknown] [--due-within DURATION] [--failing]\n"
    "                    the cached entries: serial, status, next update, next refresh\n"
    "  show CERTID|SERIAL | --cert FILE [--issuer FILE]\n"
    "  prefetch [--issuer FILE] [--url URL] FILE|DIR...\n"
    "                    fetch, check and cache now: full-chain PEM files (the issuer after\n"
    "                    the certificate, or in FILE.issuer, or --issuer), or directories of them\n"
    "  refresh CERTID|SERIAL... | --cert FILE [--issuer FILE] | --all  [--url URL]\n"
    "                    ask the responder now, check and cache its answer (a newer cached\n"
    "                    one is kept), then write and push the staple files (HAProxy)\n"
    "  purge CERTID|SERIAL | --cert FILE [--issuer FILE]\n"
    "  stats             counters kept by the handlers and schedulers\n"
    "  --json             JSON output, for every command\n"
    "  -c, --config FILE  configuration (default $" CONFIG_ENV " or " CONFIG_DEFAULT_PATH ")\n"
    "  -h, --help, -V, --version\n"
    "Exit: 0 done, 1 failed (not cached, fetch or check failed, a staple not written or\n"
    "pushed), 2 usage, 3 Redis unreachable.\n";

void
ctl_iso(time_t t, char out[32])
{
	struct tm tm;

	if (t <= 0) {
		strcpy(out, "-");
		return;
	}
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* JSON string: quote, backslash and control bytes escaped. */
void
ctl_json_str(const char *s)
{
	putchar('"');
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

void
ctl_json_or_null(const char *s)
{
	if (s != NULL)
		ctl_json_str(s);
	else
		printf("null");
}

void
ctl_printable(char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

void
ctl_print_entry(const char *certid, const struct entry *e, int json, int first)
{
	char th[32], nx[32], du[32], fe[32], hi[32];

	ctl_iso(e->this_update, th);
	ctl_iso(e->next_update, nx);
	ctl_iso(e->due, du);
	ctl_iso(e->fetched, fe);
	ctl_iso(e->last_hit, hi);
	if (!json) {
		/* Text from Redis, shown on the operator's terminal (JSON escapes its own). */
		ctl_printable(e->url);
		ctl_printable(e->err);
		ctl_printable(e->serial);
		ctl_printable(e->subject);
		ctl_printable(e->issuer);
		printf("%s\n  upstream %s\n  status %s, thisUpdate %s, nextUpdate %s\n"
		       "  fetched %s, last hit %s, next refresh %s\n",
		       certid, e->url != NULL ? e->url : "-", ocsp_cert_status_name(e->cert_status),
		       th, nx, fe, hi, du);
		if (e->failures > 0)
			printf("  failing: %d in a row, last error: %s\n", e->failures,
			       e->err != NULL ? e->err : "-");
		printf("  serial %s\n", e->serial != NULL ? e->serial : "-");
		if (e->subject != NULL || e->issuer != NULL)
			printf("  subject %s\n  issuer %s\n", e->subject != NULL ? e->subject : "-",
			       e->issuer != NULL ? e->issuer : "-");
		else
			printf("  subject and issuer not known: the entry came from a client's request, "
			       "which carries no certificate (ocsp-proxyctl prefetch records them)\n");
		return;
	}
	printf("%s{\"certid\":", first ? "" : ",");
	ctl_json_str(certid);
	printf(",\"upstream\":");
	ctl_json_str(e->url);
	printf(",\"status\":\"%s\",\"this_update\":%lld,\"next_update\":%lld,\"fetched\":%lld,"
	       "\"last_hit\":%lld,\"next_refresh\":%lld,\"failures\":%d,\"last_error\":",
	       ocsp_cert_status_name(e->cert_status), (long long)e->this_update,
	       (long long)e->next_update, (long long)e->fetched, (long long)e->last_hit,
	       (long long)e->due, e->failures);
	ctl_json_or_null(e->err);
	printf(",\"serial\":");
	ctl_json_or_null(e->serial);
	printf(",\"subject\":");
	ctl_json_or_null(e->subject);
	printf(",\"issuer\":");
	ctl_json_or_null(e->issuer);
	printf("}");
}

int
ctl_store_failed(struct store *st)
{
	fprintf(stderr, "ocsp-proxyctl: %s\n", store_error(st));
	return store_error_kind(st) == ERR_IO ? CTL_REDIS : CTL_FAILED;
}

static int
is_certid(const char *s)
{
	return strncmp(s, "30", 2) == 0 && strlen(s) > 40 &&
	       strspn(s, "0123456789abcdefABCDEF") == strlen(s);
}

/* The CertID of the one cached entry with this serial (hex, as openssl and Apache print it).
 * 0 found, else a CTL_ code with the reason on stderr. */
static int
certid_of_serial(struct store *st, const char *serial, char *certid, size_t certidlen)
{
	struct strlist keys;
	struct entry e;
	size_t off = 0, i;
	int n, found = 0, rc = 0;

	for (;;) {
		memset(&keys, 0, sizeof(keys));
		if ((n = store_certids(st, off, CTL_LIST_PAGE, &keys)) == -1)
			return ctl_store_failed(st);
		for (i = 0; i < keys.n && rc != -1; i++) {
			if ((rc = store_get(st, keys.v[i], &e)) != 1)
				continue;
			if (e.serial != NULL && strcasecmp(e.serial, serial) == 0 && found++ == 0)
				snprintf(certid, certidlen, "%s", keys.v[i]);
			entry_free(&e);
		}
		strlist_free(&keys);
		if (rc == -1)
			return ctl_store_failed(st);
		if (n < CTL_LIST_PAGE)
			break;
		off += (size_t)n;
	}
	if (found == 1)
		return 0;
	if (found == 0)
		fprintf(stderr, "ocsp-proxyctl: no cached entry has serial %s\n", serial);
	else
		fprintf(stderr, "ocsp-proxyctl: serial %s is cached under %d issuers; give the CertID "
		        "(ocsp-proxyctl --json list) or --cert\n", serial, found);
	return CTL_FAILED;
}

int
ctl_certid_of(struct store *st, const char *arg, char *certid, size_t certidlen)
{
	if (!is_certid(arg))
		return certid_of_serial(st, arg, certid, certidlen);
	snprintf(certid, certidlen, "%s", arg);
	return 0;
}

/* The CertID of CERTID, SERIAL or --cert [--issuer]. 0, or a CTL_ code (reason on stderr). */
static int
resolve_certid(struct store *st, const struct opts *o, char *certid, size_t certidlen)
{
	struct ocsp_request req;
	struct certfile cf;
	struct err e;

	if (o->nargs > 1 || (o->nargs == 1 && o->cert != NULL)) {
		fprintf(stderr, "ocsp-proxyctl: %s takes one CERTID, SERIAL or --cert\n", o->cmd);
		return CTL_USAGE;
	}
	if (o->nargs == 1)
		return ctl_certid_of(st, o->args[0], certid, certidlen);
	if (o->cert == NULL) {
		fprintf(stderr, "ocsp-proxyctl: %s needs a CERTID, a SERIAL or --cert FILE\n", o->cmd);
		return CTL_USAGE;
	}
	if (access(o->cert, R_OK) == -1 || (o->issuer != NULL && access(o->issuer, R_OK) == -1)) {
		fprintf(stderr, "ocsp-proxyctl: %s: %s\n", access(o->cert, R_OK) == -1 ? o->cert
		        : o->issuer, strerror(errno));
		return CTL_FAILED;
	}
	if (certfile_load_with(o->cert, o->issuer, &cf, &e) == -1) {
		fprintf(stderr, "ocsp-proxyctl: %s\n", e.msg);
		return CTL_FAILED;
	}
	if (ocsp_request_parse(cf.req, cf.req_len, &req) == -1) {
		fprintf(stderr, "ocsp-proxyctl: cannot parse the request built\n");
		certfile_free(&cf);
		return CTL_FAILED;
	}
	snprintf(certid, certidlen, "%s", req.certid);
	ocsp_request_free(&req);
	certfile_free(&cf);
	return 0;
}

static int
cmd_show(struct store *st, const struct opts *o)
{
	char certid[CERTID_HEX_MAX + 1];
	struct entry e;
	int rc, found;

	if ((rc = resolve_certid(st, o, certid, sizeof(certid))) != 0)
		return rc;
	if ((found = store_get(st, certid, &e)) == -1)
		return ctl_store_failed(st);
	if (found == 0) {
		fprintf(stderr, "ocsp-proxyctl: %s: not cached\n", certid);
		return CTL_FAILED;
	}
	ctl_print_entry(certid, &e, o->json, 1);
	if (o->json)
		printf("\n");
	entry_free(&e);
	return CTL_OK;
}

static int
cmd_purge(struct store *st, const struct opts *o)
{
	char certid[CERTID_HEX_MAX + 1];
	int rc, n;

	if ((rc = resolve_certid(st, o, certid, sizeof(certid))) != 0)
		return rc;
	if ((n = store_delete(st, certid)) == -1)
		return ctl_store_failed(st);
	if (n == 0) {
		fprintf(stderr, "ocsp-proxyctl: %s: not cached\n", certid);
		return CTL_FAILED;
	}
	if (o->json) {
		printf("{\"certid\":");
		ctl_json_str(certid);
		printf(",\"purged\":true}\n");
	} else {
		printf("%s purged\n", certid);
	}
	return CTL_OK;
}

/* The schedulers that reported a tick, on every host: "scheduler OWNER last tick TIME: SUMMARY". */
/* Each scheduler's report with its state: running, stale (past twice its own interval and a
 * minute) or once (a one-off --once run, not a running scheduler). */
static void
print_schedulers(const struct strlist *owners, const struct strlist *values, time_t now,
                 long long every_s, int json)
{
	struct sched_report r;
	const char *state;
	char when[32];
	size_t i;

	if (json)
		printf(",\"schedulers\":[");
	for (i = 0; i < owners->n && i < values->n; i++) {
		if (!json)
			ctl_printable(values->v[i]);
		overview_report(values->v[i], &r);
		state = overview_state_name(overview_state(&r, now, every_s));
		if (json) {
			printf("%s{\"owner\":", i > 0 ? "," : "");
			ctl_json_str(owners->v[i]);
			printf(",\"last_tick\":%lld,\"state\":\"%s\",\"interval_s\":%lld,\"summary\":",
			       (long long)r.last, state, r.every_s);
			ctl_json_str(r.summary);
			printf("}");
		} else {
			ctl_iso(r.last, when);
			ctl_printable(owners->v[i]);
			printf("scheduler %s last tick %s (%s): %s\n", owners->v[i], when, state,
			       r.summary);
		}
	}
	if (json)
		printf("]");
}

static void
print_backoffs(const struct strlist *urls, const struct strlist *values, int json)
{
	char when[32];
	const char *why;
	long long until_ms;
	size_t i;

	if (json)
		printf(",\"backoff\":[");
	for (i = 0; i < urls->n && i < values->n; i++) {
		why = strchr(values->v[i], ' ');
		why = why != NULL ? why + 1 : "";
		until_ms = atoll(values->v[i]);
		if (json) {
			printf("%s{\"upstream\":", i > 0 ? "," : "");
			ctl_json_str(urls->v[i]);
			printf(",\"until\":%lld,\"reason\":", until_ms / 1000);
			ctl_json_str(why);
			printf("}");
		} else {
			ctl_iso((time_t)(until_ms / 1000), when);
			ctl_printable(urls->v[i]);
			ctl_printable(values->v[i]);
			printf("backoff %s until %s: %s\n", urls->v[i], when, why);
		}
	}
	if (json)
		printf("]");
}

static int
cmd_stats(const struct config *cfg, struct store *st, const struct opts *o)
{
	struct overview ov;
	time_t now = time(NULL);
	size_t i;

	if (overview_read(st, now, &ov) == -1)
		return ctl_store_failed(st);
	if (o->json)
		printf("{\"entries\":%lld,\"failing\":%lld,\"unknown\":%lld", ov.entries, ov.failing,
		       ov.unknown);
	else
		printf("entries %lld\nfailing %lld\nunknown %lld\n", ov.entries, ov.failing, ov.unknown);
	for (i = 0; i < ov.names.n && i < ov.values.n; i++) {
		if (o->json) {
			printf(",");
			ctl_json_str(ov.names.v[i]);
			printf(":%lld", atoll(ov.values.v[i]));
		} else {
			ctl_printable(ov.names.v[i]);
			ctl_printable(ov.values.v[i]);
			printf("%s %s\n", ov.names.v[i], ov.values.v[i]);
		}
	}
	print_schedulers(&ov.owners, &ov.ticks, now, cfg->check_interval / 1000, o->json);
	print_backoffs(&ov.backoff_urls, &ov.backoffs, o->json);
	if (o->json)
		printf("}\n");
	overview_free(&ov);
	return 0;
}

/* Options anywhere after the program's own; the first word is the command, the others its
 * arguments. 0, or CTL_USAGE with the reason on stderr. */
static int
parse_args(int rest, char **argv, struct opts *o)
{
	const char *a;
	int i;

	memset(o, 0, sizeof(*o));
	o->due_within_ms = -1;
	if ((o->args = calloc((size_t)rest + 1, sizeof(*o->args))) == NULL)
		return CTL_USAGE;
	for (i = 1; i < rest; i++) {
		a = argv[i];
		if (strcmp(a, "--json") == 0) {
			o->json = 1;
		} else if (strcmp(a, "--failing") == 0) {
			o->failing = 1;
		} else if (strcmp(a, "--all") == 0) {
			o->all = 1;
		} else if (strcmp(a, "--cert") == 0 || strcmp(a, "--issuer") == 0 ||
		           strcmp(a, "--url") == 0 || strcmp(a, "--status") == 0 ||
		           strcmp(a, "--due-within") == 0) {
			if (i + 1 >= rest) {
				fprintf(stderr, "ocsp-proxyctl: %s needs a value\n", a);
				return CTL_USAGE;
			}
			if (strcmp(a, "--cert") == 0)
				o->cert = argv[++i];
			else if (strcmp(a, "--issuer") == 0)
				o->issuer = argv[++i];
			else if (strcmp(a, "--url") == 0)
				o->url = argv[++i];
			else if (strcmp(a, "--status") == 0)
				o->status = argv[++i];
			else if (config_parse_duration(argv[++i], &o->due_within_ms) == -1) {
				fprintf(stderr, "ocsp-proxyctl: --due-within takes a duration (30m, 12h, 7d), "
				                "not '%s'\n", argv[i]);
				return CTL_USAGE;
			}
		} else if (a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "ocsp-proxyctl: unknown option '%s' (ocsp-proxyctl --help)\n", a);
			return CTL_USAGE;
		} else if (o->cmd == NULL) {
			o->cmd = a;
		} else {
			o->args[o->nargs++] = argv[i];
		}
	}
	if (o->cmd == NULL) {
		fprintf(stderr, "ocsp-proxyctl: no command given\n%s", usage);
		return CTL_USAGE;
	}
	return 0;
}

static int
run(const struct config *cfg, struct store *st, const struct opts *o)
{
	if ((strcmp(o->cmd, "list") == 0 || strcmp(o->cmd, "stats") == 0) && o->nargs > 0) {
		fprintf(stderr, "ocsp-proxyctl: %s takes no argument '%s'\n", o->cmd, o->args[0]);
		return CTL_USAGE;
	}
	if (strcmp(o->cmd, "list") == 0)
		return cmd_list(st, o);
	if (strcmp(o->cmd, "show") == 0)
		return cmd_show(st, o);
	if (strcmp(o->cmd, "prefetch") == 0)
		return cmd_prefetch(cfg, st, o);
	if (strcmp(o->cmd, "purge") == 0)
		return cmd_purge(st, o);
	if (strcmp(o->cmd, "refresh") == 0)
		return cmd_refresh(cfg, st, o);
	return cmd_stats(cfg, st, o);
}

/* --json anywhere on the command line (not as -c's file): known before anything can fail. */
static int
wants_json(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0)
			i++;
		else if (strcmp(argv[i], "--json") == 0)
			return 1;
	}
	return 0;
}

static int
ctl_main(int argc, char **argv)
{
	static const char *const commands[] = { "list", "show", "prefetch", "refresh", "purge",
	                                        "stats" };
	struct config cfg;
	struct store *st;
	struct opts o;
	const char *path;
	struct err err;
	size_t i;
	int rc, rest;

	rc = cli_parse(argc, argv, "ocsp-proxyctl", usage, &path, &rest);
	if (rc != CLI_RUN)
		return rc == CLI_EXIT ? CTL_OK : CTL_USAGE;
	if ((rc = parse_args(rest, argv, &o)) != 0) {
		free(o.args);
		return rc;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(o.cmd, commands[i]) == 0)
			break;
	if (i == sizeof(commands) / sizeof(commands[0])) {
		fprintf(stderr, "ocsp-proxyctl: unknown command '%s' (list, show, prefetch, refresh, "
		                "purge, stats; ocsp-proxyctl --help)\n", o.cmd);
		free(o.args);
		return CTL_USAGE;
	}
	if (config_load(&cfg, path, &err) == -1) {
		fprintf(stderr, "ocsp-proxyctl: %s\n", err.msg);
		free(o.args);
		return CTL_USAGE;
	}
	if (cfg.path == NULL) {
		/* The built-in defaults are not the daemons' configuration: a Redis on 127.0.0.1:6379
		 * that is not theirs, or none ("Connection refused"). */
		fprintf(stderr, "ocsp-proxyctl: no configuration file: %s does not exist; name yours "
		        "with -c FILE or $%s (-c /dev/null for the built-in defaults)\n",
		        CONFIG_DEFAULT_PATH, CONFIG_ENV);
		config_free(&cfg);
		free(o.args);
		return CTL_USAGE;
	}
	if ((st = store_new(&cfg)) == NULL) {
		config_free(&cfg);
		free(o.args);
		return CTL_FAILED;
	}
	rc = run(&cfg, st, &o);
	store_free(st);
	config_free(&cfg);
	free(o.args);
	return rc;
}

int
main(int argc, char **argv)
{
	struct jsonerr j;
	int json = wants_json(argc, argv), rc;

	if (json && jsonerr_start(&j) == -1)
		json = 0;
	rc = ctl_main(argc, argv);
	if (json)
		jsonerr_end(&j, rc);
	return rc;
}
