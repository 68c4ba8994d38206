/* verify: RFC 6960 4.2.2.2, who may sign an OCSP response: the CA that issued the certificate
 * (the CertID's issuer, found in the issuer store) or a responder certificate that CA issued
 * for the purpose (id-kp-OCSPSigning), valid now. OCSP_basic_verify is not used: it finds no
 * signer when a CA signs its answers itself and embeds no certificate. */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "hex.h"
#include "verify.h"

/* The issuer the CertID names, or NULL with why saying what to configure. */
static X509 *
issuer_of(struct issuers *is, const OCSP_CERTID *cid, char *why, size_t whylen)
{
	ASN1_OCTET_STRING *inh = NULL, *ikh = NULL;
	ASN1_OBJECT *md = NULL;
	char h[129];
	X509 *x;
	int nid;

	if (OCSP_id_get0_info(&inh, &md, &ikh, NULL, (OCSP_CERTID *)cid) != 1 || inh == NULL ||
	    ikh == NULL || md == NULL) {
		snprintf(why, whylen, "a CertID without hashes");
		return NULL;
	}
	nid = OBJ_obj2nid(md);
	x = issuers_find(is, nid, inh->data, (size_t)inh->length, ikh->data, (size_t)ikh->length);
	if (x == NULL) {
		hex_encode(ikh->data, (size_t)ikh->length, h, sizeof(h));
		snprintf(why, whylen, "issuer unknown: no certificate in the issuer store has the %s "
		         "issuer key hash %s; add the issuing CA's certificate to `issuers` or "
		         "issuers_dir (ocsp-proxyctl prefetch --issuer)",
		         nid != NID_undef ? OBJ_nid2sn(nid) : "unknown-digest", h);
	}
	return x;
}

/* A delegated responder: issued and signed by issuer, for OCSP signing, valid at now. */
static int
delegate_ok(X509 *signer, X509 *issuer, time_t now, char *why, size_t whylen)
{
	uint32_t flags = X509_get_extension_flags(signer);

	if (X509_check_issued(issuer, signer) != X509_V_OK ||
	    X509_verify(signer, X509_get0_pubkey(issuer)) != 1) {
		snprintf(why, whylen, "signed by a certificate the CertID's issuer did not issue");
		return 0;
	}
	if ((flags & EXFLAG_INVALID) != 0 || (flags & EXFLAG_XKUSAGE) == 0 ||
	    (X509_get_extended_key_usage(signer) & XKU_OCSP_SIGN) == 0) {
		snprintf(why, whylen, "responder certificate lacks the OCSPSigning extended key usage");
		return 0;
	}
	if (X509_cmp_time(X509_get0_notBefore(signer), &now) >= 0 ||
	    X509_cmp_time(X509_get0_notAfter(signer), &now) <= 0) {
		snprintf(why, whylen, "responder certificate not valid now");
		return 0;
	}
	return 1;
}

/* With trust_anchors, the issuer must chain to them (an intermediate listed there is an anchor
 * itself). */
static int
chains(struct issuers *is, X509 *issuer, time_t now)
{
	X509_STORE *anchors;
	X509_STORE_CTX *ctx;
	X509_VERIFY_PARAM *p;
	struct err err;
	int ok = 0;

	if ((anchors = issuers_anchors(is, &err)) == NULL)
		return err.kind == ERR_NONE; /* unset: nothing to chain to */
	if ((ctx = X509_STORE_CTX_new()) == NULL)
		return 0;
	if (X509_STORE_CTX_init(ctx, anchors, issuer, issuers_all(is)) == 1) {
		p = X509_STORE_CTX_get0_param(ctx);
		X509_VERIFY_PARAM_set_flags(p, X509_V_FLAG_PARTIAL_CHAIN);
		X509_VERIFY_PARAM_set_time(p, now);
		ok = X509_verify_cert(ctx) == 1;
	}
	X509_STORE_CTX_free(ctx);
	return ok;
}

/* The signer of bs, issuer or delegate, checked for issuer; then the signature itself. */
static enum verify_result
check_signer(OCSP_BASICRESP *bs, struct issuers *is, X509 *issuer, time_t now, char *why,
             size_t whylen)
{
	STACK_OF(X509) *candidates = sk_X509_new_null();
	X509 *signer = NULL;
	enum verify_result rc = VERIFY_BAD;

	/* The issuer is a candidate: a CA signing itself often embeds no certificate. */
	if (candidates == NULL || !sk_X509_push(candidates, issuer)) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	if (OCSP_resp_get0_signer(bs, &signer, candidates) != 1 || signer == NULL) {
		snprintf(why, whylen, "the responder ID names neither the CertID's issuer nor a "
		         "certificate in the response");
		goto out;
	}
	if (EVP_PKEY_eq(X509_get0_pubkey(signer), X509_get0_pubkey(issuer)) != 1 &&
	    !delegate_ok(signer, issuer, now, why, whylen))
		goto out;
	if (ASN1_item_verify(ASN1_ITEM_rptr(OCSP_RESPDATA), OCSP_resp_get0_tbs_sigalg(bs),
	                     (const ASN1_BIT_STRING *)OCSP_resp_get0_signature(bs),
	                     OCSP_resp_get0_respdata(bs), X509_get0_pubkey(signer)) != 1) {
		snprintf(why, whylen, "signature does not verify");
		goto out;
	}
	if (!chains(is, issuer, now)) {
		snprintf(why, whylen, "the CertID's issuer does not chain to trust_anchors");
		goto out;
	}
	rc = VERIFY_OK;
out:
	sk_X509_free(candidates);
	return rc;
}

enum verify_result
verify_response(OCSP_BASICRESP *bs, struct issuers *is, time_t now, char *why, size_t whylen)
{
	X509 *issuer, *checked = NULL;
	enum verify_result rc = VERIFY_OK;
	int i, n = OCSP_resp_count(bs);

	if (n <= 0) {
		snprintf(why, whylen, "no SingleResponse");
		return VERIFY_BAD;
	}
	for (i = 0; i < n && rc == VERIFY_OK; i++) {
		issuer = issuer_of(is, OCSP_SINGLERESP_get0_id(OCSP_resp_get0(bs, i)), why, whylen);
		if (issuer == NULL)
			rc = VERIFY_NO_ISSUER;
		else if (issuer != checked) /* most responses speak for one CA: check it once */
			rc = check_signer(bs, is, issuer, now, why, whylen);
		checked = issuer;
	}
	ERR_clear_error();
	return rc;
}
