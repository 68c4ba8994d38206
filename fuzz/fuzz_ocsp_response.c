/* fuzz_ocsp_response: upstream answers checked against a cacheable request, the cached-response
 * reader, and the check of what Redis returned (its ETag made to match, so the DER walk runs). The request is $FUZZ_OCSP_REQUEST (the one the seed responses answer),
 * else a built-in one. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "b64.h"
#include "ocsp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char req_b64[] =
    "MEMwQTA/MD0wOzAJBgUrDgMCGgUABBS/cFLIucD3YMiRI+CZgV6ywDlCJgQUTdSPrpIVZVVFKultp9Y4YyrmAogCAhAB";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ocsp_request req;
	static int ready;
	unsigned char der[4096];
	const char *path = getenv("FUZZ_OCSP_REQUEST");
	FILE *f;
	struct ocsp_response_info info;
	char why[256], etag[65];
	long n;

	if (!ready) {
		if (path != NULL && (f = fopen(path, "rb")) != NULL) {
			n = (long)fread(der, 1, sizeof(der), f);
			fclose(f);
		} else {
			n = b64_decode(req_b64, sizeof(req_b64) - 1, der);
		}
		if (n <= 0 || ocsp_request_parse(der, (size_t)n, &req) != 0)
			return 0;
		ready = 1;
	}
	ocsp_response_check(&req, data, size, 1800000000, 300, NULL, &info, why, sizeof(why));
	ocsp_response_info(data, size, req.certid, &info);
	ocsp_response_info(data, size, NULL, &info);
	ocsp_etag(data, size, etag);
	ocsp_cached_check(&req, data, size, etag, &info, why, sizeof(why));
	return 0;
}
