/* owner: how this process names itself in Redis (a lease's holder, a scheduler's report). */
#ifndef OCSP_PROXY_OWNER_H
#define OCSP_PROXY_OWNER_H

#include <stddef.h>

/* "host:pid" into out (truncated to len); "localhost" when the host name cannot be read. */
void owner_name(char *out, size_t len);

#endif
