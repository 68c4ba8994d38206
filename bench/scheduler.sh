#!/usr/bin/env bash
# scheduler.sh: what a tick costs as the cache grows, and how fast due entries are refreshed.
#  - 1,000 and 100,000 cached entries, nothing due: instructions of `--once` (callgrind) and its
#    peak RSS: both should not grow with the cache (due entries come from the schedule index);
#  - 10,000 due entries against a local `openssl ocsp -multi 4` responder: wall time with the
#    default concurrency (16, 4 per upstream) and with one at a time (1, 1), and peak RSS.
# Usage: bench/scheduler.sh [DUE]   (default 10000)
set -u
cd "$(dirname "$0")/.." || exit 1
DUE=${1:-10000}
export BENCH=1
. tests/lib.sh

make_ca "$CA_DIR" >/dev/null
start_redis
# Four worker processes: the harness stops them with their parent.
start_responder 600 "" -multi 4
write_config "$T/s.conf" "default_upstream = $RESP_URL" "log = $T/s.log" "upstream_timeout = 10s"
start_handler "$T/s.conf"
ocsp_query "$PROXY_URL" "$CA_DIR/good.pem" >/dev/null
src=$(certids | head -1)
S=$BUILD/ocsp-proxy-scheduler
idle() {
	local ir rss
	valgrind --tool=callgrind --callgrind-out-file=/dev/null --log-file="$T/vg.log" \
		"$S" -c "$T/s.conf" --once > /dev/null 2>&1
	ir=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$T/vg.log")
	rss=$(/usr/bin/time -f %M "$S" -c "$T/s.conf" --once 2>&1 >/dev/null | tail -1)
	printf '%-28s %12s instructions  peak RSS %6s KiB\n' "$1" "$ir" "$rss"
}

future=$(( $(date +%s) + 86400 ))
echo "== a tick with nothing due"
rcli FLUSHALL >/dev/null; ocsp_query "$PROXY_URL" "$CA_DIR/good.pem" >/dev/null; src=$(certids | head -1)
rcli ZADD "$(rkey due)" "$future" "$src" >/dev/null
copy_entry 1000 "$src" "$future"
idle "1,000 entries"
copy_entry 100000 "$src" "$future"
idle "100,000 entries"
echo "   (cache holds $(rcli ZCARD "$(rkey due)") entries, $(rcli INFO memory | sed -n 's/used_memory_human://p' | tr -d '\r') in Redis)"

echo "== refreshing $DUE due entries (out of $(rcli ZCARD "$(rkey due)"))"
refresh() {
	local label=$1 start end rss
	shift
	copy_entry "$DUE" "$src" 0
	write_config "$T/r.conf" "default_upstream = $RESP_URL" "log = $T/r.log" "upstream_timeout = 10s" \
		"tick_budget = 1h" "$@"
	start=$(date +%s.%N)
	rss=$(/usr/bin/time -f %M "$S" -c "$T/r.conf" --once 2>&1 >"$T/r.out" | tail -1)
	end=$(date +%s.%N)
	printf '%-34s %7.1f s  %7.0f refreshes/s  peak RSS %6s KiB  (%s)\n' "$label" \
		"$(echo "$end - $start" | awk '{print $1 - $3}')" \
		"$(awk -v n="$DUE" -v s="$start" -v e="$end" 'BEGIN{print n/(e-s)}')" "$rss" "$(cat "$T/r.out")"
}
refresh "concurrency 16, 4 per upstream"
refresh "one at a time" "concurrency = 1" "per_upstream_concurrency = 1"

# The same against a responder 50 ms away (fake_upstream replaying a real response after a
# delay), where concurrency is what counts. 1,000 entries.
FAR=${FAR:-1000}
entry_field "$src" resp | head -c -1 > "$T/far.der"
start_fake_upstream --delay 50 file "$T/far.der"
entry_set "$src" url "$FAKE_URL"
DUE=$FAR
echo "== refreshing $DUE due entries from a responder 50 ms away"
refresh "concurrency 16, 4 per upstream"
refresh "concurrency 16, 16 per upstream" "per_upstream_concurrency = 16"
refresh "one at a time" "concurrency = 1" "per_upstream_concurrency = 1"
