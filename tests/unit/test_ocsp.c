/* test_ocsp: the CertID key and every verdict of the response checks, on certificates and
 * responses built here with OpenSSL (a CA, a delegated responder, leaves, chosen times); the
 * signature checks of lib/verify.c (issuer-signed with and without certificates, delegated,
 * forged, unknown issuer, trust_anchors); the checks on what Redis returns. */
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "cached.h"
#include "certfile.h"
#include "check.h"
#include "pki.h"
#include "config.h"
#include "issuers.h"
#include "ocsp.h"
#include "verdict.h"

/* answer_check with a configuration of clock_skew skew_s seconds, no_next_update_max_age one
 * hour, nonce_missing as given (NULL: the default). */
static const char *nonce_policy;

static enum ocsp_verdict
check_answer(const struct ocsp_request *req, const unsigned char *der, size_t len, time_t now,
             long long skew_s, struct issuers *is, struct ocsp_response_info *info, char *why,
             size_t whylen)
{
	struct config cfg;
	struct answer_rules rules = { .cfg = &cfg, .issuers = is, .now = now };

	memset(&cfg, 0, sizeof(cfg));
	cfg.clock_skew = skew_s * 1000;
	cfg.no_next_update_max_age = 3600 * 1000;
	cfg.nonce_missing = (char *)nonce_policy;
	return answer_check(&rules, req, der, len, info, why, whylen);
}

struct world {
	EVP_PKEY *ca_key, *resp_key, *leaf_key, *other_key;
	X509 *ca, *resp, *good, *revoked, *longserial, *other_ca;
};

static size_t
der_request(X509 *leaf, X509 *issuer, const EVP_MD *md, int nonce, int two, unsigned char **out)
{
	OCSP_REQUEST *req = OCSP_REQUEST_new();
	int n;

	OCSP_request_add0_id(req, OCSP_cert_to_id(md, leaf, issuer));
	if (two)
		OCSP_request_add0_id(req, OCSP_cert_to_id(md, leaf, issuer));
	if (nonce)
		OCSP_request_add1_nonce(req, NULL, -1);
	*out = NULL;
	n = i2d_OCSP_REQUEST(req, out);
	OCSP_REQUEST_free(req);
	return n > 0 ? (size_t)n : 0;
}

/* A signed response for leaf with thisUpdate/nextUpdate relative to now (next_off 0: none),
 * its CertID hashed with md, signed with OCSP_basic_sign's flags (OCSP_NOCERTS, ...). */
static size_t
der_response_ex(const struct world *w, X509 *leaf, const EVP_MD *md, int status, long this_off,
                long next_off, X509 *signer, EVP_PKEY *signer_key, unsigned long flags,
                unsigned char **out)
{
	OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
	OCSP_CERTID *id = OCSP_cert_to_id(md, leaf, w->ca);
	ASN1_TIME *thisupd = X509_gmtime_adj(NULL, this_off);
	ASN1_TIME *nextupd = next_off != 0 ? X509_gmtime_adj(NULL, next_off) : NULL;
	ASN1_TIME *rev = X509_gmtime_adj(NULL, -7200);
	OCSP_RESPONSE *resp;
	int n;

	OCSP_basic_add1_status(bs, id, status, status == V_OCSP_CERTSTATUS_REVOKED ? 0 : -1,
	                       status == V_OCSP_CERTSTATUS_REVOKED ? rev : NULL, thisupd, nextupd);
	OCSP_basic_sign(bs, signer, signer_key, EVP_sha256(), NULL, flags);
	resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs);
	*out = NULL;
	n = i2d_OCSP_RESPONSE(resp, out);
	OCSP_RESPONSE_free(resp);
	OCSP_BASICRESP_free(bs);
	OCSP_CERTID_free(id);
	ASN1_TIME_free(thisupd);
	ASN1_TIME_free(nextupd);
	ASN1_TIME_free(rev);
	return n > 0 ? (size_t)n : 0;
}

static size_t
der_response(const struct world *w, X509 *leaf, int status, long this_off, long next_off,
             X509 *signer, EVP_PKEY *signer_key, unsigned char **out)
{
	return der_response_ex(w, leaf, EVP_sha1(), status, this_off, next_off, signer, signer_key,
	                       0, out);
}

/* The issuer store from `issuers = path` (and trust_anchors when anchors is non-NULL), without
 * the system bundle. */
static struct issuers *
store_of(struct config *cfg, const char *path, const char *anchors)
{
	struct err err;
	struct issuers *is;

	memset(cfg, 0, sizeof(*cfg));
	strlist_push(&cfg->issuers, path);
	cfg->trust_anchors = (char *)anchors;
	if ((is = issuers_load(cfg, &err)) == NULL)
		printf("# issuers_load: %s\n", err.msg);
	return is;
}

/* Verdict of a response signed by signer for w->good's SHA-1 CertID against store is. */
static int
verdict_by(const struct world *w, const struct ocsp_request *req, X509 *leaf, const EVP_MD *md,
           X509 *signer, EVP_PKEY *key, unsigned long flags, struct issuers *is, char *why)
{
	struct ocsp_response_info info;
	unsigned char *r = NULL;
	size_t rl = der_response_ex(w, leaf, md, V_OCSP_CERTSTATUS_GOOD, -60, 3600, signer, key,
	                            flags, &r);
	int v = (int)check_answer(req, r, rl, time(NULL), 300, is, &info, why, 256);

	OPENSSL_free(r);
	return v;
}

/* A response signed by w->resp holding a SingleResponse for each of leaves (n of them) with
 * thisUpdate/nextUpdate relative to now, and the nonce given (none when NULL, nlen bytes). */
static size_t
der_multi(const struct world *w, X509 **leaves, int n, long this_off, long next_off,
          const unsigned char *nonce, int nlen, unsigned char **out)
{
	OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
	ASN1_TIME *thisupd = X509_gmtime_adj(NULL, this_off), *nextupd = X509_gmtime_adj(NULL, next_off);
	OCSP_RESPONSE *resp;
	int i, len;

	for (i = 0; i < n; i++) {
		OCSP_CERTID *id = OCSP_cert_to_id(EVP_sha1(), leaves[i], w->ca);

		OCSP_basic_add1_status(bs, id, V_OCSP_CERTSTATUS_GOOD, -1, NULL, thisupd, nextupd);
		OCSP_CERTID_free(id);
	}
	if (nonce != NULL)
		OCSP_basic_add1_nonce(bs, (unsigned char *)nonce, nlen);
	OCSP_basic_sign(bs, w->resp, w->resp_key, EVP_sha256(), NULL, 0);
	resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs);
	*out = NULL;
	len = i2d_OCSP_RESPONSE(resp, out);
	OCSP_RESPONSE_free(resp);
	OCSP_BASICRESP_free(bs);
	ASN1_TIME_free(thisupd);
	ASN1_TIME_free(nextupd);
	return len > 0 ? (size_t)len : 0;
}

