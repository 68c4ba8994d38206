#!/usr/bin/env bash
# demo.sh (`make demo`): a guided tour on one machine, no terminal input: a throwaway CA, its
# `openssl ocsp` responder, redis-server, the handler behind systemd-socket-activate and the
# scheduler; shows a miss, a hit, a hit with the responder stopped, a revoked certificate,
# `ocsp-proxyctl list` and `stats`, then stops everything it started and exits 0.
# DEMO_DIR names the (empty or absent) directory to work in; default a fresh one under /tmp,
# removed at the end unless KEEP=1.
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
. "$ROOT/scripts/demo-lib.sh"

D=${DEMO_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/ocsp-proxy-demo.XXXXXX")}
mkdir -p "$D"
LOG=$D/ocsp-proxy.log
SCHED_PID=""
fail=0

# shellcheck disable=SC2317  # run by the trap
finish() {
	trap "" INT TERM
	trap - EXIT
	stop_all
	if [ "${KEEP:-0}" = 1 ]; then echo "(kept $D)"; else rm -rf "$D"; fi
	if [ "$fail" = 0 ]; then
		echo "== Everything the demo started is stopped. The demo passed."
	else
		echo "== Everything the demo started is stopped. The demo FAILED: $fail step(s) went wrong." >&2
	fi
}
trap finish EXIT
trap 'fail=$((fail + 1)); exit 1' INT TERM

say() { printf '\n== %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
bad() { echo "!! $*" >&2; fail=$((fail + 1)); }
die() { bad "$*"; exit 1; }
# The proxy's log lines written since mark_log.
mark_log() { LOG_AT=$(stat -c %s "$LOG" 2>/dev/null || echo 0); }
new_log() { tail -c +$((LOG_AT + 1)) "$LOG" 2>/dev/null; }
# wait_log PATTERN: until a line written since mark_log matches.
wait_log() {
	for _ in $(seq 100); do new_log | grep -Eq "$1" && return 0; sleep 0.05; done
	return 1
}

for p in openssl redis-server redis-cli systemd-socket-activate; do
	command -v "$p" >/dev/null || die "$p is not installed (scripts/deps.sh installs it)"
done
for p in ocsp-proxy-handler ocsp-proxy-scheduler ocsp-proxyctl; do
	[ -x "$BUILD/$p" ] || die "$BUILD/$p is not built (make all)"
done

RESP_PORT=$(demo_port) || die "no free port"
PROXY_PORT=$(demo_port) || die "no free port"
RESP_URL=http://127.0.0.1:$RESP_PORT/
PROXY=127.0.0.1:$PROXY_PORT

say "A throwaway CA in $D/ca: root, issuing CA, delegated OCSP responder, two leaves"
demo_ca "$D/ca" "$RESP_URL" || die "could not make the CA"
for c in issuing ocsp www revoked; do
	printf '  %-8s %s, serial %s\n' "$c.pem" \
		"$(openssl x509 -in "$D/ca/$c.pem" -noout -subject -nameopt oneline | sed 's/^subject=//')" \
		"$(openssl x509 -in "$D/ca/$c.pem" -noout -serial | sed 's/^serial=//')"
done

say "The CA's OCSP responder (openssl ocsp) on $RESP_URL"
demo_responder "$D/ca" "$RESP_PORT" "$D/responder.log" || die "responder"
echo "  pid $RESPONDER_PID, signs with the delegated responder certificate, nextUpdate +1h"

say "redis-server on $D/redis/redis.sock"
demo_redis "$D/redis" --save "" --appendonly no || die "redis"

cat > "$D/ocsp-proxy.conf" <<CONF
# Written by make demo. Every key: man 5 ocsp-proxy.conf.
redis = unix://$D/redis/redis.sock
key_prefix = demo
# The responders the proxy may contact, HOST[:PORT]: this demo's only (a bare host would mean
# port 80).
allow_upstream = 127.0.0.1:$RESP_PORT
# The issuing CA: every answer must be signed by it or by a responder it delegated.
issuers = $D/ca/issuing.pem
# Where ocsp-proxyctl prefetch adds issuers it learns (this demo's needs none).
issuers_dir = $D/issuers
log = $LOG
metrics_file = $D/ocsp-proxy.prom
# Rewritten every minute by default; every second for this tour.
metrics_interval = 1s
CONF
say "The configuration, $D/ocsp-proxy.conf"
grep -v '^#' "$D/ocsp-proxy.conf" | sed 's/^/  /'
run "$BUILD/ocsp-proxy-handler" -c "$D/ocsp-proxy.conf" -t || die "the configuration does not check"

say "The handler behind systemd-socket-activate on $PROXY (one process per connection)"
touch "$LOG"
demo_handler "$BUILD/ocsp-proxy-handler" "$D/ocsp-proxy.conf" "$PROXY" "$D/socket-activate.log" ||
	die "handler"
echo "  pid $HANDLER_PID"

say "The scheduler, which keeps every cached answer fresh"
mark_log
"$BUILD/ocsp-proxy-scheduler" -c "$D/ocsp-proxy.conf" &
SCHED_PID=$!
DEMO_PIDS="$DEMO_PIDS $SCHED_PID"
wait_log 'ocsp-proxy-scheduler.*started' || bad "the scheduler did not log its start"
new_log | sed 's/^/  log: /'

# ask NAME CERT EXPECTED RESULT: one OCSP query through the proxy as a TLS server would make it
# (the responder's URL in the request line, no nonce so the answer can be cached); checks the
# certificate status and the handler's result (miss, hit, ...).
ask() {
	local name=$1 want=$2 result=$3 out line
	mark_log
	printf '$ openssl ocsp -issuer ca/issuing.pem -cert ca/%s.pem -url %s -proxy %s -no_nonce -CAfile ca/chain.pem\n' \
		"$name" "$RESP_URL" "$PROXY"
	out=$(openssl ocsp -issuer "$D/ca/issuing.pem" -cert "$D/ca/$name.pem" -url "$RESP_URL" \
		-proxy "$PROXY" -no_nonce -CAfile "$D/ca/chain.pem" -timeout 10 2>&1)
	# shellcheck disable=SC2001  # indents every line
	echo "$out" | sed 's/^/  /'
	echo "$out" | grep -q ": $want\$" || bad "expected $name to be $want"
	echo "$out" | grep -q 'Response verify OK' || bad "the response did not verify"
	wait_log 'msg=request ' || bad "the handler logged no request"
	line=$(new_log | grep 'msg=request ' | tail -1)
	echo "  proxy log: $line"
	echo "$line" | grep -Eq "result=\"?$result\"?( |$)" || bad "expected result=$result"
}

say "1. A miss: the proxy asks the responder, verifies the answer, caches it"
ask www good miss
say "2. A hit: the same question, answered from Redis"
ask www good hit
say "3. A revoked certificate (a miss, then cached too)"
ask revoked revoked miss

say "4. The responder goes down; cached answers still flow"
demo_stop "$RESPONDER_PID"
echo "  responder (pid $RESPONDER_PID) stopped"
ask www good hit
ask revoked revoked hit

say "5. The responder is back; ocsp-proxyctl prefetch reads a full chain and records the names"
demo_responder "$D/ca" "$RESP_PORT" "$D/responder.log" || die "responder"
cat "$D/ca/www.pem" "$D/ca/issuing.pem" > "$D/ca/www-fullchain.pem"
run "$BUILD/ocsp-proxyctl" -c "$D/ocsp-proxy.conf" prefetch "$D/ca/www-fullchain.pem" ||
	bad "ocsp-proxyctl prefetch failed"

say "6. What is cached: ocsp-proxyctl list (show and purge take the serial too)"
run "$BUILD/ocsp-proxyctl" -c "$D/ocsp-proxy.conf" list || bad "ocsp-proxyctl list failed"
n=$("$BUILD/ocsp-proxyctl" -c "$D/ocsp-proxy.conf" --json list | grep -o '"certid"' | wc -l)
[ "$n" = 2 ] || bad "expected 2 cached entries, ctl lists $n"

say "7. Counters and schedulers: ocsp-proxyctl stats"
for _ in $(seq 100); do
	redis-cli -s "$REDIS_SOCK" --scan --pattern '{demo}:sched*' | grep -q . && break
	sleep 0.1
done
run "$BUILD/ocsp-proxyctl" -c "$D/ocsp-proxy.conf" stats || bad "ocsp-proxyctl stats failed"

say "8. The metrics file for node_exporter's textfile collector"
for _ in $(seq 100); do grep -q '^ocsp_proxy_entries 2$' "$D/ocsp-proxy.prom" 2>/dev/null && break; sleep 0.1; done
if [ -f "$D/ocsp-proxy.prom" ]; then
	grep -v '^#' "$D/ocsp-proxy.prom" | grep -v ' 0$' | sed 's/^/  /'
else
	bad "no metrics file"
fi

say "9. The health answer for load balancers: GET /-/health on the proxy's port"
printf '$ curl http://%s/-/health\n' "$PROXY"
health=$( (exec 3<>"/dev/tcp/127.0.0.1/$PROXY_PORT" && printf 'GET /-/health HTTP/1.0\r\n\r\n' >&3 &&
	timeout 5 cat <&3) 2>/dev/null | tr -d '\r')
echo "$health" | sed -n '1p;/^$/,$p' | sed '/^$/d; s/^/  /'
echo "$health" | grep -q '^status=ok redis=up scheduler=ok' || bad "health is not ok"

say "10. Stopping everything the demo started"
[ "$fail" = 0 ] || exit 1
exit 0
