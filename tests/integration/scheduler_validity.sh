# scheduler_validity: responses valid 1 minute, 1 hour, 1 day and 7 days, each refreshed before
# it expires with a bounded number of fetches. Days pass under faketime: the responder and the
# scheduler run at the simulated time each refresh falls due (as the daemon wakes then), so two
# validities of each take seconds. Then `unknown` turning good within minutes, and revoked
# answers refreshed like good ones.
. "$(dirname "$0")/../lib.sh"

# libfaketime preloaded directly: the faketime wrapper leaves a semaphore behind when its child
# is stopped, and a later run with the same pid then fails to start.
# shellcheck disable=SC2012  # one path, whatever the architecture
FAKETIME_LIB=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -1)
[ -n "$FAKETIME_LIB" ] || { skip "scheduler_validity" "libfaketime not installed (scripts/deps.sh)"; exit 0; }
make_ca "$CA_DIR"
start_redis
S=$BUILD/ocsp-proxy-scheduler
CTL=$BUILD/ocsp-proxyctl
RESP_PORT=$(free_port)
RESP_URL=http://127.0.0.1:$RESP_PORT/
write_config "$T/s.conf" "default_upstream = $RESP_URL"

# at UNIX CMD...: CMD with the clock starting at UNIX (then running at the normal rate).
# (Under ASan libfaketime comes first in the preload list, which ASan would refuse.)
at() {
	local t=$1
	shift
	TZ=UTC LD_PRELOAD=$FAKETIME_LIB FAKETIME="@$(date -u -d "@$t" '+%Y-%m-%d %H:%M:%S')" \
		FAKETIME_DONT_FAKE_MONOTONIC=1 \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" "$@"
}
# responder INDEX [--at UNIX] [openssl ocsp args]: the test CA's responder on RESP_PORT. Under
# libfaketime the responder leaves a shared memory file named for its pid when it is stopped:
# stop_responder removes it, or a later process with that pid could not start.
responder() {
	local index=$1 when=()
	shift
	if [ "${1:-}" = --at ]; then
		when=(TZ=UTC LD_PRELOAD="$FAKETIME_LIB" FAKETIME_DONT_FAKE_MONOTONIC=1
		      FAKETIME="@$(date -u -d "@$2" '+%Y-%m-%d %H:%M:%S')")
		shift 2
	fi
	: > "$T/responder.log"
	env "${when[@]}" openssl ocsp -index "$index" -CA "$CA_DIR/ca.pem" -rsigner "$CA_DIR/ocsp.pem" \
		-rkey "$CA_DIR/ocsp.key" -port "$RESP_PORT" -ignore_err "$@" > "$T/responder.log" 2>&1 &
	responder_started $!
}
stop_responder() {
	stop_pid "$RESP_PID"
	rm -f "/dev/shm/faketime_shm_$RESP_PID" "/dev/shm/sem.faketime_sem_$RESP_PID"
}

# validity NAME SECONDS MAX [openssl ocsp validity args]: the good certificate cached at a start
# time, then refreshed at each due time for two validities. Every refresh must come while the
# cached response is still valid, and there must be at most MAX fetches in all.
validity() {
	local name=$1 v=$2 max=$3 t end due next fetches=1 late=0 bad=0 out
	shift 3
	rcli FLUSHALL >/dev/null
	t=$(date +%s)
	end=$((t + 2 * v))
	responder "$CA_DIR/index.txt" --at "$t" "$@"
	at "$t" "$CTL" -c "$T/s.conf" prefetch --cert "$CA_DIR/good.pem" --issuer "$CA_DIR/ca.pem" \
		--url "$RESP_URL" > "$T/prefetch.out" 2>&1 || bad=1
	stop_responder
	while [ "$fetches" -lt 100 ]; do
		due=$(due_at -)
		next=$(entry_field - next)
		if [ -z "$due" ] || [ -z "$next" ]; then bad=1; break; fi
		[ "$due" -lt "$end" ] || break
		[ "$due" -lt "$next" ] || late=$((late + 1))
		t=$due
		responder "$CA_DIR/index.txt" --at "$t" "$@"
		out=$(at "$t" "$S" -c "$T/s.conf" --once)
		stop_responder
		case $out in "refreshed 1, "*) ;; *) bad=1; echo "# $name at +$((t - end + 2 * v)) s: $out"; break ;; esac
		fetches=$((fetches + 1))
	done
	echo "# $name: $fetches fetches in two validities"
	check_eq "$name: cached and refreshed without error" 0 "$bad"
	check_eq "$name: every refresh before expiry" 0 "$late"
	check "$name: at most $max fetches in two validities (got $fetches)" test "$fetches" -le "$max"
}

