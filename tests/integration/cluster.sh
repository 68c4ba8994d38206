# cluster: two proxy hosts sharing one cache through Redis replication and Sentinel. Host A and
# host B each run a handler socket and a scheduler, and read hits from their own local replica
# (redis_read); writes go to the primary the three Sentinels name. Warm through A, read through
# B; kill the primary with the responder down and count failed requests over the whole
# failover (none may fail: the cache can answer all of them); new misses are cached on the new
# primary; the schedulers refresh each entry once; the old primary comes back as a replica with
# nothing lost; ocsp-proxyctl sees both hosts. Redis and the Sentinels require passwords.
. "$(dirname "$0")/../lib.sh"

if ! command -v redis-sentinel >/dev/null; then
	skip "cluster" "redis-sentinel is not installed (scripts/deps.sh installs it)"
	exit 0
fi
make_ca "$CA_DIR"
start_responder 60
REDIS_PASS=redis-secret SENTINEL_PASS=sentinel-secret
export REDISCLI_AUTH=$REDIS_PASS   # every redis-cli below
auth=(--requirepass "$REDIS_PASS" --masterauth "$REDIS_PASS")
P0=$(free_port); PA=$(free_port); PB=$(free_port)
start_redis_port r0 "$P0" "${auth[@]}"; R0=$RPID
start_redis_port ra "$PA" "${auth[@]}" --replicaof 127.0.0.1 "$P0"
start_redis_port rb "$PB" "${auth[@]}" --replicaof 127.0.0.1 "$P0"
wait_replica "$PA"; wait_replica "$PB"
start_sentinels "$P0"
r() { local p=$1; shift; redis-cli -p "$p" "$@"; }
entries() { RPORT=$1 certids | wc -l; }
counter() { RPORT=$1 stat_count "$2"; }

# Host A has the password in `redis` (its replica's URL none: the same applies); host B in
# redis_password and in its replica's URL. The host and port of `redis` are unused.
for h in a b; do
	if [ $h = a ]; then
		REDIS_URL=redis://:$REDIS_PASS@127.0.0.1:1/0
		extra=("redis_read = redis://127.0.0.1:$PA/0")
	else
		REDIS_URL=redis://127.0.0.1:1/0
		extra=("redis_password = $REDIS_PASS" "redis_read = redis://:$REDIS_PASS@127.0.0.1:$PB/0")
	fi
	write_config "$T/$h.conf" "default_upstream = $RESP_URL" "redis_sentinel = $SENTINELS" \
		"redis_master_name = ocsp" "redis_sentinel_password = $SENTINEL_PASS" "${extra[@]}" \
		"log = $T/$h.log" "check_interval = 1s" "upstream_timeout = 1s"
	start_handler "$T/$h.conf"
	eval "URL_$h=\$PROXY_URL"
	"$BUILD/ocsp-proxy-scheduler" -c "$T/$h.conf" > /dev/null 2>&1 &
	register_pid $! "scheduler $h"
done
# shellcheck disable=SC2154
A=$URL_a B=$URL_b

# Wrong passwords are clear errors.
sed 's/^redis_sentinel_password = .*/redis_sentinel_password = wrong/' "$T/b.conf" > "$T/bad1.conf"
sed 's/^redis_password = .*/redis_password = wrong/' "$T/b.conf" > "$T/bad2.conf"
out=$("$BUILD/ocsp-proxyctl" -c "$T/bad1.conf" stats 2>&1); rc=$?
check_eq "a wrong Sentinel password fails" 3 "$rc"
check "... saying so" sh -c "echo '$out' | grep -q 'no sentinel of 3 knows the primary'"
out=$("$BUILD/ocsp-proxyctl" -c "$T/bad2.conf" stats 2>&1); rc=$?
check_eq "a wrong Redis password fails" 3 "$rc"
check "... saying so" sh -c "echo '$out' | grep -Eq 'WRONGPASS|invalid password'"

# Warm through A, read through B.
check_eq "A: a miss, fetched and cached" good "$(ocsp_query "$A" "$CA_DIR/good.pem")"
check_eq "cached on the primary" 1 "$(entries "$P0")"
check "B's replica caught up" wait_synced "$PB" "$P0"
check_eq "replicated to B's replica" 1 "$(entries "$PB")"
check_eq "B: answered" good "$(ocsp_query "$B" "$CA_DIR/good.pem")"
check "B: a hit, read from B's replica" log_has 'result=hit' "$T/b.log" 30
check "B's hit recorded on the primary" until_eq 1 counter "$P0" hits
check "its hit time too" test -n "$(RPORT=$P0 entry_field - hit)"

# The failover, with the responder down: every request must be answered from the cache.
stop_responder
: > "$T/load.txt"
(
	i=0
	while [ ! -e "$T/load.stop" ]; do
		for u in "$A" "$B"; do
			out=$(openssl ocsp -issuer "$CA_DIR/ca.pem" -cert "$CA_DIR/good.pem" -url "$u" \
				-CAfile "$CA_DIR/ca.pem" -no_nonce -timeout 5 2>&1)
			case $out in *": good"*) echo "ok $u" ;; *) echo "FAIL $u $(echo "$out" | head -1)" ;; esac
		done >> "$T/load.txt"
		i=$((i + 1))
	done
) &
LOAD=$!
register_pid $LOAD "load loop"
sleep 1
kill -9 $R0
wait $R0 2>/dev/null
t_kill=$(date +%s)
new=""
for _ in $(seq 600); do   # a split vote delays the promotion by 2 x failover-timeout
	[ "$(role "$PA")" = master ] && { new=$PA; other=$PB; break; }
	[ "$(role "$PB")" = master ] && { new=$PB; other=$PA; break; }
	sleep 0.1
