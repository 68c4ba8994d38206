# handler_forgery: an on-path attacker answering in the CA's place, with a self-signed key
# posing as the CA (same name), is never believed: on a miss the client gets tryLater and nothing
# is cached; at a refresh the genuine entry stays as it was; with verify = no (explicit, warned
# about at every start) the forgery would be believed, which shows the test can fail.
. "$(dirname "$0")/../lib.sh"

make_ca "$CA_DIR"
start_redis
start_responder 60
# The forger's certificate: the test CA's subject over a key of its own.
openssl ecparam -name prime256v1 -genkey -noout -out "$T/forger.key" 2>/dev/null
subj=$(openssl x509 -in "$CA_DIR/ca.pem" -noout -subject -nameopt compat | sed 's/^subject=//')
openssl req -new -x509 -key "$T/forger.key" -out "$T/forger.pem" -days 3650 -subj "$subj" 2>/dev/null
check_eq "the forger poses as the CA" "$(openssl x509 -in "$CA_DIR/ca.pem" -noout -subject)" \
	"$(openssl x509 -in "$T/forger.pem" -noout -subject)"
forger() { # PORT [args]: the forging upstream on PORT
	local port=$1
	shift
	"$BUILD/tests/helpers/fake_upstream" --port "$port" --key "$T/forger.key" \
		--cert "$T/forger.pem" "$@" forge > "$T/forger.log" 2>&1 &
	FORGER_PID=$!
	register_pid "$FORGER_PID" "fake_upstream forge"
	wait_port "$port"
}

# A miss answered by the forger: "good" for the revoked certificate, ten years, refused.
FPORT=$(free_port)
forger "$FPORT"
write_config "$T/f.conf" "default_upstream = http://127.0.0.1:$FPORT/" \
	"allow_upstream = 127.0.0.1:$FPORT 127.0.0.1:$RESP_PORT"
start_handler "$T/f.conf"
check_eq "forged good on a miss: the client gets tryLater" "error: Responder Error: trylater (3) " \
	"$(ocsp_query "$PROXY_URL" "$CA_DIR/revoked.pem")"
check_eq "forged good on a miss: not cached" 0 "$(cached_keys | wc -l)"
check "logged as not verified, with why" log_has 'not verified, not used: signature does not verify'
check_eq "counted as unverified" 1 "$(stat_count unverified)"
# Without the certificate embedded (the issuer itself is then the candidate signer).
stop_pid "$FORGER_PID"
forger "$FPORT" --no-certs
check_eq "forged good without certificates: tryLater" "error: Responder Error: trylater (3) " \
	"$(ocsp_query "$PROXY_URL" "$CA_DIR/revoked.pem")"
check_eq "forged good without certificates: not cached" 0 "$(cached_keys | wc -l)"
# A client naming the forger in absolute form gets no better.
make_request "$CA_DIR/revoked.pem" "$T/revoked.req"
code=$(curl -s -o "$T/abs.der" -w '%{http_code}' -H 'Content-Type: application/ocsp-request' \
	--data-binary @"$T/revoked.req" \
	--request-target "http://127.0.0.1:$FPORT/" "$PROXY_URL")
check_eq "client-named forger: answered" 200 "$code"
check_eq "client-named forger: tryLater" trylater "$(resp_status "$T/abs.der")"
check_eq "client-named forger: not cached" 0 "$(cached_keys | wc -l)"
stop_handler

# The genuine answer is cached; then the forger takes the responder's place for the refresh.
write_config "$T/g.conf" "default_upstream = $RESP_URL"
start_handler "$T/g.conf"
check_eq "genuine: revoked" revoked "$(ocsp_query "$PROXY_URL" "$CA_DIR/revoked.pem")"
check_eq "genuine: cached" 1 "$(cached_keys | wc -l)"
key=$(cached_keys | head -1)
etag=$(rcli HGET "$key" etag)
stop_responder
stop_pid "$FORGER_PID"
forger "$RESP_PORT"
make_due "${key#"$(rkey entry '')"}"
check_eq "forged refresh fails" "refreshed 0, kept 0, failed 1, evicted 0, skipped 0" \
	"$("$BUILD/ocsp-proxy-scheduler" -c "$T/g.conf" --once)"
check_eq "forged refresh: the genuine entry untouched" "$etag" "$(rcli HGET "$key" etag)"
check_eq "forged refresh: still revoked" 1 "$(rcli HGET "$key" status)"
check "forged refresh: logged why" log_has 'result=failed .*reason="?signature does not verify'
check_eq "forged refresh: the client still gets revoked" revoked "$(ocsp_query "$PROXY_URL" "$CA_DIR/revoked.pem")"
# A miss for another certificate while the forger answers: tryLater, nothing cached.
check_eq "forged good for another certificate: tryLater" "error: Responder Error: trylater (3) " \
	"$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
check_eq "only the genuine entry is cached" 1 "$(cached_keys | wc -l)"
stop_handler

# verify = no: explicit, warned about at every start, and then the forgery gets through (which
# is what verification prevents above).
write_config "$T/n.conf" "default_upstream = $RESP_URL" "verify = no"
: > "$T/ocsp-proxy.log"
start_handler "$T/n.conf"
rcli FLUSHALL >/dev/null
check_eq "verify = no: the forgery is believed" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/revoked.pem" -noverify)"
check "verify = no: the handler warns" log_has 'verify = no: upstream answers are cached and served without checking'
before=$(grep -c 'verify = no: upstream answers' "$T/ocsp-proxy.log")
"$BUILD/ocsp-proxy-scheduler" -c "$T/n.conf" --once >/dev/null
check_eq "verify = no: the scheduler warns too" $((before + 1)) "$(grep -c 'verify = no: upstream answers' "$T/ocsp-proxy.log")"
# verify = no: an answer from a responder the client named is relayed, never stored as the
# entry's responder (only a verified answer may make a client's choice everyone's).
rcli FLUSHALL >/dev/null
make_request "$CA_DIR/good.pem" "$T/good.req"
code=$(curl -s -o "$T/named.der" -w '%{http_code}' -H 'Content-Type: application/ocsp-request' \
	--data-binary @"$T/good.req" --request-target "$RESP_URL" "$PROXY_URL")
check_eq "verify = no, client-named responder: answered" 200 "$code"
check_eq "verify = no, client-named responder: relayed as it came" good "$(resp_cert_status "$T/named.der")"
check_eq "verify = no, client-named responder: not cached" 0 "$(cached_keys | wc -l)"
check "verify = no, client-named responder: logged why" log_has 'not cached: upstream named by the client and verify = no'
