/* ocsp: OCSP requests and responses through OpenSSL: the CertID cache key, what is cacheable,
 * the parts of an answer the checks read (lib/verdict.c, lib/cached.c), fixed error answers. */
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/stat.h>

#include <openssl/conf.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "certfile.h"
#include "hex.h"
#include "digest.h"
#include "ocsp.h"

void
ocsp_init_light(void)
{
	OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS, NULL);
}

void
ocsp_init_full(void)
{
	/* OPENSSL_INIT_LOAD_CONFIG would be a no-op once ocsp_init_light ran (one run-once for
	 * both), so load the default file directly; a missing one is fine. */
	static const int flags = CONF_MFLAGS_DEFAULT_SECTION | CONF_MFLAGS_IGNORE_MISSING_FILE;

	CONF_modules_load_file(NULL, NULL, flags);
}

/* The CertID in one DER form whatever the client sent: the hash AlgorithmIdentifier with NULL
 * parameters (absent, NULL or anything else on the way in), so one certificate has one cache
 * entry. NULL params are what OpenSSL and most clients send, so existing keys keep their name. */
static OCSP_CERTID *
canonical_id(OCSP_CERTID *id)
{
	ASN1_OCTET_STRING *inh = NULL, *ikh = NULL;
	ASN1_OBJECT *md = NULL, *mdcopy = NULL;
	ASN1_INTEGER *serial = NULL;
	X509_ALGOR *alg = NULL;
	OCSP_CERTID *out = NULL;
	unsigned char *buf = NULL, *p;
	const unsigned char *q;
	int a, b, c, d, total;

	if (OCSP_id_get0_info(&inh, &md, &ikh, &serial, id) != 1 || inh == NULL || ikh == NULL ||
	    md == NULL || serial == NULL)
		return NULL;
	if ((alg = X509_ALGOR_new()) == NULL || (mdcopy = OBJ_dup(md)) == NULL ||
	    X509_ALGOR_set0(alg, mdcopy, V_ASN1_NULL, NULL) != 1)
		goto out;
	mdcopy = NULL;
	a = i2d_X509_ALGOR(alg, NULL);
	b = i2d_ASN1_OCTET_STRING(inh, NULL);
	c = i2d_ASN1_OCTET_STRING(ikh, NULL);
	d = i2d_ASN1_INTEGER(serial, NULL);
	if (a <= 0 || b <= 0 || c <= 0 || d <= 0 || a + b + c + d > 4096)
		goto out;
	total = ASN1_object_size(1, a + b + c + d, V_ASN1_SEQUENCE);
	if ((buf = malloc((size_t)total)) == NULL)
		goto out;
	p = buf;
	ASN1_put_object(&p, 1, a + b + c + d, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL);
	i2d_X509_ALGOR(alg, &p);
	i2d_ASN1_OCTET_STRING(inh, &p);
	i2d_ASN1_OCTET_STRING(ikh, &p);
	i2d_ASN1_INTEGER(serial, &p);
	q = buf;
	out = d2i_OCSP_CERTID(NULL, &q, total);
out:
	ASN1_OBJECT_free(mdcopy);
	X509_ALGOR_free(alg);
	free(buf);
	return out;
}

int
ocsp_request_encode(OCSP_CERTID *id, unsigned char **der, size_t *len)
{
	OCSP_REQUEST *req;
	unsigned char *buf = NULL;
	int n, rc = -1;

	if ((req = OCSP_REQUEST_new()) == NULL || OCSP_request_add0_id(req, id) == NULL) {
		OCSP_CERTID_free(id); /* not taken by req */
		OCSP_REQUEST_free(req);
		return -1;
	}
	if ((n = i2d_OCSP_REQUEST(req, &buf)) > 0 && (*der = malloc((size_t)n)) != NULL) {
		memcpy(*der, buf, (size_t)n);
		*len = (size_t)n;
		rc = 0;
	}
	OPENSSL_free(buf);
	OCSP_REQUEST_free(req);
	return rc;
}

/* The request a cacheable CertID is fetched and stored with: that CertID and nothing else (no
 * extension, requestor name or signature a client added). Sets the key from it too. */
