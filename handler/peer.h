/* peer: who is asking, and a name for this request, for the log line and the X-Request-Id header. */
#ifndef OCSP_PROXY_PEER_H
#define OCSP_PROXY_PEER_H

#include <stddef.h>

enum { REQUEST_ID_LEN = 16 };

/* The client's address as "ADDR:PORT" ("[ADDR]:PORT" for IPv6) from getpeername on fd; else
 * from REMOTE_ADDR (and REMOTE_PORT, systemd's Accept=yes) or REMOTE_HOST (xinetd); "" when
 * none says. */
void peer_address(int fd, char *out, size_t len);

/* The same from an address already known (accept's): 0, or -1 when not IPv4 or IPv6. */
struct sockaddr;
int peer_format(const struct sockaddr *sa, char *out, size_t len);

/* REQUEST_ID_LEN lower-case hex characters, random (unique across hosts and resident workers). */
void peer_request_id(char out[REQUEST_ID_LEN + 1]);

#endif
