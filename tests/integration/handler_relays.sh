# handler_relays: what the handler passes on uncached is checked like what it caches (issue 19):
# a nonce request gets only an answer carrying its own nonce (a genuine answer made for another
# nonce is a replay), an answer without one as nonce_missing says; a request with several CertIDs
# gets only an answer covering every one, each valid now; an upstream error status reaches the
# client as the proxy's fixed response for it, never with the bytes that followed it.
. "$(dirname "$0")/../lib.sh"

setup_proxy --no-handler
A=$T/relay
mkdir -p "$A"
# sign INDEX REQ OUT [FAKETIME]: a genuine answer (the test CA's responder) made offline; it
# carries the request's nonce when the request has one.
sign() {
	${4:+faketime -f "$4"} openssl ocsp -index "$1" -CA "$CA_DIR/ca.pem" -rsigner "$CA_DIR/ocsp.pem" \
		-rkey "$CA_DIR/ocsp.key" -reqin "$2" -respout "$3" -ndays 1 >/dev/null 2>&1
	test -s "$3" || bail "signed $3"
}
post() { # post URL REQFILE OUT: prints the HTTP status
	curl -s -o "$3" -w '%{http_code}' -H 'Content-Type: application/ocsp-request' \
		--data-binary @"$2" "$1"
}
TRYLATER="error: Responder Error: trylater (3) "
FAKE_URL=http://127.0.0.1:$FAKE_PORT/
write_config "$T/f.conf" "default_upstream = $FAKE_URL"
write_config "$T/strict.conf" "default_upstream = $FAKE_URL" "nonce_missing = refuse"

# 1. Nonces. A genuine answer made for nonce A, replayed to a client that sent its own nonce.
make_request "$CA_DIR/good.pem" "$A/nonceA.req" -nonce
make_request "$CA_DIR/good.pem" "$A/plain.req"
sign "$CA_DIR/index.txt" "$A/nonceA.req" "$A/nonceA.der"
sign "$CA_DIR/index.txt" "$A/plain.req" "$A/plain.der"
check "the replayed answer carries a nonce" sh -c \
	"openssl ocsp -respin '$A/nonceA.der' -resp_text -noverify | grep -q 'OCSP Nonce'"
start_handler "$T/f.conf"
start_fake_upstream file "$A/nonceA.der"
log_mark
check_eq "another request's nonce: not relayed, tryLater" "$TRYLATER" \
	"$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem" -nonce)"
check "another request's nonce: logged why" log_has "nonce is not the request's"
check_eq "another request's nonce: nothing cached" 0 "$(cached_keys | wc -l)"
# The same answer to the request it was made for is relayed (its nonce matches).
check_eq "its own nonce: relayed" 200 "$(post "$PROXY_URL" "$A/nonceA.req" "$A/own.der")"
check_eq "its own nonce: good" good "$(resp_cert_status "$A/own.der")"
stop_fake_upstream
# No nonce at all (a pre-produced answer): relayed by default, when it passes the checks.
start_fake_upstream file "$A/plain.der"
log_mark
check_eq "no nonce, nonce_missing = relay: relayed" good \
	"$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem" -nonce)"
check "no nonce: logged as passthrough" log_has 'result=passthrough'
stop_handler
# nonce_missing = refuse: refused, and the cached answer (no nonce either) is not used instead.
start_handler "$T/strict.conf"
log_mark
check_eq "no nonce, nonce_missing = refuse: tryLater" "$TRYLATER" \
	"$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem" -nonce)"
check "nonce_missing = refuse: logged why" log_has 'carries no nonce .nonce_missing = refuse.'
check_eq "a request without nonce: cached" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
check_eq "nonce_missing = refuse: no cached answer to a nonce request either" "$TRYLATER" \
	"$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem" -nonce)"
