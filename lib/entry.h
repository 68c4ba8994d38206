/* entry: an entry's fields (ENTRY_FIELDS, store.h) to and from the values of its Redis hash.
 * Only store.c uses it: the rest of the code sees struct entry. */
#ifndef OCSP_PROXY_ENTRY_H
#define OCSP_PROXY_ENTRY_H

#include <stddef.h>

#include <hiredis/hiredis.h>

#include "store.h"

#define ENTRY_FIELD_COUNT(...) + 1
/* Fields a lookup reads (the first ones, ENTRY_HIT_FIELDS), and all of them. */
enum {
	ENTRY_HIT_NFIELDS = 0 ENTRY_HIT_FIELDS(ENTRY_FIELD_COUNT),
	ENTRY_NFIELDS = 0 ENTRY_FIELDS(ENTRY_FIELD_COUNT)
};

/* Field i's name in the hash (HMGET arguments, in table order). */
const char *entry_field_name(size_t i);

/* Fills out from the n values of an HMGET of the first n fields and the entry's ZSCORE in the
 * schedule (due, may be NULL). 1 when the entry is whole, 0 when it is absent or malformed (out
 * then freed): a malformed entry is a miss, replaced by the next good answer. */
int entry_parse(redisReply **values, size_t n, const redisReply *due, struct entry *out);

/* The put script's ENTRY_NFIELDS arguments for e, by each field's put rule: argv[i] and
 * lens[i] point into e or into nums[i]. */
void entry_put_args(const struct entry *e, const char **argv, size_t *lens, char nums[][24]);

/* A sorted-set score as a whole number of seconds (0 to 1e15). 0 ok, -1 malformed. */
int reply_score(const redisReply *r, long long *out);

#endif
