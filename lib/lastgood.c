/* lastgood: a copy of the last configuration the scheduler loaded, so that a per-connection
 * handler, which reads the configuration file at every connection, keeps answering with it
 * while an edit has broken the file. The copy names its source on its first line: a handler
 * started on another file never takes it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "bounds.h"
#include "lastgood.h"

#define HEADER "# ocsp-proxy: last good copy of "

const char *
lastgood_path(void)
{
	const char *p = getenv(LASTGOOD_ENV);

	return p != NULL && p[0] == '/' ? p : LASTGOOD_DEFAULT;
}

/* The whole of path, at most CONFIG_FILE_MAX, NUL-terminated; NULL on error. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t n = 0;

	if (f == NULL || (buf = malloc(CONFIG_FILE_MAX + 1)) == NULL)
		goto fail;
	n = fread(buf, 1, CONFIG_FILE_MAX + 1, f);
	if (ferror(f) || n > CONFIG_FILE_MAX)
		goto fail;
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
fail:
	if (f != NULL)
		fclose(f);
	free(buf);
	return NULL;
}

int
lastgood_save(const struct config *cfg, struct err *err)
{
	struct atomicfile af = { .f = NULL, .tmp = NULL };
	struct config check;
	char *text = NULL;
	struct err e;
	size_t len;
	int rc = -1;

	if (cfg->path == NULL)
		return 0; /* built-in defaults: nothing to keep */
	if ((text = slurp(cfg->path, &len)) == NULL) {
		err_set(err, ERR_IO, "cannot read %s", cfg->path);
		goto out;
	}
	/* 0640: the configuration may hold a password. */
	if (atomicfile_open(&af, lastgood_path(), 0640, err) == -1)
		goto out;
	fprintf(af.f, HEADER "%s\n", cfg->path);
	fwrite(text, 1, len, af.f);
	if (fflush(af.f) != 0) {
		err_set(err, ERR_IO, "%s: %s", af.tmp, strerror(errno));
		goto out;
	}
	/* The file may have changed since cfg was read from it: keep only a copy that loads. */
	if (config_load(&check, af.tmp, &e) == -1) {
		err_set(err, ERR_INPUT, "%s changed since it was loaded; not kept", cfg->path);
		goto out;
	}
	config_free(&check);
	rc = atomicfile_commit(&af, err);
out:
	if (rc == -1)
		atomicfile_abort(&af);
	free(text);
	return rc;
}

int
lastgood_load(struct config *cfg, const char *path, time_t *saved)
{
	char line[4200], want[4200];
	struct stat sb;
	struct err e;
	FILE *f;
	int same;

	if (path == NULL && (path = getenv(CONFIG_ENV)) != NULL && *path == '\0')
		path = NULL;
	if (snprintf(want, sizeof(want), HEADER "%s\n", path != NULL ? path : CONFIG_DEFAULT_PATH) >=
	    (int)sizeof(want))
		return -1;
	if ((f = fopen(lastgood_path(), "r")) == NULL)
		return -1;
	same = fgets(line, sizeof(line), f) != NULL && strcmp(line, want) == 0 &&
	       fstat(fileno(f), &sb) == 0;
	fclose(f);
	if (!same || config_load(cfg, lastgood_path(), &e) == -1)
		return -1;
	*saved = sb.st_mtime;
	return 0;
}
