/* haproxy: hands a new OCSP response to a running HAProxy through its runtime API
 * (`set ssl ocsp-response <base64>` on the stats socket), so no reload is needed. */
#ifndef OCSP_PROXY_HAPROXY_H
#define OCSP_PROXY_HAPROXY_H

#include <stddef.h>

#include "err.h"

/* where: a unix socket path (/run/haproxy/admin.sock) or an IP literal and port (127.0.0.1:9999,
 * [::1]:9999). Waits at most timeout_ms in all. 0 when HAProxy says it updated the response;
 * -1 with err: ERR_REFUSED (its answer), ERR_IO (connection, timeout), ERR_INPUT (where),
 * ERR_NOMEM. */
int haproxy_push(const char *where, const unsigned char *der, size_t len, long long timeout_ms,
                 struct err *err);

#endif
