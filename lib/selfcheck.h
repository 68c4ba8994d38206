/* selfcheck: what `-t` checks beyond the syntax: the files the configuration names, the log
 * target, and (unless offline) Redis, its replica and Sentinels with their credentials. */
#ifndef OCSP_PROXY_SELFCHECK_H
#define OCSP_PROXY_SELFCHECK_H

#include <stdio.h>

#include "config.h"

/* Writes one line per check to out ("ok    what: detail" or "error what: detail"), touching
 * nothing: no file is created, nothing is written to Redis. Returns the number of errors. */
int selfcheck(const struct config *cfg, int network, FILE *out);

#endif
