/* cacert: what a route's issuer file holds: whether it is a CA certificate (a route serves the
 * certificates its issuer issued, so a server's own certificate there matches nothing), and
 * the issuer key hash the CertIDs of those certificates carry, for `-t` to show. */
#ifndef OCSP_PROXY_CACERT_H
#define OCSP_PROXY_CACERT_H

#include <stddef.h>

#include "digest.h"

struct cacert {
	char subject[256];                      /* as openssl x509 -subject, "" if longer */
	int ca;                                 /* 1 it may issue certificates, else 0 */
	const char *why;                        /* when not: which extension says so */
	char key_hash[DIGEST_SHA1_LEN * 2 + 1]; /* SHA-1 of its public key, lower-case hex */
};

/* Reads the first certificate of path (PEM or DER). 0 ok; -1 when path holds no certificate
 * (errno set when it could not be read at all). */
int cacert_read(const char *path, struct cacert *out);

#endif
