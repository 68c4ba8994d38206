/* atomicfile: replaces a file at once, so a reader sees the old file or the new one, never a part,
 * and a crash leaves one of them on disk. The one writer for staples, metrics, issuers and the
 * last good configuration. */
#ifndef OCSP_PROXY_ATOMICFILE_H
#define OCSP_PROXY_ATOMICFILE_H

#include <stdio.h>
#include <sys/types.h>

#include "err.h"

/* A replacement being written: f is a stream on the temporary file beside path,
 * "PATH.PID.tmp" (the name HAProxy's certificate directory scan and the staple writer skip). */
struct atomicfile {
	const char *path;            /* borrowed: must outlive the commit */
	char *tmp;
	FILE *f;
};

/* Creates the temporary file with exactly mode (umask aside). A file or symlink already under
 * that name (stale, or planted by anyone who can write to the directory) is removed first, and
 * O_EXCL | O_NOFOLLOW refuses one put back: nothing is ever written through a link. 0, or -1
 * with err (nothing left behind). */
int atomicfile_open(struct atomicfile *af, const char *path, mode_t mode, struct err *err);
/* Flushes and fsyncs the file, renames it over path and fsyncs the directory. 0, or -1 with err
 * and the temporary file removed. Either way af is done with. */
int atomicfile_commit(struct atomicfile *af, struct err *err);
/* Gives up: the temporary file removed, path untouched. Harmless on a closed af. */
void atomicfile_abort(struct atomicfile *af);

/* The whole file from one buffer: open, write, commit. 0, or -1 with err. */
int atomicfile_write(const char *path, const void *data, size_t len, mode_t mode,
                     struct err *err);

#endif
