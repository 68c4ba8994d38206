/* test_certfile: lib/certfile.c on its own: a server's certificate file as HAProxy and nginx
 * read it (the leaf, its issuer later in the file, in FILE.issuer or named), the issuer proved by
 * its key, not its name; the request built (one SHA-1 CertID, no nonce) and the AIA responder;
 * CA files told from server files; which answers the certificate's own issuer signed. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ocsp.h>

#include "certfile.h"
#include "check.h"
#include "ocsp.h"
#include "pki.h"

/* leaf with an OCSP responder in its authorityInfoAccess, signed again by issuer_key. */
static void
add_aia(X509 *leaf, X509 *issuer, EVP_PKEY *issuer_key, const char *url)
{
	char value[300];
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	snprintf(value, sizeof(value), "OCSP;URI:%s", url);
	X509V3_set_ctx(&ctx, issuer, leaf, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_info_access, value);
	X509_add_ext(leaf, ext, -1);
	X509_EXTENSION_free(ext);
	X509_sign(leaf, issuer_key, EVP_sha256());
}

/* A file holding the certificates given, PEM, in that order (NULL ends them). */
static void
pem_file(const char *path, X509 *a, X509 *b, X509 *c)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return;
	if (a != NULL)
		PEM_write_X509(f, a);
	if (b != NULL)
		PEM_write_X509(f, b);
	if (c != NULL)
		PEM_write_X509(f, c);
	fclose(f);
}

/* A response about cf's certificate signed by signer with key. */
static size_t
answer(const struct certfile *cf, X509 *signer, EVP_PKEY *key, unsigned char **out)
{
	OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
	OCSP_CERTID *id = OCSP_cert_to_id(EVP_sha1(), cf->leaf, cf->issuer);
	ASN1_TIME *t = X509_gmtime_adj(NULL, -60), *nx = X509_gmtime_adj(NULL, 3600);
	OCSP_RESPONSE *resp;
	int n;

	OCSP_basic_add1_status(bs, id, V_OCSP_CERTSTATUS_GOOD, -1, NULL, t, nx);
	OCSP_basic_sign(bs, signer, key, EVP_sha256(), NULL, 0);
	resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs);
	*out = NULL;
	n = i2d_OCSP_RESPONSE(resp, out);
	OCSP_RESPONSE_free(resp);
	OCSP_BASICRESP_free(bs);
	OCSP_CERTID_free(id);
	ASN1_TIME_free(t);
	ASN1_TIME_free(nx);
	return n > 0 ? (size_t)n : 0;
}

