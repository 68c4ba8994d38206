#!/usr/bin/env bash
# herd.sh: many clients, one certificate, empty cache. N clients (1, 20, 200) POST the same
# request at once (one curl --parallel), per connection (systemd-socket-activate) and resident (--listen); the
# responder (tests/helpers/fake_upstream) answers after DELAY ms (1500), or hangs. Prints the
# upstream requests the responder saw and the clients' latency (median, max, in ms) and how many
# got a good answer (or tryLater, for the hanging responder: upstream_timeout 3 s; there the
# clients come 0.5 s apart, 20 over 10 s).
# Usage: bench/herd.sh          (NS="1 20 200", DELAY=1500; BACKOFF_LINE="" for a build that
#                                 predates upstream_backoff)
set -u
cd "$(dirname "$0")/.." || exit 1
NS=${NS:-1 20 200}
DELAY=${DELAY:-1500}
BACKOFF_LINE=${BACKOFF_LINE-upstream_backoff = 30s}
export BENCH=1
. tests/lib.sh

make_ca "$CA_DIR" >/dev/null
start_redis
make_request "$CA_DIR/good.pem" "$T/good.req"
openssl ocsp -index "$CA_DIR/index.txt" -CA "$CA_DIR/ca.pem" -rsigner "$CA_DIR/ocsp.pem" \
	-rkey "$CA_DIR/ocsp.key" -reqin "$T/good.req" -respout "$T/good.der" -nmin 60 >/dev/null 2>&1
write_config "$T/c.conf" "default_upstream = http://127.0.0.1:$FAKE_PORT/" "upstream_timeout = 3s" \
	"max_misses = 256" "max_connections = 4096" "log = $T/bench.log" ${BACKOFF_LINE:+"$BACKOFF_LINE"}

client() {
	curl -s -m 30 -o "$1/$2.der" -w '%{time_total}\n' -H 'Content-Type: application/ocsp-request' \
		--data-binary @"$T/good.req" "$URL" | awk '{printf "%d\n", $1 * 1000}' > "$1/$2.ms"
}
# run N GAP: N clients, GAP seconds apart; prints "requests median max answered".
run() {
	local d=$T/run i pids='' f ok=0 want=${3:-good}
	rcli FLUSHALL >/dev/null
	rm -rf "$d" "$T/count"
	mkdir -p "$d"
	if [ "$2" = 0 ]; then
		# One curl, every transfer started at once (a shell starting N curls takes longer than
		# the responder does).
		for i in $(seq "$1"); do printf 'url = "%s"\noutput = "%s/%d.der"\n' "$URL" "$d" "$i"; done > "$T/curl.cfg"
		curl -s --no-progress-meter -m 30 -Z --parallel-immediate --parallel-max 1000 -K "$T/curl.cfg" \
			-w '%{time_total}\n' -H 'Content-Type: application/ocsp-request' \
			--data-binary @"$T/good.req" 2>/dev/null | awk '{printf "%d\n", $1 * 1000}' > "$d/all.ms"
	else
		for i in $(seq "$1"); do
			client "$d" "$i" &
			pids="$pids $!"
			sleep "$2"
		done
		# shellcheck disable=SC2086  # pids, one a word
		wait $pids
	fi
	for f in "$d"/*.der; do
		case $want in
		good) [ "$(resp_cert_status "$f")" = good ] && ok=$((ok + 1)) ;;
		*) [ "$(resp_status "$f")" = "$want" ] && ok=$((ok + 1)) ;;
		esac
	done
	sort -n "$d"/*.ms | awk -v req="$(if [ -f "$T/count" ]; then wc -l < "$T/count"; else echo 0; fi)" \
		-v ok="$ok" -v n="$1" '{ v[NR] = $1 } END { printf "%8d %10d %8d %8s\n", req, v[int((NR + 1) / 2)], v[NR], ok "/" n }'
}
start_mode() {
	if [ "$1" = resident ]; then start_resident "$T/c.conf"; else start_handler "$T/c.conf"; URL=$PROXY_URL; fi
}
stop_mode() { if [ "$1" = resident ]; then stop_pid "$M"; else stop_pid "$PROXY_PID"; fi; }

printf '%-15s %-22s %8s %10s %8s %8s\n' mode responder requests median_ms max_ms answered
start_fake_upstream --count "$T/count" --delay "$DELAY" file "$T/good.der"
for mode in per-connection resident; do
	start_mode $mode
	for n in $NS; do
		printf '%-15s %-22s ' "$mode" "${n} at once, ${DELAY} ms"
		run "$n" 0
	done
	stop_mode $mode
done
stop_fake_upstream
start_fake_upstream --count "$T/count" hang
for mode in per-connection resident; do
	start_mode $mode
	printf '%-15s %-22s ' "$mode" "20 over 10 s, hangs"
	run 20 0.5 trylater
	stop_mode $mode
done
stop_fake_upstream
