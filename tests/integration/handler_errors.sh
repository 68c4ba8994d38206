# handler_errors: every malformed input gets its status, with no-cache, and nothing reaches
# stderr.
. "$(dirname "$0")/../lib.sh"

setup_proxy "read_timeout = 1s" "max_request_bytes = 1k"
make_request "$CA_DIR/good.pem" "$T/good.req"

# raw REQUEST-BYTES: the status line of the answer, over a real TCP connection.
raw() {
	exec 3<>"/dev/tcp/127.0.0.1/$PROXY_PORT"
	printf '%b' "$1" >&3
	timeout 5 head -1 <&3 | tr -d '\r'
	exec 3<&-
}
status_of() { raw "$1" | cut -d' ' -f2; }

check_eq "garbage request line: 400" 400 "$(status_of 'HELLO\r\n\r\n')"
check_eq "HTTP/2.0: 505" 505 "$(status_of 'GET / HTTP/2.0\r\n\r\n')"
check_eq "PUT: 405" 405 "$(status_of 'PUT / HTTP/1.0\r\nContent-Length: 0\r\n\r\n')"
check_eq "DELETE: 405" 405 "$(status_of 'DELETE / HTTP/1.1\r\nHost: x\r\n\r\n')"
check_eq "HTTP/1.1 without Host: 400" 400 "$(status_of 'GET /x HTTP/1.1\r\n\r\n')"
check_eq "POST without length: 411" 411 "$(status_of 'POST / HTTP/1.0\r\nContent-Type: application/ocsp-request\r\n\r\n')"
check_eq "POST text/plain: 415" 415 "$(status_of 'POST / HTTP/1.0\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nabc')"
check_eq "body over max_request_bytes: 413" 413 "$(status_of 'POST / HTTP/1.0\r\nContent-Type: application/ocsp-request\r\nContent-Length: 5000\r\n\r\n')"
check_eq "chunked: 501" 501 "$(status_of 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/ocsp-request\r\n\r\n')"
check_eq "two different lengths: 400" 400 "$(status_of 'POST / HTTP/1.0\r\nContent-Type: application/ocsp-request\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabc')"
check_eq "header folding: 400" 400 "$(status_of 'GET /x HTTP/1.0\r\nX-A: 1\r\n  2\r\n\r\n')"
check_eq "Expect other than 100-continue: 417" 417 "$(status_of 'POST / HTTP/1.0\r\nExpect: magic\r\n\r\n')"
big=$(head -c 9000 /dev/zero | tr '\0' a)
check_eq "header block too large: 431" 431 "$(status_of "GET / HTTP/1.0\r\nX-Big: $big\r\n\r\n")"

# A client that sends half a request and stalls: 408 after read_timeout.
log_mark
exec 3<>"/dev/tcp/127.0.0.1/$PROXY_PORT"
printf 'POST / HTTP/1.0\r\nContent-Type: application/ocsp-request\r\nContent-Length: 68\r\n\r\n0123' >&3
check_eq "stalled body: 408" "HTTP/1.1 408 Request Timeout" "$(timeout 5 head -1 <&3 | tr -d '\r')"
exec 3<&-
exec 3<>"/dev/tcp/127.0.0.1/$PROXY_PORT"
printf 'GET /abc HTTP/1.0\r\nHost: x' >&3
check_eq "stalled header: 408" "HTTP/1.1 408 Request Timeout" "$(timeout 5 head -1 <&3 | tr -d '\r')"
exec 3<&-
check "408 logged" log_has 'result=rejected status=408'

