/* fuzz_config: arbitrary configuration files through the parser. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	struct err err;
	struct config cfg;
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/fuzz_config.%ld", (long)getpid());
	if ((f = fopen(path, "wb")) == NULL)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	if (config_load(&cfg, path, &err) == 0)
		config_free(&cfg);
	return 0;
}
