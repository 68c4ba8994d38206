# handler_storage: Redis is storage, not authority, and the cache is bounded by design. What Redis
# returns is sent only when its ETag is the body's SHA-256 and the body answers for the CertID
# asked (a poisoned entry is treated as absent, even with the responder down); the request stored
# is rebuilt from the CertID alone (a client's 15 KB extension is not kept); one certificate has
# one entry whatever its hash AlgorithmIdentifier's parameters; max_entries refuses new entries.
. "$(dirname "$0")/../lib.sh"

make_ca "$CA_DIR"
start_redis
start_responder 60
write_config "$T/c.conf" "default_upstream = $RESP_URL"
start_handler "$T/c.conf"
make_request "$CA_DIR/good.pem" "$T/good.req"
make_request "$CA_DIR/revoked.pem" "$T/revoked.req"
post() { # REQ OUT: POST REQ to the proxy, the body into OUT, the raw answer into OUT.http
	raw_post "$PROXY_PORT" "$1" "$2.http"
	sed '1,/^\r$/d' "$2.http" > "$2"
}
key_of() { cached_keys | while read -r k; do
	[ "$(rcli HGET "$k" status)" = "$1" ] && echo "$k"; done | head -1; }

check_eq "warm: good" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
check_eq "warm: revoked" revoked "$(ocsp_query "$PROXY_URL" "$CA_DIR/revoked.pem")"
kg=$(key_of 0)
kr=$(key_of 1)
# The genuine body, to restore later (redis-cli --raw adds a newline).
rcli --raw HGET "$kg" resp | head -c -1 > "$T/good.body"

# An ETag with CR/LF: never becomes a header; the entry is refetched and repaired.
rcli HSET "$kg" etag $'0123\r\nX-Evil: yes' >/dev/null
post "$T/good.req" "$T/p1"
check "CR/LF ETag: no injected header" sh -c "! grep -qi '^X-Evil' '$T/p1.http'"
check_eq "CR/LF ETag: answered good (refetched)" good "$(resp_cert_status "$T/p1")"
check "CR/LF ETag: logged as ignored" log_has "cached entry ${kg#\{test\}:e:} ignored, treated as absent: stored ETag is not a SHA-256 in hex"
check "CR/LF ETag: entry repaired" grep -Eqx '[0-9a-f]{64}' <(rcli HGET "$kg" etag)

# A bad entry claiming a thisUpdate far ahead does not keep the good answer out: a rejected
# entry is deleted, so the next good answer is stored.
rcli HSET "$kg" etag 'not-hex' this 99999999999 >/dev/null
post "$T/good.req" "$T/p1b"
check_eq "bad entry with a future thisUpdate: answered good" good "$(resp_cert_status "$T/p1b")"
check "... and replaced by the good answer" test "$(rcli HGET "$kg" this)" -lt 99999999999

# With the responder down, a poisoned entry is never sent: tryLater instead, and it is deleted.
rewarm() { # the genuine entry back, then the responder down
	start_responder 60 "$RESP_PORT"
	check_eq "$1: genuine entry back" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
	stop_responder
}
rcli --raw HGET "$kr" resp | head -c -1 > "$T/revoked.body"
stop_responder
printf 'not an OCSP response' > "$T/garbage"
rcli -x HSET "$kg" resp < "$T/garbage" >/dev/null
rcli HSET "$kg" etag "$(sha256sum "$T/garbage" | cut -d' ' -f1)" >/dev/null
post "$T/good.req" "$T/p2"
check "wrong body (ETag matching it): not sent" sh -c "! grep -q 'not an OCSP response' '$T/p2'"
check_eq "wrong body: tryLater" trylater "$(resp_status "$T/p2")"
check "wrong body: logged" log_has 'stored body is not a successful OCSP response'
check_eq "wrong body: the entry deleted" 0 "$(rcli EXISTS "$kg")"
# Another certificate's genuine body and ETag: the revoked one's answer is never given for good.
rewarm "other CertID's body"
rcli -x HSET "$kg" resp < "$T/revoked.body" >/dev/null
rcli HSET "$kg" etag "$(rcli HGET "$kr" etag)" >/dev/null
post "$T/good.req" "$T/p3"
check_eq "other CertID's body: tryLater, not that body" trylater "$(resp_status "$T/p3")"
check "other CertID's body: logged" log_has 'stored body does not answer for this CertID'
# The genuine entry, untouched: served with the responder down, so the checks above failed for
# the poison, not for the responder.
rewarm "genuine"
check_eq "genuine entry: served from the cache" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
check "rejections counted" test "$(stat_count cache_rejected)" -ge 4
start_responder 60 "$RESP_PORT"

