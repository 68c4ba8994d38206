/* test_upstream: the configured responder for a request, as the handler and the staple writer
 * ask it: a route for the issuer (by key hash or certificate file), then the caller's fallback,
 * then default_upstream; no route for a request of several CertIDs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/ocsp.h>
#include "check.h"
#include "pki.h"
#include "upstream.h"

/* A request for the given (leaf, issuer) pairs, parsed as the handler parses one. */
static int
request(X509 *leaf, X509 *ca, X509 *leaf2, X509 *ca2, struct ocsp_request *out)
{
	OCSP_REQUEST *r = OCSP_REQUEST_new();
	unsigned char *der = NULL;
	int len, rc;

	OCSP_request_add0_id(r, OCSP_cert_to_id(EVP_sha1(), leaf, ca));
	if (leaf2 != NULL)
		OCSP_request_add0_id(r, OCSP_cert_to_id(EVP_sha1(), leaf2, ca2));
	len = i2d_OCSP_REQUEST(r, &der);
	rc = len > 0 ? ocsp_request_parse(der, (size_t)len, out) : -1;
	OPENSSL_free(der);
	OCSP_REQUEST_free(r);
	return rc;
}

/* The hex SHA-1 of x's public key: how a route names an issuer. */
static void
key_hash(X509 *x, char out[41])
{
	const ASN1_BIT_STRING *key = X509_get0_pubkey_bitstr(x);
	unsigned char md[20];
	unsigned int i, n = 0;

	EVP_Digest(key->data, (size_t)key->length, md, &n, EVP_sha1(), NULL);
	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

int
main(void)
{
	EVP_PKEY *ka = key_new(), *kb = key_new(), *kl = key_new();
	X509 *ca = cert_new("CA A", 1, ka, NULL, NULL, 1, 0);
	X509 *cb = cert_new("CA B", 2, kb, NULL, NULL, 1, 0);
	X509 *la = cert_new("leaf a", 10, kl, ca, ka, 0, 0);
	X509 *lb = cert_new("leaf b", 11, kl, cb, kb, 0, 0);
	char ha[41], hb[41], pem[64];
	struct route routes[2];
	struct config cfg;
	struct ocsp_request ra, rb, two;
	int fd;

	snprintf(pem, sizeof(pem), "/tmp/test_upstream.XXXXXX");
	if ((fd = mkstemp(pem)) == -1)
		return 1;
	close(fd);
	write_pem(pem, cb);
	key_hash(ca, ha);
	key_hash(cb, hb);
	CHECK_INT(request(la, ca, NULL, NULL, &ra), 0);
	CHECK_INT(request(lb, cb, NULL, NULL, &rb), 0);
	CHECK_INT(request(la, ca, lb, cb, &two), 0);

	memset(&cfg, 0, sizeof(cfg));
	routes[0].issuer = ha;
	routes[0].url = "http://a.example/";
	routes[1].issuer = pem;                    /* B's certificate file */
	routes[1].url = "http://b.example/";
	cfg.routes = routes;
	cfg.n_routes = 2;
	cfg.default_upstream = "http://default.example/";

	/* A route for the issuer wins over the fallback (a staple's AIA) and the default. */
	CHECK_STR(upstream_configured(&cfg, &ra, NULL), "http://a.example/");
	CHECK_STR(upstream_configured(&cfg, &ra, "http://aia.example/"), "http://a.example/");
	CHECK_STR(upstream_configured(&cfg, &rb, NULL), "http://b.example/");
	/* Several CertIDs: no route, whatever their issuers. */
	CHECK_STR(upstream_configured(&cfg, &two, NULL), "http://default.example/");
	CHECK_STR(upstream_configured(&cfg, &two, "http://aia.example/"), "http://aia.example/");
	/* No route for the issuer: the fallback, else default_upstream, else none. */
	cfg.n_routes = 1;
	CHECK_STR(upstream_configured(&cfg, &rb, "http://aia.example/"), "http://aia.example/");
	CHECK_STR(upstream_configured(&cfg, &rb, NULL), "http://default.example/");
	cfg.default_upstream = NULL;
	CHECK(upstream_configured(&cfg, &rb, NULL) == NULL);
	/* The first matching route, in the configuration's order. */
	routes[1].issuer = ha;
	cfg.n_routes = 2;
	CHECK_STR(upstream_configured(&cfg, &ra, NULL), "http://a.example/");

	ocsp_request_free(&ra);
	ocsp_request_free(&rb);
	ocsp_request_free(&two);
	X509_free(ca);
	X509_free(cb);
	X509_free(la);
	X509_free(lb);
	EVP_PKEY_free(ka);
	EVP_PKEY_free(kb);
	EVP_PKEY_free(kl);
	unlink(pem);
	return CHECK_DONE();
}
