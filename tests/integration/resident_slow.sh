# resident_slow: slow and idle clients cost the resident handler a descriptor each, never a
# worker: with 200 connections that sent nothing and 200 that sent half a request line, a cache
# hit is still answered within 100 ms, before and right after a SIGHUP; max_connections closes
# the oldest still reading; SIGTERM drains within its bound with them open.
. "$(dirname "$0")/../lib.sh"

ulimit -n 4096 2>/dev/null || ulimit -n "$(ulimit -Hn)"
setup_proxy --no-handler "workers = 2" "read_timeout = 5s"
start_resident "$CONF"
make_request "$CA_DIR/good.pem" "$T/g.req"
check_eq "warm the cache" good "$(ocsp_query "$URL" "$CA_DIR/good.pem")"
check_eq "then a hit" good "$(ocsp_query "$URL" "$CA_DIR/good.pem")"

# The worst of several, so one lucky answer cannot pass the test.
worst_hit() {
	local i ms worst=0
	for i in 1 2 3 4 5; do
		ms=$(ms_post "$URL" "$T/g.req")
		grep -q . "$T/ms.out" || ms=99999
		[ "$ms" -gt "$worst" ] && worst=$ms
	done
	echo "$worst"
}

hold_conns "$port" 200 200
check "400 connections held open" test -e "$T/hold.ready"
sleep 0.3
ms=$(worst_hit)
check "a hit with 200 idle and 200 half-sent connections open: ${ms} ms (<= 100)" test "$ms" -le 100
check "it is the cached answer" cmp -s "$T/ms.out" "$T/resp.der"

# A request that arrives in pieces (head, then the body later; or Expect: 100-continue) is read
# across several wake-ups of the worker and answered.
python3 - "$port" "$T/g.req" > "$T/pieces" <<'PY'
import socket, sys, time
port, req = int(sys.argv[1]), open(sys.argv[2], "rb").read()
head = b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/ocsp-request\r\nContent-Length: %d\r\n" % len(req)
s = socket.create_connection(("127.0.0.1", port))
s.sendall(head + b"\r\n"); time.sleep(0.2); s.sendall(req[:5]); time.sleep(0.2); s.sendall(req[5:])
print(s.recv(100).split(b"\r\n")[0].decode())
s = socket.create_connection(("127.0.0.1", port))
s.sendall(head + b"Expect: 100-continue\r\n\r\n")
print(s.recv(100).split(b"\r\n")[0].decode())
s.sendall(req)
print(s.recv(100).split(b"\r\n")[0].decode())
PY
check_eq "a request in pieces, and one with Expect: 100-continue, answered" \
	"HTTP/1.1 200 OK|HTTP/1.1 100 Continue|HTTP/1.1 200 OK" "$(paste -sd'|' "$T/pieces")"

# Reload with them open: new workers answer at once.
kill -HUP $M
ms=$(ms_post "$URL" "$T/g.req")
check "the first hit right after SIGHUP: ${ms} ms (<= 100)" test "$ms" -le 100
ms=$(worst_hit)
check "hits after SIGHUP with the connections open: ${ms} ms (<= 100)" test "$ms" -le 100
for _ in $(seq 50); do log_has 'configuration reloaded' && break; sleep 0.1; done
check "reload logged" log_has 'configuration reloaded: 2 workers'

# The old workers' connections get their 408 at read_timeout; then the old workers exit.
sleep 5.5
kill -TERM "$HOLD_PID"
wait "$HOLD_PID" 2>/dev/null
check_eq "every held connection answered or closed by read_timeout" 400 "$(cat "$T/hold.closed" 2>/dev/null)"
check "timeouts logged as 408" log_has 'result=rejected status=408'
check_eq "only the new workers are left" 2 "$(pgrep -P $M | wc -l)"

# max_connections: past it the oldest connection still reading is closed, and a hit answers.
write_config "$T/c.conf" "default_upstream = $RESP_URL" "workers = 1" "read_timeout = 5s" \
	"max_connections = 16"
kill -HUP $M
sleep 0.5
hold_conns "$port" 40 0
ms=$(worst_hit)
check "a hit past max_connections: ${ms} ms (<= 100)" test "$ms" -le 100
kill -TERM "$HOLD_PID"
wait "$HOLD_PID" 2>/dev/null
closed=$(cat "$T/hold.closed" 2>/dev/null)
check "the oldest connections were closed to make room (${closed} of 40)" test "${closed:-0}" -ge 24
check "max_connections logged" log_has 'max_connections \(16\) reached'

# Misses under a steady stream of hits: their children are reaped although the worker always
# has events to handle (SIGCHLD through a signalfd, not a handler that epoll_pwait would only
# run when idle), so max_misses is never exhausted.
cc -O2 -std=c11 -D_GNU_SOURCE -o "$T/load" "$ROOT/bench/load.c"
make_request "$CA_DIR/revoked.pem" "$T/r.req"
off=$(( $(stat -c %s "$T/g.req") - 2 ))
"$T/load" "$port" 40 4 20 "$T/g.req" "$off" "$T/g.req" "$T/r.req" > "$T/load.out"
misses_ok=$(sed -n 's/.*misses: \([0-9]*\) ok.*/\1/p' "$T/load.out")
check "misses answered under load (${misses_ok:-0})" test "${misses_ok:-0}" -ge 100
check_eq "no miss refused for want of a child" "" "$(grep -c 'no child free' "$T/ocsp-proxy.log" | grep -v '^0$')"
check "no hit failed under load" grep -q 'failed that a cached response could have answered: 0' "$T/load.out"

# Out of descriptors (a limit of 64 the worker cannot raise, below max_connections): it says
# so, closes the oldest connection still reading to make room, and never spins.
write_config "$T/f.conf" "default_upstream = $RESP_URL" "workers = 1" "read_timeout = 5s"
fport=$(free_port)
(ulimit -n 64 && exec "$BUILD/ocsp-proxy-handler" -c "$T/f.conf" --listen "127.0.0.1:$fport") &
F=$!
register_pid $F
wait_port "$fport"
check "the descriptor limit is logged" log_has 'max_connections 4096 needs more descriptors'
URL=http://127.0.0.1:$fport/
hold_conns "$fport" 100 0
ms=$(worst_hit)
check "a hit with the worker out of descriptors: ${ms} ms (<= 100)" test "$ms" -le 100
fw=$(pgrep -P $F | head -1)
cpu0=$(awk '{print $14 + $15}' "/proc/$fw/stat")
sleep 1
cpu1=$(awk '{print $14 + $15}' "/proc/$fw/stat")
check "no spinning on accept: $((cpu1 - cpu0)) ticks of CPU in a second (<= 20)" test $((cpu1 - cpu0)) -le 20
kill -TERM "$HOLD_PID"
wait "$HOLD_PID" 2>/dev/null
kill -TERM $F
wait $F
URL=http://127.0.0.1:$port/

# SIGTERM with connections open: they are answered (408) within read_timeout and the handler
# exits 0 well within its drain bound.
hold_conns "$port" 10 10
start=$(date +%s)
kill -TERM $M
wait $M
rc=$?
took=$(( $(date +%s) - start ))
check_eq "SIGTERM with open connections: exit 0" 0 "$rc"
check "drained within read_timeout and a margin (${took} s)" test "$took" -le 8
kill -TERM "$HOLD_PID"
wait "$HOLD_PID" 2>/dev/null
check_eq "every connection answered or closed on stop" 20 "$(cat "$T/hold.closed" 2>/dev/null)"
