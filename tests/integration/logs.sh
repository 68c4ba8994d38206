# logs: what an operator searches for: the client's address, a request id that the client also
# gets (X-Request-Id), millisecond timestamps, the serial, logfmt that parses (quoted values) or
# JSON; a broken configuration reported in the configured log file; log = stderr refused where
# stderr is the client's socket; log = auto never silent.
. "$(dirname "$0")/../lib.sh"

setup_proxy
make_request "$CA_DIR/good.pem" "$T/good.req"
get() { curl -s -D "$T/h" -o "$T/body" "${PROXY_URL}$(b64url "$T/good.req")"; }

log_mark
get
rid=$(sed -n 's/^X-Request-Id: \([0-9a-f]*\)\r$/\1/p' "$T/h")
check "the answer carries X-Request-Id" test -n "$rid"
check "the log line has the same request_id" log_has "request_id=$rid( |\$)"
check "the client's address and port" log_has "msg=request .*client=127\\.0\\.0\\.1:[0-9]+ "
check "the serial, as openssl prints it" log_has "msg=request .*serial=1001( |\$)"
check "millisecond UTC timestamps" log_has '^ts=20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z level=info prog=ocsp-proxy-handler pid=[0-9]+ msg=request '
get
rid2=$(sed -n 's/^X-Request-Id: \([0-9a-f]*\)\r$/\1/p' "$T/h")
check "request ids differ" test "$rid" != "$rid2"
check_eq "an error answer carries one too" 1 "$(curl -s -D - -o /dev/null "${PROXY_URL}nothing" | grep -c '^X-Request-Id: ')"
check "a reason with spaces is quoted" log_has 'reason="not an OCSP request"'
# Every line is logfmt: key=value pairs, values bare or quoted with \" and \\ escaped.
pair='[a-z_]+=([^ "=\\]+|"([^"\\]|\\.)*")'
bad=$(grep -Evc "^$pair( $pair)*\$" "$T/ocsp-proxy.log")
check_eq "every line parses as logfmt" 0 "$bad"

# JSON lines, with log_format = json.
write_config "$T/j.conf" "default_upstream = $RESP_URL" "log = $T/json.log" "log_format = json"
start_handler "$T/j.conf"
curl -s -D "$T/h" -o "$T/body" "${PROXY_URL}$(b64url "$T/good.req")"
rid=$(sed -n 's/^X-Request-Id: \([0-9a-f]*\)\r$/\1/p' "$T/h")
log_has msg "$T/json.log"
check "log_format = json: every line is JSON" sh -c "jq -e . '$T/json.log' >/dev/null"
check_eq "JSON has the request id and result" "$rid hit" "$(jq -r 'select(.msg == "request") | "\(.request_id) \(.result)"' "$T/json.log" | tail -1)"
# Numbers as numbers (status, duration_ms, pid); a serial of digits (1001) stays a string.
check_eq "JSON gives numbers as numbers, a serial as a string" "number:200 number number string:1001" \
	"$(jq -r 'select(.msg == "request") | "\(.status|type):\(.status) \(.duration_ms|type) \(.pid|type) \(.serial|type):\(.serial)"' "$T/json.log" | tail -1)"
printf 'log_format = yaml\n' > "$T/x.conf"
"$BUILD/ocsp-proxy-handler" -c "$T/x.conf" -t 2> "$T/err"
check "bad log_format: the error names the choices" grep -q "log_format (logfmt or json)" "$T/err"
printf 'log = somewhere\n' > "$T/x.conf"
"$BUILD/ocsp-proxy-handler" -c "$T/x.conf" -t 2> "$T/err"
check "bad log: the error names the choices" grep -q "log (auto, journal, syslog, stderr or an absolute file path)" "$T/err"

