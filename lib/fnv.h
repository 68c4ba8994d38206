/* fnv: FNV-1a, the one hash of in-memory tables (the resident cache's buckets, the fast path's
 * memo). Inline: it runs on every hit. */
#ifndef OCSP_PROXY_FNV_H
#define OCSP_PROXY_FNV_H

#include <stddef.h>

static inline size_t
fnv1a(const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t h = 14695981039346656037ULL, i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

#endif
