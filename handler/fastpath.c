/* fastpath: a resident worker's own answer to a complete request: a hit, or a rejection made
 * before any storage is involved. It reuses the pipeline's parts (decode, ocsp, route, respond,
 * the log line) so a hit reads the same whichever process gave it. Parsing the OCSP request
 * with OpenSSL was the largest part of a hit, so what it gives for a cacheable request (the
 * CertID key and the serial) is remembered by the request's exact DER bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fnv.h"
#include "decode.h"
#include "bounds.h"
#include "fastpath.h"
#include "hotcache.h"
#include "health.h"
#include "ocsp.h"
#include "peer.h"
#include "respond.h"
#include "route.h"
#include "serve.h"

/* What ocsp_request_parse said of a cacheable request. */
struct memo {
	size_t len;
	unsigned char der[FASTPATH_MEMO_DER_MAX];
	char key[CERTID_HEX_MAX + 1];
	char serial[CERTID_HEX_MAX + 1];
};

struct fastpath {
	const struct config *cfg;
	struct hotcache *hc;
	struct memo *slot[FASTPATH_MEMO_SLOTS];
};

struct fastpath *
fast_new(const struct config *cfg, struct hotcache *hc)
{
	struct fastpath *fp = calloc(1, sizeof(*fp));

	if (fp != NULL) {
		fp->cfg = cfg;
		fp->hc = hc;
	}
	return fp;
}

void
fast_free(struct fastpath *fp)
{
	size_t i;

	if (fp == NULL)
		return;
	for (i = 0; i < FASTPATH_MEMO_SLOTS; i++)
		free(fp->slot[i]);
	free(fp);
}

static size_t
memo_slot(const unsigned char *der, size_t len)
{
	return fnv1a(der, len) % FASTPATH_MEMO_SLOTS;
}

/* The remembered parse of der, or NULL. */
static const struct memo *
memo_find(const struct fastpath *fp, const unsigned char *der, size_t len)
{
	const struct memo *m;

	if (len > FASTPATH_MEMO_DER_MAX || (m = fp->slot[memo_slot(der, len)]) == NULL)
		return NULL;
	return m->len == len && memcmp(m->der, der, len) == 0 ? m : NULL;
}

/* Remembers a cacheable request's key and serial; best effort. */
static void
memo_add(struct fastpath *fp, const unsigned char *der, size_t len,
         const struct ocsp_request *oreq)
{
	struct memo **m = &fp->slot[memo_slot(der, len)];

	if (len > FASTPATH_MEMO_DER_MAX || !oreq->cacheable)
		return;
	if (*m == NULL && (*m = malloc(sizeof(**m))) == NULL)
		return;
	(*m)->len = len;
	memcpy((*m)->der, der, len);
	memcpy((*m)->key, oreq->certid, sizeof((*m)->key));
	if (ocsp_request_serial(oreq, (*m)->serial, sizeof((*m)->serial)) != 0)
		(*m)->serial[0] = '\0';
}

/* What the log line will say, written once the answer is on its way (as nginx logs after it
 * responds): the client should not wait for our log. */
struct said {
	const char *result, *reason, *upstream;
	int status;
	const struct memo *m;
};

static void
log_line(const char *method, const struct fast_conn *c, const char *rid, const struct said *s)
{
	struct request_log l;

	memset(&l, 0, sizeof(l));
	if (s->m != NULL) {
		l.certid = s->m->key;
		l.serial = s->m->serial[0] != '\0' ? s->m->serial : NULL;
	}
	l.result = s->result;
	l.status = s->status;
	l.method = method;
	l.upstream = s->upstream;
	l.reason = s->reason;
	l.client = c->client;
	l.rid = rid;
	l.t0 = c->t0;
	handler_log_request(&l);
}

/* Hands the answer to the connection (which may be gone once send returns: nothing of the
 * request is used after), then logs it. */
static void
deliver(const struct fast_conn *c, const char *method, const char *rid, const struct said *s,
        char *out, size_t len)
{
	c->send(c->arg, out, len);
	log_line(method, c, rid, s);
}

static int
ocsp_error(const struct http_request *req, const char *rid, enum ocsp_status status, time_t now,
           char **out, size_t *outlen)
{
	struct reply r;

	memset(&r, 0, sizeof(r));
	r.status = 200;
	r.body = ocsp_error_response(status, &r.len);
	r.ocsp = 1;
	r.head = req->method == HTTP_HEAD;
	r.request_id = rid;
	return respond_format(&r, now, out, outlen);
}

