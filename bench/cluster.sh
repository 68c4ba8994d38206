#!/usr/bin/env bash
# cluster.sh: what a cache hit costs in each Redis topology of docs/deployment.md, side by side
# in one run (valgrind --tool=callgrind instructions, repeatable; wall time from ab is left to
# hit.sh). A primary, a replica of it and three Sentinels on loopback; the handler answers the
# same hit with:
#   redis            the primary named directly
#   redis_read       + the replica for reads (the hit recorded on the primary after the answer)
#   sentinel         the primary found through the Sentinels (a Sentinel query, then ROLE)
#   sentinel+read    both: the deployment page's topology
# Usage: bench/cluster.sh
set -u
cd "$(dirname "$0")/.." || exit 1
export BENCH=1
. tests/lib.sh

for p in valgrind redis-sentinel; do
	command -v $p >/dev/null || { echo "cluster.sh: $p is needed (scripts/deps.sh installs it)"; exit 1; }
done
make_ca "$CA_DIR" >/dev/null
start_responder 60
P0=$(free_port); PR=$(free_port)
start_redis_port r0 "$P0"
start_redis_port rr "$PR" --replicaof 127.0.0.1 "$P0"
wait_replica "$PR"
start_sentinels "$P0"
make_request "$CA_DIR/good.pem" "$T/req.der"
{ printf 'POST / HTTP/1.0\r\nContent-Type: application/ocsp-request\r\nContent-Length: %d\r\n\r\n' \
	"$(stat -c %s "$T/req.der")"; cat "$T/req.der"; } > "$T/http.req"

REDIS_URL=redis://127.0.0.1:$P0/0
write_config "$T/redis.conf" "default_upstream = $RESP_URL" "log = $T/bench.log"
write_config "$T/redis_read.conf" "default_upstream = $RESP_URL" "log = $T/bench.log" \
	"redis_read = redis://127.0.0.1:$PR/0"
write_config "$T/sentinel.conf" "default_upstream = $RESP_URL" "log = $T/bench.log" \
	"redis_sentinel = $SENTINELS" "redis_master_name = ocsp"
write_config "$T/sentinel+read.conf" "default_upstream = $RESP_URL" "log = $T/bench.log" \
	"redis_sentinel = $SENTINELS" "redis_master_name = ocsp" "redis_read = redis://127.0.0.1:$PR/0"
# Warm: a miss, then wait for the replica to have it.
OCSP_PROXY_CONFIG="$T/redis.conf" "$BUILD/ocsp-proxy-handler" < "$T/http.req" > /dev/null
for _ in $(seq 50); do
	[ "$(redis-cli -p "$PR" --scan --pattern '{test}:e:*' | wc -l)" = 1 ] && break
	sleep 0.1
done

ir() {
	OCSP_PROXY_CONFIG=$1 valgrind --tool=callgrind --callgrind-out-file=/dev/null \
		--log-file="$T/vg.log" "$BUILD/ocsp-proxy-handler" < "$T/http.req" > /dev/null 2>&1
	sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$T/vg.log"
}
echo "== instructions per cache hit (callgrind), per-connection handler"
base=$(ir "$T/redis.conf")
for t in redis redis_read sentinel sentinel+read; do
	n=$(ir "$T/$t.conf")
	printf '%-14s %12s  (%.2fx redis)\n' "$t" "$n" "$(awk -v a="$n" -v b="$base" 'BEGIN{print a/b}')"
done
hits=$(grep -c 'result=hit' "$T/bench.log")
echo "($hits hits logged; every run above must be one)"