/* A request for leaves (SHA-1 CertIDs) with the nonce given (none when NULL), parsed. */
static void
request_multi(const struct world *w, X509 **leaves, int n, const unsigned char *nonce, int nlen,
              struct ocsp_request *out)
{
	OCSP_REQUEST *req = OCSP_REQUEST_new();
	unsigned char *d = NULL;
	int i, len;

	for (i = 0; i < n; i++)
		OCSP_request_add0_id(req, OCSP_cert_to_id(EVP_sha1(), leaves[i], w->ca));
	if (nonce != NULL)
		OCSP_request_add1_nonce(req, (unsigned char *)nonce, nlen);
	len = i2d_OCSP_REQUEST(req, &d);
	CHECK_INT(ocsp_request_parse(d, (size_t)len, out), 0);
	OPENSSL_free(d);
	OCSP_REQUEST_free(req);
}

/* The relays are checked like cacheable answers: the nonce, every CertID of several, error
 * statuses whatever follows them; the staple writer's extras. */
static void
test_relays(const struct world *w, struct issuers *is)
{
	static const unsigned char na[16] = "nonce-A-0123456", nb[16] = "nonce-B-0123456";
	X509 *one[1] = { w->good }, *two[2] = { w->good, w->revoked }, *other[1] = { w->revoked };
	struct ocsp_request rn, rtwo, rplain;
	struct ocsp_response_info info;
	unsigned char *r = NULL;
	size_t rl;
	char why[256];
	time_t now = time(NULL);

	/* Nonces: the request's own, another request's, none (nonce_missing decides). */
	request_multi(w, one, 1, na, sizeof(na), &rn);
	rl = der_multi(w, one, 1, -60, 3600, na, sizeof(na), &r);
	CHECK_INT(check_answer(&rn, r, rl, now, 300, is, &info, why, sizeof(why)), OCSP_V_RELAY);
	OPENSSL_free(r);
	rl = der_multi(w, one, 1, -60, 3600, nb, sizeof(nb), &r);
	CHECK_INT(check_answer(&rn, r, rl, now, 300, is, &info, why, sizeof(why)), OCSP_V_INVALID);
	CHECK_STR(why, "the answer's nonce is not the request's (a replay?)");
	OPENSSL_free(r);
	rl = der_multi(w, one, 1, -60, 3600, NULL, 0, &r);
	CHECK_INT(check_answer(&rn, r, rl, now, 300, is, &info, why, sizeof(why)), OCSP_V_RELAY);
	nonce_policy = "relay";
	CHECK_INT(check_answer(&rn, r, rl, now, 300, is, &info, why, sizeof(why)), OCSP_V_RELAY);
	nonce_policy = "refuse";
	CHECK_INT(check_answer(&rn, r, rl, now, 300, is, &info, why, sizeof(why)), OCSP_V_INVALID);
	CHECK_STR(why, "the answer carries no nonce (nonce_missing = refuse)");
	nonce_policy = NULL;
	OPENSSL_free(r);
	/* ... and still the rest: expired, or another certificate's, with the right nonce. */
	rl = der_multi(w, one, 1, -7200, -3600, na, sizeof(na), &r);
	CHECK_INT(check_answer(&rn, r, rl, now, 300, is, &info, why, sizeof(why)), OCSP_V_INVALID);
	CHECK_STR(why, "expired");
	OPENSSL_free(r);
	rl = der_multi(w, other, 1, -60, 3600, na, sizeof(na), &r);
	CHECK_INT(check_answer(&rn, r, rl, now, 300, is, &info, why, sizeof(why)), OCSP_V_INVALID);
	OPENSSL_free(r);
	/* A nonce in the answer to a request without one is harmless. */
	request_multi(w, one, 1, NULL, 0, &rplain);
	rl = der_multi(w, one, 1, -60, 3600, na, sizeof(na), &r);
	CHECK_INT(check_answer(&rplain, r, rl, now, 300, is, &info, why, sizeof(why)), OCSP_V_CACHEABLE);
	OPENSSL_free(r);

	/* Several CertIDs: every one answered, valid now, verified. */
	request_multi(w, two, 2, NULL, 0, &rtwo);
	rl = der_multi(w, two, 2, -60, 3600, NULL, 0, &r);
	CHECK_INT(check_answer(&rtwo, r, rl, now, 300, is, &info, why, sizeof(why)), OCSP_V_RELAY);
	CHECK_STR(why, "request not cacheable");
	CHECK_INT(info.cert_status, OCSP_CERT_GOOD);
	OPENSSL_free(r);
	rl = der_multi(w, one, 1, -60, 3600, NULL, 0, &r);          /* one of the two only */
	CHECK_INT(check_answer(&rtwo, r, rl, now, 300, is, &info, why, sizeof(why)), OCSP_V_INVALID);
	CHECK_STR(why, "CertID 2 of 2: no response for this certificate");
	OPENSSL_free(r);
	rl = der_multi(w, other, 1, -60, 3600, NULL, 0, &r);        /* the other only */
	CHECK_INT(check_answer(&rtwo, r, rl, now, 300, is, &info, why, sizeof(why)), OCSP_V_INVALID);
	CHECK_STR(why, "CertID 1 of 2: no response for this certificate");
	OPENSSL_free(r);
	rl = der_multi(w, two, 2, -3 * 86400, -2 * 86400, NULL, 0, &r); /* expired two days ago */
	CHECK_INT(check_answer(&rtwo, r, rl, now, 300, is, &info, why, sizeof(why)), OCSP_V_INVALID);
	CHECK_STR(why, "CertID 1 of 2: expired");
	OPENSSL_free(r);
	rl = der_multi(w, two, 2, 3600, 7200, NULL, 0, &r);
	CHECK_INT(check_answer(&rtwo, r, rl, now, 300, is, &info, why, sizeof(why)), OCSP_V_INVALID);
	CHECK_STR(why, "CertID 1 of 2: thisUpdate in the future");
	OPENSSL_free(r);
	{
		/* Signed by a key posing as the CA: unverified, several CertIDs or one. */
		EVP_PKEY *fkey = key_new();
		X509 *forger = cert_new("test CA", 1, fkey, NULL, NULL, 1, 0);
		struct world fw = *w;

		fw.resp = forger;
		fw.resp_key = fkey;
		rl = der_multi(&fw, two, 2, -60, 3600, NULL, 0, &r);
		CHECK_INT(check_answer(&rtwo, r, rl, now, 300, is, &info, why, sizeof(why)), OCSP_V_UNVERIFIED);
		OPENSSL_free(r);
		rl = der_multi(&fw, one, 1, -60, 3600, na, sizeof(na), &r);
		CHECK_INT(check_answer(&rn, r, rl, now, 300, is, &info, why, sizeof(why)), OCSP_V_UNVERIFIED);
		OPENSSL_free(r);
		X509_free(forger);
		EVP_PKEY_free(fkey);
	}

	/* An error status with responseBytes after it (a signed body, say): STATUS all the same,
	 * the body never looked at. */
	{
		OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
		OCSP_CERTID *id = OCSP_cert_to_id(EVP_sha1(), w->good, w->ca);
		ASN1_TIME *t = X509_gmtime_adj(NULL, -60), *nx = X509_gmtime_adj(NULL, 3600);
		OCSP_RESPONSE *resp;

		OCSP_basic_add1_status(bs, id, V_OCSP_CERTSTATUS_GOOD, -1, NULL, t, nx);
		OCSP_basic_sign(bs, w->resp, w->resp_key, EVP_sha256(), NULL, 0);
		resp = OCSP_response_create(OCSP_RESPONSE_STATUS_TRYLATER, bs);
		r = NULL;
		rl = (size_t)i2d_OCSP_RESPONSE(resp, &r);
		CHECK(rl > 100);
		CHECK_INT(check_answer(&rplain, r, rl, now, 300, is, &info, why, sizeof(why)), OCSP_V_STATUS);
		CHECK_INT(info.status, OCSP_ST_TRYLATER);
		CHECK_INT(check_answer(&rtwo, r, rl, now, 300, is, &info, why, sizeof(why)), OCSP_V_STATUS);
		OPENSSL_free(r);
		OCSP_RESPONSE_free(resp);
		OCSP_BASICRESP_free(bs);
		OCSP_CERTID_free(id);
		ASN1_TIME_free(t);
		ASN1_TIME_free(nx);
	}
	/* A status RFC 6960 does not define gets internalError's fixed response. */
	{
		size_t el;
		const unsigned char *e4 = ocsp_error_response((enum ocsp_status)4, &el);

		CHECK(el == 5 && e4[4] == OCSP_ST_INTERNAL);
		e4 = ocsp_error_response((enum ocsp_status)9, &el);
		CHECK(el == 5 && e4[4] == OCSP_ST_INTERNAL);
		e4 = ocsp_error_response(OCSP_ST_UNAUTHORIZED, &el);
		CHECK(el == 5 && e4[4] == OCSP_ST_UNAUTHORIZED);
	}
	ocsp_request_free(&rn);
	ocsp_request_free(&rtwo);
	ocsp_request_free(&rplain);
}

