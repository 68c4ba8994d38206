#!/usr/bin/env bash
# load.sh: 50 clients for 60 s through systemd-socket-activate (one handler process per
# connection), 80 % hits and 20 % misses (fresh serials), with the responder stopped at 20 s and
# restarted at 40 s. Reports req/s, p50/p99, failed requests (target: none that a cached response
# could have answered) and that no handler process is left behind. Loopback only, bounded.
# Usage: bench/load.sh [CLIENTS] [SECONDS] [MODE]   MODE: inetd (default) or resident
set -u
cd "$(dirname "$0")/.." || exit 1
CLIENTS=${1:-50}
DURATION=${2:-60}
MODE=${3:-inetd}
export BENCH=1
. tests/lib.sh

cc -O2 -std=c11 -D_GNU_SOURCE -o "$T/load" bench/load.c || exit 1
make_ca "$CA_DIR" >/dev/null
start_redis
start_responder 60
write_config "$T/l.conf" "default_upstream = $RESP_URL" "log = $T/l.log" "upstream_timeout = 2s"
if [ "$MODE" = resident ]; then
	PROXY_PORT=$(free_port)
	"$BUILD/ocsp-proxy-handler" -c "$T/l.conf" --listen "127.0.0.1:$PROXY_PORT" &
	register_pid $!
	wait_port "$PROXY_PORT"
	PROXY_URL=http://127.0.0.1:$PROXY_PORT/
else
	start_handler "$T/l.conf"
fi
make_request "$CA_DIR/good.pem" "$T/good.req"
make_request "$CA_DIR/revoked.pem" "$T/revoked.req"
ocsp_query "$PROXY_URL" "$CA_DIR/good.pem" >/dev/null
ocsp_query "$PROXY_URL" "$CA_DIR/revoked.pem" >/dev/null
# The template's serial (0x1001) is its last two bytes.
off=$(( $(stat -c %s "$T/good.req") - 2 ))

(
	sleep $((DURATION / 3)); kill "$RESP_PID"; echo "responder stopped at $((DURATION / 3)) s"
	sleep $((DURATION / 3)); start_responder 60 >/dev/null; echo "responder restarted at $((2 * DURATION / 3)) s"
	sleep $((DURATION / 3 + 5)); kill "$RESP_PID" 2>/dev/null
) &
outage=$!
echo "== $CLIENTS clients, $DURATION s, mode $MODE, 20 % misses"
"$T/load" "$PROXY_PORT" "$CLIENTS" "$DURATION" 20 "$T/good.req" "$off" "$T/good.req" "$T/revoked.req"
wait "$outage"
sleep 1
left=$(pgrep -fc "$BUILD/ocsp-proxy-handler -c $T/l.conf" 2>/dev/null)
[ "$MODE" = inetd ] && left=$(pgrep -c -f "^$BUILD/ocsp-proxy-handler$" 2>/dev/null)
echo "handler processes left after the run: ${left:-0}$([ "$MODE" = resident ] && echo ' (the resident master and workers, still serving)')"
echo "entries cached: $(rcli ZCARD '{test}:due')"
echo "results: $(grep -o "result=[a-z]*" "$T/l.log" | sort | uniq -c | tr "\n" " ")"
echo "reasons: $(grep -o "reason=\"[^\"]*\"\|reason=[^ ]*" "$T/l.log" | sort | uniq -c | sort -rn | head -5 | tr "\n" ";")"
