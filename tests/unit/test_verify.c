/* test_verify: lib/verify.c on its own: who may sign an answer (RFC 6960 4.2.2.2) for every
 * SingleResponse it holds: the CertID's issuer (with or without its certificate embedded, by
 * name or key) or a responder certificate it issued for OCSP signing, valid at the time asked;
 * an issuer the store lacks; answers speaking for two CAs; trust_anchors. */
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ocsp.h>

#include "check.h"
#include "config.h"
#include "issuers.h"
#include "pki.h"
#include "verify.h"

struct pki {
	EVP_PKEY *ca_key, *other_key, *resp_key, *leaf_key;
	X509 *ca, *other_ca, *resp, *leaf, *other_leaf;
};

/* A basic response for each leaf of leaves (issued by the matching CA of cas), signed by signer
 * with key, with OCSP_basic_sign's flags. */
static OCSP_BASICRESP *
basic(X509 **leaves, X509 **cas, int n, X509 *signer, EVP_PKEY *key, unsigned long flags)
{
	OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
	ASN1_TIME *t = X509_gmtime_adj(NULL, -60), *nx = X509_gmtime_adj(NULL, 3600);
	int i;

	for (i = 0; i < n; i++) {
		OCSP_CERTID *id = OCSP_cert_to_id(EVP_sha1(), leaves[i], cas[i]);

		OCSP_basic_add1_status(bs, id, V_OCSP_CERTSTATUS_GOOD, -1, NULL, t, nx);
		OCSP_CERTID_free(id);
	}
	OCSP_basic_sign(bs, signer, key, EVP_sha256(), NULL, flags);
	ASN1_TIME_free(t);
	ASN1_TIME_free(nx);
	return bs;
}

/* verify_response of a one-leaf answer for p->leaf signed by signer, at now. */
static enum verify_result
one(const struct pki *p, X509 *signer, EVP_PKEY *key, unsigned long flags, struct issuers *is,
    time_t now, char *why)
{
	X509 *leaves[1] = { p->leaf }, *cas[1] = { p->ca };
	OCSP_BASICRESP *bs = basic(leaves, cas, 1, signer, key, flags);
	enum verify_result rc = verify_response(bs, is, now, why, 256);

	OCSP_BASICRESP_free(bs);
	return rc;
}

static struct issuers *
load(struct config *cfg, const char *issuers, const char *anchors)
{
	struct err err;
	struct issuers *is;

	memset(cfg, 0, sizeof(*cfg));
	if (issuers != NULL)
		strlist_push(&cfg->issuers, issuers);
	cfg->trust_anchors = (char *)anchors;
	if ((is = issuers_load(cfg, &err)) == NULL)
		printf("# issuers_load: %s\n", err.msg);
	return is;
}

