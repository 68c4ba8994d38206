/* cacert: is a route issuer file a CA certificate, and which issuer key hash does it serve
 * (cacert.h). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "certfile.h"
#include "hex.h"
#include "cacert.h"

/* RFC 5280 4.2.1.9 and 4.2.1.3: basicConstraints CA:TRUE, and keyCertSign when a keyUsage is
 * there. X509_check_ca also takes a v1 self-signed root and a keyUsage keyCertSign without
 * basicConstraints (older CAs); it refuses what a leaf carries. */
static const char *
not_ca_why(X509 *x)
{
	uint32_t flags = X509_get_extension_flags(x);

	if (X509_check_ca(x) != 0)
		return NULL;
	if ((flags & EXFLAG_KUSAGE) && !(X509_get_key_usage(x) & KU_KEY_CERT_SIGN))
		return "its keyUsage lacks keyCertSign";
	if (flags & EXFLAG_BCONS)
		return "its basicConstraints say CA:FALSE";
	return "it has no basicConstraints CA:TRUE";
}

int
cacert_read(const char *path, struct cacert *out)
{
	unsigned char md[DIGEST_SHA1_LEN];
	const ASN1_BIT_STRING *key;
	X509 *x;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	errno = 0;
	if ((x = certfile_read_first(path)) == NULL)
		return -1;
	key = X509_get0_pubkey_bitstr(x);
	if (key == NULL || digest_sha1(key->data, (size_t)key->length, md) == -1)
		goto out;
	hex_encode(md, sizeof(md), out->key_hash, sizeof(out->key_hash));
	out->why = not_ca_why(x);
	out->ca = out->why == NULL;
	/* The subject as openssl x509 -subject shows it (RFC 2253 order reversed, one line). */
	certfile_name_line(X509_get_subject_name(x), out->subject, sizeof(out->subject));
	rc = 0;
out:
	X509_free(x);
	return rc;
}
