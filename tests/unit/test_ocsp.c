/* test_ocsp: the CertID key and every verdict of the response checks, on certificates and
 * responses built here with OpenSSL (a CA, a delegated responder, leaves, chosen times). */
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "check.h"
#include "ocsp.h"

static EVP_PKEY *
key_new(void)
{
	return EVP_EC_gen("P-256");
}

static X509 *
cert_new(const char *cn, long serial, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key, int ca,
         int ocsp_signer)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, name);
	X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) : name);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400 * 30);
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&ctx, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	if (ocsp_signer) {
		ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_ext_key_usage, "OCSPSigning");
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
	}
	X509_sign(x, issuer_key != NULL ? issuer_key : key, EVP_sha256());
	X509_NAME_free(name);
	return x;
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

/* A signed response for leaf with thisUpdate/nextUpdate relative to now (next_off 0: none). */
static size_t
der_response(const struct world *w, X509 *leaf, int status, long this_off, long next_off,
             X509 *signer, EVP_PKEY *signer_key, unsigned char **out)
{
	OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
	OCSP_CERTID *id = OCSP_cert_to_id(EVP_sha1(), leaf, w->ca);
	ASN1_TIME *thisupd = X509_gmtime_adj(NULL, this_off);
	ASN1_TIME *nextupd = next_off != 0 ? X509_gmtime_adj(NULL, next_off) : NULL;
	ASN1_TIME *rev = X509_gmtime_adj(NULL, -7200);
	OCSP_RESPONSE *resp;
	int n;

	OCSP_basic_add1_status(bs, id, status, status == V_OCSP_CERTSTATUS_REVOKED ? 0 : -1,
	                       status == V_OCSP_CERTSTATUS_REVOKED ? rev : NULL, thisupd, nextupd);
	OCSP_basic_sign(bs, signer, signer_key, EVP_sha256(), NULL, 0);
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
	X509_STORE *trust, *wrong;
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
	CHECK(strncmp(req.key, "30", 2) == 0 && strlen(req.key) > 40);
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
	CHECK(strcmp(req.key, req256.key) != 0);                    /* hash algorithm in the key */
	CHECK_INT(req256.hash_nid, NID_sha256);
	OPENSSL_free(d);
	dl = der_request(w.revoked, w.ca, EVP_sha1(), 0, 0, &d);
	CHECK_INT(ocsp_request_parse(d, dl, &req2), 0);
	CHECK(strcmp(req.key, req2.key) != 0);                      /* serial in the key */
	OPENSSL_free(d);
	dl = der_request(w.longserial, w.ca, EVP_sha1(), 0, 0, &d);
	CHECK_INT(ocsp_request_parse(d, dl, &rlong), 0);            /* 8-byte serial */
	CHECK(strstr(rlong.key, "0123456789abcdef") != NULL);
	OPENSSL_free(d);
	dl = der_request(w.good, w.ca, EVP_sha1(), 1, 0, &d);
	CHECK_INT(ocsp_request_parse(d, dl, &rnonce), 0);
	CHECK_INT(rnonce.has_nonce, 1);
	CHECK_INT(rnonce.cacheable, 0);
	CHECK_STR(rnonce.key, req.key);                             /* still keyed, for fallback */
	OPENSSL_free(d);
	dl = der_request(w.good, w.ca, EVP_sha1(), 0, 1, &d);
	CHECK_INT(ocsp_request_parse(d, dl, &rtwo), 0);
	CHECK_INT(rtwo.n_ids, 2);
	CHECK_INT(rtwo.cacheable, 0);
	CHECK_STR(rtwo.key, "");
	OPENSSL_free(d);

	/* Verdicts. */
#define VERDICT(leaf, st, t, n, signer, skey) \
	(rl = der_response(&w, leaf, st, t, n, signer, skey, &r), \
	 el = (size_t)ocsp_response_check(&req, r, rl, now, 300, NULL, &info, why, sizeof(why)), \
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
	CHECK_INT(info.next_update, 0);
	CHECK_INT(VERDICT(w.good, V_OCSP_CERTSTATUS_GOOD, 3600, 0, w.resp, w.resp_key), OCSP_V_INVALID);
	CHECK_STR(why, "thisUpdate in the future");

	/* The revoked certificate's own response, through its own request. */
	dl = der_request(w.revoked, w.ca, EVP_sha1(), 0, 0, &d);
	ocsp_request_free(&req2);
	CHECK_INT(ocsp_request_parse(d, dl, &req2), 0);
	rl = der_response(&w, w.revoked, V_OCSP_CERTSTATUS_REVOKED, -60, 3600, w.resp, w.resp_key, &r);
	CHECK_INT(ocsp_response_check(&req2, r, rl, now, 300, NULL, &info, why, sizeof(why)), OCSP_V_CACHEABLE);
	CHECK_INT(info.cert_status, OCSP_CERT_REVOKED);
	CHECK(info.revoked_at > 0);
	CHECK_INT(ocsp_response_info(r, rl, req2.key, &info), 0);
	CHECK_INT(info.cert_status, OCSP_CERT_REVOKED);
	CHECK_INT(ocsp_response_check(&req2, r, rl - 1, now, 300, NULL, &info, why, sizeof(why)), OCSP_V_INVALID);
	CHECK_INT(ocsp_response_check(&rnonce, r, rl, now, 300, NULL, &info, why, sizeof(why)), OCSP_V_RELAY);
	OPENSSL_free(d);

	/* Signatures, with trust anchors: a delegated responder of the CA verifies, one of another
	 * CA (self-signed here) does not. */
	trust = X509_STORE_new();
	X509_STORE_add_cert(trust, w.ca);
	wrong = X509_STORE_new();
	X509_STORE_add_cert(wrong, w.other_ca);
	CHECK_INT(ocsp_response_check(&req2, r, rl, now, 300, trust, &info, why, sizeof(why)), OCSP_V_CACHEABLE);
	CHECK_INT(ocsp_response_check(&req2, r, rl, now, 300, wrong, &info, why, sizeof(why)), OCSP_V_INVALID);
	CHECK_STR(why, "signature does not verify");
	OPENSSL_free(r);
	rl = der_response(&w, w.revoked, V_OCSP_CERTSTATUS_REVOKED, -60, 3600, w.other_ca, other_key, &r);
	CHECK_INT(ocsp_response_check(&req2, r, rl, now, 300, trust, &info, why, sizeof(why)), OCSP_V_INVALID);
	CHECK_INT(ocsp_response_check(&req2, r, rl, now, 300, NULL, &info, why, sizeof(why)), OCSP_V_CACHEABLE);
	OPENSSL_free(r);

	/* Error statuses are relayed, garbage is not. */
	err = ocsp_error_response(OCSP_ST_TRYLATER, &el);
	CHECK_INT(el, 5);
	CHECK_INT(ocsp_response_check(&req, err, el, now, 300, NULL, &info, why, sizeof(why)), OCSP_V_RELAY);
	CHECK_INT(info.status, OCSP_ST_TRYLATER);
	CHECK_STR(why, "upstream status tryLater");
	err = ocsp_error_response(OCSP_ST_UNAUTHORIZED, &el);
	CHECK_INT(ocsp_response_check(&req, err, el, now, 300, NULL, &info, why, sizeof(why)), OCSP_V_RELAY);
	CHECK_INT(info.status, OCSP_ST_UNAUTHORIZED);
	CHECK_INT(ocsp_response_check(&req, (const unsigned char *)"<html>", 6, now, 300, NULL, &info, why, sizeof(why)), OCSP_V_INVALID);
	CHECK_INT(ocsp_response_check(&req, NULL, 0, now, 300, NULL, &info, why, sizeof(why)), OCSP_V_INVALID);
	/* A nonce request's successful answer is passed through. */
	rl = der_response(&w, w.good, V_OCSP_CERTSTATUS_GOOD, -60, 3600, w.resp, w.resp_key, &r);
	CHECK_INT(ocsp_response_check(&rnonce, r, rl, now, 300, NULL, &info, why, sizeof(why)), OCSP_V_RELAY);
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
	X509_STORE_free(trust);
	X509_STORE_free(wrong);
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
