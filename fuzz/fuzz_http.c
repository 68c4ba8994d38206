/* fuzz_http: the request-head parser on arbitrary bytes, and the resident workers' buffer-based
 * reader on the same bytes, whole and arriving in two pieces. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_request r;
	struct config cfg;
	size_t scanned = 0;
	int cont;

	http_parse_head((const char *)data, size, &r);
	http_request_free(&r);

	memset(&cfg, 0, sizeof(cfg));
	cfg.max_header_bytes = 1024;
	cfg.max_request_bytes = 256;
	memset(&r, 0, sizeof(r));
	http_parse_buffer((const char *)data, size / 2, &cfg, &scanned, &r, &cont);
	http_parse_buffer((const char *)data, size, &cfg, &scanned, &r, &cont);
	http_request_free(&r);
	return 0;
}