# Bodies that are not OCSP requests: an OCSP malformedRequest answer, never forwarded.
log_mark
head -c 100 /dev/urandom > "$T/junk"
curl -s -o "$T/m.der" -H 'Content-Type: application/ocsp-request' --data-binary @"$T/junk" "$PROXY_URL"
check_eq "garbage body: malformedRequest" malformedrequest "$(resp_status "$T/m.der")"
head -c 40 "$T/good.req" > "$T/trunc.req"
curl -s -o "$T/m2.der" -H 'Content-Type: application/ocsp-request' --data-binary @"$T/trunc.req" "$PROXY_URL"
check_eq "truncated request: malformedRequest" malformedrequest "$(resp_status "$T/m2.der")"
{ cat "$T/good.req"; printf 'X'; } > "$T/trail.req"
curl -s -o "$T/m3.der" -H 'Content-Type: application/ocsp-request' --data-binary @"$T/trail.req" "$PROXY_URL"
check_eq "trailing byte: malformedRequest" malformedrequest "$(resp_status "$T/m3.der")"
curl -s -o "$T/m4.der" "${PROXY_URL}favicon.ico"
check_eq "GET of a non-request: malformedRequest" malformedrequest "$(resp_status "$T/m4.der")"
check "malformed logged" log_has 'result=rejected status=200 method=POST .*reason="not an OCSP request"'
check "no entry cached by bad input" test "$(cached_keys | wc -l)" = 0

# Error answers are never cacheable.
curl -s -D "$T/eh" -o /dev/null -H 'Content-Type: application/ocsp-request' --data-binary @"$T/junk" "$PROXY_URL"
check "OCSP error carries no-cache" grep -qi '^Cache-Control: max-age=0, no-cache' "$T/eh"
curl -s -D "$T/eh2" -o /dev/null -X PUT "$PROXY_URL"
check "HTTP error carries no-cache" grep -qi '^Cache-Control: max-age=0, no-cache' "$T/eh2"

# Nothing to stderr, whatever happens (xinetd wires it to the client): run the handler directly.
: > "$T/err"
for input in "HELLO\r\n\r\n" "POST / HTTP/1.0\r\nContent-Type: application/ocsp-request\r\nContent-Length: 3\r\n\r\nabc"; do
	printf '%b' "$input" | OCSP_PROXY_CONFIG="$CONF" "$BUILD/ocsp-proxy-handler" > "$T/out" 2>> "$T/err"
	rc=$?
	check_rc "a rejected request: exit 1 (${input%%\\r*})" 1 "$rc"
done
{ printf 'POST / HTTP/1.0\r\nContent-Type: application/ocsp-request\r\nContent-Length: %d\r\n\r\n' "$(stat -c %s "$T/good.req")"; cat "$T/good.req"; } |
	OCSP_PROXY_CONFIG="$CONF" "$BUILD/ocsp-proxy-handler" > "$T/out" 2>> "$T/err"
check_rc "an answered request: exit 0" 0 "$?"
check "a direct request is answered on stdout" grep -q '^HTTP/1.1 200' "$T/out"
check "nothing on stderr" test ! -s "$T/err"
printf 'GET / HTTP/1.0\r\n\r\n' | OCSP_PROXY_CONFIG="$T/missing.conf" "$BUILD/ocsp-proxy-handler" > "$T/out2" 2> "$T/err2"
check_rc "bad config via the environment: exit 1" 1 "$?"
check "bad config: 500 to the client" grep -q '^HTTP/1.1 500' "$T/out2"
check "bad config: one answer on stdout, nothing else" exactly_one_response "$T/out2"
# With no journal and no syslog the reason goes to stderr (never silently nowhere); stderr is
# not the client's socket here.
check "bad config: stderr holds the reason or nothing" sh -c "! test -s '$T/err2' || grep -q 'configuration: .*missing.conf' '$T/err2'"
printf 'x = 1\n' > "$T/bad.conf"
printf 'GET / HTTP/1.0\r\n\r\n' | "$BUILD/ocsp-proxy-handler" -c "$T/bad.conf" > /dev/null 2>&1
check_rc "bad config: exit 1" 1 "$?"
check "--version" sh -c "'$BUILD/ocsp-proxy-handler' --version | grep -q '^ocsp-proxy-handler [0-9]'"
check "--help" sh -c "'$BUILD/ocsp-proxy-handler' --help | grep -q usage"
