/* answer: a validated upstream answer -> struct entry (etag, status, times, serial, due from
 * the refresh policy) -> store_put. */
#include <string.h>

#include "answer.h"
#include "policy.h"

void
answer_prepare(const struct config *cfg, struct answer *a)
{
	ocsp_etag(a->resp, a->resp_len, a->etag);
	a->due = policy_next_due(cfg, a->now, a->info->this_update, a->info->next_update,
	                         a->info->cert_status, 0, a->stapled, a->now);
	if (a->due < a->earliest)
		a->due = a->earliest;
}

enum store_put_result
answer_store(struct store *st, const struct config *cfg, struct answer *a)
{
	char serial[CERTID_HEX_MAX + 1];
	struct entry e;

	answer_prepare(cfg, a);
	/* The serial comes from the CertID, so every entry has one, whoever stored it. */
	ocsp_request_serial(a->req, serial, sizeof(serial));
	memset(&e, 0, sizeof(e));
	e.resp = (unsigned char *)a->resp;
	e.resp_len = a->resp_len;
	e.req = a->req->der;
	e.req_len = a->req->der_len;
	e.url = (char *)a->url;
	memcpy(e.etag, a->etag, sizeof(e.etag));
	e.cert_status = a->info->cert_status;
	e.this_update = a->info->this_update;
	e.next_update = a->info->next_update;
	e.fetched = a->now;
	e.serial = serial;
	e.subject = (char *)a->subject;
	e.issuer = (char *)a->issuer;
	return store_put(st, a->certid, &e, a->due);
}

int
answer_replaces(time_t cached_this, int cached_status, time_t this_update, int cert_status)
{
	if (cached_status == OCSP_CERT_UNKNOWN && cert_status != OCSP_CERT_UNKNOWN)
		return 1;
	if (cached_this == this_update)
		return !(cached_status == OCSP_CERT_REVOKED && cert_status != OCSP_CERT_REVOKED);
	return cached_this < this_update;
}
