/* strlist: a growable list of owned strings. */
#ifndef OCSP_PROXY_STRLIST_H
#define OCSP_PROXY_STRLIST_H

#include <stddef.h>

struct strlist {
	char **v;
	size_t n;
};

/* Appends a copy of s. 0 ok, -1 out of memory. */
int strlist_push(struct strlist *l, const char *s);
/* Frees every string and the list, leaving it empty (and reusable). */
void strlist_free(struct strlist *l);

#endif
