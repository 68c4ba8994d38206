# scheduler_adversity: the scheduler against peers that answer badly: an older response at
# refresh, a responder that never answers (the tick budget, results kept as they come, the
# watchdog fed), invalid schedule members, and new entries added while it sleeps.
. "$(dirname "$0")/../lib.sh"

setup_proxy
S=$BUILD/ocsp-proxy-scheduler
sconf() { write_config "$1" "default_upstream = $RESP_URL" "${@:2}"; }
sconf "$T/s.conf"
# requests FILE: how many copies of the stored request a recording fake_upstream received.
requests() { echo $(( $(stat -c %s "$1" 2>/dev/null || echo 0) / $(entry_field "$K" req | head -c -1 | wc -c) )); }
once() { timeout 20 "$S" -c "${1:-$T/s.conf}" --once; }

# An older response at refresh (a replay, a stale CDN edge): one upstream request, the newer
# cached response kept, and the entry scheduled past now. Before the fix it stayed due and was
# fetched again in the same tick, thousands of times.
check_eq "warm" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
K=$(certids | head -1)
rcli --raw HGET "$(rkey entry "$K")" resp | head -c -1 > "$T/old.der"
sleep 1.1
make_due
check_output "a newer response cached" "refreshed 1, kept 0, failed 0, evicted 0, skipped 0" once
etag=$(entry_field "$K" etag)
start_fake_upstream --record "$T/replay.rec" file "$T/old.der"
entry_set "$K" url "$FAKE_URL"
make_due
check_output "older answer: kept" "refreshed 0, kept 1, failed 0, evicted 0, skipped 0" once
check_eq "older answer: one upstream request" 1 "$(requests "$T/replay.rec")"
check_eq "older answer: the newer response stays" "$etag" "$(entry_field "$K" etag)"
check "older answer: scheduled in the future" test "$(due_at "$K")" -gt "$(date +%s)"
check_eq "older answer: counted" 1 "$(stat_count refresh_kept)"
# The daemon with the replaying upstream for 3 s: a handful of requests at most, not a loop.
sconf "$T/d.conf" "check_interval = 1s"
: > "$T/replay.rec"
make_due
"$S" -c "$T/d.conf" &
dp=$!
register_pid $dp scheduler
sleep 3
stop_pid $dp
check "daemon, older answers: at most 3 requests in 3 s" test "$(requests "$T/replay.rec")" -le 3
stop_fake_upstream
entry_set "$K" url "$RESP_URL"

# Invalid schedule members are dropped with a log line; the tick goes on.
rcli ZADD "$(rkey due)" 0 'not-hex!' >/dev/null
rcli ZADD "$(rkey due)" 0 "$(printf 'ab%.0s' $(seq 300))" >/dev/null
make_due
log_mark
check_output "invalid members: the tick runs" "refreshed 1, kept 0, failed 0, evicted 0, skipped 0" once
check_eq "invalid members: removed" "" "$(rcli ZSCORE "$(rkey due)" 'not-hex!')"
check_eq "invalid members: one left (the entry)" 1 "$(rcli ZCARD "$(rkey due)")"
check "invalid members: logged" log_has 'dropped an invalid schedule member not-hex!'
check_eq "invalid members: counted" 2 "$(stat_count invalid_due)"
check_output "invalid members: the next tick is clean" "refreshed 0, kept 0, failed 0, evicted 0, skipped 0" once

# A responder that accepts and never answers: 100 entries on it and two on the real responder.
# With tick_budget 3 s and upstream_timeout 30 s the tick ends near 3 s, the real refreshes are
# stored, the 4 asked in vain (per_upstream_concurrency) fail and move on, the others stay due
# for the next tick, and the watchdog is fed throughout.
ocsp_query "$PROXY_URL" "$CA_DIR/revoked.pem" >/dev/null
KR=$(certids | grep -v "^$K\$" | head -1)
start_fake_upstream hang
entry_set "$K" url "$FAKE_URL"
copy_entry 100 "$K" 0
entry_set "$K" url "$RESP_URL"
rcli ZADD "$(rkey due)" 1 "$K" >/dev/null
rcli ZADD "$(rkey due)" 2 "$KR" >/dev/null
this0=$(entry_field "$K" this)
sleep 1.1
sconf "$T/b.conf" "tick_budget = 3s" "upstream_timeout = 30s"
log_mark
start=$(date +%s%N)
out=$(once "$T/b.conf")
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "# tick with a hanging responder: ${ms} ms: $out"
check "hanging responder: the tick ends within its budget (3 s + 2 s)" test "$ms" -lt 5000
check "hanging responder: the real refreshes are kept" test "$(entry_field "$K" this)" -gt "$this0"
check_eq "hanging responder: 2 refreshed, 4 failed, 96 left for the next tick" \
	"refreshed 2, kept 0, failed 4, evicted 0, skipped 0, unfinished 96 (tick_budget)" "$out"
