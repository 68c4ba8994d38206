/* hex: bytes as lower-case hex, the one encoder (CertIDs, ETags, key hashes, file names). */
#ifndef OCSP_PROXY_HEX_H
#define OCSP_PROXY_HEX_H

#include <stddef.h>

/* Writes the hex of p[0..n) into out, NUL-terminated, as much as outlen holds (whole bytes
 * only: a hash from the network never overruns a buffer). Returns the characters written. */
size_t hex_encode(const unsigned char *p, size_t n, char *out, size_t outlen);

#endif
