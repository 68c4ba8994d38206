/* fuzz_ocsp_request: DER OCSP requests into the CertID key, and issuer matching by hash. */
#include <stddef.h>
#include <stdint.h>

#include "ocsp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ocsp_request req;

	if (ocsp_request_parse(data, size, &req) == 0) {
		ocsp_issuer_matches(&req, "0123456789abcdef0123456789abcdef01234567");
		ocsp_request_free(&req);
	}
	return 0;
}
