/* floor: the cheapest per-connection OCSP answer possible with the handler's libraries linked:
 * reads the request head, writes a fixed 200. The handler's hit is measured against it. */
#include <hiredis/hiredis.h>
#include <openssl/crypto.h>
#include <systemd/sd-daemon.h>
#include <string.h>
#include <unistd.h>

/* Referenced so the linker keeps all three libraries, as the real handler would. */
static void *volatile keep[] = { (void *)OpenSSL_version, (void *)redisFree, (void *)sd_notify };

int
main(void)
{
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Type: application/ocsp-response\r\n"
	                           "Content-Length: 5\r\nConnection: close\r\n\r\n\x30\x03\x0a\x01\x03";
	char buf[8192];
	ssize_t n;
	size_t got = 0;

	(void)keep;
	while (got < sizeof(buf) - 1 && (n = read(0, buf + got, sizeof(buf) - 1 - got)) > 0) {
		got += (size_t)n;
		buf[got] = '\0';
		if (strstr(buf, "\r\n\r\n") != NULL)
			break;
	}
	return write(1, resp, sizeof(resp) - 1) == (ssize_t)(sizeof(resp) - 1) ? 0 : 1;
}
