/* jsonerr: ocsp-proxyctl --json's errors as JSON on stdout too (jsonerr.h). Streams hooked with
 * fopencookie so every message, from ctl or lib, is seen without each caller knowing. */
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "ctl.h"
#include "jsonerr.h"

static ssize_t
out_write(void *cookie, const char *buf, size_t len)
{
	struct jsonerr *j = cookie;
	size_t n = fwrite(buf, 1, len, j->real_out);

	j->out_bytes += n;
	return n == 0 && len > 0 ? -1 : (ssize_t)n;
}

static ssize_t
err_write(void *cookie, const char *buf, size_t len)
{
	struct jsonerr *j = cookie;
	size_t room = sizeof(j->text) - 1 - j->textlen, n = fwrite(buf, 1, len, j->real_err);

	fflush(j->real_err);
	memcpy(j->text + j->textlen, buf, len < room ? len : room);
	j->textlen += len < room ? len : room;
	j->text[j->textlen] = '\0';
	return n == 0 && len > 0 ? -1 : (ssize_t)n;
}

int
jsonerr_start(struct jsonerr *j)
{
	cookie_io_functions_t outio = { .write = out_write }, errio = { .write = err_write };

	memset(j, 0, sizeof(*j));
	j->real_out = stdout;
	j->real_err = stderr;
	if ((j->out = fopencookie(j, "w", outio)) == NULL)
		return -1;
	if ((j->err = fopencookie(j, "w", errio)) == NULL) {
		fclose(j->out);
		j->out = NULL;
		return -1;
	}
	setvbuf(j->err, NULL, _IOLBF, 0); /* as stderr: each message as it is said */
	stdout = j->out;
	stderr = j->err;
	return 0;
}

/* The messages as one line in out: the lines that start with "ocsp-proxyctl: " (not the usage
 * text that may follow one), without it, joined by "; "; all lines when none does. */
static void
one_line(const char *text, char *out, size_t outlen)
{
	static const char prog[] = "ocsp-proxyctl: ";
	int all = strncmp(text, prog, sizeof(prog) - 1) != 0 && strstr(text, "\nocsp-proxyctl: ") == NULL;
	const char *r = text;
	size_t w = 0, n;

	out[0] = '\0';
	while (*r != '\0') {
		n = strcspn(r, "\n");
		if (all || strncmp(r, prog, sizeof(prog) - 1) == 0) {
			int skip = all ? 0 : (int)sizeof(prog) - 1;

			w += (size_t)snprintf(out + w, outlen - w, "%s%.*s", w > 0 ? "; " : "",
			                      (int)n - skip, r + skip);
			if (w >= outlen)
				return; /* cut: snprintf ended it */
		}
		r += n;
		r += strspn(r, "\n");
	}
}

void
jsonerr_end(struct jsonerr *j, int rc)
{
	char line[CTL_ERROR_TEXT_MAX];

	if (j->out == NULL)
		return;
	fclose(j->out);
	fclose(j->err);
	stdout = j->real_out;
	stderr = j->real_err;
	j->out = j->err = NULL;
	if (rc == 0 || j->out_bytes > 0)
		return;
	one_line(j->text, line, sizeof(line));
	fputs("{\"error\":", stdout);
	ctl_json_str(line[0] != '\0' ? line : "failed");
	printf(",\"exit\":%d}\n", rc);
}
