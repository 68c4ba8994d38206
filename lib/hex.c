/* hex: the one bytes-to-hex encoder, a table lookup (it runs on every request's CertID). */
#include "hex.h"

size_t
hex_encode(const unsigned char *p, size_t n, char *out, size_t outlen)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	if (outlen == 0)
		return 0;
	if (n > (outlen - 1) / 2)
		n = (outlen - 1) / 2;
	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
	return 2 * n;
}
