/* verdict: the one decision on an upstream answer (verdict.h): status, every CertID asked for
 * answered and valid now, the nonce, the signature, the caller's extras, then cacheable or not. */
#include <stdio.h>
#include <string.h>

#include <openssl/ocsp.h>

#include "certfile.h"
#include "policy.h"
#include "verdict.h"
#include "verify.h"

/* The SingleResponse for the CertID asked about, valid now, into info. 0 ok, -1 with why. */
static int
answers_for(OCSP_BASICRESP *bs, OCSP_CERTID *id, time_t now, long long skew_s,
            struct ocsp_response_info *info, char *why, size_t whylen)
{
	if (ocsp_single_info(bs, id, info) == -1) {
		snprintf(why, whylen, "no response for this certificate");
		return -1;
	}
	/* No nextUpdate (RFC 6960 allows it: newer information is always available) passes here
	 * with next_update 0; how long such an answer is kept is policy_cacheable's call. */
	if (info->next_update != 0 && info->this_update >= info->next_update) {
		snprintf(why, whylen, "thisUpdate not before nextUpdate");
		return -1;
	}
	if (info->this_update > now + skew_s) {
		snprintf(why, whylen, "thisUpdate in the future");
		return -1;
	}
	if (info->next_update != 0 && info->next_update <= now) {
		snprintf(why, whylen, "expired");
		return -1;
	}
	return 0;
}

/* Every CertID of the request answered, valid now: a genuine answer for another serial, or an
 * old one replayed past its nextUpdate, reaches no client, whichever request it answers. info
 * gets the first CertID's. 0 ok, -1 with why. */
static int
covers(const struct ocsp_request *req, OCSP_BASICRESP *bs, time_t now, long long skew_s,
       struct ocsp_response_info *info, char *why, size_t whylen)
{
	struct ocsp_response_info one;
	char what[200];
	int i, n = OCSP_request_onereq_count(req->ossl);

	for (i = 0; i < n; i++) {
		OCSP_CERTID *id = OCSP_onereq_get0_id(OCSP_request_onereq_get0(req->ossl, i));

		memset(&one, 0, sizeof(one));
		if (answers_for(bs, id, now, skew_s, &one, what, sizeof(what)) == -1) {
			if (n == 1)
				snprintf(why, whylen, "%s", what);
			else
				snprintf(why, whylen, "CertID %d of %d: %s", i + 1, n, what);
			return -1;
		}
		if (i == 0) {
			one.status = info->status;
			*info = one;
		}
	}
	return n > 0 ? 0 : -1;
}

/* The nonce of a request that sent one: the answer carries the same bytes, or, with
 * nonce_missing = relay, none at all (a responder answering from pre-produced responses, as
 * RFC 5019 lets it). A different nonce is an answer made for another request. 0 ok, -1. */
static int
nonce_ok(const struct config *cfg, const struct ocsp_request *req, OCSP_BASICRESP *bs,
         char *why, size_t whylen)
{
	int rc = OCSP_check_nonce(req->ossl, bs);

	if (rc == 1)
		return 0;
	if (rc == -1) {
		/* NULL: a configuration built by hand, not read: the default. */
		if (cfg->nonce_missing == NULL || strcmp(cfg->nonce_missing, "refuse") != 0)
			return 0;
		snprintf(why, whylen, "the answer carries no nonce (nonce_missing = refuse)");
		return -1;
	}
	snprintf(why, whylen, "the answer's nonce is not the request's (a replay?)");
	return -1;
}

/* The signature (the costly check, last): the CertIDs' issuer or its responder, and with
 * rules->cf the certificate's own issuer too. */
static enum ocsp_verdict
signed_right(const struct answer_rules *rules, OCSP_BASICRESP *bs, const unsigned char *der,
             size_t len, enum ocsp_verdict v, char *why, size_t whylen)
{
	struct err e;

	if (rules->issuers != NULL &&
	    verify_response(bs, rules->issuers, rules->now, why, whylen) != VERIFY_OK)
		return OCSP_V_UNVERIFIED;
	if (rules->cf != NULL && !certfile_signed(rules->cf, der, len, &e)) {
		snprintf(why, whylen, "%s", e.msg);
		return OCSP_V_UNVERIFIED;
	}
	return v;
}

enum ocsp_verdict
answer_check(const struct answer_rules *rules, const struct ocsp_request *req,
             const unsigned char *der, size_t len, struct ocsp_response_info *info, char *why,
             size_t whylen)
{
	long long skew_s = rules->cfg->clock_skew / 1000;
	const unsigned char *p = der;
	OCSP_RESPONSE *resp = NULL;
	OCSP_BASICRESP *bs = NULL;
	enum ocsp_verdict v = OCSP_V_INVALID;

	memset(info, 0, sizeof(*info));
	info->cert_status = -1;
	snprintf(why, whylen, "not an OCSP response");
	if (len == 0 || len > OCSP_RESPONSE_DER_MAX || req->ossl == NULL)
		goto out;
	if ((resp = d2i_OCSP_RESPONSE(NULL, &p, (long)len)) == NULL || p != der + len)
		goto out;
	info->status = OCSP_response_status(resp);
	if (info->status != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
		/* Unsigned by design (RFC 6960 2.3): nothing in it can be checked, so nothing but
		 * the status is passed on. */
		snprintf(why, whylen, "upstream status %s", ocsp_status_name(info->status));
		v = OCSP_V_STATUS;
		goto out;
	}
	if ((bs = OCSP_response_get1_basic(resp)) == NULL) {
		snprintf(why, whylen, "not a basic OCSP response");
		goto out;
	}
	if (covers(req, bs, rules->now, skew_s, info, why, whylen) == -1)
		goto out;
	if (req->has_nonce && nonce_ok(rules->cfg, req, bs, why, whylen) == -1)
		goto out;
	v = req->cacheable ? OCSP_V_CACHEABLE : OCSP_V_RELAY;
	if ((v = signed_right(rules, bs, der, len, v, why, whylen)) == OCSP_V_UNVERIFIED)
		goto out;
	if ((rules->flags & ANSWER_NO_UNKNOWN) && info->cert_status == OCSP_CERT_UNKNOWN) {
		snprintf(why, whylen, "the responder answers unknown");
		v = OCSP_V_INVALID;
		goto out;
	}
	if (v == OCSP_V_RELAY)
		snprintf(why, whylen, "request not cacheable");
	else if ((v = policy_cacheable(rules->cfg, v, info, rules->now, why, whylen)) ==
	         OCSP_V_CACHEABLE)
		why[0] = '\0';
out:
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(resp);
	return v;
}