int
main(void)
{
	char dir[] = "/tmp/test_certfile.XXXXXX", chain[600], bare[600], bareiss[600], twinf[600];
	char cafile[600], other[600], subject[256], issuer[256];
	EVP_PKEY *ka = key_new(), *kb = key_new(), *kl = key_new(), *kr = key_new();
	X509 *ca = cert_new("certfile CA", 1, ka, NULL, NULL, 1, 0);
	X509 *otherca = cert_new("certfile other CA", 2, kb, NULL, NULL, 1, 0);
	X509 *twin = cert_new("certfile CA", 1, kb, NULL, NULL, 1, 0); /* the CA's name, another key */
	X509 *leaf = cert_new("www.example.test", 0x1234, kl, ca, ka, 0, 0);
	X509 *resp = cert_new("responder", 5, kr, ca, ka, 0, 1);
	X509 *foreign = cert_new("foreign responder", 6, kr, otherca, kb, 0, 1);
	struct certfile cf;
	struct ocsp_request req;
	struct err err;
	unsigned char *r = NULL;
	size_t rl;

	if (mkdtemp(dir) == NULL)
		return 1;
	add_aia(leaf, ca, ka, "http://ocsp.example.test/");
	snprintf(chain, sizeof(chain), "%s/chain.pem", dir);
	snprintf(bare, sizeof(bare), "%s/bare.pem", dir);
	snprintf(bareiss, sizeof(bareiss), "%s/bare.pem.issuer", dir);
	snprintf(twinf, sizeof(twinf), "%s/twin.pem", dir);
	snprintf(cafile, sizeof(cafile), "%s/ca.pem", dir);
	snprintf(other, sizeof(other), "%s/other.pem", dir);
	pem_file(chain, leaf, otherca, ca);    /* the issuer anywhere after the leaf */
	pem_file(bare, leaf, NULL, NULL);
	pem_file(twinf, leaf, twin, NULL);
	pem_file(cafile, ca, NULL, NULL);
	pem_file(other, otherca, NULL, NULL);

	/* The issuer in the file: the request is one SHA-1 CertID for the leaf, no nonce. */
	CHECK_INT(certfile_load(chain, &cf, &err), 0);
	CHECK(cf.leaf != NULL && X509_cmp(cf.leaf, leaf) == 0);
	CHECK(cf.issuer != NULL && X509_cmp(cf.issuer, ca) == 0);
	CHECK_STR(cf.aia, "http://ocsp.example.test/");
	CHECK_INT(ocsp_request_parse(cf.req, cf.req_len, &req), 0);
	CHECK_INT(req.n_ids, 1);
	CHECK_INT(req.has_nonce, 0);
	CHECK_INT(req.cacheable, 1);
	CHECK_INT(req.hash_nid, NID_sha1);
	{
		char serial[CERTID_HEX_MAX + 1];

		CHECK_INT(ocsp_request_serial(&req, serial, sizeof(serial)), 0);
		CHECK_STR(serial, "1234");
	}
	ocsp_request_free(&req);
	certfile_names(&cf, subject, sizeof(subject), issuer, sizeof(issuer));
	CHECK_STR(subject, "CN = www.example.test");
	CHECK_STR(issuer, "CN = certfile CA");

	/* Who signed an answer: the issuer, its delegated responder; not another CA's responder,
	 * nor a key posing under the CA's name. */
	rl = answer(&cf, ca, ka, &r);
	CHECK_INT(certfile_signed(&cf, r, rl, &err), 1);
	OPENSSL_free(r);
	rl = answer(&cf, resp, kr, &r);
	CHECK_INT(certfile_signed(&cf, r, rl, &err), 1);
	OPENSSL_free(r);
	rl = answer(&cf, foreign, kr, &r);
	CHECK_INT(certfile_signed(&cf, r, rl, &err), 0);
	CHECK_STR(err.msg, "not signed by the certificate's issuer or its responder");
	OPENSSL_free(r);
	rl = answer(&cf, twin, kb, &r);
	CHECK_INT(certfile_signed(&cf, r, rl, &err), 0);
	OPENSSL_free(r);
	CHECK_INT(certfile_signed(&cf, (const unsigned char *)"\x30\x03\x0a\x01\x03", 5, &err), 0);
	CHECK_STR(err.msg, "not a basic OCSP response");
	certfile_free(&cf);

	/* No issuer in the file: FILE.issuer, as HAProxy reads it; without one, an error. */
	CHECK_INT(certfile_load(bare, &cf, &err), -1);
	CHECK_INT(err.kind, ERR_INPUT);
	CHECK(strstr(err.msg, "its issuer is neither in the file nor in") != NULL);
	pem_file(bareiss, otherca, ca, NULL);
	CHECK_INT(certfile_load(bare, &cf, &err), 0);
	CHECK(cf.issuer != NULL && X509_cmp(cf.issuer, ca) == 0);
	certfile_free(&cf);
	/* Or named (ocsp-proxyctl prefetch --issuer): it must have issued the leaf. */
	CHECK_INT(certfile_load_with(bare, cafile, &cf, &err), 0);
	certfile_free(&cf);
	CHECK_INT(certfile_load_with(bare, other, &cf, &err), -1);
	CHECK(strstr(err.msg, "not issued by") != NULL);
	/* The CA's name over another key is no issuer: the key must verify the leaf. */
	CHECK_INT(certfile_load(twinf, &cf, &err), -1);
	CHECK(strstr(err.msg, "the issuer's key did not sign it") != NULL);
	CHECK(cf.leaf == NULL && cf.req == NULL);
	/* Not a certificate file. */
	CHECK_INT(certfile_load("/nonexistent/x.pem", &cf, &err), -1);
	CHECK(strstr(err.msg, "no certificate") != NULL);

	/* A CA's file (a chain or issuer file in a directory of server certificates). */
	CHECK_INT(certfile_first_is_ca(cafile), 1);
	CHECK_INT(certfile_first_is_ca(chain), 0);
	CHECK_INT(certfile_first_is_ca("/nonexistent/x.pem"), -1);

	X509_free(ca);
	X509_free(otherca);
	X509_free(twin);
	X509_free(leaf);
	X509_free(resp);
	X509_free(foreign);
	EVP_PKEY_free(ka);
	EVP_PKEY_free(kb);
	EVP_PKEY_free(kl);
	EVP_PKEY_free(kr);
	unlink(chain);
	unlink(bare);
	unlink(bareiss);
	unlink(twinf);
	unlink(cafile);
	unlink(other);
	rmdir(dir);
	return CHECK_DONE();
}