stop_handler
start_handler "$T/f.conf"
stop_fake_upstream
start_fake_upstream file "$A/nonceA.der"
check_eq "nonce_missing = relay: a replay refused, the cached answer served instead" good \
	"$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem" -nonce)"
stop_handler
# The resident mode, whose workers hand nonce requests to the same pipeline.
rcli FLUSHALL > /dev/null
write_config "$T/res.conf" "default_upstream = $FAKE_URL" "workers = 1"
start_resident "$T/res.conf"
check_eq "resident, another request's nonce: tryLater" "$TRYLATER" \
	"$(ocsp_query "$URL" "$CA_DIR/good.pem" -nonce)"
stop_pid "$M"
stop_fake_upstream
rcli FLUSHALL > /dev/null

# 2. Several CertIDs. The genuine responder's answer for both is relayed; an answer that expired
# two days ago, or covers one of the two only, is not.
make_request "$CA_DIR/good.pem" "$A/two.req" -cert "$CA_DIR/revoked.pem"
check_eq "a request with two CertIDs" 2 \
	"$(openssl ocsp -reqin "$A/two.req" -req_text 2>/dev/null | grep -c 'Serial Number')"
sign "$CA_DIR/index.txt" "$A/two.req" "$A/two.der"
sign "$CA_DIR/index.txt" "$A/two.req" "$A/twoexpired.der" "-3d"
write_config "$T/r.conf" "default_upstream = $RESP_URL"
start_handler "$T/r.conf"
check_eq "two CertIDs, the genuine responder: relayed" 200 "$(post "$PROXY_URL" "$A/two.req" "$A/t.der")"
check_eq "two CertIDs: both answered" "good revoked" \
	"$(openssl ocsp -respin "$A/t.der" -resp_text -noverify 2>/dev/null | sed -n 's/.*Cert Status: //p' | sort | xargs)"
stop_handler
start_handler "$T/f.conf"
for kind in twoexpired plain; do
	case $kind in
	twoexpired) what="an answer expired two days ago" why="expired" ;;
	plain) what="an answer for one of the two CertIDs" why="no response for this certificate" ;;
	esac
	start_fake_upstream file "$A/$kind.der"
	log_mark
	check_eq "two CertIDs, $what: answered" 200 "$(post "$PROXY_URL" "$A/two.req" "$A/t.der")"
	check_eq "two CertIDs, $what: tryLater, not relayed" trylater "$(resp_status "$A/t.der")"
	check "two CertIDs, $what: logged why" log_has "CertID [12] of 2: $why"
	stop_fake_upstream
done
check_eq "two CertIDs: nothing cached" 0 "$(cached_keys | wc -l)"

# 3. An error status followed by responseBytes (a genuine signed body): the client gets the fixed
# five-byte response for that status, nothing of what followed it.
cp "$A/plain.der" "$A/unauth.der"
check_eq "a successful response to patch" "300a0100" "$(head -c 7 "$A/plain.der" | od -An -tx1 | tr -d ' \n' | cut -c1-2,9-14)"
printf '\x06' | dd of="$A/unauth.der" bs=1 seek=6 conv=notrunc 2>/dev/null
check_eq "patched: status unauthorized, body kept" unauthorized "$(resp_status "$A/unauth.der")"
check "patched: the signed body still follows" test "$(stat -c %s "$A/unauth.der")" -gt 100
start_fake_upstream file "$A/unauth.der"
for req in plain two nonceA; do
	check_eq "error status with a body ($req request): answered" 200 \
		"$(post "$PROXY_URL" "$A/$req.req" "$A/e.der")"
	check_eq "error status with a body ($req request): the fixed response only" 30030a0106 \
		"$(od -An -tx1 "$A/e.der" | tr -d ' \n' | cut -c1-40)"
done
check "error status: logged as relay" log_has 'result=relay .*reason="?upstream status unauthorized'
stop_fake_upstream
check_eq "error status: nothing cached" 0 "$(cached_keys | wc -l)"
stop_handler
