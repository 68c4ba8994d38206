# resident_memcheck: the resident handler's event loop under valgrind memcheck (or, with
# SANITIZE=1, the ASan/UBSan build, whose reports tests/run collects), with connections closed
# in every state: connected and gone, half a request line then gone or reset, a full request
# then gone before the answer, "Expect: 100-continue" then gone, a request timed out (408), too
# large (431), malformed, a hit, a miss in a child, an entry replaced in Redis, a reload and a
# stop with connections open. Every process (master, workers, miss children) must end without
# a memory error or leak.
. "$(dirname "$0")/../lib.sh"

setup_proxy --no-handler "workers = 2" "read_timeout = 1s" "max_connections = 16"
port=$(free_port)
if [ "${SANITIZE:-0}" = 1 ]; then
	"$BUILD/ocsp-proxy-handler" -c "$CONF" --listen "127.0.0.1:$port" &
	wrap=asan
elif command -v valgrind >/dev/null; then
	valgrind --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect --child-silent-after-fork=no \
		--log-file="$T/vg.%p" "$BUILD/ocsp-proxy-handler" -c "$CONF" --listen "127.0.0.1:$port" &
	wrap=valgrind
else
	skip "resident memcheck" "neither valgrind nor SANITIZE=1"
	exit 0
fi
M=$!
register_pid $M
wait_port "$port" 60
URL=http://127.0.0.1:$port/
make_request "$CA_DIR/good.pem" "$T/g.req"
make_request "$CA_DIR/revoked.pem" "$T/r.req"
check_eq "$wrap: a miss (served by a child)" good "$(ocsp_query "$URL" "$CA_DIR/good.pem")"
check_eq "$wrap: a hit" good "$(ocsp_query "$URL" "$CA_DIR/good.pem")"

# Every state a connection can be left in, many times over, both workers.
python3 - "$port" "$T/g.req" <<'PY'
import socket, struct, sys, time
port, req = int(sys.argv[1]), open(sys.argv[2], "rb").read()
post = b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/ocsp-request\r\nContent-Length: %d\r\n" % len(req)
def conn():
    return socket.create_connection(("127.0.0.1", port))
def reset(s):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
for _ in range(4):
    conn().close()                                   # connected, nothing sent
    s = conn(); s.sendall(b"GET / HT"); s.close()    # half a line, closed
    s = conn(); s.sendall(b"GET / HT"); reset(s)     # half a line, reset
    s = conn(); s.sendall(post + b"\r\n" + req); s.close()  # whole request, gone before the answer
    s = conn(); s.sendall(post + b"\r\n" + req); reset(s)
    s = conn(); s.sendall(post + b"Expect: 100-continue\r\n\r\n"); s.recv(100); s.close()
    s = conn(); s.sendall(post + b"Expect: 100-continue\r\n\r\n"); s.recv(100); s.sendall(req); s.recv(4096); s.close()
    s = conn(); s.sendall(b"GET /" + b"A" * 20000 + b" HTTP/1.0\r\n\r\n"); s.recv(4096); s.close()  # 431
    s = conn(); s.sendall(b"GET /bad HTTP/1.0\r\n\r\n"); s.recv(4096); s.close()                     # malformed
    s = conn(); s.sendall(b"BREW / HTTP/1.0\r\n\r\n"); s.recv(4096); s.close()                       # 405
    s = conn(); s.sendall(post + b"\r\n" + req); s.recv(4096); s.close()                             # a hit
# Past max_connections (16 per worker): the oldest still reading are closed.
held = [conn() for _ in range(40)]
time.sleep(0.3)
s = conn(); s.sendall(post + b"\r\n" + req); s.recv(4096); s.close()
for h in held: h.close()
# Timed out: half a request held past read_timeout.
held = [conn() for _ in range(3)]
for h in held: h.sendall(b"GET / HT")
time.sleep(1.5)
for h in held: h.recv(4096); h.close()
PY
check "$wrap: the client script ran" test $? = 0
for _ in $(seq 30); do log_has 'status=408' && break; sleep 0.2; done
check "$wrap: timeouts answered 408" log_has 'result=rejected status=408'
check "$wrap: 431 answered" log_has 'status=431'

# A miss in a child, an entry replaced in Redis (invalidation), then a hit of the new form.
check_eq "$wrap: another miss" revoked "$(ocsp_query "$URL" "$CA_DIR/revoked.pem")"
key=$(cached_keys | head -1)
rcli HSET "$key" hit 1 > /dev/null
check_eq "$wrap: a hit after an invalidation" good "$(ocsp_query "$URL" "$CA_DIR/good.pem")"

# Reload and stop with connections open.
hold_conns "$port" 5 5
kill -HUP $M
sleep 2
check_eq "$wrap: a hit after a reload" good "$(ocsp_query "$URL" "$CA_DIR/good.pem")"
kill -TERM $M
wait $M
check_eq "$wrap: SIGTERM with connections open: exit 0" 0 "$?"
kill -TERM "$HOLD_PID" 2>/dev/null

if [ "$wrap" = valgrind ]; then
	# Every process of the run wrote its own log: the master, workers old and new, children.
	n=$(find "$T" -maxdepth 1 -name 'vg.*' | wc -l)
	check "valgrind followed the workers and children ($n processes)" test "$n" -ge 5
	bad=$(grep -lE 'ERROR SUMMARY: [1-9]|definitely lost: [1-9]|indirectly lost: [1-9]' "$T"/vg.* 2>/dev/null)
	if [ -z "$bad" ]; then
		ok "valgrind: no memory error or leak in any process"
	else
		not_ok "valgrind: no memory error or leak in any process" \
			"$(for f in $bad; do grep -B2 -A12 -E 'Invalid|uninitialised|definitely lost|indirectly lost' "$f" | head -30; done)"
	fi
fi