done
check "a replica was promoted" test -n "$new"
[ -n "$new" ] || new=$PA other=$PB
check "the Sentinels name it" until_eq "$new" sentinel_port
master_of() { redis-cli -p "$1" INFO replication | grep -o 'master_port:[0-9]*'; }
check "the other replica follows the new primary" until_eq "master_port:$new" master_of "$other"
sleep 2   # traffic goes on after the promotion, while the replicas settle
touch "$T/load.stop"
wait $LOAD 2>/dev/null
# A Sentinel may yet judge the new primary down too (a loaded machine) and fail over once more:
# what follows is about the primary the Sentinels name now.
cur=$(sentinel_port)
if [ -n "$cur" ] && [ "$cur" != "$new" ] && [ "$(role "$cur")" = master ]; then
	echo "# the Sentinels failed over a second time, to $cur"
	other=$new new=$cur
	check "the other replica follows it" until_eq "master_port:$new" master_of "$other"
fi
total=$(wc -l < "$T/load.txt")
failed=$(grep -c '^FAIL' "$T/load.txt")
echo "# failover: $total requests across both hosts, $failed failed, primary down $(( $(date +%s) - t_kill )) s before the check"
check "requests kept coming through the failover" test "$total" -ge 20
check_eq "no failed request over the whole failover" 0 "$failed"
grep '^FAIL' "$T/load.txt" | head -3 | sed 's/^/# /'
check "both hosts answered" sh -c "grep -q 'ok $A' '$T/load.txt' && grep -q 'ok $B' '$T/load.txt'"
check "the other replica has caught up with the new primary" wait_synced "$other" "$new"

# The responder back: a new miss is cached on the new primary and reaches the other host.
start_responder 60 "$RESP_PORT"
check_eq "B: a new miss after the failover" revoked "$(ocsp_query "$B" "$CA_DIR/revoked.pem")"
check "cached on the new primary" until_eq 2 entries "$new"
check "the other replica caught up" wait_synced "$other" "$new"
check_eq "replicated to the other replica" 2 "$(entries "$other")"
log_mark "$T/a.log"
check_eq "A: answered" revoked "$(ocsp_query "$A" "$CA_DIR/revoked.pem")"
check "... its line logged" log_has 'msg=request' "$T/a.log" 30
check_eq "A: from its replica, as a hit" 1 "$(log_count 'result=hit' "$T/a.log")"

# Both schedulers run against the new primary: everything due now is refreshed once, not twice.
before=$(counter "$new" refreshes)
RPORT=$new make_due
check "both entries refreshed" until_eq $((before + 2)) counter "$new" refreshes
sleep 2.5   # two more ticks of each scheduler: nothing refreshed twice
check_eq "... once each, across the two schedulers" $((before + 2)) "$(counter "$new" refreshes)"
check_eq "no refresh failed for good" 0 "$(r "$new" SCARD "$(rkey failing)")"

# ocsp-proxyctl on either host sees the whole cache and both schedulers, alive after the failover.
out=$("$BUILD/ocsp-proxyctl" -c "$T/b.conf" stats)
check "ctl: entries of both hosts" sh -c "echo '$out' | grep -qx 'entries 2'"
check "ctl: hits of both hosts" sh -c "echo '$out' | grep -Eq '^hits ([2-9]|[1-9][0-9]+)$'"
check_eq "ctl: both schedulers report" 2 "$(echo "$out" | grep -c '^scheduler ')"
ticks=$(r "$new" HVALS "$(rkey schedulers)" | awk -v t="$t_kill" '$1 > t' | wc -l)
check_eq "... both ticked after the failover" 2 "$ticks"
check_eq "ctl list from host A" 2 "$("$BUILD/ocsp-proxyctl" -c "$T/a.conf" --json list | grep -o "\"certid\":" | wc -l)"

# The old primary comes back as a replica of the new one: it syncs, nothing is lost.
start_redis_port r0 "$P0" "${auth[@]}" --replicaof 127.0.0.1 "$new"
check "the old primary syncs as a replica" wait_synced "$P0" "$new"
check_eq "... with every entry" 2 "$(entries "$P0")"
check_eq "the new primary kept every entry" 2 "$(entries "$new")"
same=1
for id in $(RPORT=$new certids); do
	[ "$(RPORT=$new entry_field "$id" resp | sha256sum)" = "$(RPORT=$P0 entry_field "$id" resp | sha256sum)" ] || same=0
done
check_eq "... byte for byte" 1 "$same"
check_eq "hits still answered on both hosts" "good good" \
	"$(ocsp_query "$A" "$CA_DIR/good.pem") $(ocsp_query "$B" "$CA_DIR/good.pem")"