int
main(void)
{
	char ca_path[] = "/tmp/test_verify_ca.XXXXXX", other_path[] = "/tmp/test_verify_o.XXXXXX";
	char both_path[] = "/tmp/test_verify_b.XXXXXX", why[256], h[41];
	struct pki p;
	struct config cfg, cfg2, cfg3;
	struct issuers *is, *other, *both;
	EVP_PKEY *fkey = key_new();
	X509 *forger, *noeku, *foreign, *leaves[2], *cas[2];
	OCSP_BASICRESP *bs;
	ASN1_OCTET_STRING *ikh = NULL;
	OCSP_CERTID *id;
	time_t now = time(NULL);
	size_t i;
	FILE *f;

	p.ca_key = key_new();
	p.other_key = key_new();
	p.resp_key = key_new();
	p.leaf_key = key_new();
	p.ca = cert_new("verify CA", 1, p.ca_key, NULL, NULL, 1, 0);
	p.other_ca = cert_new("verify other CA", 1, p.other_key, NULL, NULL, 1, 0);
	p.resp = cert_new("responder", 2, p.resp_key, p.ca, p.ca_key, 0, 1);
	p.leaf = cert_new("leaf", 0x1001, p.leaf_key, p.ca, p.ca_key, 0, 0);
	p.other_leaf = cert_new("other leaf", 0x2001, p.leaf_key, p.other_ca, p.other_key, 0, 0);
	forger = cert_new("verify CA", 1, fkey, NULL, NULL, 1, 0);
	noeku = cert_new("no eku", 3, fkey, p.ca, p.ca_key, 0, 0);
	foreign = cert_new("foreign responder", 4, fkey, p.other_ca, p.other_key, 0, 1);
	close(mkstemp(ca_path));
	close(mkstemp(other_path));
	close(mkstemp(both_path));
	write_pem(ca_path, p.ca);
	write_pem(other_path, p.other_ca);
	f = fopen(both_path, "w");
	PEM_write_X509(f, p.ca);
	PEM_write_X509(f, p.other_ca);
	fclose(f);
	is = load(&cfg, ca_path, NULL);
	other = load(&cfg2, other_path, NULL);
	both = load(&cfg3, both_path, NULL);
	CHECK(is != NULL && other != NULL && both != NULL);

	/* Who may sign: the issuer, embedded or not, ResponderID by name or key; its delegate. */
	CHECK_INT(one(&p, p.ca, p.ca_key, 0, is, now, why), VERIFY_OK);
	CHECK_INT(one(&p, p.ca, p.ca_key, OCSP_NOCERTS, is, now, why), VERIFY_OK);
	CHECK_INT(one(&p, p.ca, p.ca_key, OCSP_NOCERTS | OCSP_RESPID_KEY, is, now, why), VERIFY_OK);
	CHECK_INT(one(&p, p.resp, p.resp_key, 0, is, now, why), VERIFY_OK);
	CHECK_INT(one(&p, p.resp, p.resp_key, OCSP_RESPID_KEY, is, now, why), VERIFY_OK);
	/* Who may not: a key posing as the CA, a delegate without the EKU, another CA's delegate,
	 * the delegate without its certificate (nothing to check it with). */
	CHECK_INT(one(&p, forger, fkey, 0, is, now, why), VERIFY_BAD);
	CHECK_STR(why, "signature does not verify");
	CHECK_INT(one(&p, forger, fkey, OCSP_NOCERTS, is, now, why), VERIFY_BAD);
	CHECK_INT(one(&p, noeku, fkey, 0, is, now, why), VERIFY_BAD);
	CHECK_STR(why, "responder certificate lacks the OCSPSigning extended key usage");
	CHECK_INT(one(&p, foreign, fkey, 0, is, now, why), VERIFY_BAD);
	CHECK_STR(why, "signed by a certificate the CertID's issuer did not issue");
	CHECK_INT(one(&p, p.resp, p.resp_key, OCSP_NOCERTS, is, now, why), VERIFY_BAD);
	CHECK_STR(why, "the responder ID names neither the CertID's issuer nor a certificate in the response");
	/* The delegate's validity is judged at the time given: it was made valid for 30 days. */
	CHECK_INT(one(&p, p.resp, p.resp_key, 0, is, now + 40 * 86400, why), VERIFY_BAD);
	CHECK_STR(why, "responder certificate not valid now");
	CHECK_INT(one(&p, p.resp, p.resp_key, 0, is, now - 2 * 3600, why), VERIFY_BAD);

	/* An issuer the store lacks: the reason names its key hash and what to configure. */
	CHECK_INT(one(&p, p.resp, p.resp_key, 0, other, now, why), VERIFY_NO_ISSUER);
	id = OCSP_cert_to_id(EVP_sha1(), p.leaf, p.ca);
	OCSP_id_get0_info(NULL, NULL, &ikh, NULL, id);
	for (i = 0; i < 20 && ikh != NULL && (int)i < ikh->length; i++)
		snprintf(h + 2 * i, 3, "%02x", ikh->data[i]);
	OCSP_CERTID_free(id);
	CHECK(strncmp(why, "issuer unknown: no certificate in the issuer store has the SHA1 issuer key hash ", 80) == 0);
	CHECK(strstr(why, h) != NULL);
	CHECK(strstr(why, "issuers_dir") != NULL);

	/* An answer speaking for two CAs: each SingleResponse needs its own issuer's signature. The
	 * first CA's delegate cannot vouch for the second CA's certificate, whichever comes first. */
	leaves[0] = p.leaf;
	cas[0] = p.ca;
	leaves[1] = p.other_leaf;
	cas[1] = p.other_ca;
	bs = basic(leaves, cas, 2, p.resp, p.resp_key, 0);
	CHECK_INT(verify_response(bs, both, now, why, sizeof(why)), VERIFY_BAD);
	CHECK_INT(verify_response(bs, is, now, why, sizeof(why)), VERIFY_NO_ISSUER);
	OCSP_BASICRESP_free(bs);
	leaves[0] = p.other_leaf;
	cas[0] = p.other_ca;
	leaves[1] = p.leaf;
	cas[1] = p.ca;
	bs = basic(leaves, cas, 2, p.other_ca, p.other_key, 0);
	CHECK_INT(verify_response(bs, both, now, why, sizeof(why)), VERIFY_BAD);
	OCSP_BASICRESP_free(bs);
	/* Two certificates of one CA: one check, both covered. */
	leaves[0] = leaves[1] = p.leaf;
	cas[0] = cas[1] = p.ca;
	bs = basic(leaves, cas, 2, p.resp, p.resp_key, 0);
	CHECK_INT(verify_response(bs, is, now, why, sizeof(why)), VERIFY_OK);
	OCSP_BASICRESP_free(bs);
	/* No SingleResponse at all. */
	bs = basic(leaves, cas, 0, p.resp, p.resp_key, 0);
	CHECK_INT(verify_response(bs, is, now, why, sizeof(why)), VERIFY_BAD);
	CHECK_STR(why, "no SingleResponse");
	OCSP_BASICRESP_free(bs);

	/* trust_anchors: the issuer must chain to them. */
	issuers_free(other);
	strlist_free(&cfg2.issuers);
	other = load(&cfg2, ca_path, ca_path);
	CHECK_INT(one(&p, p.resp, p.resp_key, 0, other, now, why), VERIFY_OK);
	issuers_free(other);
	strlist_free(&cfg2.issuers);
	other = load(&cfg2, ca_path, other_path);
	CHECK_INT(one(&p, p.resp, p.resp_key, 0, other, now, why), VERIFY_BAD);
	CHECK_STR(why, "the CertID's issuer does not chain to trust_anchors");

	issuers_free(is);
	issuers_free(other);
	issuers_free(both);
	strlist_free(&cfg.issuers);
	strlist_free(&cfg2.issuers);
	strlist_free(&cfg3.issuers);
	unlink(ca_path);
	unlink(other_path);
	unlink(both_path);
	X509_free(p.ca);
	X509_free(p.other_ca);
	X509_free(p.resp);
	X509_free(p.leaf);
	X509_free(p.other_leaf);
	X509_free(forger);
	X509_free(noeku);
	X509_free(foreign);
	EVP_PKEY_free(p.ca_key);
	EVP_PKEY_free(p.other_key);
	EVP_PKEY_free(p.resp_key);
	EVP_PKEY_free(p.leaf_key);
	EVP_PKEY_free(fkey);
	return CHECK_DONE();
}
