#!/usr/bin/env bash
# hit.sh: what a cache hit costs, against the floor, side by side in one run:
#  - instructions (valgrind --tool=callgrind, repeatable): empty program, floor, handler hit;
#  - throughput and latency with one new connection per request (ab -n N at 1 and 16 clients)
#    through systemd-socket-activate --inetd -a: floor and handler hit (as built, and STATIC=1);
#    the resident handler (--listen, one worker per core); and the handler reading hits through
#    redis_read (here the same Redis, so the figure is the cost of the second connection that
#    records the hit on the primary).
#  - instructions of a cache miss too (Redis emptied first: parse, fetch, verify, store).
# Usage: bench/hit.sh [N]   (default 2000 requests per ab run, 3 runs each, medians reported)
#        IR_ONLY=1 bench/hit.sh   instructions only, no ab runs
set -u
cd "$(dirname "$0")/.." || exit 1
N=${1:-2000}
RUNS=${RUNS:-3}
export BENCH=1
. tests/lib.sh

for p in valgrind ab; do
	command -v $p >/dev/null || { echo "hit.sh: $p is needed (scripts/deps.sh installs it)"; exit 1; }
done
flags="$(pkg-config --cflags --libs libcrypto hiredis libsystemd)"
# The handler as built, and again with STATIC=1 (libcrypto and hiredis linked in).
make -s -C "$ROOT" BUILD="$T/static" STATIC=1 "$T/static/ocsp-proxy-handler" >/dev/null
cc -O2 -o "$T/empty" bench/empty.c
# shellcheck disable=SC2086
cc -O2 -o "$T/floor" bench/floor.c $flags

make_ca "$CA_DIR" >/dev/null
start_redis
start_responder 60
write_config "$T/bench.conf" "default_upstream = $RESP_URL" "log = $T/bench.log"
write_config "$T/read.conf" "default_upstream = $RESP_URL" "log = $T/bench.log" "redis_read = $REDIS_URL"
make_request "$CA_DIR/good.pem" "$T/req.der"
len=$(stat -c %s "$T/req.der")
{ printf 'POST / HTTP/1.0\r\nContent-Type: application/ocsp-request\r\nContent-Length: %d\r\n\r\n' "$len"
  cat "$T/req.der"; } > "$T/http.req"
# Warm the cache (a miss), then check the next one is a hit.
OCSP_PROXY_CONFIG="$T/bench.conf" "$BUILD/ocsp-proxy-handler" < "$T/http.req" > "$T/out1"
OCSP_PROXY_CONFIG="$T/bench.conf" "$BUILD/ocsp-proxy-handler" < "$T/http.req" > "$T/out2"
grep -q 'result=hit' "$T/bench.log" || { echo "hit.sh: the cache did not warm"; cat "$T/bench.log"; exit 1; }

ir() {
	valgrind --tool=callgrind --callgrind-out-file=/dev/null --log-file="$T/vg.log" "$@" \
		< "$T/http.req" > /dev/null 2>&1
	sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$T/vg.log"
}
ir_empty=$(ir "$T/empty")
ir_floor=$(ir "$T/floor")
ir_hit=$(OCSP_PROXY_CONFIG="$T/bench.conf" ir "$BUILD/ocsp-proxy-handler")
ir_static=$(OCSP_PROXY_CONFIG="$T/bench.conf" ir "$T/static/ocsp-proxy-handler")
ir_read=$(OCSP_PROXY_CONFIG="$T/read.conf" ir "$BUILD/ocsp-proxy-handler")
rcli FLUSHALL >/dev/null
ir_miss=$(OCSP_PROXY_CONFIG="$T/bench.conf" ir "$BUILD/ocsp-proxy-handler")
grep -q 'result=miss' "$T/bench.log" || { echo "hit.sh: the miss was no miss"; tail -3 "$T/bench.log"; exit 1; }
echo "== instructions per request (callgrind)"
printf '%-38s %12s\n' "empty C program" "$ir_empty"
printf '%-38s %12s\n' "floor (libcrypto+hiredis+libsystemd)" "$ir_floor"
printf '%-38s %12s  (%.2fx floor)\n' "handler, cache hit" "$ir_hit" "$(awk -v a="$ir_hit" -v b="$ir_floor" "BEGIN{print a/b}")"
printf '%-38s %12s  (%.2fx floor)\n' "handler STATIC=1, cache hit" "$ir_static" "$(awk -v a="$ir_static" -v b="$ir_floor" "BEGIN{print a/b}")"
printf '%-38s %12s  (%.2fx floor)\n' "handler, hit through redis_read" "$ir_read" "$(awk -v a="$ir_read" -v b="$ir_floor" "BEGIN{print a/b}")"
printf '%-38s %12s\n' "handler, cache miss" "$ir_miss"
[ "${IR_ONLY:-0}" = 1 ] && exit 0

