#!/usr/bin/env bash
# resident.sh: resident cache hits against nginx serving the same DER as a static file, side by
# side in one run: ab with one new connection per request (no keep-alive; nginx with
# keepalive_timeout 0 and a worker per core, as the handler has), GET on both (nginx's static
# module refuses POST), at 1 and 16 clients, runs interleaved, medians reported. Both log each
# request to a file (nginx's access_log, the handler's log).
# Usage: bench/resident.sh [N]   (default 3000 requests per ab run, RUNS=3 runs each)
set -u
cd "$(dirname "$0")/.." || exit 1
N=${1:-3000}
RUNS=${RUNS:-3}
export BENCH=1
. tests/lib.sh

for p in ab nginx; do
	command -v $p >/dev/null || { echo "resident.sh: $p is needed (scripts/deps.sh installs it)"; exit 1; }
done
make_ca "$CA_DIR" >/dev/null
start_redis
start_responder 60
write_config "$T/bench.conf" "default_upstream = $RESP_URL" "log = $T/bench.log"
make_request "$CA_DIR/good.pem" "$T/req.der"
path=/$(b64url_nginx "$T/req.der")

rport=$(free_port)
"$BUILD/ocsp-proxy-handler" -c "$T/bench.conf" --listen "127.0.0.1:$rport" 2>/dev/null &
register_pid $!
echo $! > "$T/resident.pid"
wait_port "$rport"
# Warm the cache (a miss), and keep the DER nginx will serve.
curl -s -o "$T/www.der" "http://127.0.0.1:$rport$path"
curl -s -o "$T/hit.der" "http://127.0.0.1:$rport$path"
grep -q 'result=hit' "$T/bench.log" || { echo "resident.sh: the cache did not warm"; exit 1; }
cmp -s "$T/www.der" "$T/hit.der" || { echo "resident.sh: hit differs from the miss"; exit 1; }

nport=$(free_port)
mkdir -p "$T/nginx/www"
chmod a+x "$T" "$T/nginx"   # nginx workers run as another user when started as root
cp "$T/www.der" "$T/nginx/www/resp.der"
cat > "$T/nginx/nginx.conf" <<CONF
worker_processes auto;
daemon off;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log;
events { worker_connections 4096; }
http {
	access_log $T/nginx/access.log;
	client_body_temp_path $T/nginx/body;
	proxy_temp_path $T/nginx/proxy;
	fastcgi_temp_path $T/nginx/fastcgi;
	uwsgi_temp_path $T/nginx/uwsgi;
	scgi_temp_path $T/nginx/scgi;
	keepalive_timeout 0;
	default_type application/ocsp-response;
	server {
		listen 127.0.0.1:$nport;
		root $T/nginx/www;
	}
}
CONF
nginx -c "$T/nginx/nginx.conf" -e "$T/nginx/error.log" &
register_pid $!
wait_port "$nport"
wait_file "$T/nginx/nginx.pid"
curl -s -o "$T/nginx.der" "http://127.0.0.1:$nport/resp.der"
cmp -s "$T/www.der" "$T/nginx.der" || { echo "resident.sh: nginx does not serve the DER"; exit 1; }

# The worker processes of each server, whose CPU time perf counts during each run: on a shared
# machine, CPU per request moves much less than requests per second.
RPIDS=$(pgrep -d, -P "$(cat "$T/resident.pid")")
NPIDS=$(pgrep -d, -P "$(cat "$T/nginx/nginx.pid")")
# ab_run URL C PIDS: "req/s p50 p99 failed non-2xx cpu-us-per-request"
ab_run() {
	local out cpu=-
	if command -v perf >/dev/null; then
		out=$(perf stat -e task-clock -x, -p "$3" -o "$T/cpu" -- ab -q -n "$N" -c "$2" "$1" 2>&1)
		cpu=$(awk -F, -v n="$N" '$3=="task-clock"{printf "%.1f", $1 * 1000 / n}' "$T/cpu")
	else
		out=$(ab -q -n "$N" -c "$2" "$1" 2>&1)
	fi
	echo "$(echo "$out" | awk '/Requests per second/{print $4}') \
$(echo "$out" | awk '$1=="50%"{print $2}') $(echo "$out" | awk '$1=="99%"{print $2}') \
$(echo "$out" | awk '/Failed requests/{print $3}') $(echo "$out" | awk '/Non-2xx/{print $3}')0 $cpu"
}
median() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

echo "== ab -n $N, GET, one new connection per request, median of $RUNS runs"
for c in ${CLIENTS:-1 16}; do
	: > "$T/nginx.$c"; : > "$T/resident.$c"
	for _ in $(seq "$RUNS"); do
		ab_run "http://127.0.0.1:$nport/resp.der" "$c" "$NPIDS" >> "$T/nginx.$c"
		ab_run "http://127.0.0.1:$rport$path" "$c" "$RPIDS" >> "$T/resident.$c"
	done
	for w in nginx resident; do
		printf '%-9s c=%-3s %8s req/s  p50 %3s ms  p99 %3s ms  failed %s  non-2xx %s  cpu %s us/req\n' \
			"$w" "$c" "$(cut -d' ' -f1 "$T/$w.$c" | median)" "$(cut -d' ' -f2 "$T/$w.$c" | median)" \
			"$(cut -d' ' -f3 "$T/$w.$c" | median)" "$(cut -d' ' -f4 "$T/$w.$c" | sort -n | tail -1)" \
			"$(cut -d' ' -f5 "$T/$w.$c" | sort -n | tail -1)" "$(cut -d' ' -f6 "$T/$w.$c" | median)"
	done
	printf 'resident/nginx c=%s: %.2f (req/s), %.2f (CPU per request, nginx/resident)\n' "$c" \
		"$(awk -v a="$(cut -d' ' -f1 "$T/resident.$c" | median)" \
			-v b="$(cut -d' ' -f1 "$T/nginx.$c" | median)" 'BEGIN{print a/b}')" \
		"$(awk -v a="$(cut -d' ' -f6 "$T/nginx.$c" | median)" \
			-v b="$(cut -d' ' -f6 "$T/resident.$c" | median)" 'BEGIN{print (b > 0) ? a/b : 0}')"
done
echo "resident log lines: $(grep -c 'result=hit' "$T/bench.log") hits, $(grep -c 'result=' "$T/bench.log") requests"