static int
rebuild(OCSP_CERTID *id, struct ocsp_request *out)
{
	OCSP_CERTID *canon;
	unsigned char *idder = NULL;
	int idlen;

	if ((canon = canonical_id(id)) == NULL)
		return -1;
	if ((idlen = i2d_OCSP_CERTID(canon, &idder)) <= 0) {
		OCSP_CERTID_free(canon);
		return -1;
	}
	if ((size_t)idlen * 2 <= CERTID_HEX_MAX)
		hex_encode(idder, (size_t)idlen, out->certid, sizeof(out->certid));
	OPENSSL_free(idder);
	return ocsp_request_encode(canon, &out->der, &out->der_len);
}

int
ocsp_request_parse(const unsigned char *der, size_t len, struct ocsp_request *out)
{
	const unsigned char *p = der;
	OCSP_REQUEST *req = NULL;
	OCSP_CERTID *id = NULL;
	ASN1_OCTET_STRING *ikh = NULL;
	ASN1_OBJECT *md = NULL;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (len == 0 || len > OCSP_REQUEST_DER_MAX)
		goto out;
	if ((req = d2i_OCSP_REQUEST(NULL, &p, (long)len)) == NULL || p != der + len)
		goto out;
	if ((out->n_ids = OCSP_request_onereq_count(req)) <= 0)
		goto out;
	out->has_nonce = OCSP_REQUEST_get_ext_by_NID(req, NID_id_pkix_OCSP_Nonce, -1) >= 0;
	if (out->n_ids == 1) {
		id = OCSP_onereq_get0_id(OCSP_request_onereq_get0(req, 0));
		if (OCSP_id_get0_info(NULL, &md, &ikh, NULL, id) == 1) {
			out->hash_nid = OBJ_obj2nid(md);
			if (ikh != NULL && (size_t)ikh->length <= sizeof(out->issuer_key_hash)) {
				memcpy(out->issuer_key_hash, ikh->data, (size_t)ikh->length);
				out->issuer_key_hash_len = (size_t)ikh->length;
			}
		}
	}
	if (out->n_ids == 1 && !out->has_nonce) {
		if (rebuild(id, out) == -1)
			goto out;
		if (out->certid[0] == '\0') { /* a CertID too long to be a key: pass it through */
			free(out->der);
			out->der = NULL;
		}
	} else if (out->n_ids == 1) {
		/* A nonce request is passed through, but still has its entry's key for the
		 * fallback to a valid cached answer. */
		if (rebuild(id, out) == -1)
			goto out;
		free(out->der);
		out->der = NULL;
	}
	out->cacheable = out->n_ids == 1 && !out->has_nonce && out->certid[0] != '\0';
	if (out->der == NULL) {
		if ((out->der = malloc(len)) == NULL)
			goto out;
		memcpy(out->der, der, len);
		out->der_len = len;
	}
	out->ossl = req;
	req = NULL;
	rc = 0;
out:
	OCSP_REQUEST_free(req);
	if (rc == -1)
		ocsp_request_free(out);
	return rc;
}

void
ocsp_request_free(struct ocsp_request *r)
{
	free(r->der);
	OCSP_REQUEST_free(r->ossl);
	memset(r, 0, sizeof(*r));
}

static time_t
asn1_time(const ASN1_GENERALIZEDTIME *t)
{
	struct tm tm;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return timegm(&tm);
}

int
ocsp_single_info(OCSP_BASICRESP *bs, OCSP_CERTID *id, struct ocsp_response_info *info)
{
	ASN1_GENERALIZEDTIME *thisupd = NULL, *nextupd = NULL, *rev = NULL;
	OCSP_SINGLERESP *single;
	int idx, reason, st;

	idx = id != NULL ? OCSP_resp_find(bs, id, -1) : (OCSP_resp_count(bs) > 0 ? 0 : -1);
	if (idx < 0 || (single = OCSP_resp_get0(bs, idx)) == NULL)
		return -1;
	st = OCSP_single_get0_status(single, &reason, &rev, &thisupd, &nextupd);
	switch (st) {
	case V_OCSP_CERTSTATUS_GOOD: info->cert_status = OCSP_CERT_GOOD; break;
	case V_OCSP_CERTSTATUS_REVOKED: info->cert_status = OCSP_CERT_REVOKED; break;
	case V_OCSP_CERTSTATUS_UNKNOWN: info->cert_status = OCSP_CERT_UNKNOWN; break;
	default: return -1;
	}
	info->this_update = asn1_time(thisupd);
	info->next_update = asn1_time(nextupd);
	info->revoked_at = asn1_time(rev);
	info->produced_at = asn1_time(OCSP_resp_get0_produced_at(bs));
	return info->this_update == 0 ? -1 : 0;
}

