/* cli: the command-line flags every ocsp-proxy program shares (-c, -h, -V). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "config.h"

enum cli_result
cli_parse(int argc, char **argv, const char *prog, const char *usage, const char **path,
          int *rest)
{
	int i, n = 1;

	*path = NULL;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "%s: %s needs a file\n%s", prog, a, usage);
				return CLI_USAGE;
			}
			*path = argv[++i];
		} else if (strncmp(a, "--config=", 9) == 0) {
			*path = a + 9;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(usage, stdout);
			return CLI_EXIT;
		} else if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
			printf("%s %s\n", prog, OCSP_PROXY_VERSION);
			return CLI_EXIT;
		} else {
			argv[n++] = argv[i];
		}
	}
	argv[n] = NULL;
	*rest = n;
	return CLI_RUN;
}