check_eq "hanging responder: those 96 are still due" 96 "$(rcli ZCOUNT "$(rkey due)" -inf "$(date +%s)")"
check "hanging responder: the failures say why" \
	log_has 'result=failed .*reason="?upstream: no answer within tick_budget'
check_eq "hanging responder: no lease left behind" 0 "$(rcli --scan --pattern "$(rkey lease '*')" | wc -l)"

# The same as a service with WatchdogSec=2: WATCHDOG=1 at least every second through the
# budget-long ticks (a listener stamps each datagram with its arrival time).
if notify_listener "$T/notify.log" --stamp; then
	NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=2000000 "$S" -c "$T/b.conf" &
	dp=$!
	register_pid $dp scheduler
	sleep 8
	stop_pid $dp
	gap=$(awk '/WATCHDOG=1/ { if (last != "") { g = $1 - last; if (g > max) max = g } last = $1 }
		END { printf "%d", max * 1000 }' "$T/notify.log")
	n=$(grep -c 'WATCHDOG=1' "$T/notify.log")
	echo "# watchdog: $n notifications in 8 s, longest gap ${gap} ms"
	check "watchdog: fed through long ticks (longest gap under 1 s)" test "$gap" -lt 1000 -a "$n" -ge 8
	check "watchdog: ticks cut by the budget reported" grep -q 'STATUS=.*unfinished' "$T/notify.log"
else
	skip "watchdog" "no python3 to listen on the notify socket"
fi

# Killed in the middle of a tick (SIGKILL, as the watchdog kills): the refreshes that finished
# before are stored, since each is written as its fetch completes, not at the end of the batch.
entry_set "$K" url "$FAKE_URL"
copy_entry 100 "$K" 0
entry_set "$K" url "$RESP_URL"
rcli ZADD "$(rkey due)" 1 "$K" >/dev/null
rcli ZADD "$(rkey due)" 2 "$KR" >/dev/null
this0=$(entry_field "$K" this)
thisr=$(entry_field "$KR" this)
sleep 1.1
sconf "$T/k.conf" "tick_budget = 60s" "upstream_timeout = 30s"
"$S" -c "$T/k.conf" --once > /dev/null &
kp=$!
sleep 3
kill -KILL $kp
wait $kp 2>/dev/null
check "killed mid-tick: the finished refreshes were stored" \
	test "$(entry_field "$K" this)" -gt "$this0" -a "$(entry_field "$KR" this)" -gt "$thisr"
check "killed mid-tick: the hanging ones are still due" \
	test "$(rcli ZCOUNT "$(rkey due)" -inf "$(date +%s)")" -ge 90
stop_fake_upstream
for id in $(certids | grep '^c0ffee'); do rcli DEL "$(rkey entry "$id")" >/dev/null; done

# Asleep on new entries: check_interval 1 h and an empty schedule, then an entry due in 2 s
# appears (as a handler adds one valid a few seconds): refreshed within a few seconds.
rcli DEL "$(rkey due)" >/dev/null
sconf "$T/w.conf" "check_interval = 1h"
"$S" -c "$T/w.conf" &
dp=$!
register_pid $dp scheduler
sleep 1.5
this1=$(entry_field "$K" this)
rcli ZADD "$(rkey due)" $(( $(date +%s) + 2 )) "$K" >/dev/null
for _ in $(seq 60); do [ "$(entry_field "$K" this)" -gt "$this1" ] && break; sleep 0.1; done
check "a new entry due before the planned wake is refreshed (within 6 s)" \
	test "$(entry_field "$K" this)" -gt "$this1"
stop_pid $dp
