/* test_atomicfile: the one atomic file writer: content, exact mode, no link followed, nothing
 * left behind. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"
#include "atomicfile.h"

static char dir[64], path[128], tmp[160], victim[128];

static void
slurp(const char *p, char *buf, size_t len)
{
	FILE *f = fopen(p, "r");
	size_t n = 0;

	if (f != NULL) {
		n = fread(buf, 1, len - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
}

static int
mode_of(const char *p)
{
	struct stat sb;

	return lstat(p, &sb) == 0 ? (int)(sb.st_mode & 07777) : -1;
}

int
main(void)
{
	struct atomicfile af;
	struct err err;
	struct stat sb;
	char buf[256];
	mode_t old;

	snprintf(dir, sizeof(dir), "/tmp/test_atomicfile.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/out", dir);
	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	snprintf(victim, sizeof(victim), "%s/victim", dir);

	/* Content and the exact mode, whatever the umask. */
	old = umask(077);
	CHECK_INT(atomicfile_write(path, "one\n", 4, 0644, &err), 0);
	slurp(path, buf, sizeof(buf));
	CHECK_STR(buf, "one\n");
	CHECK_INT(mode_of(path), 0644);
	CHECK_INT(atomicfile_write(path, "two\n", 4, 0640, &err), 0);
	slurp(path, buf, sizeof(buf));
	CHECK_STR(buf, "two\n");
	CHECK_INT(mode_of(path), 0640);
	umask(old);
	CHECK_INT(access(tmp, F_OK), -1);

	/* A symlink planted under the temporary name: removed, never written through. */
	{
		FILE *f = fopen(victim, "w");

		if (f != NULL) {
			fputs("secret\n", f);
			fclose(f);
		}
	}
	chmod(victim, 0600);
	CHECK_INT(symlink(victim, tmp), 0);
	CHECK_INT(atomicfile_write(path, "three\n", 6, 0644, &err), 0);
	slurp(victim, buf, sizeof(buf));
	CHECK_STR(buf, "secret\n");
	CHECK_INT(mode_of(victim), 0600);
	slurp(path, buf, sizeof(buf));
	CHECK_STR(buf, "three\n");
	CHECK(lstat(path, &sb) == 0 && S_ISREG(sb.st_mode));
	CHECK_INT(access(tmp, F_OK), -1);

	/* Streamed, then abandoned: the old file stays, no temporary file. */
	CHECK_INT(atomicfile_open(&af, path, 0644, &err), 0);
	fputs("half", af.f);
	CHECK_STR(af.tmp, tmp);
	atomicfile_abort(&af);
	atomicfile_abort(&af);
	slurp(path, buf, sizeof(buf));
	CHECK_STR(buf, "three\n");
	CHECK_INT(access(tmp, F_OK), -1);

	/* A directory that is not there: an error naming the file, nothing else. */
	CHECK_INT(atomicfile_write("/nonexistent-dir/x", "x", 1, 0644, &err), -1);
	CHECK_INT(err.kind, ERR_IO);
	CHECK(strstr(err.msg, "/nonexistent-dir/x.") != NULL);
	/* A file in the way of the rename (a directory of that name): refused, tmp removed. */
	snprintf(buf, sizeof(buf), "%s/d", dir);
	mkdir(buf, 0755);
	CHECK_INT(atomicfile_write(buf, "x", 1, 0644, &err), -1);
	snprintf(tmp, sizeof(tmp), "%s/d.%ld.tmp", dir, (long)getpid());
	CHECK_INT(access(tmp, F_OK), -1);

	rmdir(buf);
	unlink(path);
	unlink(victim);
	rmdir(dir);
	return CHECK_DONE();
}