/* The staple writer's extras: no "unknown"; signed by the certificate's own issuer. */
static void
test_staple_flags(const struct world *w, struct issuers *is)
{
	char path[] = "/tmp/test_ocsp_leaf.XXXXXX";
	struct config cfg;
	struct answer_rules rules = { .cfg = &cfg, .issuers = is, .now = time(NULL) };
	struct certfile cf;
	struct ocsp_request req;
	struct ocsp_response_info info;
	struct err err;
	unsigned char *r = NULL;
	size_t rl;
	char why[256];
	FILE *f;

	memset(&cfg, 0, sizeof(cfg));
	cfg.clock_skew = 300 * 1000;
	f = fdopen(mkstemp(path), "w");
	PEM_write_X509(f, w->good);
	PEM_write_X509(f, w->ca);
	fclose(f);
	CHECK_INT(certfile_load(path, &cf, &err), 0);
	CHECK_INT(ocsp_request_parse(cf.req, cf.req_len, &req), 0);
	rl = der_response(w, w->good, V_OCSP_CERTSTATUS_GOOD, -60, 3600, w->resp, w->resp_key, &r);
	rules.cf = &cf;
	rules.flags = ANSWER_NO_UNKNOWN;
	CHECK_INT(answer_check(&rules, &req, r, rl, &info, why, sizeof(why)), OCSP_V_CACHEABLE);
	OPENSSL_free(r);
	rl = der_response(w, w->good, V_OCSP_CERTSTATUS_UNKNOWN, -60, 3600, w->resp, w->resp_key, &r);
	CHECK_INT(answer_check(&rules, &req, r, rl, &info, why, sizeof(why)), OCSP_V_INVALID);
	CHECK_STR(why, "the responder answers unknown");
	rules.flags = 0;
	CHECK_INT(answer_check(&rules, &req, r, rl, &info, why, sizeof(why)), OCSP_V_CACHEABLE);
	OPENSSL_free(r);
	/* Signed by the CA's key but the certificate names another issuer file: with verify = no
	 * the store checks nothing, the certificate's own issuer still does. */
	rl = der_response(w, w->good, V_OCSP_CERTSTATUS_GOOD, -60, 3600, w->other_ca, w->other_key, &r);
	rules.issuers = NULL;
	CHECK_INT(answer_check(&rules, &req, r, rl, &info, why, sizeof(why)), OCSP_V_UNVERIFIED);
	CHECK_STR(why, "not signed by the certificate's issuer or its responder");
	rules.cf = NULL;
	CHECK_INT(answer_check(&rules, &req, r, rl, &info, why, sizeof(why)), OCSP_V_CACHEABLE);
	OPENSSL_free(r);
	ocsp_request_free(&req);
	certfile_free(&cf);
	unlink(path);
}

/* A delegated responder certificate valid from nb to na seconds from now, signed by issuer. */
static X509 *
responder_cert(EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key, int eku, long nb, long na)
{
	X509 *x = cert_new("responder", 9, key, issuer, issuer_key, 0, eku);

	X509_gmtime_adj(X509_getm_notBefore(x), nb);
	X509_gmtime_adj(X509_getm_notAfter(x), na);
	X509_sign(x, issuer_key, EVP_sha256());
	return x;
}

