/* test_log: text lines to a file stay bounded and whole (one line, ending in a newline) however
 * many and however long the fields, in logfmt and JSON, with every byte escaped that must be. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "log.h"

/* The file's content; *n its length. */
static char *
slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 1 << 20);

	*n = f != NULL && buf != NULL ? fread(buf, 1, (1 << 20) - 1, f) : 0;
	if (f != NULL)
		fclose(f);
	return buf;
}

static void
one_line(const char *path, int flags, const char *what)
{
	static char big[20000];
	const char *fields[41];
	char *buf;
	size_t n, i;

	memset(big, 'x', sizeof(big) - 1);
	big[100] = '"';
	big[200] = '\n';
	big[300] = '\\';
	for (i = 0; i < 40; i += 2) {
		fields[i] = "FIELD";
		fields[i + 1] = big;
	}
	fields[40] = NULL;
	unlink(path);
	log_open("test_log", path, flags);
	log_event(LOG_INFO, big, fields);
	log_event(LOG_INFO, "short", NULL);
	log_close();
	buf = slurp(path, &n);
	if (buf == NULL)
		return;
	/* Two lines: the first cut at the line bound, the second whole. */
	CHECK(n > 0 && buf[n - 1] == '\n');
	CHECK(strchr(buf, '\n') != NULL && (size_t)(strchr(buf, '\n') - buf) < 8192);
	CHECK(strstr(buf, "short") != NULL);
	CHECK_INT(strchr(buf, '\n') != NULL ? strchr(strchr(buf, '\n') + 1, '\n') == buf + n - 1 : 0, 1);
	if (check_failed)
		printf("%s: %.200s\n", what, buf);
	free(buf);
}

int
main(void)
{
	char path[] = "/tmp/test_log.XXXXXX";
	int fd = mkstemp(path);

	if (fd == -1)
		return 1;
	close(fd);
	one_line(path, 0, "logfmt");
	one_line(path, LOG_F_JSON, "json");
	unlink(path);
	return CHECK_DONE();
}
