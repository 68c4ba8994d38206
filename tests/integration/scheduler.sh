# scheduler: entries are refreshed before they expire, failures keep the old response, two
# schedulers refresh each entry once, Redis restarts are survived, SIGTERM and SIGHUP behave.
. "$(dirname "$0")/../lib.sh"

setup_proxy --nmin 1 --no-handler
# Responses live 60 s here: a 3 s "day", a 2 s "hour".
sconf() {
	write_config "$1" "default_upstream = $RESP_URL" "check_interval = 1s" "refresh_interval = 3s" \
		"refresh_late_interval = 2s" "refresh_margin = 5s" "retry_min = 1s" "retry_max = 4s" \
		"log = $2" "upstream_timeout = 2s" "${@:3}"
}
sconf "$T/s.conf" "$T/ocsp-proxy.log"
start_handler "$T/s.conf"
S=$BUILD/ocsp-proxy-scheduler
field() { entry_field - "$1"; }

check "--version" sh -c "'$S' --version | grep -q '^ocsp-proxy-scheduler [0-9]'"
check_output "--once with an empty cache" "refreshed 0, kept 0, failed 0, evicted 0, skipped 0" "$S" -c "$T/s.conf" --once

check_eq "warm through the handler" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
this0=$(field this)
check "scheduled by the handler at most 3 s out" test "$(( $(due_at -) - $(date +%s) ))" -le 3

# A due entry is refreshed, and the handler serves the new response.
sleep 1.1
make_due
log_mark
check_output "--once refreshes the due entry" "refreshed 1, kept 0, failed 0, evicted 0, skipped 0" "$S" -c "$T/s.conf" --once
check "thisUpdate advanced" test "$(field this)" -gt "$this0"
curl -s -o "$T/h.der" "$PROXY_URL$(b64url_nginx <(make_request "$CA_DIR/good.pem" "$T/g.req"; cat "$T/g.req"))"
check_eq "handler serves the refreshed response" "$(field etag)" "$(sha256sum < "$T/h.der" | cut -d' ' -f1)"
check "refresh logged" log_has 'refresh certid=[0-9a-f]+ result=refreshed'
check "refreshes counted" test "$(stat_count refreshes)" -ge 1

# Past half of the validity the next refresh comes at the late rate: 60 s validity, refreshed
# now, half at this+30, so due = this + 30 - when fetched - at most refresh_margin before next.
check "daily rate before half validity (due 3 s after the fetch)" \
	test "$(( $(due_at -) - $(field fetched) ))" -eq 3

sconf "$T/late.conf" "$T/ocsp-proxy.log" "refresh_interval = 1d"
make_due
check "with a long day: --once" "$S" -c "$T/late.conf" --once
check_eq "with a long day: due at half validity (this + 30 s)" 30 "$(( $(due_at -) - $(field this) ))"

# Responder down: the old response stays, the failure is recorded, a retry is scheduled.
etag=$(field etag)
stop_responder
make_due
check_output "responder down: failed" "refreshed 0, kept 0, failed 1, evicted 0, skipped 0" "$S" -c "$T/s.conf" --once
check_eq "responder down: response kept" "$etag" "$(field etag)"
check_eq "responder down: failure counted" 1 "$(field fail)"
check_eq "responder down: listed as failing" 1 "$(rcli SCARD "$(rkey failing)")"
check "responder down: error recorded" test -n "$(field err)"
check "responder down: retry in retry_min" test "$(( $(due_at -) - $(date +%s) ))" -le 2
check_eq "responder down: handler still serves it" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
make_due
check "responder down: --once" "$S" -c "$T/s.conf" --once
check_eq "second failure counted" 2 "$(field fail)"
start_responder 1
sconf "$T/s.conf" "$T/ocsp-proxy.log"
entry_set - url "$RESP_URL"
make_due
check_output "responder back: refreshed" "refreshed 1, kept 0, failed 0, evicted 0, skipped 0" "$S" -c "$T/s.conf" --once
check_eq "responder back: failures cleared" 0 "$(field fail)"
check_eq "responder back: no longer failing" 0 "$(rcli SCARD "$(rkey failing)")"

