# handler_routing: where requests go: absolute form, Host, the cached URL, routes,
# default_upstream; nonces pass through; allow_upstream refuses before anything is sent.
. "$(dirname "$0")/../lib.sh"

setup_proxy --no-handler
make_request "$CA_DIR/good.pem" "$T/good.req"
make_request "$CA_DIR/revoked.pem" "$T/revoked.req"
post() { # post URL REQFILE OUT [curl args]: prints the HTTP status
	local url=$1 req=$2 out=$3
	shift 3
	curl -s -o "$out" -w '%{http_code}' -H 'Content-Type: application/ocsp-request' \
		--data-binary @"$req" "$@" "$url"
}

# No default_upstream: the request must name its responder.
write_config "$T/a.conf"
start_handler "$T/a.conf"

# Apache: absolute-form target naming the responder.
code=$(post "$PROXY_URL" "$T/good.req" "$T/a.der" --request-target "$RESP_URL")
check_eq "absolute form answered" 200 "$code"
check_eq "absolute form good" good "$(resp_cert_status "$T/a.der")"
check "absolute form logged with its upstream" log_has "result=miss .*upstream=$RESP_URL"

# The seed page's client: origin form, Host = the responder (port kept).
code=$(post "$PROXY_URL" "$T/revoked.req" "$T/b.der" -H "Host: 127.0.0.1:$RESP_PORT")
check_eq "Host-routed answered" 200 "$code"
check_eq "Host-routed revoked" revoked "$(resp_cert_status "$T/b.der")"

# openssl ocsp -proxy sends the absolute form too.
check_eq "openssl -proxy" good "$(ocsp_query "$RESP_URL" "$CA_DIR/good.pem" -proxy "127.0.0.1:$PROXY_PORT")"

# nginx: GET /<%-escaped b64> naming only the proxy. Cached: answered; the cached entry's URL
# is used when it must be refetched.
code=$(curl -s -o "$T/n.der" -w '%{http_code}' "$PROXY_URL$(b64url_nginx "$T/good.req")")
check_eq "nginx-style GET for a cached entry" good "$(resp_cert_status "$T/n.der")"
for id in $(certids); do entry_set "$id" next 1; done
log_mark
curl -s -o "$T/n2.der" "$PROXY_URL$(b64url_nginx "$T/good.req")"
check_eq "stale entry refetched from its stored URL" good "$(resp_cert_status "$T/n2.der")"
check "refetch logged as a miss via the stored URL" log_has "result=miss .*method=GET upstream=$RESP_URL"

# Unknown certificate, no upstream named, none configured: OCSP unauthorized.
make_request "$CA_DIR/other/good.pem" "$T/other.req" -issuer "$CA_DIR/other/ca.pem"
curl -s -o "$T/u.der" "$PROXY_URL$(b64url_nginx "$T/other.req")"
check_eq "no upstream known: unauthorized" unauthorized "$(resp_status "$T/u.der")"

# allow_upstream: a host outside it gets 403 and nothing is sent.
start_fake_upstream --record "$T/sent" trylater
code=$(post "$PROXY_URL" "$T/good.req" "$T/f.der" --request-target "http://192.0.2.1:$FAKE_PORT/")
check_eq "host outside allow_upstream: 403" 403 "$code"
code=$(post "$PROXY_URL" "$T/good.req" "$T/f.der" -H "Host: ocsp.example.net")
check_eq "Host outside allow_upstream: 403" 403 "$code"
check "nothing was sent upstream" test ! -s "$T/sent"
check "403 carries no-cache" sh -c "curl -s -D - -o /dev/null -H 'Content-Type: application/ocsp-request' --data-binary @'$T/good.req' --request-target http://192.0.2.1/ '$PROXY_URL' | grep -qi 'Cache-Control: max-age=0, no-cache'"
stop_fake_upstream
stop_handler