int
fast_trylater(const struct http_request *req, const struct fast_conn *c, const char *why)
{
	const char *method = handler_method_name(req);
	struct said s = { "error", why, NULL, 200, NULL };
	char rid[REQUEST_ID_LEN + 1], *out;
	size_t len;

	peer_request_id(rid);
	if (ocsp_error(req, rid, OCSP_ST_TRYLATER, time(NULL), &out, &len) == -1)
		return -1;
	deliver(c, method, rid, &s, out, len);
	return 0;
}

/* A hit from e, with the pipeline's caching headers (send_cacheable in serve.c). */
static int
hit(const struct http_request *req, const char *rid, const struct hot_entry *e, time_t now,
    char **out, size_t *outlen, int *status)
{
	struct reply r;

	memset(&r, 0, sizeof(r));
	r.status = respond_etag_matches(req->if_none_match, e->etag) ? 304 : 200;
	r.body = e->resp;
	r.len = e->resp_len;
	r.ocsp = 1;
	r.this_update = e->this_update;
	r.next_update = e->next_update;
	r.due = e->due;
	r.etag = e->etag;
	r.head = req->method == HTTP_HEAD;
	r.request_id = rid;
	*status = r.status;
	return respond_format(&r, now, out, outlen);
}

/* The parse of the DER request, from memory or OpenSSL: 1 cacheable (*m set: remembered, or
 * in tmp for a request too long to remember), 0 a valid request the pipeline must answer, -1
 * not an OCSP request. */
static int
parse(struct fastpath *fp, const struct ocsp_input *in, struct memo *tmp, const struct memo **m)
{
	struct ocsp_request oreq;
	int cacheable;

	if ((*m = memo_find(fp, in->der, in->len)) != NULL)
		return 1;
	if (ocsp_request_parse(in->der, in->len, &oreq) == -1)
		return -1;
	if ((cacheable = oreq.cacheable)) {
		memo_add(fp, in->der, in->len, &oreq);
		if ((*m = memo_find(fp, in->der, in->len)) == NULL) {
			memcpy(tmp->key, oreq.certid, sizeof(tmp->key));
			if (ocsp_request_serial(&oreq, tmp->serial, sizeof(tmp->serial)) != 0)
				tmp->serial[0] = '\0';
			*m = tmp;
		}
	}
	ocsp_request_free(&oreq);
	return cacheable;
}

int
fast_answer(struct fastpath *fp, const struct http_request *req, int rc,
            const struct fast_conn *c)
{
	const struct config *cfg = fp->cfg;
	const char *method = handler_method_name(req);
	char named[2048], rid[REQUEST_ID_LEN + 1], *out = NULL;
	struct said s = { "rejected", NULL, NULL, rc, NULL };
	struct ocsp_input in;
	const struct hot_entry *e;
	struct memo tmp;
	enum decode_result dr;
	time_t now = time(NULL);
	size_t len = 0;
	int answered = 0, named_rc, pr, hrc = -1;

	if (rc == 0 && health_wanted(req))
		return 0;
	peer_request_id(rid);
	memset(&in, 0, sizeof(in));
	if (rc != 0) {
		s.reason = http_reason(rc);
		answered = respond_error_format(rc, rid, &out, &len) == 0;
		goto out;
	}
	dr = decode_request(req, cfg->max_request_bytes, &in);
	if (dr == DECODE_BAD_TARGET) {
		s.status = 400;
		s.reason = "bad request target";
		answered = respond_error_format(400, rid, &out, &len) == 0;
		goto out;
	}
	if (dr == DECODE_NONE || (pr = parse(fp, &in, &tmp, &s.m)) == -1) {
		s.status = 200;
		s.reason = "not an OCSP request";
		s.m = NULL;
		answered = ocsp_error(req, rid, OCSP_ST_MALFORMED, now, &out, &len) == 0;
		goto out;
	}
	/* Not cacheable (nonce, several CertIDs): the pipeline's. As serve.c, an upstream the
	 * request names is checked before the cache is consulted; anything but an allowed one (or
	 * none) is the pipeline's to refuse. */
	if (pr == 0)
		goto out;
	named_rc = route_from_request(cfg, req, &in, c->fd, named, sizeof(named));
	if (named_rc == -1 || (named_rc == 1 && !route_allowed(cfg, named)))
		goto out;
	if ((hrc = hot_get(fp->hc, s.m->key, now, &e)) != 1 ||
	    hit(req, rid, e, now, &out, &len, &s.status) == -1) {
		if (hrc == 0 && c->miss != NULL)
			memcpy(c->miss, s.m->key, strlen(s.m->key) + 1);
		goto out;
	}
	hot_hit(fp->hc, e, now);
	s.result = c->coalesced ? "coalesced" : "hit";
	s.upstream = named_rc == 1 ? named : NULL;
	answered = 1;
out:
	if (answered)
		deliver(c, method, rid, &s, out, len);
	ocsp_input_free(&in);
	return answered;
}
