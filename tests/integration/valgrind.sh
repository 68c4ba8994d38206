# valgrind: the handler's miss and hit paths, an error path, and a scheduler tick run without
# memory errors or leaks under valgrind memcheck.
. "$(dirname "$0")/../lib.sh"

if [ "${SANITIZE:-0}" = 1 ]; then
	skip "valgrind" "the sanitizer build cannot run under valgrind; make check runs this"
	echo "0 passed, 0 failed"
	exit 0
fi
if ! command -v valgrind >/dev/null; then
	skip "valgrind" "not installed"
	exit 0
fi
make_ca "$CA_DIR"
start_redis
start_responder 60
write_config "$T/c.conf" "default_upstream = $RESP_URL"
make_request "$CA_DIR/good.pem" "$T/g.req"
{ printf 'POST / HTTP/1.0\r\nContent-Type: application/ocsp-request\r\nContent-Length: %d\r\n\r\n' \
	"$(stat -c %s "$T/g.req")"; cat "$T/g.req"; } > "$T/post"
printf 'GET /%s HTTP/1.0\r\n\r\n' "$(b64url_nginx "$T/g.req")" > "$T/get"
printf 'POST / HTTP/1.0\r\nContent-Type: application/ocsp-request\r\nContent-Length: 3\r\n\r\nabc' > "$T/bad"
vg() { # NAME INPUT PROGRAM ARGS...
	local name=$1 input=$2
	shift 2
	valgrind --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect --log-file="$T/vg.$name" \
		"$@" < "$input" > "$T/out.$name" 2>/dev/null
	if [ $? = 99 ]; then
		not_ok "valgrind: $name" "$(grep -A8 -E 'Invalid|uninitialised|definitely lost' "$T/vg.$name" | head -20)"
	else
		ok "valgrind: $name"
	fi
}
vg miss "$T/post" "$BUILD/ocsp-proxy-handler" -c "$T/c.conf"
check "miss answered" log_has 'result=miss'
vg hit "$T/get" "$BUILD/ocsp-proxy-handler" -c "$T/c.conf"
check "hit answered" log_has 'result=hit status=200 method=GET'
vg malformed "$T/bad" "$BUILD/ocsp-proxy-handler" -c "$T/c.conf"
stop_responder
rcli FLUSHALL >/dev/null
vg upstream-down "$T/post" "$BUILD/ocsp-proxy-handler" -c "$T/c.conf"
check "upstream down answered" log_has 'result=error'
start_responder 60
write_config "$T/c.conf" "default_upstream = $RESP_URL"
"$BUILD/ocsp-proxy-handler" -c "$T/c.conf" < "$T/post" > /dev/null
rcli --scan --pattern '{test}:e:*' | while read -r k; do rcli ZADD '{test}:due' 0 "${k#\{test\}:e:}" >/dev/null; done
vg scheduler-tick /dev/null "$BUILD/ocsp-proxy-scheduler" -c "$T/c.conf" --once
check "tick refreshed" grep -q 'refreshed 1' "$T/out.scheduler-tick"
# A hit read through redis_read (here the same server) and recorded by store_flush.
write_config "$T/r.conf" "default_upstream = $RESP_URL" "redis_read = $REDIS_URL"
vg hit-redis-read "$T/get" "$BUILD/ocsp-proxy-handler" -c "$T/r.conf"
check_eq "hit through redis_read answered" 2 "$(grep -c 'result=hit' "$T/ocsp-proxy.log")"
vg ctl-stats /dev/null "$BUILD/ocsp-proxyctl" -c "$T/c.conf" stats
check "ctl stats shows the scheduler" grep -q '^scheduler ' "$T/out.ctl-stats"
