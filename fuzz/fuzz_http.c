/* fuzz_http: the request-head parser on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_request r;

	http_parse_head((const char *)data, size, &r);
	http_request_free(&r);
	return 0;
}