# A port is part of what allow_upstream allows: another port of an allowed host is refused
# before anything is sent, and nothing is cached. The fake upstream serves a genuine answer, so
# only the port check stands between it and the cache.
openssl ocsp -index "$CA_DIR/index.txt" -CA "$CA_DIR/ca.pem" -rsigner "$CA_DIR/ocsp.pem" \
	-rkey "$CA_DIR/ocsp.key" -reqin "$T/good.req" -respout "$T/genuine.der" -nmin 60 >/dev/null 2>&1
rm -f "$T/sent"
start_fake_upstream --record "$T/sent" file "$T/genuine.der"
for allow in "127.0.0.1:$RESP_PORT" "127.0.0.1" "*"; do
	write_config "$T/p.conf" "allow_upstream = $allow"
	start_handler "$T/p.conf"
	rcli FLUSHALL >/dev/null
	code=$(post "$PROXY_URL" "$T/good.req" "$T/p.der" --request-target "$FAKE_URL")
	check_eq "allow '$allow': another port named in the target: 403" 403 "$code"
	code=$(post "$PROXY_URL" "$T/good.req" "$T/p.der" -H "Host: 127.0.0.1:$FAKE_PORT")
	check_eq "allow '$allow': another port named in Host: 403" 403 "$code"
	check_eq "allow '$allow': nothing cached" 0 "$(cached_keys | wc -l)"
	check "allow '$allow': nothing sent" test ! -s "$T/sent"
	stop_handler
done
# The allowed port itself works (the checks above can fail).
write_config "$T/p.conf" "allow_upstream = 127.0.0.1:$FAKE_PORT"
start_handler "$T/p.conf"
code=$(post "$PROXY_URL" "$T/good.req" "$T/p.der" --request-target "$FAKE_URL")
check_eq "allowed port: answered" "200 good" "$code $(resp_cert_status "$T/p.der")"
check_eq "allowed port: cached" 1 "$(cached_keys | wc -l)"
stop_handler
# The stored responder is checked again at refresh: with its port no longer allowed, the
# scheduler sends nothing there.
rm -f "$T/sent"
write_config "$T/p.conf" "allow_upstream = 127.0.0.1:$RESP_PORT"
make_due
out=$("$BUILD/ocsp-proxy-scheduler" -c "$T/p.conf" --once 2>&1)
check "refresh to a port no longer allowed: not refreshed" sh -c "echo '$out' | grep -q 'refreshed 0, kept 0, failed 1'"
check "... nothing sent" test ! -s "$T/sent"
check "... the reason logged" log_has 'not allowed: 127.0.0.1 port'
stop_fake_upstream

# default_upstream and routes for requests that name no responder.
write_config "$T/b.conf" "route = $CA_DIR/other/ca.pem http://127.0.0.1:1/" "default_upstream = $RESP_URL"
start_handler "$T/b.conf"
rcli FLUSHALL >/dev/null
log_mark
curl -s -o "$T/d.der" "$PROXY_URL$(b64url_nginx "$T/revoked.req")"
check_eq "nginx-style GET through default_upstream" revoked "$(resp_cert_status "$T/d.der")"
curl -s -o "$T/r.der" "$PROXY_URL$(b64url_nginx "$T/other.req")"
check_eq "route by issuer certificate wins over default" trylater "$(resp_status "$T/r.der")"
check "route used" log_has 'upstream=http://127.0.0.1:1/'

# Nonce: passed through, not cached.
rcli FLUSHALL >/dev/null
log_mark
check_eq "nonce request answered" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem" -nonce)"
check_eq "nonce request not cached" 0 "$(cached_keys | wc -l)"
check "nonce request logged as passthrough" log_has 'result=passthrough'
# ... but with the responder down, a valid cached response is served even to a nonce request.
ocsp_query "$PROXY_URL" "$CA_DIR/good.pem" >/dev/null
stop_responder
log_mark
check_eq "nonce request served from cache when upstream fails" good \
	"$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem" -nonce)"
check "logged as stale" log_has 'result=stale'
