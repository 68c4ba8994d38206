/* fuzz_decode: GET targets (prefixes, %-escapes, base64) and the OCSP request parser behind them. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "ocsp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_request r;
	struct ocsp_input in;
	struct ocsp_request req;
	char *target;

	if (size > 9000 || (target = malloc(size + 2)) == NULL)
		return 0;
	target[0] = '/';
	memcpy(target + 1, data, size);
	target[size + 1] = '\0';
	memset(&r, 0, sizeof(r));
	r.method = HTTP_GET;
	r.target = target;
	if (decode_request(&r, 16384, &in) == 0) {
		if (ocsp_request_parse(in.der, in.len, &req) == 0)
			ocsp_request_free(&req);
		ocsp_input_free(&in);
	}
	free(target);
	return 0;
}
