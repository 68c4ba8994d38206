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
setup_proxy --no-handler
make_request "$CA_DIR/good.pem" "$T/g.req"
{ printf 'POST / HTTP/1.0\r\nContent-Type: application/ocsp-request\r\nContent-Length: %d\r\n\r\n' \
	"$(stat -c %s "$T/g.req")"; cat "$T/g.req"; } > "$T/post"
printf 'GET /%s HTTP/1.0\r\n\r\n' "$(b64url_nginx "$T/g.req")" > "$T/get"
printf 'POST / HTTP/1.0\r\nContent-Type: application/ocsp-request\r\nContent-Length: 3\r\n\r\nabc' > "$T/bad"
# valgrind's exit status when it found an error: one none of the programs uses. A program killed
# by a signal under valgrind dies of the same signal (status 128 + N).
VG_ERR=97
vg() { # NAME WANT INPUT PROGRAM ARGS...: PROGRAM under memcheck exits WANT, and no error found
	local name=$1 want=$2 input=$3 rc
	shift 3
	log_mark
	valgrind --error-exitcode=$VG_ERR --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect --log-file="$T/vg.$name" \
		"$@" < "$input" > "$T/out.$name" 2>/dev/null
	rc=$?
	if [ "$rc" = "$VG_ERR" ]; then
		not_ok "valgrind: $name" "$(grep -A8 -E 'Invalid|uninitialised|definitely lost|indirectly lost' "$T/vg.$name" | head -20)"
	elif [ "$rc" != "$want" ] || grep -q 'Process terminating' "$T/vg.$name"; then
		not_ok "valgrind: $name" "expected $(describe_status "$want"), got $(describe_status "$rc"): $(grep -A6 'Process terminating' "$T/vg.$name" | head -8)"
	else
		ok "valgrind: $name"
	fi
}
H=$BUILD/ocsp-proxy-handler
vg miss 0 "$T/post" "$H" -c "$CONF"
check "miss answered" log_has 'result=miss'
vg hit 0 "$T/get" "$H" -c "$CONF"
check "hit answered" log_has 'result=hit status=200 method=GET'
vg malformed 1 "$T/bad" "$H" -c "$CONF"
check "malformed rejected" log_has 'result=rejected'
stop_responder
rcli FLUSHALL >/dev/null
vg upstream-down 1 "$T/post" "$H" -c "$CONF"
check "upstream down answered" log_has 'result=error'
start_responder 60
write_config "$CONF" "default_upstream = $RESP_URL"
"$H" -c "$CONF" < "$T/post" > /dev/null
make_due
vg scheduler-tick 0 /dev/null "$BUILD/ocsp-proxy-scheduler" -c "$CONF" --once
check "tick refreshed" grep -q 'refreshed 1' "$T/out.scheduler-tick"
# A hit read through redis_read (here the same server) and recorded by store_flush.
write_config "$T/r.conf" "default_upstream = $RESP_URL" "redis_read = $REDIS_URL"
vg hit-redis-read 0 "$T/get" "$H" -c "$T/r.conf"
check_eq "hit through redis_read answered" 1 "$(log_count 'result=hit')"
vg ctl-stats 0 /dev/null "$BUILD/ocsp-proxyctl" -c "$CONF" stats
check "ctl stats shows the scheduler" grep -q '^scheduler ' "$T/out.ctl-stats"
# Staple files: a prefetch, a write, a certificate without issuer, a missing file.
mkdir -p "$T/st"
cat "$CA_DIR/revoked.pem" "$CA_DIR/ca.pem" > "$T/st/site.pem"
cp "$CA_DIR/good.pem" "$T/st/orphan.pem"
write_config "$T/st.conf" "default_upstream = $RESP_URL" "staple_cert = $T/st, $T/missing.pem" \
	"haproxy_socket = $T/no-haproxy.sock"
vg scheduler-staple 0 /dev/null "$BUILD/ocsp-proxy-scheduler" -c "$T/st.conf" --once
check "staple written under valgrind" test -s "$T/st/site.pem.ocsp"
