/* pki: the unit tests' certificates, built with OpenSSL: keys, CA, leaf and delegated responder
 * certificates, PEM files of them. */
#ifndef OCSP_PROXY_TEST_PKI_H
#define OCSP_PROXY_TEST_PKI_H

#include <stdio.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

/* A P-256 key (fast to make). */
static inline EVP_PKEY *
key_new(void)
{
	return EVP_EC_gen("P-256");
}

/* A certificate for cn with serial, valid from an hour ago for 30 days, signed by issuer_key (its
 * own key when issuer is NULL: self-signed), a CA or not, with the OCSPSigning EKU or not. */
static inline X509 *
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

/* A PEM file holding x, for the issuer store. */
static inline void
write_pem(const char *path, X509 *x)
{
	FILE *f = fopen(path, "w");

	PEM_write_X509(f, x);
	fclose(f);
}

#endif
