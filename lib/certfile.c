/* certfile: a TLS server's certificate file as HAProxy and nginx read it: the leaf, its issuer,
 * the OCSP request for the leaf, and whether a response was signed for it by that issuer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "bounds.h"
#include "certfile.h"
#include "ocsp.h"


/* Every certificate in a PEM file (keys and other blocks are skipped). NULL when none. */
static STACK_OF(X509) *
read_certs(const char *path)
{
	STACK_OF(X509_INFO) *infos = NULL;
	STACK_OF(X509) *certs = NULL;
	struct stat st;
	BIO *bio = NULL;
	int i;

	if (stat(path, &st) == -1 || !S_ISREG(st.st_mode) || st.st_size > CERT_FILE_MAX)
		return NULL;
	if ((bio = BIO_new_file(path, "r")) == NULL)
		goto out;
	if ((infos = PEM_X509_INFO_read_bio(bio, NULL, NULL, NULL)) == NULL ||
	    (certs = sk_X509_new_null()) == NULL)
		goto out;
	for (i = 0; i < sk_X509_INFO_num(infos); i++) {
		X509_INFO *xi = sk_X509_INFO_value(infos, i);

		if (xi->x509 != NULL && sk_X509_push(certs, xi->x509) > 0)
			xi->x509 = NULL; /* owned by certs now */
	}
out:
	sk_X509_INFO_pop_free(infos, X509_INFO_free);
	BIO_free(bio);
	ERR_clear_error();
	if (certs != NULL && sk_X509_num(certs) == 0) {
		sk_X509_free(certs);
		certs = NULL;
	}
	return certs;
}

/* The certificate in certs (after the first) that issued the first, or NULL. */
static X509 *
find_issuer(STACK_OF(X509) *certs)
{
	X509 *leaf = sk_X509_value(certs, 0);
	int i;

	for (i = 1; i < sk_X509_num(certs); i++)
		if (X509_check_issued(sk_X509_value(certs, i), leaf) == X509_V_OK)
			return sk_X509_value(certs, i);
	return NULL;
}

/* The request and responder URL for leaf and issuer. 0 ok, -1. */
static int
build_request(struct certfile *cf)
{
	OCSP_CERTID *id;
	STACK_OF(OPENSSL_STRING) *aia;
	int rc = -1;

	if ((id = OCSP_cert_to_id(EVP_sha1(), cf->leaf, cf->issuer)) == NULL ||
	    ocsp_request_encode(id, &cf->req, &cf->req_len) != 0)
		return -1;
	aia = X509_get1_ocsp(cf->leaf);
	if (aia == NULL || sk_OPENSSL_STRING_num(aia) == 0 ||
	    (cf->aia = strdup(sk_OPENSSL_STRING_value(aia, 0))) != NULL)
		rc = 0;
	X509_email_free(aia);
	return rc;
}

/* The certificate of issuer_path that issued leaf by name and key identifier, or NULL. */
static X509 *
issuer_from(const char *issuer_path, X509 *leaf, STACK_OF(X509) **keep)
{
	int i;

	if ((*keep = read_certs(issuer_path)) == NULL)
		return NULL;
	for (i = 0; i < sk_X509_num(*keep); i++)
		if (X509_check_issued(sk_X509_value(*keep, i), leaf) == X509_V_OK)
			return sk_X509_value(*keep, i);
	return NULL;
}

int
certfile_load(const char *path, struct certfile *out, struct err *err)
{
	return certfile_load_with(path, NULL, out, err);
}