/* One DER element at *p (within end) with the tag and class wanted: *p moves to its content,
 * *len its length. 0 ok, -1 anything else (indefinite lengths included). */
static int
der_enter(const unsigned char **p, const unsigned char *end, int tag, int xclass, long *len)
{
	int t, c, flags;

	if (*p >= end)
		return -1;
	flags = ASN1_get_object(p, len, &t, &c, end - *p);
	if ((flags & 0x80) != 0 || (flags & 0x01) != 0 || t != tag || c != xclass)
		return -1;
	return 0;
}

/* The BasicOCSPResponse of a successful OCSPResponse, decoded without the certificates it may
 * embed: a hit needs the SingleResponse, and decoding a certificate's key activates OpenSSL's
 * default provider (millions of instructions). The signature was checked before the answer was
 * cached; here tbsResponseData, signatureAlgorithm and signature are re-wrapped and decoded.
 * NULL when der is not a successful basic OCSP response. */
static OCSP_BASICRESP *
basic_without_certs(const unsigned char *der, size_t len)
{
	static const unsigned char basic_oid[] = { 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01,
	                                           0x01 }; /* id-pkix-ocsp-basic */
	const unsigned char *p = der, *end = der + len, *tbs, *q;
	unsigned char *buf = NULL, *w;
	OCSP_BASICRESP *bs = NULL;
	long n, span;
	int i, total;

	if (der_enter(&p, end, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL, &n) == -1 || p + n != end ||
	    der_enter(&p, end, V_ASN1_ENUMERATED, V_ASN1_UNIVERSAL, &n) == -1 || n != 1 || *p != 0)
		return NULL;
	p += n;
	if (der_enter(&p, end, 0, V_ASN1_CONTEXT_SPECIFIC, &n) == -1 ||
	    der_enter(&p, end, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL, &n) == -1 ||
	    der_enter(&p, end, V_ASN1_OBJECT, V_ASN1_UNIVERSAL, &n) == -1 ||
	    n != (long)sizeof(basic_oid) || memcmp(p, basic_oid, sizeof(basic_oid)) != 0)
		return NULL;
	p += n;
	if (der_enter(&p, end, V_ASN1_OCTET_STRING, V_ASN1_UNIVERSAL, &n) == -1 || p + n > end)
		return NULL;
	end = p + n;
	if (der_enter(&p, end, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL, &n) == -1 || p + n > end)
		return NULL;
	end = p + n;
	/* tbsResponseData, signatureAlgorithm, signature: their span, then nothing but certs. */
	tbs = p;
	for (i = 0; i < 3; i++) {
		static const int tags[3] = { V_ASN1_SEQUENCE, V_ASN1_SEQUENCE, V_ASN1_BIT_STRING };

		if (der_enter(&p, end, tags[i], V_ASN1_UNIVERSAL, &n) == -1 || p + n > end)
			return NULL;
		p += n;
	}
	span = p - tbs;
	total = ASN1_object_size(1, (int)span, V_ASN1_SEQUENCE);
	if (total <= 0 || (buf = malloc((size_t)total)) == NULL)
		return NULL;
	w = buf;
	ASN1_put_object(&w, 1, (int)span, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL);
	memcpy(w, tbs, (size_t)span);
	q = buf;
	bs = d2i_OCSP_BASICRESP(NULL, &q, total);
	if (bs != NULL && q != buf + total) {
		OCSP_BASICRESP_free(bs);
		bs = NULL;
	}
	free(buf);
	return bs;
}

int
ocsp_body_info(const struct ocsp_request *req, const unsigned char *der, size_t len,
               struct ocsp_response_info *info, char *why, size_t whylen)
{
	OCSP_BASICRESP *bs = NULL;
	int rc = -1;

	memset(info, 0, sizeof(*info));
	info->cert_status = -1;
	if (len == 0 || len > OCSP_RESPONSE_DER_MAX || (bs = basic_without_certs(der, len)) == NULL) {
		snprintf(why, whylen, "stored body is not a successful OCSP response");
		goto out;
	}
	if (req->n_ids != 1 ||
	    ocsp_single_info(bs, OCSP_onereq_get0_id(OCSP_request_onereq_get0(req->ossl, 0)), info) == -1) {
		snprintf(why, whylen, "stored body does not answer for this CertID");
		goto out;
	}
	rc = 0;
out:
	OCSP_BASICRESP_free(bs);
	return rc;
}

