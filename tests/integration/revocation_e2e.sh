# revocation_e2e: the revocation chain measured end to end (issue 22's done-when). A certificate
# stapled by the real HAProxy (staple file and runtime API, as deploy_haproxy) and answered by
# the per-connection handler is revoked at the CA (its index, the responder restarted); then
# `ocsp-proxyctl refresh SERIAL`: HAProxy staples "revoked" without a reload and the handler
# answers revoked at once. Then the CA takes the revocation back and the scheduler alone, with
# revocation_check_interval = 5s, brings "good" to both within that bound. The seconds from the
# change at the CA to each are printed; the checks are on behaviour, not on tight timings.
. "$(dirname "$0")/../lib.sh"

if ! command -v haproxy >/dev/null; then
	skip "haproxy" "haproxy is not installed (scripts/deps.sh installs it)"
	exit 0
fi
H=$T/haproxy
mkdir -p "$H/certs"
RESP_INDEX=$T/index.txt
make_ca "$CA_DIR"
cp "$CA_DIR/index.txt" "$RESP_INDEX"
setup_proxy "staple_cert = $H/certs/site.pem" "haproxy_socket = $H/admin.sock"
cat "$CA_DIR/good.pem" "$CA_DIR/ca.pem" "$CA_DIR/good.key" > "$H/certs/site.pem"
C() { "$BUILD/ocsp-proxyctl" -c "$CONF" "$@"; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

check_status "the scheduler's first pass writes the staple file" 0 \
	"$BUILD/ocsp-proxy-scheduler" -c "$CONF" --once
port=$(free_port)
cat > "$H/haproxy.cfg" <<CONF
global
	stats socket $H/admin.sock mode 600 level admin
defaults
	mode http
	timeout connect 5s
	timeout client 5s
	timeout server 5s
frontend fe
	bind 127.0.0.1:$port ssl crt $H/certs/site.pem
	http-request return status 200 content-type text/plain string ok
CONF
haproxy -db -f "$H/haproxy.cfg" >> "$H/haproxy.log" 2>&1 &
HAPROXY_PID=$!
register_pid "$HAPROXY_PID" haproxy
wait_port "$port" || bail "haproxy started" "$(tail -3 "$H/haproxy.log")"
check_eq "HAProxy staples good" good "$(staple_status "$port")"
check_eq "the handler answers good" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
# until STATUS CMD...: CMD until it prints STATUS, 20 s at most; prints the time it did.
until_status() {
	local want=$1
	shift
	for _ in $(seq 80); do
		[ "$("$@")" = "$want" ] && { now; return 0; }
		sleep 0.25
	done
	return 1
}
handler_status() { ocsp_query "$PROXY_URL" "$CA_DIR/good.pem"; }
haproxy_status() { staple_status "$port" 1; }

# Revoked at the CA: the cache and HAProxy still say good until asked.
t0=$(now)
revoke_serial "$RESP_INDEX" 1001 || bail "revoked in the test's index"
stop_responder
start_responder 60 "$RESP_PORT"
check_eq "revoked at the CA: the responder says so" revoked "$(ocsp_query "$RESP_URL" "$CA_DIR/good.pem")"
check_eq "... the handler still answers the cached good" good "$(handler_status)"
check_eq "... HAProxy still staples good" good "$(haproxy_status)"

log_mark
t1=$(now)
check_status "ocsp-proxyctl refresh 1001" 0 C refresh 1001
t2=$(now)
if t_handler=$(until_status revoked handler_status); then
	ok "the handler answers revoked"
else
	not_ok "the handler answers revoked" "it answers '$(handler_status)'"
fi
if t_haproxy=$(until_status revoked haproxy_status); then
	ok "HAProxy staples revoked"
else
	not_ok "HAProxy staples revoked" "it staples '$(haproxy_status)'"
fi
check "... without a reload (the same process)" kill -0 "$HAPROXY_PID"
check "... pushed over the runtime API" log_has 'staple.*result=("?)pushed'
echo "# revoked at the CA; ocsp-proxyctl refresh run $(secs "$t0" "$t1") s later took $(secs "$t1" "$t2") s"
echo "# revoked at the CA -> the handler answers revoked: ${t_handler:+$(secs "$t0" "$t_handler")} s (${t_handler:+$(secs "$t2" "$t_handler")} s after the refresh returned, one query)"
echo "# revoked at the CA -> HAProxy staples revoked: ${t_haproxy:+$(secs "$t0" "$t_haproxy")} s (${t_haproxy:+$(secs "$t2" "$t_haproxy")} s after the refresh returned, a handshake later)"
check "... both on the first try after the refresh (within 5 s)" \
	test "$(secs "$t2" "${t_haproxy:-$(date +%s)}" | cut -d. -f1)" -lt 5

# The scheduler alone, with revocation_check_interval = 5s: the CA takes the revocation back
# (good again); both see it within about that bound, no command run.
write_config "$T/bound.conf" "default_upstream = $RESP_URL" "staple_cert = $H/certs/site.pem" \
	"haproxy_socket = $H/admin.sock" "revocation_check_interval = 5s" "check_interval = 1s"
# (The staple pass plans an entry with a staple file by the bound at once; other entries
# follow it from their next refresh.)
check_status "the scheduler once with the bound: the stapled entry due in 5 s" 0 \
	"$BUILD/ocsp-proxy-scheduler" -c "$T/bound.conf" --once
"$BUILD/ocsp-proxy-scheduler" -c "$T/bound.conf" > "$T/scheduler.out" 2>&1 &
register_pid $! ocsp-proxy-scheduler
sleep 1
t0=$(now)
cp "$CA_DIR/index.txt" "$RESP_INDEX"
stop_responder
start_responder 60 "$RESP_PORT"
if t_haproxy=$(until_status good haproxy_status); then
	ok "the scheduler brings good to HAProxy"
else
	not_ok "the scheduler brings good to HAProxy" "it staples '$(haproxy_status)'"
fi
if t_handler=$(until_status good handler_status); then
	ok "... and to the handler"
else
	not_ok "... and to the handler" "it answers '$(handler_status)'"
fi
echo "# revocation_check_interval 5s, no command: changed at the CA -> HAProxy staples good: ${t_haproxy:+$(secs "$t0" "$t_haproxy")} s, -> the handler answers good: ${t_handler:+$(secs "$t0" "$t_handler")} s"
check "... within the bound and a tick (10 s)" test "$(secs "$t0" "${t_handler:-$(now)}" | cut -d. -f1)" -lt 10
check "HAProxy is still the same process" kill -0 "$HAPROXY_PID"