static void
test_verify(const struct world *w, EVP_PKEY *other_key)
{
	char why[256], ca_path[] = "/tmp/test_ocsp_ca.XXXXXX", other_path[] = "/tmp/test_ocsp_o.XXXXXX";
	struct config cfg, cfg2;
	struct err err;
	struct issuers *is, *wrong;
	struct ocsp_request req, req256;
	unsigned char *d = NULL;
	size_t dl;
	EVP_PKEY *fkey = key_new();
	X509 *forger, *noeku, *expired, *foreign;

	close(mkstemp(ca_path));
	close(mkstemp(other_path));
	write_pem(ca_path, w->ca);
	write_pem(other_path, w->other_ca);
	is = store_of(&cfg, ca_path, NULL);
	wrong = store_of(&cfg2, other_path, NULL);
	CHECK(is != NULL && wrong != NULL);
	dl = der_request(w->good, w->ca, EVP_sha1(), 0, 0, &d);
	ocsp_request_parse(d, dl, &req);
	OPENSSL_free(d);
	dl = der_request(w->good, w->ca, EVP_sha256(), 0, 0, &d);
	ocsp_request_parse(d, dl, &req256);
	OPENSSL_free(d);

	/* Who may sign: a delegated responder; the CA itself, with or without certificates,
	 * ResponderID by name or by key; SHA-1 and SHA-256 CertIDs. */
	CHECK_INT(verdict_by(w, &req, w->good, EVP_sha1(), w->resp, w->resp_key, 0, is, why), OCSP_V_CACHEABLE);
	CHECK_INT(verdict_by(w, &req, w->good, EVP_sha1(), w->ca, w->ca_key, 0, is, why), OCSP_V_CACHEABLE);
	CHECK_INT(verdict_by(w, &req, w->good, EVP_sha1(), w->ca, w->ca_key, OCSP_NOCERTS, is, why), OCSP_V_CACHEABLE);
	CHECK_INT(verdict_by(w, &req, w->good, EVP_sha1(), w->ca, w->ca_key, OCSP_NOCERTS | OCSP_RESPID_KEY, is, why), OCSP_V_CACHEABLE);
	CHECK_INT(verdict_by(w, &req256, w->good, EVP_sha256(), w->resp, w->resp_key, 0, is, why), OCSP_V_CACHEABLE);
	CHECK_INT(verdict_by(w, &req256, w->good, EVP_sha256(), w->ca, w->ca_key, OCSP_NOCERTS, is, why), OCSP_V_CACHEABLE);
	/* With verify = no (no store) anything well formed goes. */
	CHECK_INT(verdict_by(w, &req, w->good, EVP_sha1(), w->other_ca, other_key, 0, NULL, why), OCSP_V_CACHEABLE);

	/* Forgeries: a self-signed key posing as the CA (same name), with or without its
	 * certificate embedded; another CA's responder; no OCSPSigning; expired; unknown issuer. */
	forger = cert_new("test CA", 1, fkey, NULL, NULL, 1, 0);
	CHECK_INT(verdict_by(w, &req, w->good, EVP_sha1(), forger, fkey, 0, is, why), OCSP_V_UNVERIFIED);
	CHECK_STR(why, "signature does not verify");
	CHECK_INT(verdict_by(w, &req, w->good, EVP_sha1(), forger, fkey, OCSP_NOCERTS, is, why), OCSP_V_UNVERIFIED);
	CHECK_STR(why, "signature does not verify");
	CHECK_INT(verdict_by(w, &req, w->good, EVP_sha1(), w->other_ca, other_key, 0, is, why), OCSP_V_UNVERIFIED);
	CHECK_STR(why, "signed by a certificate the CertID's issuer did not issue");
	CHECK_INT(verdict_by(w, &req, w->good, EVP_sha1(), w->other_ca, other_key, OCSP_NOCERTS, is, why), OCSP_V_UNVERIFIED);
	CHECK_STR(why, "the responder ID names neither the CertID's issuer nor a certificate in the response");
	foreign = responder_cert(fkey, w->other_ca, other_key, 1, -3600, 3600);
	CHECK_INT(verdict_by(w, &req, w->good, EVP_sha1(), foreign, fkey, 0, is, why), OCSP_V_UNVERIFIED);
	noeku = responder_cert(fkey, w->ca, w->ca_key, 0, -3600, 3600);
	CHECK_INT(verdict_by(w, &req, w->good, EVP_sha1(), noeku, fkey, 0, is, why), OCSP_V_UNVERIFIED);
	CHECK_STR(why, "responder certificate lacks the OCSPSigning extended key usage");
	expired = responder_cert(fkey, w->ca, w->ca_key, 1, -7200, -3600);
	CHECK_INT(verdict_by(w, &req, w->good, EVP_sha1(), expired, fkey, 0, is, why), OCSP_V_UNVERIFIED);
	CHECK_STR(why, "responder certificate not valid now");
	X509_free(expired);
	expired = responder_cert(fkey, w->ca, w->ca_key, 1, 3600, 7200); /* not yet valid */
	CHECK_INT(verdict_by(w, &req, w->good, EVP_sha1(), expired, fkey, 0, is, why), OCSP_V_UNVERIFIED);
	CHECK_INT(verdict_by(w, &req, w->good, EVP_sha1(), w->resp, w->resp_key, 0, wrong, why), OCSP_V_UNVERIFIED);
	CHECK(strncmp(why, "issuer unknown: ", 16) == 0);
	{
		char h[41];
		size_t i;

		for (i = 0; i < 20; i++)
			sprintf(h + 2 * i, "%02x", req.issuer_key_hash[i]);
		CHECK(strstr(why, h) != NULL);                       /* names the key hash */
		CHECK(strstr(why, "issuers") != NULL);               /* and what to configure */
	}
	/* A relayed (nonce) answer is verified too. */
	{
		struct ocsp_request rn;
		struct ocsp_response_info info;
		unsigned char *r = NULL;
		size_t rl;

		dl = der_request(w->good, w->ca, EVP_sha1(), 1, 0, &d);
		ocsp_request_parse(d, dl, &rn);
		OPENSSL_free(d);
		rl = der_response(w, w->good, V_OCSP_CERTSTATUS_GOOD, -60, 3600, forger, fkey, &r);
		CHECK_INT(check_answer(&rn, r, rl, time(NULL), 300, is, &info, why, 256), OCSP_V_UNVERIFIED);
		OPENSSL_free(r);
		rl = der_response(w, w->good, V_OCSP_CERTSTATUS_GOOD, -60, 3600, w->resp, w->resp_key, &r);
		CHECK_INT(check_answer(&rn, r, rl, time(NULL), 300, is, &info, why, 256), OCSP_V_RELAY);
		OPENSSL_free(r);
		ocsp_request_free(&rn);
	}
	/* An issuer vouched for in memory (staple_cert's issuer) then verifies. */
	CHECK_INT(issuers_has(wrong, w->ca), 0);
	CHECK_INT(issuers_vouch(wrong, w->ca), 1);
	CHECK_INT(issuers_vouch(wrong, w->ca), 0);
	CHECK_INT(issuers_has(wrong, w->ca), 1);
	CHECK_INT(verdict_by(w, &req, w->good, EVP_sha1(), w->resp, w->resp_key, 0, wrong, why), OCSP_V_CACHEABLE);
	test_relays(w, is);
	test_staple_flags(w, is);
	issuers_free(is);
	issuers_free(wrong);
	strlist_free(&cfg.issuers);
	strlist_free(&cfg2.issuers);

	/* trust_anchors: the CA's own certificate verifies its responses, delegated or not;
	 * another CA's makes the issuer not chain. */
	is = store_of(&cfg, ca_path, ca_path);
	CHECK_INT(verdict_by(w, &req, w->good, EVP_sha1(), w->resp, w->resp_key, 0, is, why), OCSP_V_CACHEABLE);
	CHECK_INT(verdict_by(w, &req, w->good, EVP_sha1(), w->ca, w->ca_key, OCSP_NOCERTS, is, why), OCSP_V_CACHEABLE);
	issuers_free(is);
	strlist_free(&cfg.issuers);
	is = store_of(&cfg, ca_path, other_path);
	CHECK_INT(verdict_by(w, &req, w->good, EVP_sha1(), w->resp, w->resp_key, 0, is, why), OCSP_V_UNVERIFIED);
	CHECK_STR(why, "the CertID's issuer does not chain to trust_anchors");
	issuers_free(is);
	strlist_free(&cfg.issuers);
	/* The issuer store from trust_anchors alone. */
	memset(&cfg, 0, sizeof(cfg));
	cfg.trust_anchors = ca_path;
	CHECK((is = issuers_load(&cfg, &err)) != NULL);
	CHECK_INT(verdict_by(w, &req, w->good, EVP_sha1(), w->ca, w->ca_key, OCSP_NOCERTS, is, why), OCSP_V_CACHEABLE);
	CHECK_INT(issuers_has(is, w->ca), 1);
	CHECK_INT(issuers_has(is, w->other_ca), 0);
	issuers_free(is);
	/* A missing file named by `issuers` is an error. */
	memset(&cfg, 0, sizeof(cfg));
	strlist_push(&cfg.issuers, "/nonexistent/ca.pem");
	CHECK(issuers_load(&cfg, &err) == NULL);
	CHECK(strstr(err.msg, "/nonexistent/ca.pem") != NULL);
	CHECK_INT(err.kind, ERR_INPUT);
	strlist_free(&cfg.issuers);

	X509_free(forger);
	X509_free(noeku);
	X509_free(expired);
	X509_free(foreign);
	EVP_PKEY_free(fkey);
	ocsp_request_free(&req);
	ocsp_request_free(&req256);
	unlink(ca_path);
	unlink(other_path);
}

