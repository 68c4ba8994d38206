/* track: the Redis connection that receives client-side-caching invalidations. hiredis 0.14
 * speaks RESP2 only, where invalidations arrive as pub/sub messages on __redis__:invalidate
 * carrying an array of keys (nil for "everything"). */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "redis.h"
#include "track.h"

#define CHANNEL "__redis__:invalidate"

struct track {
	redisContext *c;
	long long id;
};

static int
expect(redisContext *c, redisReply *r, struct err *err)
{
	if (r == NULL) {
		err_set(err, ERR_IO, "redis: %s", c->errstr[0] ? c->errstr : "connection lost");
		return -1;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		err_set(err, ERR_REFUSED, "redis: %s", r->str);
		return -1;
	}
	return 0;
}

struct track *
track_open(const struct config *cfg, struct err *err)
{
	struct track *t = calloc(1, sizeof(*t));
	redisReply *r = NULL;
	int fl;

	if (t == NULL) {
		err_set(err, ERR_NOMEM, "out of memory");
		return NULL;
	}
	if ((t->c = redis_connect(cfg, REDIS_PRIMARY, err)) == NULL)
		goto fail;
	r = redisCommand(t->c, "CLIENT ID");
	if (expect(t->c, r, err) == -1)
		goto fail;
	if (r->type != REDIS_REPLY_INTEGER || r->integer <= 0) {
		err_set(err, ERR_PROTOCOL, "redis: unexpected reply to CLIENT ID");
		goto fail;
	}
	t->id = r->integer;
	freeReplyObject(r);
	r = redisCommand(t->c, "SUBSCRIBE " CHANNEL);
	if (expect(t->c, r, err) == -1)
		goto fail;
	if (r->type != REDIS_REPLY_ARRAY) {
		err_set(err, ERR_PROTOCOL, "redis: unexpected reply to SUBSCRIBE");
		goto fail;
	}
	freeReplyObject(r);
	/* From now on read only when epoll says so. */
	t->c->flags &= ~REDIS_BLOCK;
	if ((fl = fcntl(t->c->fd, F_GETFL)) == -1 || fcntl(t->c->fd, F_SETFL, fl | O_NONBLOCK) == -1) {
		err_set(err, ERR_IO, "fcntl: cannot make the tracking socket non-blocking");
		r = NULL;
		goto fail;
	}
	return t;
fail:
	if (r != NULL)
		freeReplyObject(r);
	track_close(t);
	return NULL;
}

void
track_close(struct track *t)
{
	if (t == NULL)
		return;
	if (t->c != NULL)
		redisFree(t->c);
	free(t);
}

long long
track_id(const struct track *t)
{
	return t->id;
}

int
track_fd(const struct track *t)
{
	return t->c->fd;
}

/* One pub/sub push: ["message", channel, keys or nil]. -1 when it is anything else. */
static int
dispatch(const redisReply *r, track_fn *fn, void *arg)
{
	const redisReply *keys;
	size_t i;

	if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 ||
	    r->element[0]->type != REDIS_REPLY_STRING || strcmp(r->element[0]->str, "message") != 0)
		return -1;
	keys = r->element[2];
	if (keys->type == REDIS_REPLY_NIL) {
		fn(arg, NULL, 0);
		return 0;
	}
	if (keys->type == REDIS_REPLY_STRING) {
		fn(arg, keys->str, keys->len);
		return 0;
	}
	if (keys->type != REDIS_REPLY_ARRAY)
		return -1;
	for (i = 0; i < keys->elements; i++)
		if (keys->element[i]->type == REDIS_REPLY_STRING)
			fn(arg, keys->element[i]->str, keys->element[i]->len);
	return 0;
}

int
track_read(struct track *t, track_fn *fn, void *arg)
{
	redisReply *r;
	int rc;

	/* Level-triggered: one read per wake-up is enough, epoll calls again while data waits. */
	if (redisBufferRead(t->c) != REDIS_OK)
		return -1;
	for (;;) {
		r = NULL;
		if (redisGetReplyFromReader(t->c, (void **)&r) != REDIS_OK)
			return -1;
		if (r == NULL)
			return 0;
		rc = dispatch(r, fn, arg);
		freeReplyObject(r);
		if (rc == -1)
			return -1;
	}
}
