/* b64: base64 and %-decoding for GET requests (RFC 6960 A.1), as real clients spell them. */
#include "b64.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long
pct_decode_b64(const char *src, size_t len, char *dst)
{
	size_t i, o = 0;
	int hi, lo;
	char c;

	for (i = 0; i < len; i++) {
		c = src[i];
		if (c == '%') {
			if (i + 2 >= len)
				return -1;
			if ((hi = hexval(src[i + 1])) < 0 || (lo = hexval(src[i + 2])) < 0)
				return -1;
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		/* A '+' that went through form encoding comes back as a space. */
		dst[o++] = c == ' ' ? '+' : c;
	}
	return (long)o;
}

static int
b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

long
b64_decode(const char *src, size_t len, unsigned char *dst)
{
	unsigned long acc = 0;
	size_t i, o = 0, pad = 0, n = 0;
	int v;

	/* Padding is optional, but when present it ends the input. */
	while (len > 0 && src[len - 1] == '=' && pad < 2) {
		len--;
		pad++;
	}
	if (len % 4 == 1 || (pad > 0 && (len + pad) % 4 != 0))
		return -1;
	for (i = 0; i < len; i++) {
		if ((v = b64val((unsigned char)src[i])) < 0)
			return -1;
		acc = acc << 6 | (unsigned long)v;
		if (++n == 4) {
			dst[o++] = (unsigned char)(acc >> 16);
			dst[o++] = (unsigned char)(acc >> 8);
			dst[o++] = (unsigned char)acc;
			acc = 0;
			n = 0;
		}
	}
	if (n == 2) {
		dst[o++] = (unsigned char)(acc >> 4);
	} else if (n == 3) {
		dst[o++] = (unsigned char)(acc >> 10);
		dst[o++] = (unsigned char)(acc >> 2);
	}
	return (long)o;
}

size_t
b64_encode(const unsigned char *src, size_t len, char *dst)
{
	size_t i, o = 0;
	unsigned long acc;

	for (i = 0; i + 2 < len; i += 3) {
		acc = (unsigned long)src[i] << 16 | (unsigned long)src[i + 1] << 8 | src[i + 2];
		dst[o++] = alphabet[acc >> 18 & 63];
		dst[o++] = alphabet[acc >> 12 & 63];
		dst[o++] = alphabet[acc >> 6 & 63];
		dst[o++] = alphabet[acc & 63];
	}
	if (len - i == 1) {
		acc = (unsigned long)src[i] << 16;
		dst[o++] = alphabet[acc >> 18 & 63];
		dst[o++] = alphabet[acc >> 12 & 63];
		dst[o++] = '=';
		dst[o++] = '=';
	} else if (len - i == 2) {
		acc = (unsigned long)src[i] << 16 | (unsigned long)src[i + 1] << 8;
		dst[o++] = alphabet[acc >> 18 & 63];
		dst[o++] = alphabet[acc >> 12 & 63];
		dst[o++] = alphabet[acc >> 6 & 63];
		dst[o++] = '=';
	}
	dst[o] = '\0';
	return o;
}
