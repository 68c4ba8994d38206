/* cli: the command-line flags every ocsp-proxy program shares. */
#ifndef OCSP_PROXY_CLI_H
#define OCSP_PROXY_CLI_H

enum cli_result {
	CLI_RUN = 0,                 /* go on, with the program's own arguments */
	CLI_EXIT,                    /* help or version printed: exit 0 */
	CLI_USAGE,                   /* a bad argument, said on stderr: exit 2 */
};

/* -c FILE / --config FILE / --config=FILE (into *path, else NULL), -h/--help (prints usage),
 * -V/--version. Other arguments are moved, in order, to argv[1..] with *rest set to the new
 * argc, for the program's own flags. */
enum cli_result cli_parse(int argc, char **argv, const char *prog, const char *usage,
                          const char **path, int *rest);

#endif
