# handler_redis_faults: Redis frozen, full (maxmemory noeviction), restarted empty; clients that
# leave before reading. Every request still gets its answer, within the deadlines, and nothing
# valid is lost that Redis still holds.
. "$(dirname "$0")/../lib.sh"

setup_proxy "redis_timeout = 300ms"
check_eq "warm" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"

# Redis frozen (SIGSTOP): answered by pass-through within redis_timeout, not hung.
log_mark
kill -STOP "$REDIS_PID"
start=$(date +%s%N)
check_eq "Redis frozen: still answered" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "Redis frozen: answered in under 2 s (took ${ms} ms)" test "$ms" -lt 2000
check "Redis frozen: logged" log_has 'redis unavailable.*(timed out|Resource temporarily unavailable|Timeout)'
kill -CONT "$REDIS_PID"
log_mark
check_eq "Redis thawed: a hit again" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
check "Redis thawed: logged as a hit" log_has 'result=hit'
check "the entry survived" test "$(cached_keys | wc -l)" = 1

# Redis full (maxmemory with noeviction): answers go on, the cached entry stays.
used=$(rcli INFO memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p' | tr -d '\r')
rcli CONFIG SET maxmemory-policy noeviction >/dev/null
rcli CONFIG SET maxmemory "$((used + 1024))" >/dev/null
rcli SET filler "$(head -c 200000 /dev/zero | tr '\0' x)" >/dev/null 2>&1
log_mark
check_eq "Redis full: a new certificate still answered" revoked "$(ocsp_query "$PROXY_URL" "$CA_DIR/revoked.pem")"
check "Redis full: logged why it was not cached" log_has 'could not cache|redis unavailable'
stop_responder
log_mark
check_eq "Redis full, responder down: the cached entry is still served" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
check_eq "... as a hit (read without recording it)" 1 "$(log_count 'result=hit')"
rcli CONFIG SET maxmemory 0 >/dev/null
start_responder 60

# Redis restarted empty: misses refill it.
restart_redis
write_config "$CONF" "default_upstream = $RESP_URL" "redis_timeout = 300ms"
check_eq "Redis empty: answered" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
check_eq "Redis empty: cached again" 1 "$(cached_keys | wc -l)"

# Redis killed in the middle of a burst: every request answered.
fails=0
for i in $(seq 20); do
	[ "$i" = 8 ] && stop_redis
	[ "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")" = good ] || fails=$((fails + 1))
done
check_eq "Redis killed mid-burst: every request answered" 0 "$fails"
start_redis

# A client that leaves before reading: the handler exits, nothing hangs.
make_request "$CA_DIR/good.pem" "$T/g.req"
for _ in 1 2 3; do
	exec 3<>"/dev/tcp/127.0.0.1/$PROXY_PORT"
	{ printf 'POST / HTTP/1.0\r\nContent-Type: application/ocsp-request\r\nContent-Length: %d\r\n\r\n' \
		"$(stat -c %s "$T/g.req")"; cat "$T/g.req"; } >&3
	exec 3<&-
done
sleep 1
check_eq "no handler left behind by clients that left" 0 "$(pgrep -c -f "^$BUILD/ocsp-proxy-handler$")"
check_eq "still answering" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
