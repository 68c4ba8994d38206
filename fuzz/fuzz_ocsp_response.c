/* fuzz_ocsp_response: upstream answers checked against a cacheable request, the cached-response
 * reader, and the check of what Redis returned (its ETag made to match, so the DER walk runs). The request is $FUZZ_OCSP_REQUEST (the one the seed responses answer),
 * else a built-in one. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "b64.h"
#include "cached.h"
#include "ocsp.h"
#include "verdict.h"

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
	struct config cfg = { .clock_skew = 300000, .no_next_update_max_age = 3600000 };
	struct answer_rules rules = { .cfg = &cfg, .now = 1800000000 };
	struct entry e = { .resp = (unsigned char *)data, .resp_len = size };
	char why[256];
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
	answer_check(&rules, &req, data, size, &info, why, sizeof(why));
	ocsp_response_info(data, size, req.certid, &info);
	ocsp_response_info(data, size, NULL, &info);
	ocsp_etag(data, size, e.etag);
	if (ocsp_body_info(&req, data, size, &info, why, sizeof(why)) == 0)
		e.this_update = info.this_update;
	cached_check(&cfg, &req, &e, why, sizeof(why));
	return 0;
}