# A broken configuration: the client gets a 500, the configured log file the reason.
write_config "$T/b.conf" "default_upstream = $RESP_URL" "log = $T/broken.log" "read_timeout = forever"
start_handler "$T/b.conf"
code=$(curl -s -o /dev/null -w '%{http_code}' "${PROXY_URL}$(b64url "$T/good.req")")
check_eq "broken config: HTTP 500" 500 "$code"
check "broken config: the reason in the configured log file" log_has 'level=err .*configuration: .*b.conf:[0-9]+: .*read_timeout' "$T/broken.log"
check "broken config: and why there is nothing to fall back on" log_has 'no last good copy' "$T/broken.log"

# With the scheduler's copy of the last good configuration, a broken edit keeps answering.
LG=$T/last-good.conf
write_config "$T/g.conf" "default_upstream = $RESP_URL" "log = $T/g.log"
OCSP_PROXY_LAST_GOOD=$LG "$BUILD/ocsp-proxy-scheduler" -c "$T/g.conf" > /dev/null 2>&1 &
register_pid $! scheduler
wait_file "$LG" 10
check "the scheduler keeps a copy of the configuration it loaded" test -f "$LG"
check_eq "mode 0640: it may hold a password" 640 "$(stat -c %a "$LG" 2>/dev/null)"
gport=$(free_port)
systemd-socket-activate --inetd -a -l "127.0.0.1:$gport" -E OCSP_PROXY_CONFIG="$T/g.conf" \
	-E OCSP_PROXY_LAST_GOOD="$LG" "$BUILD/ocsp-proxy-handler" > "$T/sa-g.log" 2>&1 &
register_pid $! "socket-activate, last good"
wait_port "$gport"
echo "read_timeout = soon" >> "$T/g.conf"
check_eq "broken edit: still answered" good "$(ocsp_query "http://127.0.0.1:$gport/" "$CA_DIR/good.pem")"
check "broken edit: says it answers with the last good one" log_has "configuration: .*g.conf:[0-9]+: .*; answering with the last good one, $LG" "$T/g.log"
# A handler on another file never takes that copy.
bport=$(free_port)
systemd-socket-activate --inetd -a -l "127.0.0.1:$bport" -E OCSP_PROXY_CONFIG="$T/b.conf" \
	-E OCSP_PROXY_LAST_GOOD="$LG" "$BUILD/ocsp-proxy-handler" > "$T/sa-b.log" 2>&1 &
register_pid $! "socket-activate, other file"
wait_port "$bport"
check_eq "another file's copy is not used: HTTP 500" 500 "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$bport/$(b64url "$T/good.req")")"

# log = stderr where stderr is the client's socket (xinetd): refused, the answer stays clean.
write_config "$T/s.conf" "default_upstream = $RESP_URL" "log = stderr"
PORT=$(free_port)
# shellcheck disable=SC2016  # $0 is the inner shell's
systemd-socket-activate --inetd -a -l "127.0.0.1:$PORT" -E OCSP_PROXY_CONFIG="$T/s.conf" \
	sh -c 'exec "$0" 2>&1' "$BUILD/ocsp-proxy-handler" > "$T/sa.log" 2>&1 &
register_pid $! "socket-activate, stderr = the client"
wait_port "$PORT"
raw_post "$PORT" "$T/good.req" "$T/out"
check "log = stderr under xinetd-style fds: one clean answer" exactly_one_response "$T/out"
check "and it is the OCSP answer" grep -q '^HTTP/1.1 200' "$T/out"

# log = auto with no journal and no syslog: stderr, not nowhere.
if [ -S /run/systemd/journal/socket ] || [ -S /dev/log ]; then
	skip "log = auto fallback" "this host has a journal or syslog"
else
	write_config "$T/a.conf" "default_upstream = $RESP_URL" "log = auto"
	{ printf 'POST / HTTP/1.0\r\nContent-Type: application/ocsp-request\r\nContent-Length: %d\r\n\r\n' \
		"$(stat -c %s "$T/good.req")"; cat "$T/good.req"; } |
		OCSP_PROXY_CONFIG="$T/a.conf" "$BUILD/ocsp-proxy-handler" > "$T/out" 2> "$T/err"
	check "log = auto with neither journal nor syslog: to stderr" grep -q 'msg=request .*result=hit' "$T/err"
fi
