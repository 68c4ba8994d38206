/* b64: base64 and %-decoding for GET requests (RFC 6960 A.1), as real clients spell them. */
#ifndef OCSP_PROXY_B64_H
#define OCSP_PROXY_B64_H

#include <stddef.h>

/* Decodes %XX escapes from src[0..len) into dst (at least len bytes). A decoded space becomes
 * '+' (some clients form-encode '+'). Returns the decoded length, or -1 on a bad escape. */
long pct_decode_b64(const char *src, size_t len, char *dst);

/* Decodes standard base64 (padding optional, no whitespace) into dst (at least len*3/4+3 bytes).
 * Returns the decoded length, or -1 when src is not base64. */
long b64_decode(const char *src, size_t len, unsigned char *dst);

/* Encodes into dst (at least 4*((len+2)/3)+1 bytes), NUL-terminated. Returns the length. */
size_t b64_encode(const unsigned char *src, size_t len, char *dst);

#endif