/* An entry as the proxy stores body r: its ETag, its thisUpdate and nextUpdate. */
static void
entry_of(struct entry *e, unsigned char *r, size_t rl, const struct ocsp_request *req)
{
	struct ocsp_response_info info;
	char why[128];

	memset(e, 0, sizeof(*e));
	e->resp = r;
	e->resp_len = rl;
	ocsp_etag(r, rl, e->etag);
	if (ocsp_body_info(req, r, rl, &info, why, sizeof(why)) == 0) {
		e->this_update = info.this_update;
		e->next_update = info.next_update;
	}
	e->cert_status = -1;
}

/* What Redis returns (cached_check): the ETag the proxy wrote over this body, a body for this
 * CertID, the stored thisUpdate the body's, the stored nextUpdate shortening, never extending. */
static void
test_cached(const struct world *w)
{
	struct config cfg;
	struct ocsp_request req, req2;
	struct entry e;
	unsigned char *d = NULL, *r = NULL, *r2 = NULL, *r3 = NULL;
	size_t dl, rl, rl2, rl3;
	char why[128], etag[65];
	time_t now = time(NULL), body_next;

	memset(&cfg, 0, sizeof(cfg));
	cfg.clock_skew = 300 * 1000;
	cfg.no_next_update_max_age = 3600 * 1000;
	dl = der_request(w->good, w->ca, EVP_sha1(), 0, 0, &d);
	ocsp_request_parse(d, dl, &req);
	OPENSSL_free(d);
	dl = der_request(w->revoked, w->ca, EVP_sha1(), 0, 0, &d);
	ocsp_request_parse(d, dl, &req2);
	OPENSSL_free(d);
	rl = der_response(w, w->good, V_OCSP_CERTSTATUS_GOOD, -60, 3600, w->resp, w->resp_key, &r);
	rl2 = der_response(w, w->revoked, V_OCSP_CERTSTATUS_REVOKED, -60, 3600, w->resp, w->resp_key, &r2);
	rl3 = der_response(w, w->good, V_OCSP_CERTSTATUS_GOOD, -60, 0, w->resp, w->resp_key, &r3);

	ocsp_etag(r, rl, etag);
	entry_of(&e, r, rl, &req);
	body_next = e.next_update;
	CHECK_INT(cached_check(&cfg, &req, &e, why, sizeof(why)), 0);
	CHECK_INT(e.cert_status, OCSP_CERT_GOOD);
	CHECK_INT(e.next_update, body_next);
	CHECK_INT(cached_fresh(&cfg, e.this_update, e.next_update, now), 1);
	/* Stored times: nextUpdate later than the body's is capped, earlier is kept (an operator
	 * expiring the entry); a thisUpdate that is not the body's makes the entry unsound. */
	e.next_update = body_next + 86400 * 365;
	CHECK_INT(cached_check(&cfg, &req, &e, why, sizeof(why)), 0);
	CHECK_INT(e.next_update, body_next);
	e.next_update = 1;
	CHECK_INT(cached_check(&cfg, &req, &e, why, sizeof(why)), 0);
	CHECK_INT(e.next_update, 1);
	CHECK_INT(cached_fresh(&cfg, e.this_update, e.next_update, now), 0);
	entry_of(&e, r, rl, &req);
	e.this_update -= 10;
	CHECK_INT(cached_check(&cfg, &req, &e, why, sizeof(why)), -1);
	CHECK_STR(why, "stored thisUpdate is not the body's");
	e.this_update += 3600;
	CHECK_INT(cached_check(&cfg, &req, &e, why, sizeof(why)), -1);
	/* ETags. */
	entry_of(&e, r, rl, &req);
	snprintf(e.etag, sizeof(e.etag), "%.62s\r\n", etag);          /* header injection */
	CHECK_INT(cached_check(&cfg, &req, &e, why, sizeof(why)), -1);
	CHECK_STR(why, "stored ETag is not a SHA-256 in hex");
	entry_of(&e, r, rl, &req);
	e.etag[0] = e.etag[0] == 'a' ? 'b' : 'a';                     /* well formed, wrong */
	CHECK_INT(cached_check(&cfg, &req, &e, why, sizeof(why)), -1);
	CHECK_STR(why, "stored ETag is not the body's SHA-256");
	entry_of(&e, r, rl, &req);
	e.etag[0] = '\0';
	CHECK_INT(cached_check(&cfg, &req, &e, why, sizeof(why)), -1);
	entry_of(&e, (unsigned char *)"<html>", 6, &req);             /* not OCSP, ETag matching */
	CHECK_INT(cached_check(&cfg, &req, &e, why, sizeof(why)), -1);
	CHECK_STR(why, "stored body is not a successful OCSP response");
	entry_of(&e, r2, rl2, &req2);                                 /* another CertID's body */
	CHECK_INT(cached_check(&cfg, &req, &e, why, sizeof(why)), -1);
	CHECK_STR(why, "stored body does not answer for this CertID");
	CHECK_INT(cached_check(&cfg, &req2, &e, why, sizeof(why)), 0);
	CHECK_INT(e.cert_status, OCSP_CERT_REVOKED);
	/* No nextUpdate in the body: thisUpdate + no_next_update_max_age at most; expired at once
	 * with 0. */
	entry_of(&e, r3, rl3, &req);
	e.next_update = e.this_update + 86400;
	CHECK_INT(cached_check(&cfg, &req, &e, why, sizeof(why)), 0);
	CHECK_INT(e.next_update, e.this_update + 3600);
	CHECK_INT(cached_fresh(&cfg, e.this_update, e.next_update, now), 1);
	cfg.no_next_update_max_age = 0;
	e.next_update = e.this_update + 86400;
	CHECK_INT(cached_check(&cfg, &req, &e, why, sizeof(why)), 0);
	CHECK_INT(cached_fresh(&cfg, e.this_update, e.next_update, now), 0);
	/* Times: thisUpdate up to clock_skew ahead, nextUpdate strictly after now. */
	CHECK_INT(cached_fresh(&cfg, now + 300, now + 600, now), 1);
	CHECK_INT(cached_fresh(&cfg, now + 301, now + 600, now), 0);
	CHECK_INT(cached_fresh(&cfg, now - 60, now, now), 0);
	OPENSSL_free(r);
	OPENSSL_free(r2);
	OPENSSL_free(r3);
	ocsp_request_free(&req);
	ocsp_request_free(&req2);
}

