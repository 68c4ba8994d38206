/* digest: SHA-1 and SHA-256 through OpenSSL's low-level functions, for the hit path and the
 * issuer store, which must not pay for activating a provider. */
#ifndef OCSP_PROXY_DIGEST_H
#define OCSP_PROXY_DIGEST_H

#include <stddef.h>

#define DIGEST_SHA1_LEN 20
#define DIGEST_SHA256_LEN 32

/* 0 ok, -1 when OpenSSL fails. */
int digest_sha1(const unsigned char *p, size_t len, unsigned char out[DIGEST_SHA1_LEN]);
int digest_sha256(const unsigned char *p, size_t len, unsigned char out[DIGEST_SHA256_LEN]);

#endif