# A 5 MB resp planted for a cached CertID (max_response_bytes is 256 KiB): the hit lookup does
# not ship it from Redis; the entry is treated as absent and deleted, the answer refetched. Run
# here on stdin/stdout (as under xinetd) to see the handler's peak RSS.
{ printf 'POST / HTTP/1.0\r\nContent-Type: application/ocsp-request\r\nContent-Length: %d\r\n\r\n' \
	"$(stat -c %s "$T/good.req")"; cat "$T/good.req"; } > "$T/huge.http"
stdio_handler() { # OUT: the handler on stdin/stdout answers $T/huge.http; peak RSS in OUT.rss
	/usr/bin/time -f %M -o "$1.rss" "$BUILD/ocsp-proxy-handler" -c "$T/c.conf" \
		< "$T/huge.http" > "$1.http" 2> "$1.err"
}
rcli DEL "$kg" >/dev/null
stdio_handler "$T/h0"                    # a plain miss, for its peak RSS; the entry cached
check_eq "huge resp: the entry cached" 1 "$(rcli EXISTS "$kg")"
head -c 5000000 /dev/zero | tr '\0' x > "$T/huge"
rcli -x HSET "$kg" resp < "$T/huge" >/dev/null
log_mark
stdio_handler "$T/h1"
sed '1,/^\r$/d' "$T/h1.http" > "$T/h1"
check_eq "huge resp: answered good (refetched)" good "$(resp_cert_status "$T/h1")"
check "huge resp: not sent ($(stat -c %s "$T/h1.http") bytes)" test "$(stat -c %s "$T/h1.http")" -lt 100000
check "huge resp: logged" log_has "cached entry ${kg#\{test\}:e:} ignored, treated as absent and deleted: stored resp is 5000000 bytes"
check "huge resp: replaced by the good answer" test "$(rcli HSTRLEN "$kg" resp)" -lt 100000
rss0=$(tail -1 "$T/h0.rss")
rss=$(tail -1 "$T/h1.rss")
check "huge resp: the handler's peak RSS ${rss} KiB, a plain miss's ${rss0} KiB (< 2000 more)" \
	test "$rss" -lt $((rss0 + 2000))

# The request stored is rebuilt from the CertID: a 15 KB extension is neither stored nor sent;
# without NULL hash parameters the CertID names the same entry.
python3 - "$T/good.req" "$T/big.req" "$T/noparams.req" <<'PY'
import sys
def tlv(b, i=0):
    t = b[i]; l = b[i + 1]; h = 2
    if l & 0x80:
        n = l & 0x7f; l = int.from_bytes(b[i + 2:i + 2 + n], 'big'); h = 2 + n
    return t, h, l