validity "valid 1 minute" 60 5 -nmin 1
validity "valid 1 hour" 3600 5 -nmin 60
validity "valid 1 day" 86400 5 -ndays 1
validity "valid 7 days" $((7 * 86400)) 15 -ndays 7

# unknown, then published: a certificate the CA has not put in its index yet is answered
# `unknown`; that is asked again within unknown_refresh (5 min), then after 10 min while still
# unknown, and once published the next refresh turns it good and the handler serves good.
rcli FLUSHALL >/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out "$T/new.key" 2>/dev/null
openssl req -new -key "$T/new.key" -subj /CN=new -out "$T/new.csr" 2>/dev/null
printf 'basicConstraints=CA:FALSE\n' > "$T/new.ext"
openssl x509 -req -in "$T/new.csr" -CA "$CA_DIR/ca.pem" -CAkey "$CA_DIR/ca.key" -out "$T/new.pem" \
	-days 300 -set_serial 0x1A2B3C -extfile "$T/new.ext" 2>/dev/null
cp "$CA_DIR/index.txt" "$T/index.txt"
cp "$CA_DIR/index.txt.attr" "$T/index.txt.attr"
responder "$T/index.txt" -nmin 60
start_handler "$T/s.conf"
check_eq "unpublished certificate: unknown" unknown "$(ocsp_query "$PROXY_URL" "$T/new.pem")"
id=$(certids | head -1)
check_eq "unknown: cached" 2 "$(entry_field "$id" status)"
check "unknown: asked again within 5 minutes" test $(( $(due_at "$id") - $(entry_field "$id" fetched) )) -le 300
sleep 1.1
check_output "still unknown 5 minutes later: refreshed" "refreshed 1, kept 0, failed 0, evicted 0, skipped 0" \
	at "$(due_at "$id")" "$S" -c "$T/s.conf" --once
check_eq "still unknown: asked again after twice as long (10 min)" 600 \
	$(( $(due_at "$id") - $(entry_field "$id" fetched) ))
stop_responder
printf 'V\t%s\t\t1A2B3C\tunknown\t/CN=new\n' "$(date -u -d '+300 days' +%y%m%d%H%M%SZ)" >> "$T/index.txt"
responder "$T/index.txt" -nmin 60
out=$(at "$(due_at "$id")" "$S" -c "$T/s.conf" --once)
check_eq "published: the refresh at the due time stores good" "refreshed 1, kept 0, failed 0, evicted 0, skipped 0" "$out"
check_eq "published: cached good" 0 "$(entry_field "$id" status)"
check_eq "published: the handler serves good" good "$(ocsp_query "$PROXY_URL" "$T/new.pem")"
check_eq "good: back to the ordinary schedule (at half of the 1 h validity)" 1800 \
	$(( $(due_at "$id") - $(entry_field "$id" this) ))

# revoked answers keep being refreshed (a CA may correct them), like good ones.
check_eq "revoked: answered" revoked "$(ocsp_query "$PROXY_URL" "$CA_DIR/revoked.pem")"
rid=$(certids | grep -v "^$id\$" | head -1)
this=$(entry_field "$rid" this)
check "revoked: scheduled" test -n "$(due_at "$rid")"
sleep 1.1
check_status "revoked: the tick at its due time" 0 at "$(due_at "$rid")" "$S" -c "$T/s.conf" --once
check "revoked: refreshed (a newer response stored)" test "$(entry_field "$rid" this)" -gt "$this"
check_eq "revoked: still revoked" 1 "$(entry_field "$rid" status)"
