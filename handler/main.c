/* main: ocsp-proxy-handler: one HTTP OCSP request on stdin, one answer on stdout, then exit
 * (systemd socket activation with Accept=yes, or xinetd). */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "lastgood.h"
#include "log.h"
#include "ocsp.h"
#include "resident.h"
#include "respond.h"
#include "selfcheck.h"
#include "serve.h"

static const char usage[] =
    "usage: ocsp-proxy-handler [-c FILE] [-t [--offline]] [--listen HOST:PORT]\n"
    "Answers one HTTP OCSP request on standard input and output (inetd style); or, given a\n"
    "listening socket by systemd (Accept=no) or --listen, serves connections itself with\n"
    "pre-forked event-loop workers (resident mode).\n"
    "  -c, --config FILE  configuration (default $" CONFIG_ENV " or " CONFIG_DEFAULT_PATH ")\n"
    "  -t, --check        check the configuration, the files it names, the log target and\n"
    "                     Redis (not with --offline); report and exit, 1 on any error\n"
    "      --listen ADDR  resident mode on ADDR (HOST:PORT)\n"
    "  -h, --help         this text\n"
    "  -V, --version      the version\n";

/* xinetd hands the client's socket over as stderr too: nothing may ever reach it there. */
static void
silence_stderr(void)
{
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

	if (fd != -1) {
		dup2(fd, STDERR_FILENO);
		if (fd != STDERR_FILENO)
			close(fd);
	}
}

/* A per-connection handler with a configuration it cannot use. With the scheduler's copy of
 * the last good one (lastgood.h) it answers with that and says so at every connection; without,
 * the client gets HTTP 500. Either way the operator gets a log line where the broken file says
 * logs go, when it can be read that far. 0 when *cfg now holds the last good configuration. */
static int
broken_config(const char *path, const char *err, struct config *cfg)
{
	char target[1024], when[32];
	time_t saved;
	struct tm tm;

	if (lastgood_load(cfg, path, &saved) == 0) {
		log_open("ocsp-proxy-handler", cfg->log, log_flags(cfg->debug, cfg->log_format));
		if (!log_uses_stderr())
			silence_stderr();
		gmtime_r(&saved, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		log_msg(LOG_ERR, "configuration: %s; answering with the last good one, %s (the "
		        "scheduler's copy of %s)", err, lastgood_path(), when);
		return 0;
	}
	if (config_peek(path, "log", target, sizeof(target)) == -1)
		snprintf(target, sizeof(target), "auto");
	log_open("ocsp-proxy-handler", target, 0);
	if (!log_uses_stderr())
		silence_stderr();
	log_msg(LOG_ERR, "configuration: %s; answering HTTP 500 until it is fixed (no last good copy "
	        "in %s: the scheduler keeps one there when it runs from the shipped unit; check "
	        "edits with ocsp-proxy-handler -t)", err, lastgood_path());
	respond_error(STDOUT_FILENO, 500, 1000);
	log_close();
	return -1;
}

/* -t: the syntax, then what the configuration names (selfcheck.h). 0 when all is well. */
static int
check_config(const char *path, int network)
{
	struct config cfg;
	struct err err;
	int errors;

	if (config_load(&cfg, path, &err) == -1) {
		fprintf(stderr, "ocsp-proxy-handler: %s\n", err.msg);
		return 1;
	}
	ocsp_init_full();
	errors = selfcheck(&cfg, network, stdout);
	if (errors == 0)
		printf("%s: ok\n", cfg.path != NULL ? cfg.path : "built-in defaults");
	else
		fprintf(stderr, "ocsp-proxy-handler: %s: %d error%s above\n",
		        cfg.path != NULL ? cfg.path : "built-in defaults", errors, errors > 1 ? "s" : "");
	config_free(&cfg);
	return errors == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	struct config cfg;
	struct handler h;
	const char *path = NULL, *listen_on = NULL;
	struct err err;
	int rc, rest, lfd, fallback = 0;

	rc = cli_parse(argc, argv, "ocsp-proxy-handler", usage, &path, &rest);
	if (rc != CLI_RUN)
		return rc == CLI_EXIT ? 0 : 2;
	if (rest >= 2 && (strcmp(argv[1], "-t") == 0 || strcmp(argv[1], "--check") == 0)) {
		if (rest > 3 || (rest == 3 && strcmp(argv[2], "--offline") != 0)) {
			fprintf(stderr, "ocsp-proxy-handler: unexpected argument '%s'\n%s",
			        argv[rest - 1], usage);
			return 2;
		}
		return check_config(path, rest == 2);
	}
	if (rest == 3 && strcmp(argv[1], "--listen") == 0)
		listen_on = argv[2];
	else if (rest > 1) {
		fprintf(stderr, "ocsp-proxy-handler: unexpected argument '%s'\n%s", argv[1], usage);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	ocsp_init_light();

	lfd = resident_inherited_socket();
	if (config_load(&cfg, path, &err) == -1) {
		if (lfd != -1 || listen_on != NULL) {
			fprintf(stderr, "ocsp-proxy-handler: %s\n", err.msg);
			return 1;
		}
		if (broken_config(path, err.msg, &cfg) == -1)
			return 1;
		fallback = 1;
	}

	/* Resident mode: a listening socket from systemd, or --listen. Not from the shared
	 * configuration file, which the per-connection handler reads too. */
	if (lfd != -1 || listen_on != NULL) {
		if (lfd == -1 && (lfd = resident_listen(listen_on, &err)) == -1) {
			fprintf(stderr, "ocsp-proxy-handler: %s\n", err.msg);
			config_free(&cfg);
			return 1;
		}
		log_open("ocsp-proxy-handler", cfg.log, log_flags(cfg.debug, cfg.log_format));
		return resident_run(lfd, path, &cfg);
	}

	/* log_open refuses stderr when it is the client's socket; anything else goes nowhere. */
	if (!fallback) {
		log_open("ocsp-proxy-handler", cfg.log, log_flags(cfg.debug, cfg.log_format));
		if (!log_uses_stderr())
			silence_stderr();
	}
	handler_init(&h, &cfg);
	rc = handler_serve(&h, STDIN_FILENO, STDOUT_FILENO);
	handler_cleanup(&h);
	log_close();
	config_free(&cfg);
	return rc;
}