def enc(t, body):
    n = len(body)
    if n < 128: ln = bytes([n])
    else:
        nb = n.to_bytes((n.bit_length() + 7) // 8, 'big'); ln = bytes([0x80 | len(nb)]) + nb
    return bytes([t]) + ln + body
req = open(sys.argv[1], 'rb').read()
b = req
for _ in range(4):                       # OCSPRequest, TBSRequest, requestList, Request
    t, h, l = tlv(b); b = b[h:h + l]
certid = b[:tlv(b)[1] + tlv(b)[2]]
ext = enc(0x30, enc(0x06, bytes.fromhex('2b0601040182b71f01')) + enc(0x04, b'x' * 15000))
tbs = enc(0x30, enc(0x30, enc(0x30, certid)) + enc(0xa2, enc(0x30, ext)))
open(sys.argv[2], 'wb').write(enc(0x30, tbs))
# The AlgorithmIdentifier without its NULL.
t, h, l = tlv(certid); body = certid[h:h + l]
t, ah, al = tlv(body); alg = body[ah:ah + al]
assert alg.endswith(b'\x05\x00')
body = enc(0x30, alg[:-2]) + body[ah + al:]
open(sys.argv[3], 'wb').write(enc(0x30, enc(0x30, enc(0x30, enc(0x30, enc(0x30, body))))))
PY
rcli FLUSHALL >/dev/null
check "the big request is over 15 KB" test "$(stat -c %s "$T/big.req")" -gt 15000
post "$T/big.req" "$T/b1"
check_eq "15 KB extension: answered" good "$(resp_cert_status "$T/b1")"
check_eq "15 KB extension: one entry" 1 "$(cached_keys | wc -l)"
k=$(cached_keys | head -1)
check "15 KB extension: the stored request is the CertID alone" test "$(rcli HSTRLEN "$k" req)" -lt 200
post "$T/noparams.req" "$T/b2"
check_eq "absent hash parameters: answered" good "$(resp_cert_status "$T/b2")"
check_eq "absent hash parameters: the same entry" 1 "$(cached_keys | wc -l)"
check "absent hash parameters: a hit" log_has 'result=hit'

# max_entries: past the cap a new entry is refused and counted; the client is answered anyway.
stop_handler
rcli FLUSHALL >/dev/null
write_config "$T/m.conf" "default_upstream = $RESP_URL" "max_entries = 2"
start_handler "$T/m.conf"
for s in 0x1001 0x1002 0x77; do
	openssl ocsp -issuer "$CA_DIR/ca.pem" -serial "$s" -no_nonce -reqout "$T/s$s.req" >/dev/null 2>&1
	post "$T/s$s.req" "$T/s$s.der"
done
check_eq "max_entries: the third is answered" unknown "$(resp_cert_status "$T/s0x77.der")"
check_eq "max_entries: two entries" 2 "$(cached_keys | wc -l)"
check_eq "max_entries: refusal counted" 1 "$(stat_count refused_full)"
check "max_entries: logged" log_has 'reason="?not cached: max_entries reached'

# The resident workers' memory cache takes nothing from Redis the handler would refuse: a
# poisoned entry (CR/LF in the ETag, a wrong body under a matching ETag) is never served from
# memory either, even with the responder down.
stop_handler
rcli FLUSHALL >/dev/null
write_config "$T/r.conf" "default_upstream = $RESP_URL" "workers = 1"
rport=$(free_port)
"$BUILD/ocsp-proxy-handler" -c "$T/r.conf" --listen "127.0.0.1:$rport" &
register_pid $! "resident handler"
wait_port "$rport"
check_eq "resident: warm" good "$(ocsp_query "http://127.0.0.1:$rport/" "$CA_DIR/good.pem")"
check_eq "resident: a hit" good "$(ocsp_query "http://127.0.0.1:$rport/" "$CA_DIR/good.pem")"
rk=$(cached_keys | head -1)
rcli HSET "$rk" etag $'0123\r\nX-Evil: yes' >/dev/null
raw_post "$rport" "$T/good.req" "$T/r1.http"
check "resident, CR/LF ETag: no injected header" sh -c "! grep -qi '^X-Evil' '$T/r1.http'"
stop_responder
rcli -x HSET "$rk" resp < "$T/garbage" >/dev/null
rcli HSET "$rk" etag "$(sha256sum "$T/garbage" | cut -d' ' -f1)" >/dev/null
raw_post "$rport" "$T/good.req" "$T/r2.http"
check "resident, wrong body: not sent" sh -c "! grep -q 'not an OCSP response' '$T/r2.http'"
sed '1,/^\r$/d' "$T/r2.http" > "$T/r2.der"
check_eq "resident, wrong body: tryLater" trylater "$(resp_status "$T/r2.der")"
