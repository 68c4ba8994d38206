# herd: many clients, one fetch. Concurrent misses of one certificate reach the responder once
# (at most twice), per connection and resident, and every client gets the answer; misses for a
# hanging responder reach it once, then it is backed off, and no client waits past
# upstream_timeout. Counts are taken on the responder's side (fake_upstream --count).
. "$(dirname "$0")/../lib.sh"

make_ca "$CA_DIR"
start_redis
make_request "$CA_DIR/good.pem" "$T/good.req"
openssl ocsp -index "$CA_DIR/index.txt" -CA "$CA_DIR/ca.pem" -rsigner "$CA_DIR/ocsp.pem" \
	-rkey "$CA_DIR/ocsp.key" -reqin "$T/good.req" -respout "$T/good.der" -nmin 60 >/dev/null 2>&1 ||
	bail "a signed answer for the test certificate"
write_config "$T/c.conf" "default_upstream = http://127.0.0.1:$FAKE_PORT/" \
	"upstream_timeout = 3s" "upstream_backoff = 30s" "max_misses = 64"

# post N OUTDIR [GAP]: N clients POST the request at once (or GAP seconds apart), and all end.
post() {
	local i pids=
	rm -rf "$2"
	mkdir -p "$2"
	for i in $(seq "$1"); do
		client "$2" "$i" &
		pids="$pids $!"
		[ "${3:-0}" = 0 ] || sleep "$3"
	done
	# shellcheck disable=SC2086  # pids, one a word
	wait $pids
}
# client OUTDIR I: one POST of the request, answer in OUTDIR/I.der, milliseconds in OUTDIR/I.ms.
client() {
	curl -s -m 20 -o "$1/$2.der" -w '%{time_total}\n' -H 'Content-Type: application/ocsp-request' \
		--data-binary @"$T/good.req" "$URL" | awk '{printf "%d\n", $1 * 1000}' > "$1/$2.ms"
}
# got OUTDIR STATUS: how many answers in OUTDIR have that certificate status (good) or OCSP
# status (trylater).
got() {
	local f n=0
	for f in "$1"/*.der; do
		case $2 in
		good) [ "$(resp_cert_status "$f")" = good ] && n=$((n + 1)) ;;
		*) [ "$(resp_status "$f")" = "$2" ] && n=$((n + 1)) ;;
		esac
	done
	echo "$n"
}
requests() { if [ -f "$T/count" ]; then wc -l < "$T/count"; else echo 0; fi; }
slowest() { cat "$1"/*.ms | sort -n | tail -1; }
fresh() { rcli FLUSHALL >/dev/null; rm -f "$T/count"; }

# 1. 20 clients at once, empty cache, a responder answering in 1.5 s.
start_fake_upstream --count "$T/count" --delay 1500 file "$T/good.der"
for mode in per-connection resident; do
	fresh
	if [ "$mode" = resident ]; then start_resident "$T/c.conf"; else start_handler "$T/c.conf"; URL=$PROXY_URL; fi
	post 20 "$T/a" &
	poster=$!
	if [ "$mode" = resident ]; then
		# Halfway through the fetch: one child fetches, the other misses wait in the workers'
		# event loops, not in a child each.
		sleep 0.8
		kids=0
		for wk in $(pgrep -P "$M"); do kids=$((kids + $(pgrep -P "$wk" | wc -l))); done
		check "resident: waiting misses hold no child each ($kids miss children)" test "$kids" -le 2
	fi
	wait "$poster"
	check_eq "$mode: every client got the answer" 20 "$(got "$T/a" good)"
	n=$(requests)
	check "$mode: 20 concurrent misses reached the responder at most twice (it saw $n)" \
		test "$n" -ge 1 -a "$n" -le 2
	check "$mode: waits counted as coalesced" test "$(stat_count coalesced)" -ge 18
	if [ "$mode" = resident ]; then stop_pid "$M"; else stop_handler; fi
done
stop_fake_upstream

# 2. A hanging responder: 20 misses spread over 10 s. The first asks and times out
# (upstream_timeout 3 s); those during its fetch wait for it, those after are backed off.
start_fake_upstream --count "$T/count" hang
for mode in per-connection resident; do
	fresh
	if [ "$mode" = resident ]; then start_resident "$T/c.conf"; else start_handler "$T/c.conf"; URL=$PROXY_URL; fi
	post 20 "$T/h" 0.5
	n=$(requests)
	check "$mode: 20 misses to a hanging responder reached it at most 4 times (it saw $n)" \
		test "$n" -ge 1 -a "$n" -le 4
	check_eq "$mode: every client answered tryLater" 20 "$(got "$T/h" trylater)"
	# upstream_timeout is 3 s: the clients that waited for the first fetch got their answer
	# when it gave up, none waited for a fetch of its own.
	s=$(slowest "$T/h")
	check "$mode: no client waited past upstream_timeout and a second (slowest ${s} ms)" test "$s" -lt 4000
	check "$mode: backed-off misses counted" test "$(stat_count backed_off)" -ge 1
	"$BUILD/ocsp-proxyctl" -c "$T/c.conf" stats > "$T/stats.txt"
	check "$mode: ctl stats names the backed-off responder and why" \
		grep -q "^backoff http://127.0.0.1:$FAKE_PORT/ until .*: .*" "$T/stats.txt"
	sed -n 's/^backoff/# backoff/p' "$T/stats.txt"
	if [ "$mode" = resident ]; then stop_pid "$M"; else stop_handler; fi
done
stop_fake_upstream
