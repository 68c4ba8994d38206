# resident_writes: clients that send a request and then do not read the answer, with a large
# cached answer (an OCSP response carrying a long certificate list, about 650 KB). They cost the
# worker nothing: hits are still answered at once, and the worker is done with them. (Linux
# grows a socket's send buffer up to tcp_wmem's 4 MB, so the whole answer goes into the kernel
# at once and the connection is closed; the worker's own writing state, with its deadline, is
# only reached by answers larger than that.)
. "$(dirname "$0")/../lib.sh"

make_ca "$CA_DIR"
start_redis
# 1,500 copies of the CA certificate ride along in every answer: about 650 KB.
for _ in $(seq 1500); do cat "$CA_DIR/ca.pem"; done > "$T/other.pem"
start_responder 60 "" -rother "$T/other.pem"
write_config "$T/c.conf" "default_upstream = $RESP_URL" "workers = 1" "read_timeout = 2s" "max_response_bytes = 1m"
start_resident "$T/c.conf"
make_request "$CA_DIR/good.pem" "$T/g.req"
b=$(b64url_nginx "$T/g.req")
curl -s -o "$T/big.der" "$URL$b"
size=$(stat -c %s "$T/big.der")
check "the answer is large (${size} bytes)" test "$size" -gt 500000
curl -s -o "$T/big2.der" "$URL$b"
check "and cached" log_has 'result=hit'

sockets() { find "/proc/$(pgrep -P $M | head -1)/fd" -lname 'socket:*' | wc -l; }
base=$(sockets)

# 30 clients with a small receive buffer send the request and do not read for 3.5 s.
python3 - "$port" "$b" "$T/stuck" <<'PY' &
import socket, sys, time
port, b, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
socks = []
for _ in range(30):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", port))
    s.sendall(("GET /%s HTTP/1.0\r\n\r\n" % b).encode())
    socks.append(s)
open(out + ".ready", "w").close()
time.sleep(3.5)          # past the write deadline (read_timeout = 2s)
got, closed = [], 0
for s in socks:
    s.settimeout(1)
    n = 0
    try:
        while True:
            d = s.recv(65536)
            if not d:
                closed += 1
                break
            n += len(d)
    except (socket.timeout, ConnectionResetError):
        closed += 1 if n >= 0 else 0
    got.append(n)
open(out, "w").write("%d %d\n" % (closed, max(got)))
PY
HOLD=$!
register_pid $HOLD
wait_file "$T/stuck.ready" 20
sleep 0.3
start=$(date +%s%N)
for _ in 1 2 3 4 5; do curl -s -o "$T/h.der" "$URL$b"; done
ms=$(( ($(date +%s%N) - start) / 1000000 ))
# A worker blocked on a stalled writer would wait for the 2 s write deadline per client; 1.5 s
# for all five leaves room for a loaded machine (and the ASan build) without hiding that.
check "5 hits while 30 clients do not read their answers: ${ms} ms (<= 1500)" test "$ms" -le 1500
check_eq "the worker holds none of their sockets" "$base" "$(sockets)"
check "the hits are whole" cmp -s "$T/h.der" "$T/big.der"
wait $HOLD
read -r closed most < "$T/stuck"
check_eq "every stalled client gets its answer and the close when it reads at last" 30 "$closed"
check "the whole answer (${most} bytes with the head)" test "$most" -gt "$size"
check "the worker is still there, answering" cmp -s <(curl -s "$URL$b") "$T/big.der"
