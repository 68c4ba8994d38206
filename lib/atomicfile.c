/* atomicfile: a file replaced at once (temporary file beside it, fsync, rename, fsync of the
 * directory), with one temporary name and one rule against links planted under that name. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"

int
atomicfile_open(struct atomicfile *af, const char *path, mode_t mode, struct err *err)
{
	int fd = -1;

	af->path = path;
	af->f = NULL;
	if (asprintf(&af->tmp, "%s.%ld.tmp", path, (long)getpid()) == -1) {
		af->tmp = NULL;
		err_set(err, ERR_NOMEM, "out of memory");
		return -1;
	}
	unlink(af->tmp);
	if ((fd = open(af->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)) == -1 ||
	    fchmod(fd, mode) == -1 || (af->f = fdopen(fd, "w")) == NULL) {
		err_set(err, ERR_IO, "%s: %s", af->tmp, strerror(errno));
		if (fd != -1) {
			close(fd);
			unlink(af->tmp);
		}
		free(af->tmp);
		af->tmp = NULL;
		return -1;
	}
	return 0;
}

void
atomicfile_abort(struct atomicfile *af)
{
	if (af->f != NULL)
		fclose(af->f);
	af->f = NULL;
	if (af->tmp != NULL)
		unlink(af->tmp);
	free(af->tmp);
	af->tmp = NULL;
}

/* The rename is durable once the directory is: best effort, as the file is in place already
 * and a reader sees it either way. */
static void
sync_dir(const char *path)
{
	char *copy = strdup(path);
	int fd;

	if (copy == NULL)
		return;
	if ((fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		fsync(fd);
		close(fd);
	}
	free(copy);
}

int
atomicfile_commit(struct atomicfile *af, struct err *err)
{
	FILE *f = af->f;
	int failed;

	af->f = NULL;
	failed = fflush(f) != 0 || fsync(fileno(f)) == -1;
	if (fclose(f) != 0 || failed) {
		err_set(err, ERR_IO, "%s: %s", af->tmp, strerror(errno));
		atomicfile_abort(af);
		return -1;
	}
	if (rename(af->tmp, af->path) == -1) {
		err_set(err, ERR_IO, "%s: %s", af->path, strerror(errno));
		atomicfile_abort(af);
		return -1;
	}
	free(af->tmp);
	af->tmp = NULL;
	sync_dir(af->path);
	return 0;
}

int
atomicfile_write(const char *path, const void *data, size_t len, mode_t mode, struct err *err)
{
	struct atomicfile af;

	if (atomicfile_open(&af, path, mode, err) == -1)
		return -1;
	if (len > 0 && fwrite(data, 1, len, af.f) != len) {
		err_set(err, ERR_IO, "%s: %s", af.tmp, strerror(errno));
		atomicfile_abort(&af);
		return -1;
	}
	return atomicfile_commit(&af, err);
}