/* One key whatever the hash AlgorithmIdentifier's parameters; the request stored and sent is
 * rebuilt from the CertID alone. */
static void
test_canonical(const struct world *w)
{
	struct ocsp_request a, b, c;
	OCSP_REQUEST *req = OCSP_REQUEST_new(), *back;
	OCSP_CERTID *id = OCSP_cert_to_id(EVP_sha1(), w->good, w->ca);
	unsigned char *der = NULL, *idder = NULL, buf[512], big[16000];
	const unsigned char *p;
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	size_t n, i;
	int idlen, len;

	/* The CertID with NULL parameters (as OpenSSL writes it) ... */
	idlen = i2d_OCSP_CERTID(id, &idder);
	OCSP_request_add0_id(req, id);
	len = i2d_OCSP_REQUEST(req, &der);
	CHECK_INT(ocsp_request_parse(der, (size_t)len, &a), 0);
	/* ... and by hand without them: the 05 00 after the SHA-1 OID dropped, each enclosing
	 * length (all short form here) two less. */
	for (i = 0; i + 1 < (size_t)idlen && !(idder[i] == 0x1a && idder[i + 1] == 0x05); i++)
		;
	CHECK(i + 2 < (size_t)idlen && idlen < 120);
	n = 0;
	buf[n++] = 0x30; buf[n++] = (unsigned char)(idlen - 2 + 6);  /* OCSPRequest */
	buf[n++] = 0x30; buf[n++] = (unsigned char)(idlen - 2 + 4);  /* TBSRequest */
	buf[n++] = 0x30; buf[n++] = (unsigned char)(idlen - 2 + 2);  /* requestList */
	buf[n++] = 0x30; buf[n++] = (unsigned char)(idlen - 2);      /* Request */
	buf[n++] = 0x30; buf[n++] = (unsigned char)(idder[1] - 2);   /* CertID */
	buf[n++] = 0x30; buf[n++] = (unsigned char)(idder[3] - 2);   /* AlgorithmIdentifier */
	memcpy(buf + n, idder + 4, i + 1 - 4);
	n += i + 1 - 4;
	memcpy(buf + n, idder + i + 3, (size_t)idlen - i - 3);
	n += (size_t)idlen - i - 3;
	CHECK_INT(ocsp_request_parse(buf, n, &b), 0);
	CHECK_STR(b.certid, a.certid);
	CHECK(b.der_len == a.der_len && memcmp(b.der, a.der, a.der_len) == 0);
	/* A 15 KB extension a client added is neither stored nor sent. */
	memset(big, 'x', sizeof(big));
	ASN1_OCTET_STRING_set(os, big, sizeof(big));
	{
		ASN1_OBJECT *oid = OBJ_txt2obj("1.3.6.1.4.1.99999.1", 1);
		X509_EXTENSION *ext = X509_EXTENSION_create_by_OBJ(NULL, oid, 0, os);

		OCSP_REQUEST_add_ext(req, ext, -1);
		X509_EXTENSION_free(ext);
		ASN1_OBJECT_free(oid);
	}
	OPENSSL_free(der);
	der = NULL;
	len = i2d_OCSP_REQUEST(req, &der);
	CHECK(len > 15000);
	CHECK_INT(ocsp_request_parse(der, (size_t)len, &c), 0);
	CHECK_INT(c.cacheable, 1);
	CHECK_STR(c.certid, a.certid);
	CHECK(c.der_len < 200);
	p = c.der;
	back = d2i_OCSP_REQUEST(NULL, &p, (long)c.der_len);
	CHECK(back != NULL && OCSP_REQUEST_get_ext_count(back) == 0 &&
	      OCSP_request_onereq_count(back) == 1);
	OCSP_REQUEST_free(back);
	ocsp_request_free(&a);
	ocsp_request_free(&b);
	ocsp_request_free(&c);
	ASN1_OCTET_STRING_free(os);
	OCSP_REQUEST_free(req);
	OPENSSL_free(der);
	OPENSSL_free(idder);
}

