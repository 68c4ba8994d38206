/* fastpath: a resident worker's own answer to a complete request: a hit, or a rejection made
 * before any storage is involved. It reuses the pipeline's parts (decode, ocsp, route, respond,
 * the log line) so a hit reads the same whichever process gave it. Parsing the OCSP request
 * with OpenSSL was the largest part of a hit, so what it gives for a cacheable request (the
 * CertID key and the serial) is remembered by the request's exact DER bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
	size_t h = 14695981039346656037ULL, i;

	for (i = 0; i < len; i++)
		h = (h ^ der[i]) * 1099511628211ULL;
	return h % FASTPATH_MEMO_SLOTS;
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

static void
log_line(const struct http_request *req, const struct fast_conn *c, const char *rid,
         const struct memo *m, const char *result, int status, const char *upstream,
         const char *reason)
{
	struct request_log l;

	memset(&l, 0, sizeof(l));
	if (m != NULL) {
		l.certid = m->key;
		l.serial = m->serial[0] != '\0' ? m->serial : NULL;
	}
	l.result = result;
	l.status = status;
	l.method = handler_method_name(req);
	l.upstream = upstream;
	l.reason = reason;
	l.client = c->client;
	l.rid = rid;
	l.t0 = c->t0;
	handler_log_request(&l);
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
fast_trylater(const struct http_request *req, const struct fast_conn *c, const char *why,
              char **out, size_t *outlen)
{
	char rid[REQUEST_ID_LEN + 1];

	peer_request_id(rid);
	log_line(req, c, rid, NULL, "error", 200, NULL, why);
	return ocsp_error(req, rid, OCSP_ST_TRYLATER, time(NULL), out, outlen);
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

/* A plain error answer, logged as a rejection. */
static int
reject(const struct http_request *req, const struct fast_conn *c, const char *rid, int status,
       const char *why, char **out, size_t *outlen)
{
	log_line(req, c, rid, NULL, "rejected", status, NULL, why);
	return respond_error_format(status, rid, out, outlen) == 0;
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
            const struct fast_conn *c, char **out, size_t *outlen)
{
	const struct config *cfg = fp->cfg;
	char named[2048], rid[REQUEST_ID_LEN + 1];
	struct ocsp_input in;
	const struct hot_entry *e;
	const struct memo *m = NULL;
	struct memo tmp;
	enum decode_result dr;
	time_t now = time(NULL);
	int answered = 0, named_rc, status = 200, pr;

	if (rc == 0 && health_wanted(req))
		return 0;
	peer_request_id(rid);
	if (rc != 0)
		return reject(req, c, rid, rc, http_reason(rc), out, outlen);
	memset(&in, 0, sizeof(in));
	dr = decode_request(req, cfg->max_request_bytes, &in);
	if (dr == DECODE_BAD_TARGET) {
		answered = reject(req, c, rid, 400, "bad request target", out, outlen);
		goto out;
	}
	if (dr == DECODE_NONE || (pr = parse(fp, &in, &tmp, &m)) == -1) {
		log_line(req, c, rid, NULL, "rejected", 200, NULL, "not an OCSP request");
		answered = ocsp_error(req, rid, OCSP_ST_MALFORMED, now, out, outlen) == 0;
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
	if (hot_get(fp->hc, m->key, now, &e) != 1 ||
	    hit(req, rid, e, now, out, outlen, &status) == -1)
		goto out;
	hot_hit(fp->hc, e, now);
	log_line(req, c, rid, m, "hit", status, named_rc == 1 ? named : NULL, NULL);
	answered = 1;
out:
	ocsp_input_free(&in);
	return answered;
}