/* The CertID its DER in hex (a cache key) names, or NULL. */
static OCSP_CERTID *
certid_from_hex(const char *hex)
{
	unsigned char idbuf[CERTID_HEX_MAX / 2];
	const unsigned char *q = idbuf;
	OCSP_CERTID *id;
	size_t i, n = strlen(hex) / 2;
	unsigned int b;

	if (n == 0 || n > sizeof(idbuf) || strlen(hex) % 2 != 0)
		return NULL;
	for (i = 0; i < n; i++) {
		if (sscanf(hex + 2 * i, "%2x", &b) != 1)
			return NULL;
		idbuf[i] = (unsigned char)b;
	}
	if ((id = d2i_OCSP_CERTID(NULL, &q, (long)n)) != NULL && q != idbuf + n) {
		OCSP_CERTID_free(id);
		id = NULL;
	}
	return id;
}

int
ocsp_request_for_certid(const char *certid, struct ocsp_request *out)
{
	OCSP_CERTID *id = certid_from_hex(certid);
	OCSP_REQUEST *req = NULL;
	unsigned char *der = NULL;
	int len, rc = -1;

	memset(out, 0, sizeof(*out));
	if (id == NULL || (req = OCSP_REQUEST_new()) == NULL || OCSP_request_add0_id(req, id) == NULL)
		goto out;
	id = NULL; /* owned by req now */
	if ((len = i2d_OCSP_REQUEST(req, &der)) <= 0 || ocsp_request_parse(der, (size_t)len, out) == -1)
		goto out;
	/* Only a key in the form the handler writes names an entry anyone asks for. */
	if (!out->cacheable || strcmp(out->certid, certid) != 0) {
		ocsp_request_free(out);
		goto out;
	}
	rc = 0;
out:
	OPENSSL_free(der);
	OCSP_REQUEST_free(req);
	OCSP_CERTID_free(id);
	return rc;
}

int
ocsp_response_info(const unsigned char *der, size_t len, const char *certid,
                   struct ocsp_response_info *info)
{
	const unsigned char *p = der;
	OCSP_RESPONSE *resp = NULL;
	OCSP_BASICRESP *bs = NULL;
	OCSP_CERTID *id = NULL;
	int rc = -1;

	memset(info, 0, sizeof(*info));
	info->cert_status = -1;
	if ((resp = d2i_OCSP_RESPONSE(NULL, &p, (long)len)) == NULL || p != der + len)
		goto out;
	info->status = OCSP_response_status(resp);
	if ((bs = OCSP_response_get1_basic(resp)) == NULL)
		goto out;
	if (certid != NULL && (id = certid_from_hex(certid)) == NULL)
		goto out;
	rc = ocsp_single_info(bs, id, info);
out:
	OCSP_CERTID_free(id);
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(resp);
	return rc;
}

const unsigned char *
ocsp_error_response(enum ocsp_status status, size_t *len)
{
	static const unsigned char der[7][5] = {
		{ 0x30, 0x03, 0x0a, 0x01, 0x00 }, { 0x30, 0x03, 0x0a, 0x01, 0x01 },
		{ 0x30, 0x03, 0x0a, 0x01, 0x02 }, { 0x30, 0x03, 0x0a, 0x01, 0x03 },
		{ 0x30, 0x03, 0x0a, 0x01, 0x04 }, { 0x30, 0x03, 0x0a, 0x01, 0x05 },
		{ 0x30, 0x03, 0x0a, 0x01, 0x06 },
	};
	unsigned int s = (unsigned int)status;

	*len = 5;
	return der[s < 7 && s != 4 ? s : OCSP_ST_INTERNAL];
}

/* digest.c's SHA-256: no provider on the hit path, which checks every ETag Redis returns. */
void
ocsp_etag(const unsigned char *der, size_t len, char out[65])
{
	unsigned char md[DIGEST_SHA256_LEN];

	if (digest_sha256(der, len, md) == -1) {
		out[0] = '\0';
		return;
	}
	hex_encode(md, sizeof(md), out, 65);
}

static int
hex_equal(const char *h, const unsigned char *b, size_t n)
{
	char buf[129];

	if (n * 2 >= sizeof(buf) || strlen(h) != n * 2)
		return 0;
	hex_encode(b, n, buf, sizeof(buf));
	return strcasecmp(h, buf) == 0;
}

