/* fastpath: a resident worker's own answer to a complete request: a hit, or a rejection made
 * before any storage is involved. It reuses the pipeline's parts (decode, ocsp, route, respond,
 * the log line) so a hit reads the same whichever process gave it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode.h"
#include "fastpath.h"
#include "health.h"
#include "ocsp.h"
#include "peer.h"
#include "respond.h"
#include "route.h"
#include "serve.h"

static void
log_line(const struct http_request *req, const struct fast_conn *c, const char *rid,
         const struct ocsp_request *oreq, const char *result, int status, const char *upstream,
         const char *reason)
{
	struct request_log l;

	memset(&l, 0, sizeof(l));
	l.oreq = oreq;
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
ocsp_error(const struct http_request *req, const char *rid, enum ocsp_status st, time_t now,
           char **out, size_t *outlen)
{
	struct reply r;

	memset(&r, 0, sizeof(r));
	r.status = 200;
	r.body = ocsp_error_response(st, &r.len);
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

int
fast_answer(const struct config *cfg, struct hotcache *hc, const struct http_request *req,
            int rc, const struct fast_conn *c, char **out, size_t *outlen)
{
	char named[2048], rid[REQUEST_ID_LEN + 1];
	struct ocsp_input in;
	struct ocsp_request oreq;
	const struct hot_entry *e;
	enum decode_result dr;
	time_t now = time(NULL);
	int answered = 0, have_oreq = 0, named_rc, status = 200;

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
	if (dr == DECODE_NONE || ocsp_request_parse(in.der, in.len, &oreq) == -1) {
		log_line(req, c, rid, NULL, "rejected", 200, NULL, "not an OCSP request");
		answered = ocsp_error(req, rid, OCSP_ST_MALFORMED, now, out, outlen) == 0;
		goto out;
	}
	have_oreq = 1;
	/* As serve.c: an upstream the request names is checked before the cache is consulted;
	 * anything but an allowed one (or none) is the pipeline's to refuse. */
	named_rc = route_from_request(cfg, req, &in, c->fd, named, sizeof(named));
	if (named_rc == -1 || (named_rc == 1 && !route_allowed(cfg, named)) || !oreq.cacheable)
		goto out;
	if (hot_get(hc, oreq.key, now, &e) != 1 || hit(req, rid, e, now, out, outlen, &status) == -1)
		goto out;
	hot_hit(hc, e, now);
	log_line(req, c, rid, &oreq, "hit", status, named_rc == 1 ? named : NULL, NULL);
	answered = 1;
out:
	if (have_oreq)
		ocsp_request_free(&oreq);
	ocsp_input_free(&in);
	return answered;
}
