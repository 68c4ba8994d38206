# resident: the handler serving connections itself (a listening socket from systemd, or
# --listen): answers, a stalled client holds one worker only, a dead worker is replaced, SIGHUP
# reloads, SIGTERM drains and exits 0 leaving no process behind.
. "$(dirname "$0")/../lib.sh"

setup_proxy --no-handler "workers = 2" "read_timeout = 3s"
workers_of() { pgrep -P "$1" | wc -l; }

# systemd-socket-activate without --inetd/-a passes the listening socket (LISTEN_FDS), as a
# .socket unit with Accept=no does.
port=$(free_port)
systemd-socket-activate -l "127.0.0.1:$port" -E OCSP_PROXY_CONFIG="$T/c.conf" \
	"$BUILD/ocsp-proxy-handler" > "$T/sa.log" 2>&1 &
SA=$!
register_pid $SA "resident handler (systemd-socket-activate)"
wait_port "$port"
URL=http://127.0.0.1:$port/
check_eq "resident: good" good "$(ocsp_query "$URL" "$CA_DIR/good.pem")"
check_eq "resident: revoked" revoked "$(ocsp_query "$URL" "$CA_DIR/revoked.pem")"
check_eq "resident: hit" good "$(ocsp_query "$URL" "$CA_DIR/good.pem")"
check "resident: logged as a hit" log_has 'result=hit'
check "resident mode announced" log_has 'resident mode: 2 workers'
master=$SA   # systemd-socket-activate execs the handler in place
check_eq "two workers" 2 "$(workers_of "$master")"

# A client that stalls holds one worker; the other keeps answering at once.
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'POST / HTTP/1.0\r\nContent-Length: 10\r\n' >&3
sleep 0.2
start=$(date +%s%N)
check_eq "answered while a client stalls" good "$(ocsp_query "$URL" "$CA_DIR/good.pem")"
check "quickly (under 1 s)" test $(( ($(date +%s%N) - start) / 1000000 )) -lt 1000
check_eq "the stalled client gets 408 after read_timeout" "HTTP/1.1 408 Request Timeout" \
	"$(timeout 6 head -1 <&3 | tr -d '\r')"
exec 3<&-

# A worker that dies is replaced.
victim=$(pgrep -P "$master" | head -1)
log_mark
kill -9 "$victim"
sleep 0.5
check_eq "dead worker replaced" 2 "$(workers_of "$master")"
check "replacement logged" log_has 'died .*replacing it'
check_eq "still answering" good "$(ocsp_query "$URL" "$CA_DIR/good.pem")"

# SIGHUP: new configuration, new workers.
write_config "$T/c.conf" "default_upstream = $RESP_URL" "workers = 3" "read_timeout = 3s"
log_mark
kill -HUP "$master"
sleep 1
check "reload logged" log_has 'configuration reloaded: 3 workers'
check_eq "three workers after reload" 3 "$(workers_of "$master")"
check_eq "answering after reload" good "$(ocsp_query "$URL" "$CA_DIR/good.pem")"

# SIGTERM: drain and exit 0, no worker left.
kids=$(pgrep -P "$master" | tr '\n' ' ')
kill -TERM "$master"
wait "$master"
check_rc "SIGTERM: exit 0" 0 $?
left=0
for k in $kids; do kill -0 "$k" 2>/dev/null && left=$((left + 1)); done
check_eq "no worker left behind" 0 "$left"

# Misses to a responder that hangs hold their own workers only: hits keep coming from the others.
start_fake_upstream hang
write_config "$T/m.conf" "default_upstream = $RESP_URL" "workers = 4" "upstream_timeout = 4s"
port3=$(free_port)
"$BUILD/ocsp-proxy-handler" -c "$T/m.conf" --listen "127.0.0.1:$port3" &
M=$!
register_pid $M "resident handler --listen"
wait_port "$port3"
rcli FLUSHALL >/dev/null
check_eq "warm a hit" good "$(ocsp_query "http://127.0.0.1:$port3/" "$CA_DIR/good.pem")"
make_request "$CA_DIR/revoked.pem" "$T/r.req"
log_mark
misses=""
for _ in 1 2; do
	curl -s -o /dev/null -H 'Content-Type: application/ocsp-request' --data-binary @"$T/r.req" \
		--request-target "$FAKE_URL" "http://127.0.0.1:$port3/" &
	misses="$misses $!"
done
sleep 0.3
start=$(date +%s%N)
for _ in 1 2 3 4 5; do ocsp_query "http://127.0.0.1:$port3/" "$CA_DIR/good.pem" >/dev/null; done
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "5 hits while 2 misses hang upstream: under 1 s (took ${ms} ms)" test "$ms" -lt 1000
# shellcheck disable=SC2086
wait $misses
for _ in $(seq 20); do log_has 'result=error .*timed out' && break; sleep 0.1; done
check "the hanging misses ended with tryLater" log_has 'result=error .*timed out'
kill -TERM $M
wait $M
check_rc "the handler with hanging misses: SIGTERM exit 0" 0 $?
stop_fake_upstream

# --listen, without systemd.
port2=$(free_port)
"$BUILD/ocsp-proxy-handler" -c "$T/c.conf" --listen "127.0.0.1:$port2" &
L=$!
register_pid $L "resident handler --listen"
wait_port "$port2"
check_eq "--listen: answers" good "$(ocsp_query "http://127.0.0.1:$port2/" "$CA_DIR/good.pem")"
"$BUILD/ocsp-proxy-handler" -c "$T/c.conf" --listen "127.0.0.1:$port2" 2> "$T/err"
check_rc "--listen on a busy port: exit 1" 1 $?
check "--listen on a busy port: says why" grep -q 'Address already in use' "$T/err"
kill -TERM $L
wait $L
check_rc "--listen: SIGTERM exit 0" 0 $?