int
certfile_load_with(const char *path, const char *issuer_path, struct certfile *out,
                   struct err *err)
{
	STACK_OF(X509) *certs = NULL, *extra = NULL;
	char other[4096];
	X509 *issuer;
	EVP_PKEY *key;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if ((certs = read_certs(path)) == NULL) {
		err_set(err, ERR_INPUT, "%s: no certificate (or not a readable PEM file under 1 MiB)",
		        path);
		goto out;
	}
	/* HAProxy's order: the chain in the file, then <file>.issuer; or the one named. */
	if (issuer_path != NULL) {
		if ((issuer = issuer_from(issuer_path, sk_X509_value(certs, 0), &extra)) == NULL) {
			err_set(err, ERR_INPUT, "%s: not issued by %s (names or key ids differ)", path,
			        issuer_path);
			goto out;
		}
	} else if ((issuer = find_issuer(certs)) == NULL &&
	           snprintf(other, sizeof(other), "%s.issuer", path) < (int)sizeof(other)) {
		issuer = issuer_from(other, sk_X509_value(certs, 0), &extra);
	}
	if (issuer == NULL) {
		err_set(err, ERR_INPUT, "%s: its issuer is neither in the file nor in %s.issuer", path,
		        path);
		goto out;
	}
	/* Names can be copied: only the issuer's key proves it issued the certificate. */
	key = X509_get0_pubkey(issuer);
	if (key == NULL || X509_verify(sk_X509_value(certs, 0), key) != 1) {
		err_set(err, ERR_INPUT, "%s: the issuer's key did not sign it (same names, other key)",
		        path);
		goto out;
	}
	out->leaf = sk_X509_value(certs, 0);
	out->issuer = issuer;
	if (!X509_up_ref(out->leaf) || !X509_up_ref(issuer)) {
		out->leaf = out->issuer = NULL;
		err_set(err, ERR_NOMEM, "out of memory");
		goto out;
	}
	if (build_request(out) == -1) {
		err_set(err, ERR_NOMEM, "%s: cannot build the OCSP request", path);
		goto out;
	}
	rc = 0;
out:
	sk_X509_pop_free(certs, X509_free);
	sk_X509_pop_free(extra, X509_free);
	ERR_clear_error();
	if (rc == -1)
		certfile_free(out);
	return rc;
}

X509 *
certfile_read_first(const char *path)
{
	X509 *x;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	x = PEM_read_X509(f, NULL, NULL, NULL);
	if (x == NULL) {
		rewind(f);
		x = d2i_X509_fp(f, NULL);
	}
	fclose(f);
	if (x == NULL)
		errno = 0; /* read, but not a certificate */
	return x;
}

void
certfile_name_line(const X509_NAME *name, char *out, size_t outlen)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long n;

	out[0] = '\0';
	if (b != NULL &&
	    X509_NAME_print_ex(b, name, 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB) >= 0 &&
	    (n = BIO_get_mem_data(b, &p)) > 0 && (size_t)n < outlen) {
		memcpy(out, p, (size_t)n);
		out[n] = '\0';
	}
	BIO_free(b);
}

void
certfile_names(const struct certfile *cf, char *subject, size_t subjlen, char *issuer,
               size_t isslen)
{
	certfile_name_line(X509_get_subject_name(cf->leaf), subject, subjlen);
	certfile_name_line(X509_get_issuer_name(cf->leaf), issuer, isslen);
}

int
certfile_first_is_ca(const char *path)
{
	STACK_OF(X509) *certs = read_certs(path);
	int ca;

	if (certs == NULL)
		return -1;
	ca = X509_check_ca(sk_X509_value(certs, 0)) != 0;
	sk_X509_pop_free(certs, X509_free);
	return ca;
}

void
certfile_free(struct certfile *cf)
{
	free(cf->req);
	free(cf->aia);
	X509_free(cf->leaf);
	X509_free(cf->issuer);
	memset(cf, 0, sizeof(*cf));
}

int
certfile_signed(const struct certfile *cf, const unsigned char *der, size_t len,
                struct err *why)
{
	const unsigned char *p = der;
	OCSP_RESPONSE *resp = NULL;
	OCSP_BASICRESP *bs = NULL;
	X509_STORE *store = NULL;
	STACK_OF(X509) *issuer = NULL;
	int ok = 0;

	if ((resp = d2i_OCSP_RESPONSE(NULL, &p, (long)len)) == NULL ||
	    (bs = OCSP_response_get1_basic(resp)) == NULL) {
		err_set(why, ERR_PROTOCOL, "not a basic OCSP response");
		goto out;
	}
	/* The issuer as the only trust anchor (it need not be self-signed: PARTIAL_CHAIN), and as
	 * a candidate signer for responses that embed no certificate. OCSP_basic_verify then
	 * accepts the issuer itself or a responder it certified with the OCSPSigning EKU. */
	if ((store = X509_STORE_new()) == NULL || !X509_STORE_add_cert(store, cf->issuer) ||
	    !X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN) ||
	    (issuer = sk_X509_new_null()) == NULL || !sk_X509_push(issuer, cf->issuer)) {
		err_set(why, ERR_NOMEM, "out of memory");
		goto out;
	}
	if (OCSP_basic_verify(bs, issuer, store, 0) != 1) {
		err_set(why, ERR_REFUSED, "not signed by the certificate's issuer or its responder");
		goto out;
	}
	ok = 1;
out:
	sk_X509_free(issuer); /* the issuer stays cf's */
	X509_STORE_free(store);
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(resp);
	ERR_clear_error();
	return ok;
}
