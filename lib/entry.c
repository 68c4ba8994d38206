/* entry: an entry's fields (ENTRY_FIELDS, store.h) to and from the values of its Redis hash:
 * how each is parsed from a reply and written as a put script argument. store.c's alone. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "entry.h"

/* ENTRY_FIELDS (store.h) as data: where each field lives in struct entry and how it is read
 * and written. */
enum field_kind { FK_BYTES, FK_STR, FK_HEX, FK_TIME, FK_INT };
enum field_missing { FM_ABSENT, FM_ZERO, FM_MINUS1 };
enum field_put { FP_SET, FP_CLEAR, FP_FILL, FP_KEEP };

struct field {
	const char *name;
	enum field_kind kind;
	enum field_missing missing;
	enum field_put put;
	size_t off, len_off, size;
};

#define FIELD_DEF(name, member, len, kind, missing, put) \
	{ name, FK_##kind, FM_##missing, FP_##put, offsetof(struct entry, member), \
	  offsetof(struct entry, len), sizeof(((struct entry *)0)->member) },
static const struct field fields[] = { ENTRY_FIELDS(FIELD_DEF) };

/* A row whose kind does not match its member's type fails the build. */
#define FK_SIZE_BYTES sizeof(unsigned char *)
#define FK_SIZE_STR sizeof(char *)
#define FK_SIZE_HEX sizeof(((struct entry *)0)->etag)
#define FK_SIZE_TIME sizeof(time_t)
#define FK_SIZE_INT sizeof(int)
#define FIELD_CHECK(name, member, len, kind, missing, put) \
	_Static_assert(FK_##kind == FK_HEX || sizeof(((struct entry *)0)->member) == FK_SIZE_##kind, \
	               "field " name ": kind and member type differ"); \
	_Static_assert(FK_##kind != FK_BYTES || sizeof(((struct entry *)0)->len) == sizeof(size_t), \
	               "field " name ": length member is not a size_t"); \
	_Static_assert(FM_##missing != FM_MINUS1 || FK_##kind == FK_INT, \
	               "field " name ": only an int reads as -1");
ENTRY_FIELDS(FIELD_CHECK)

const char *
entry_field_name(size_t i)
{
	return fields[i].name;
}

void
entry_free(struct entry *e)
{
	size_t i;

	for (i = 0; i < ENTRY_NFIELDS; i++)
		if (fields[i].kind == FK_BYTES || fields[i].kind == FK_STR)
			free(*(void **)((char *)e + fields[i].off));
	memset(e, 0, sizeof(*e));
}

static int
parse_ll(const redisReply *r, long long *out)
{
	char *end;

	if (r == NULL || r->type != REDIS_REPLY_STRING || r->len == 0 || r->len > REDIS_NUMBER_MAX)
		return -1;
	if (r->str[0] != '-' && (r->str[0] < '0' || r->str[0] > '9'))
		return -1;
	errno = 0;
	*out = strtoll(r->str, &end, 10);
	return errno != 0 || end != r->str + r->len ? -1 : 0;
}

int
reply_score(const redisReply *r, long long *out)
{
	char *end;
	double d;

	if (r == NULL || r->type != REDIS_REPLY_STRING)
		return -1;
	d = strtod(r->str, &end);
	/* Written this way round so NaN fails too. */
	if (end == r->str || *end != '\0' || !(d >= 0 && d <= 1e15))
		return -1;
	*out = (long long)d;
	return 0;
}

static int
dup_bytes(const redisReply *r, unsigned char **out, size_t *len)
{
	if (r == NULL || r->type != REDIS_REPLY_STRING || r->len == 0)
		return -1;
	if ((*out = malloc(r->len)) == NULL)
		return -1;
	memcpy(*out, r->str, r->len);
	*len = r->len;
	return 0;
}

static char *
dup_str(const redisReply *r)
{
	if (r == NULL || r->type != REDIS_REPLY_STRING)
		return NULL;
	return strndup(r->str, r->len);
}

/* One field from its reply into out. 0 set, -1 missing or malformed. */
static int
parse_field(const struct field *f, const redisReply *r, struct entry *out)
{
	char *p = (char *)out + f->off;
	long long v;

	switch (f->kind) {
	case FK_BYTES:
		return dup_bytes(r, (unsigned char **)(void *)p, (size_t *)(void *)((char *)out + f->len_off));
	case FK_STR:
		if (r == NULL || r->type != REDIS_REPLY_STRING || r->len == 0)
			return -1;
		return (*(char **)(void *)p = dup_str(r)) != NULL ? 0 : -1;
	case FK_HEX:
		if (r == NULL || r->type != REDIS_REPLY_STRING || r->len >= f->size)
			return -1;
		memcpy(p, r->str, r->len);
		p[r->len] = '\0';
		return 0;
	case FK_TIME:
		if (parse_ll(r, &v) == -1 || v < 0 || v > STORED_TIME_MAX)
			return -1;
		*(time_t *)(void *)p = (time_t)v;
		return 0;
	case FK_INT:
		if (parse_ll(r, &v) == -1 || v < -STORED_INT_MAX || v > STORED_INT_MAX)
			return -1;
		*(int *)(void *)p = (int)v;
		return 0;
	}
	return -1;
}

/* Fills out from the n values of an HMGET of the first n fields and the entry's ZSCORE in the
 * schedule. 1 when the entry is whole, 0 when it is absent or malformed: a malformed entry is
 * a miss, replaced by the next good answer. */
int
entry_parse(redisReply **e, size_t n, const redisReply *due, struct entry *out)
{
	long long v;
	size_t i;

	for (i = 0; i < n; i++) {
		if (parse_field(&fields[i], e[i], out) == 0)
			continue;
		if (fields[i].missing == FM_ABSENT) {
			entry_free(out);
			return 0;
		}
		if (fields[i].missing == FM_MINUS1)
			*(int *)(void *)((char *)out + fields[i].off) = -1;
	}
	if (reply_score(due, &v) == 0)
		out->due = (time_t)v;
	return 1;
}

/* The put script's argument for one field: points *arg at the value (its text, or num filled). */
static void
put_arg(const struct field *f, const struct entry *e, char num[24], const char **arg, size_t *len)
{
	const char *p = (const char *)e + f->off;
	const char *s;

	*arg = num;
	switch (f->kind) {
	case FK_BYTES:
		s = *(const char *const *)(const void *)p;
		*len = s != NULL ? *(const size_t *)(const void *)((const char *)e + f->len_off) : 0;
		*arg = s != NULL ? s : "";
		break;
	case FK_STR:
		s = *(const char *const *)(const void *)p;
		*arg = s != NULL ? s : "";
		*len = strlen(*arg);
		break;
	case FK_HEX:
		*arg = p;
		*len = strnlen(p, f->size);
		break;
	case FK_TIME:
		*len = (size_t)snprintf(num, 24, "%lld", (long long)*(const time_t *)(const void *)p);
		break;
	case FK_INT:
		*len = (size_t)snprintf(num, 24, "%d", *(const int *)(const void *)p);
		break;
	}
	if (f->put == FP_CLEAR) {
		*arg = f->kind == FK_TIME || f->kind == FK_INT ? "0" : "";
		*len = strlen(*arg);
	}
}

void
entry_put_args(const struct entry *e, const char **argv, size_t *lens, char nums[][24])
{
	size_t i;

	for (i = 0; i < ENTRY_NFIELDS; i++)
		put_arg(&fields[i], e, nums[i], &argv[i], &lens[i]);
}
