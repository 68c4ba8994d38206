/* owner: "host:pid", the one way a scheduler or a handler's miss names itself in Redis. */
#include <stdio.h>
#include <unistd.h>

#include "owner.h"

void
owner_name(char *out, size_t len)
{
	char host[256];

	if (gethostname(host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(out, len, "%s:%ld", host, (long)getpid());
}