# An upstream answering tryLater or garbage changes nothing.
for mode in trylater garbage; do
	etag=$(field etag)
	start_fake_upstream "$mode"
	entry_set - url "$FAKE_URL"
	make_due
	check_output "$mode: failed" "refreshed 0, kept 0, failed 1, evicted 0, skipped 0" "$S" -c "$T/s.conf" --once
	check_eq "$mode: response kept" "$etag" "$(field etag)"
	stop_fake_upstream
done
entry_set - url "$RESP_URL"

# Two schedulers against one Redis: each due entry refreshed once.
ocsp_query "$PROXY_URL" "$CA_DIR/revoked.pem" >/dev/null
sleep 1.1
make_due
sconf "$T/a.conf" "$T/a.log"
sconf "$T/b.conf" "$T/b.log"
"$S" -c "$T/a.conf" --once > "$T/a.out" &
a=$!
"$S" -c "$T/b.conf" --once > "$T/b.out" &
b=$!
wait $a
check_rc "two schedulers: the first exits 0" 0 $?
wait $b
check_rc "two schedulers: the second exits 0" 0 $?
total=$(cat "$T/a.out" "$T/b.out" | sed 's/refreshed \([0-9]*\).*/\1/' | awk "{s+=\$1} END {print s}")
check_eq "two schedulers: 2 entries refreshed once in all" 2 "$total"
check_eq "two schedulers: nothing left due" 0 "$(rcli ZCOUNT "$(rkey due)" -inf $(($(date +%s) - 1)))"

# Eviction: an entry nobody asked for in evict_after is dropped.
entry_set - hit $(( $(date +%s) - 40 * 86400 ))
make_due
out=$("$S" -c "$T/s.conf" --once)
check_rc "eviction tick: exit 0" 0 $?
check "unused entry evicted" grep -q 'evicted 1' <<< "$out"
check_eq "one entry left" 1 "$(cached_keys | wc -l)"

# The daemon: keeps refreshing by itself, survives a Redis restart, reloads, stops on SIGTERM,
# and tells systemd (a notify socket read by a small listener) READY=1 and STATUS=.
notify_listener "$T/notify.log"
NOTIFY_SOCKET=$T/notify.sock "$S" -c "$T/s.conf" &
SP=$!
register_pid $SP ocsp-proxy-scheduler
this1=$(field this)
sleep 4.5
check "daemon refreshed on its own" test "$(field this)" -gt "$this1"
if [ -f "$T/notify.log" ]; then
	check "READY=1 sent" grep -q '^READY=1' "$T/notify.log"
	check "STATUS= with entries, due, failing" grep -Eq 'STATUS=entries [0-9]+, due [0-9]+, failing [0-9]+, last tick: refreshed' "$T/notify.log"
else
	skip "notify socket" "no python3 to listen on it"
fi
log_mark
stop_redis
sleep 2
check "daemon alive with Redis down" kill -0 $SP
check "Redis down logged" log_has 'redis unreachable'
start_redis
log_mark
sconf "$T/s.conf" "$T/ocsp-proxy.log"
ocsp_query "$PROXY_URL" "$CA_DIR/good.pem" >/dev/null
this2=$(field this)
sleep 6
check "daemon refreshes again after Redis came back" test "$(field this)" -gt "$this2"
check "Redis back logged" log_has 'redis reachable again'
sconf "$T/s.conf" "$T/reloaded.log"
kill -HUP $SP
sleep 1.5
check "SIGHUP reloads the configuration" grep -q 'configuration reloaded' "$T/reloaded.log"
kill -TERM $SP
for _ in $(seq 50); do kill -0 $SP 2>/dev/null || break; sleep 0.1; done
check "SIGTERM: stopped within 5 s" sh -c "! kill -0 $SP 2>/dev/null"
wait $SP
check_rc "SIGTERM: exit 0" 0 $?