int
main(void)
{
	struct world w;
	struct ocsp_request req, req2, req256, rnonce, rtwo, rlong;
	struct ocsp_response_info info;
	unsigned char *d = NULL, *r = NULL;
	size_t dl, rl, el;
	char why[256];
	time_t now = time(NULL);
	EVP_PKEY *other_key;
	const unsigned char *err;

	w.ca_key = key_new();
	w.resp_key = key_new();
	w.leaf_key = key_new();
	other_key = key_new();
	w.ca = cert_new("test CA", 1, w.ca_key, NULL, NULL, 1, 0);
	w.resp = cert_new("responder", 2, w.resp_key, w.ca, w.ca_key, 0, 1);
	w.good = cert_new("good", 0x1001, w.leaf_key, w.ca, w.ca_key, 0, 0);
	w.revoked = cert_new("revoked", 0x1002, w.leaf_key, w.ca, w.ca_key, 0, 0);
	w.longserial = cert_new("long", 0x7fffffffL, w.leaf_key, w.ca, w.ca_key, 0, 0);
	w.other_ca = cert_new("other CA", 1, other_key, NULL, NULL, 1, 0);
	ASN1_INTEGER_set_int64(X509_get_serialNumber(w.longserial), 0x0123456789abcdefLL);

	/* Keys: the whole CertID. */
	dl = der_request(w.good, w.ca, EVP_sha1(), 0, 0, &d);
	CHECK_INT(ocsp_request_parse(d, dl, &req), 0);
	CHECK_INT(req.n_ids, 1);
	CHECK_INT(req.cacheable, 1);
	CHECK_INT(req.hash_nid, NID_sha1);
	CHECK_INT(req.issuer_key_hash_len, 20);
	CHECK(strncmp(req.certid, "30", 2) == 0 && strlen(req.certid) > 40);
	CHECK_INT(ocsp_request_parse(d, dl - 1, &req2), -1);       /* truncated */
	{
		unsigned char longer[512];
		memcpy(longer, d, dl);
		longer[dl] = 0;
		CHECK_INT(ocsp_request_parse(longer, dl + 1, &req2), -1); /* trailing byte */
	}
	CHECK_INT(ocsp_request_parse((const unsigned char *)"garbage", 7, &req2), -1);
	OPENSSL_free(d);
	dl = der_request(w.good, w.ca, EVP_sha256(), 0, 0, &d);
	CHECK_INT(ocsp_request_parse(d, dl, &req256), 0);
	CHECK(strcmp(req.certid, req256.certid) != 0);                    /* hash algorithm in the key */
	CHECK_INT(req256.hash_nid, NID_sha256);
	OPENSSL_free(d);
	dl = der_request(w.revoked, w.ca, EVP_sha1(), 0, 0, &d);
	CHECK_INT(ocsp_request_parse(d, dl, &req2), 0);
	CHECK(strcmp(req.certid, req2.certid) != 0);                      /* serial in the key */
	OPENSSL_free(d);
	dl = der_request(w.longserial, w.ca, EVP_sha1(), 0, 0, &d);
	CHECK_INT(ocsp_request_parse(d, dl, &rlong), 0);            /* 8-byte serial */
	CHECK(strstr(rlong.certid, "0123456789abcdef") != NULL);
	OPENSSL_free(d);
	dl = der_request(w.good, w.ca, EVP_sha1(), 1, 0, &d);
	CHECK_INT(ocsp_request_parse(d, dl, &rnonce), 0);
	CHECK_INT(rnonce.has_nonce, 1);
	CHECK_INT(rnonce.cacheable, 0);
	CHECK_STR(rnonce.certid, req.certid);                             /* still keyed, for fallback */
	{
		/* What a refresh sends comes from the CertID alone: the same request as the handler's. */
		struct ocsp_request fk;

		CHECK_INT(ocsp_request_for_certid(req.certid, &fk), 0);
		CHECK_STR(fk.certid, req.certid);
		CHECK(fk.der_len == req.der_len && memcmp(fk.der, req.der, req.der_len) == 0);
		ocsp_request_free(&fk);
		CHECK_INT(ocsp_request_for_certid("c0ffee000001", &fk), -1);
		CHECK_INT(ocsp_request_for_certid("", &fk), -1);
		CHECK_INT(ocsp_request_for_certid("zz", &fk), -1);
	}
	OPENSSL_free(d);
	dl = der_request(w.good, w.ca, EVP_sha1(), 0, 1, &d);
	CHECK_INT(ocsp_request_parse(d, dl, &rtwo), 0);
	CHECK_INT(rtwo.n_ids, 2);
	CHECK_INT(rtwo.cacheable, 0);
	CHECK_STR(rtwo.certid, "");
	OPENSSL_free(d);

	/* Verdicts. */
#define VERDICT(leaf, st, t, n, signer, skey) \
	(rl = der_response(&w, leaf, st, t, n, signer, skey, &r), \
	 el = (size_t)check_answer(&req, r, rl, now, 300, NULL, &info, why, sizeof(why)), \
	 OPENSSL_free(r), (int)el)
	CHECK_INT(VERDICT(w.good, V_OCSP_CERTSTATUS_GOOD, -60, 3600, w.resp, w.resp_key), OCSP_V_CACHEABLE);
	CHECK_INT(info.cert_status, OCSP_CERT_GOOD);
	CHECK(info.next_update > now && info.this_update <= now);
	CHECK_INT(VERDICT(w.revoked, V_OCSP_CERTSTATUS_REVOKED, -60, 3600, w.resp, w.resp_key), OCSP_V_INVALID);
	CHECK_STR(why, "no response for this certificate");
	CHECK_INT(VERDICT(w.good, V_OCSP_CERTSTATUS_GOOD, -7200, -60, w.resp, w.resp_key), OCSP_V_INVALID);
	CHECK_STR(why, "expired");
	CHECK_INT(VERDICT(w.good, V_OCSP_CERTSTATUS_GOOD, 3600, 7200, w.resp, w.resp_key), OCSP_V_INVALID);
	CHECK_STR(why, "thisUpdate in the future");
	CHECK_INT(VERDICT(w.good, V_OCSP_CERTSTATUS_GOOD, 120, 7200, w.resp, w.resp_key), OCSP_V_CACHEABLE);
	/* No nextUpdate: checked like the others, its lifetime left to policy_cacheable. */
	CHECK_INT(VERDICT(w.good, V_OCSP_CERTSTATUS_GOOD, -60, 0, w.resp, w.resp_key), OCSP_V_CACHEABLE);
	CHECK_INT(info.next_update, info.this_update + 3600);
	CHECK_INT(VERDICT(w.good, V_OCSP_CERTSTATUS_GOOD, 3600, 0, w.resp, w.resp_key), OCSP_V_INVALID);
	CHECK_STR(why, "thisUpdate in the future");

	/* The revoked certificate's own response, through its own request. */
	dl = der_request(w.revoked, w.ca, EVP_sha1(), 0, 0, &d);
	ocsp_request_free(&req2);
	CHECK_INT(ocsp_request_parse(d, dl, &req2), 0);
	rl = der_response(&w, w.revoked, V_OCSP_CERTSTATUS_REVOKED, -60, 3600, w.resp, w.resp_key, &r);
	CHECK_INT(check_answer(&req2, r, rl, now, 300, NULL, &info, why, sizeof(why)), OCSP_V_CACHEABLE);
	CHECK_INT(info.cert_status, OCSP_CERT_REVOKED);
	CHECK(info.revoked_at > 0);
	CHECK_INT(ocsp_response_info(r, rl, req2.certid, &info), 0);
	CHECK_INT(info.cert_status, OCSP_CERT_REVOKED);
	CHECK_INT(check_answer(&req2, r, rl - 1, now, 300, NULL, &info, why, sizeof(why)), OCSP_V_INVALID);
	/* A nonce request is relayed, never cached, but only with an answer for its CertID that is
	 * valid now: here another certificate's (a genuine answer misused), then its own, expired. */
	CHECK_INT(check_answer(&rnonce, r, rl, now, 300, NULL, &info, why, sizeof(why)), OCSP_V_INVALID);
	CHECK_STR(why, "no response for this certificate");
	OPENSSL_free(r);
	rl = der_response(&w, w.good, V_OCSP_CERTSTATUS_GOOD, -60, 3600, w.resp, w.resp_key, &r);
	CHECK_INT(check_answer(&rnonce, r, rl, now, 300, NULL, &info, why, sizeof(why)), OCSP_V_RELAY);
	CHECK_INT(info.cert_status, OCSP_CERT_GOOD);
	OPENSSL_free(r);
	rl = der_response(&w, w.good, V_OCSP_CERTSTATUS_GOOD, -7200, -3600, w.resp, w.resp_key, &r);
	CHECK_INT(check_answer(&rnonce, r, rl, now, 300, NULL, &info, why, sizeof(why)), OCSP_V_INVALID);
	CHECK_STR(why, "expired");
	OPENSSL_free(d);

	OPENSSL_free(r);
	w.other_key = other_key;
	test_verify(&w, other_key);
	test_cached(&w);
	test_canonical(&w);

	/* Error statuses are answered with their fixed response, garbage is not answered. */
	err = ocsp_error_response(OCSP_ST_TRYLATER, &el);
	CHECK_INT(el, 5);
	CHECK_INT(check_answer(&req, err, el, now, 300, NULL, &info, why, sizeof(why)), OCSP_V_STATUS);
	CHECK_INT(info.status, OCSP_ST_TRYLATER);
	CHECK_STR(why, "upstream status tryLater");
	err = ocsp_error_response(OCSP_ST_UNAUTHORIZED, &el);
	CHECK_INT(check_answer(&req, err, el, now, 300, NULL, &info, why, sizeof(why)), OCSP_V_STATUS);
	CHECK_INT(info.status, OCSP_ST_UNAUTHORIZED);
	CHECK_INT(check_answer(&req, (const unsigned char *)"<html>", 6, now, 300, NULL, &info, why, sizeof(why)), OCSP_V_INVALID);
	CHECK_INT(check_answer(&req, NULL, 0, now, 300, NULL, &info, why, sizeof(why)), OCSP_V_INVALID);
	/* A nonce request's successful answer is passed through. */
	rl = der_response(&w, w.good, V_OCSP_CERTSTATUS_GOOD, -60, 3600, w.resp, w.resp_key, &r);
	CHECK_INT(check_answer(&rnonce, r, rl, now, 300, NULL, &info, why, sizeof(why)), OCSP_V_RELAY);
	{
		char etag[65];
		ocsp_etag(r, rl, etag);
		CHECK_INT(strlen(etag), 64);
	}
	OPENSSL_free(r);

	/* Issuer matching: by key hash hex and by certificate file. */
	{
		char hex[41], path[] = "/tmp/test_ocsp_issuer.XXXXXX";
		size_t i;
		int fd = mkstemp(path);
		FILE *f = fdopen(fd, "w");

		for (i = 0; i < 20; i++)
			sprintf(hex + 2 * i, "%02x", req.issuer_key_hash[i]);
		CHECK_INT(ocsp_issuer_matches(&req, hex), 1);
		CHECK_INT(ocsp_issuer_matches(&req, "00112233445566778899aabbccddeeff00112233"), 0);
		PEM_write_X509(f, w.ca);
		fclose(f);
		CHECK_INT(ocsp_issuer_matches(&req, path), 1);
		CHECK_INT(ocsp_issuer_matches(&req256, path), 1);
		f = fopen(path, "w");
		PEM_write_X509(f, w.other_ca);
		fclose(f);
		CHECK_INT(ocsp_issuer_matches(&req, path), 0);
		unlink(path);
	}

	ocsp_request_free(&req);
	ocsp_request_free(&req2);
	ocsp_request_free(&req256);
	ocsp_request_free(&rnonce);
	ocsp_request_free(&rtwo);
	ocsp_request_free(&rlong);
	X509_free(w.ca);
	X509_free(w.resp);
	X509_free(w.good);
	X509_free(w.revoked);
	X509_free(w.longserial);
	X509_free(w.other_ca);
	EVP_PKEY_free(w.ca_key);
	EVP_PKEY_free(w.resp_key);
	EVP_PKEY_free(w.leaf_key);
	EVP_PKEY_free(other_key);
	return CHECK_DONE();
}
