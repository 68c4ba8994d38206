/* strlist: a growable list of owned strings (configuration lists, Redis replies). */
#include <stdlib.h>
#include <string.h>

#include "strlist.h"

void
strlist_free(struct strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int
strlist_push(struct strlist *l, const char *s)
{
	char **v, *d;

	if ((d = strdup(s)) == NULL)
		return -1;
	if ((v = realloc(l->v, (l->n + 1) * sizeof(*v))) == NULL) {
		free(d);
		return -1;
	}
	v[l->n++] = d;
	l->v = v;
	return 0;
}
