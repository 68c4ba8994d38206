/* test_hex: the one hex encoder (bounded to whole bytes) and the one table hash (FNV-1a). */
#include <stdio.h>
#include <string.h>
#include "check.h"
#include "fnv.h"
#include "hex.h"

int
main(void)
{
	static const unsigned char b[] = { 0x00, 0x9f, 0xa0, 0xff };
	char out[9], small[4];

	CHECK_INT(hex_encode(b, sizeof(b), out, sizeof(out)), 8);
	CHECK_STR(out, "009fa0ff");
	/* Whole bytes only, always terminated: a hash longer than the buffer is cut, not spilled. */
	memset(small, 'x', sizeof(small));
	CHECK_INT(hex_encode(b, sizeof(b), small, sizeof(small)), 2);
	CHECK_STR(small, "00");
	CHECK_INT(hex_encode(b, sizeof(b), small, 1), 0);
	CHECK_STR(small, "");
	CHECK_INT(hex_encode(b, sizeof(b), small, 0), 0);
	CHECK_INT(hex_encode(b, 0, out, sizeof(out)), 0);
	CHECK_STR(out, "");
	/* FNV-1a 64 test vectors (on a 64-bit size_t). */
	if (sizeof(size_t) == 8) {
		CHECK(fnv1a("", 0) == (size_t)0xcbf29ce484222325ULL);
		CHECK(fnv1a("a", 1) == (size_t)0xaf63dc4c8601ec8cULL);
		CHECK(fnv1a("foobar", 6) == (size_t)0x85944171f73967e8ULL);
	}
	return CHECK_DONE();
}
