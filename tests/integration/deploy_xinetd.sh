# deploy_xinetd: the shipped xinetd service file runs the handler; the client gets exactly one
# HTTP response and nothing the handler logs (xinetd connects stderr to the socket too).
. "$(dirname "$0")/../lib.sh"

if ! command -v xinetd >/dev/null; then
	skip "xinetd" "xinetd is not installed (scripts/deps.sh installs it)"
	exit 0
fi
setup_proxy --no-handler "debug = yes"
port=$(free_port)
# The shipped file, pointed at this build, this port and this config.
sed -e "s|port *= 8888|port = $port|" -e "s|/usr/local/bin/ocsp-proxy-handler|$BUILD/ocsp-proxy-handler|" \
	-e "s|user *= nobody|user = root|" -e "s|^}|\tserver_args = -c $T/c.conf\n}|" \
	"$ROOT/units/ocsp-proxy.xinetd" > "$T/ocsp-proxy.xinetd"
{ printf 'defaults\n{\n\tinstances = 50\n}\n'; cat "$T/ocsp-proxy.xinetd"; } > "$T/xinetd.conf"
xinetd -f "$T/xinetd.conf" -dontfork -filelog "$T/xinetd.log" -pidfile "$T/xinetd.pid" &
register_pid $! xinetd
wait_port "$port" || bail "xinetd started" "$(cat "$T/xinetd.log")"
URL=http://127.0.0.1:$port/

check_eq "good through xinetd" good "$(ocsp_query "$URL" "$CA_DIR/good.pem")"
check_eq "revoked through xinetd" revoked "$(ocsp_query "$URL" "$CA_DIR/revoked.pem")"
check "the first was a miss" log_has 'result=miss'
log_mark
check_eq "hit through xinetd" good "$(ocsp_query "$URL" "$CA_DIR/good.pem")"
check "the hit was logged (to the log, not the socket)" log_has 'result=hit'

# The raw bytes the client gets: one HTTP response, its body exactly Content-Length long.
make_request "$CA_DIR/good.pem" "$T/g.req"
raw_post "$port" "$T/g.req" "$T/raw"
check "nothing but the response on the socket" exactly_one_response "$T/raw"
check "starts with the status line" grep -q '^HTTP/1.1 200 OK' "$T/raw"

# An error path that logs a warning (upstream down, nothing cached) still sends only HTTP.
stop_responder
make_request "$CA_DIR/revoked.pem" "$T/r.req"
rcli FLUSHALL >/dev/null
log_mark
raw_post "$port" "$T/r.req" "$T/raw2"
check "upstream down: only the response on the socket" exactly_one_response "$T/raw2"
check "upstream down: the warning went to the log" log_has 'upstream .* failed'

# With the default log target (journal, else syslog) the same: nothing reaches the socket.
write_config "$T/c.conf" "default_upstream = $RESP_URL" "log = auto" "debug = yes"
raw_post "$port" "$T/r.req" "$T/raw3"
check "log = auto: only the response on the socket" exactly_one_response "$T/raw3"