# ab at 1 and 16 clients; prints "req/s p50 p99 failed".
ab_run() {
	local url=$1 c=$2 out
	out=$(ab -q -n "$N" -c "$c" -p "$T/req.der" -T application/ocsp-request "$url" 2>&1)
	echo "$(echo "$out" | awk '/Requests per second/{print $4}') \
$(echo "$out" | awk '$1=="50%"{print $2}') $(echo "$out" | awk '$1=="99%"{print $2}') \
$(echo "$out" | awk '/Failed requests/{print $3}')"
}
median() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

fport=$(free_port)
systemd-socket-activate --inetd -a -l "127.0.0.1:$fport" "$T/floor" 2>/dev/null &
FLOOR_PID=$!
register_pid "$FLOOR_PID" 2>/dev/null || true
start_handler "$T/bench.conf"
wait_port "$fport"
rport=$(free_port)
"$BUILD/ocsp-proxy-handler" -c "$T/bench.conf" --listen "127.0.0.1:$rport" 2>/dev/null &
register_pid $!
wait_port "$rport"
sport=$(free_port)
systemd-socket-activate --inetd -a -l "127.0.0.1:$sport" -E OCSP_PROXY_CONFIG="$T/bench.conf" \
	"$T/static/ocsp-proxy-handler" 2>/dev/null &
register_pid $!
wait_port "$sport"
dport=$(free_port)
systemd-socket-activate --inetd -a -l "127.0.0.1:$dport" -E OCSP_PROXY_CONFIG="$T/read.conf" \
	"$BUILD/ocsp-proxy-handler" 2>/dev/null &
register_pid $!
wait_port "$dport"

echo "== ab -n $N, one connection per request, median of $RUNS runs (req/s, p50 ms, p99 ms, failed)"
for c in 1 16; do
	: > "$T/floor.$c"; : > "$T/hit.$c"; : > "$T/static.$c"; : > "$T/resident.$c"; : > "$T/read.$c"
	for _ in $(seq "$RUNS"); do
		ab_run "http://127.0.0.1:$fport/" "$c" >> "$T/floor.$c"
		ab_run "$PROXY_URL" "$c" >> "$T/hit.$c"
		ab_run "http://127.0.0.1:$sport/" "$c" >> "$T/static.$c"
		ab_run "http://127.0.0.1:$rport/" "$c" >> "$T/resident.$c"
		ab_run "http://127.0.0.1:$dport/" "$c" >> "$T/read.$c"
	done
	for w in floor hit static resident read; do
		printf '%-9s c=%-3s %8s req/s  p50 %3s ms  p99 %3s ms  failed %s\n' "$w" "$c" \
			"$(cut -d' ' -f1 "$T/$w.$c" | median)" "$(cut -d' ' -f2 "$T/$w.$c" | median)" \
			"$(cut -d' ' -f3 "$T/$w.$c" | median)" "$(cut -d' ' -f4 "$T/$w.$c" | sort -n | tail -1)"
	done
	for w in hit static resident read; do
		printf '%s/floor c=%s: %.2f\n' "$w" "$c" "$(awk -v a="$(cut -d' ' -f1 "$T/$w.$c" | median)" -v b="$(cut -d' ' -f1 "$T/floor.$c" | median)" "BEGIN{print a/b}")"
	done
done
kill "$FLOOR_PID" 2>/dev/null
