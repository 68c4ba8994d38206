/* digest: SHA-1 and SHA-256 without EVP. An EVP digest fetches its algorithm from a provider,
 * and activating the default provider costs about 3.5 M instructions, more than the rest of a
 * cache hit (which checks the ETag of what Redis returned) and far more than hashing every
 * certificate of the system bundle. These functions are deprecated in OpenSSL 3 but compute the
 * same digests, in this process, without a provider; this file is the one place that says so. */
#include <openssl/sha.h>

#include "digest.h"

_Static_assert(DIGEST_SHA1_LEN == SHA_DIGEST_LENGTH, "SHA-1 length");
_Static_assert(DIGEST_SHA256_LEN == SHA256_DIGEST_LENGTH, "SHA-256 length");

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
int
digest_sha1(const unsigned char *p, size_t len, unsigned char out[DIGEST_SHA1_LEN])
{
	SHA_CTX c;

	return SHA1_Init(&c) == 1 && SHA1_Update(&c, p, len) == 1 && SHA1_Final(out, &c) == 1 ? 0
	                                                                                      : -1;
}

int
digest_sha256(const unsigned char *p, size_t len, unsigned char out[DIGEST_SHA256_LEN])
{
	SHA256_CTX c;

	return SHA256_Init(&c) == 1 && SHA256_Update(&c, p, len) == 1 &&
	               SHA256_Final(out, &c) == 1
	           ? 0
	           : -1;
}
#pragma GCC diagnostic pop