int
ocsp_issuer_matches(const struct ocsp_request *req, const char *issuer)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen;
	ASN1_OCTET_STRING *inh = NULL, *ikh = NULL;
	ASN1_OBJECT *alg = NULL;
	const ASN1_BIT_STRING *key;
	const EVP_MD *dgst;
	OCSP_CERTID *id;
	unsigned char *name = NULL;
	X509 *x = NULL;
	int namelen, match = 0;
	size_t i, n = strlen(issuer);

	if (req->n_ids != 1 || req->issuer_key_hash_len == 0)
		return 0;
	for (i = 0; i < n && strchr("0123456789abcdefABCDEF", issuer[i]) != NULL; i++)
		;
	if (i == n && n >= 40)
		return hex_equal(issuer, req->issuer_key_hash, req->issuer_key_hash_len);

	id = OCSP_onereq_get0_id(OCSP_request_onereq_get0(req->ossl, 0));
	if (OCSP_id_get0_info(&inh, &alg, &ikh, NULL, id) != 1 || inh == NULL || ikh == NULL)
		return 0;
	if ((dgst = EVP_get_digestbynid(OBJ_obj2nid(alg))) == NULL)
		return 0;
	if ((x = certfile_read_first(issuer)) == NULL)
		return 0;
	key = X509_get0_pubkey_bitstr(x);
	if (key == NULL || EVP_Digest(key->data, (size_t)key->length, md, &mdlen, dgst, NULL) != 1)
		goto out;
	if ((int)mdlen != ikh->length || memcmp(md, ikh->data, mdlen) != 0)
		goto out;
	if ((namelen = i2d_X509_NAME(X509_get_subject_name(x), &name)) <= 0)
		goto out;
	if (EVP_Digest(name, (size_t)namelen, md, &mdlen, dgst, NULL) != 1)
		goto out;
	match = (int)mdlen == inh->length && memcmp(md, inh->data, mdlen) == 0;
out:
	OPENSSL_free(name);
	X509_free(x);
	return match;
}

const char *
ocsp_status_name(int status)
{
	switch (status) {
	case OCSP_ST_SUCCESSFUL: return "successful";
	case OCSP_ST_MALFORMED: return "malformedRequest";
	case OCSP_ST_INTERNAL: return "internalError";
	case OCSP_ST_TRYLATER: return "tryLater";
	case OCSP_ST_SIGREQUIRED: return "sigRequired";
	case OCSP_ST_UNAUTHORIZED: return "unauthorized";
	default: return "unknownStatus";
	}
}

const char *
ocsp_cert_status_name(int cert_status)
{
	switch (cert_status) {
	case OCSP_CERT_GOOD: return "good";
	case OCSP_CERT_REVOKED: return "revoked";
	case OCSP_CERT_UNKNOWN: return "unknown";
	default: return "none";
	}
}

int
ocsp_request_serial(const struct ocsp_request *req, char *out, size_t outlen)
{
	static const char digits[] = "0123456789ABCDEF";
	ASN1_INTEGER *serial = NULL;
	OCSP_CERTID *id;
	const unsigned char *p;
	size_t i, n, o = 0;

	if (outlen == 0)
		return -1;
	out[0] = '\0';
	if (req->n_ids != 1 || req->ossl == NULL)
		return -1;
	id = OCSP_onereq_get0_id(OCSP_request_onereq_get0(req->ossl, 0));
	if (OCSP_id_get0_info(NULL, NULL, NULL, &serial, id) != 1 || serial == NULL)
		return -1;
	p = ASN1_STRING_get0_data(serial);
	n = (size_t)ASN1_STRING_length(serial);
	/* As i2a_ASN1_INTEGER writes it (openssl x509 -serial), without its line breaks. */
	if (ASN1_STRING_type(serial) == V_ASN1_NEG_INTEGER)
		out[o++] = '-';
	if (o + 2 * (n > 0 ? n : 1) + 1 > outlen) {
		out[0] = '\0';
		return -1;
	}
	if (n == 0) {
		out[o++] = '0';
		out[o++] = '0';
	}
	for (i = 0; i < n; i++) {
		out[o++] = digits[p[i] >> 4];
		out[o++] = digits[p[i] & 15];
	}
	out[o] = '\0';
	return 0;
}

int
ocsp_cert_names(const char *cert_path, char *subject, size_t subjlen, char *issuer,
                size_t isslen)
{
	X509 *x;

	subject[0] = issuer[0] = '\0';
	if ((x = certfile_read_first(cert_path)) == NULL)
		return -1;
	certfile_name_line(X509_get_subject_name(x), subject, subjlen);
	certfile_name_line(X509_get_issuer_name(x), issuer, isslen);
	X509_free(x);
	return 0;
}
