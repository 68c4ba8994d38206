# handler_faults: upstream errors are relayed or answered with tryLater, never cached; a cached
# entry is never replaced by an error or an older response; Redis down means pass-through.
. "$(dirname "$0")/../lib.sh"

setup_proxy "upstream_timeout = 1s"
make_request "$CA_DIR/good.pem" "$T/good.req"
make_request "$CA_DIR/revoked.pem" "$T/revoked.req"
make_request "$CA_DIR/other/good.pem" "$T/other.req" -issuer "$CA_DIR/other/ca.pem"
sign() { # REQ OUT: what the test CA's responder says, signed now, without the network
	openssl ocsp -index "$CA_DIR/index.txt" -CA "$CA_DIR/ca.pem" -rsigner "$CA_DIR/ocsp.pem" \
		-rkey "$CA_DIR/ocsp.key" -reqin "$1" -respout "$2" -nmin 60 >/dev/null 2>&1
}
via() { # UPSTREAM REQ OUT: POST naming UPSTREAM in absolute form; prints the HTTP status
	curl -s -o "$3" -w '%{http_code}' -H 'Content-Type: application/ocsp-request' \
		--data-binary @"$2" --request-target "$1" "$PROXY_URL"
}

# An older response never replaces a newer one.
sign "$T/good.req" "$T/old.der"
sleep 1.2
check_eq "warm: good" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
this=$(entry_field - this)
etag=$(entry_field - etag)
entry_set - next 1   # pretend it expired
start_fake_upstream file "$T/old.der"
log_mark
check_eq "older answer relayed to the client" 200 "$(via "$FAKE_URL" "$T/good.req" "$T/o.der")"
check_eq "older answer is what the client got" good "$(resp_cert_status "$T/o.der")"
check_eq "cached thisUpdate unchanged" "$this" "$(entry_field - this)"
check_eq "cached response unchanged" "$etag" "$(entry_field - etag)"
check "logged why it was not cached" log_has 'not cached: the cache holds a newer response'
stop_fake_upstream
entry_set - next $(( $(date +%s) + 3600 ))

# tryLater from upstream for an uncached certificate: relayed, not cached.
start_fake_upstream trylater
log_mark
check_eq "tryLater answered" 200 "$(via "$FAKE_URL" "$T/revoked.req" "$T/t.der")"
check_eq "tryLater relayed" trylater "$(resp_status "$T/t.der")"
check_eq "tryLater not cached" 1 "$(cached_keys | wc -l)"
check "tryLater logged as relay" log_has 'result=relay .*reason="upstream status tryLater"'
# ... and for the cached one, the valid cached response is served, untouched.
entry_set - next 1
check_eq "stale + tryLater: relayed" trylater "$(via "$FAKE_URL" "$T/good.req" "$T/t2.der" >/dev/null; resp_status "$T/t2.der")"
check_eq "stale + tryLater: entry kept" "$etag" "$(entry_field - etag)"
entry_set - next $(( $(date +%s) + 3600 ))
stop_fake_upstream

# Broken upstreams: a clear OCSP tryLater, nothing cached, the entry kept.
sign "$T/other.req" "$T/other.der" 2>/dev/null
openssl ocsp -index "$CA_DIR/index.txt" -CA "$CA_DIR/other/ca.pem" -rsigner "$CA_DIR/other/ca.pem" \
	-rkey "$CA_DIR/other/ca.key" -reqin "$T/other.req" -respout "$T/other.der" -nmin 60 >/dev/null 2>&1
log_mark
for mode in status500 html garbage reset hang huge "truncated $T/old.der" "file $T/other.der"; do
	# shellcheck disable=SC2086
	start_fake_upstream $mode
	code=$(via "$FAKE_URL" "$T/revoked.req" "$T/x.der")
	check_eq "upstream ${mode%% *}: OCSP tryLater" "200 trylater" "$code $(resp_status "$T/x.der")"
	check_eq "upstream ${mode%% *}: nothing cached" 1 "$(cached_keys | wc -l)"
	stop_fake_upstream
done
check "hang cut by upstream_timeout" log_has 'reason="upstream: .*timed out'
check "huge body refused" log_has 'reason="upstream: response larger than'
check "other certificate's response refused" log_has 'reason="no response for this certificate'
check_eq "cached entry survived every fault" "$etag" "$(entry_field - etag)"
check "a hit still works" test "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")" = good

# Upstream down with nothing cached: tryLater.
stop_responder
check_eq "responder down, uncached: tryLater" trylater "$(curl -s -o "$T/d.der" "$PROXY_URL$(b64url "$T/revoked.req")"; resp_status "$T/d.der")"
start_responder 60
write_config "$CONF" "default_upstream = $RESP_URL" "upstream_timeout = 1s"

# Redis down: still answering, by pass-through, with a warning.
stop_redis
log_mark
check_eq "Redis down: good still answered" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
check_eq "Redis down: revoked still answered" revoked "$(ocsp_query "$PROXY_URL" "$CA_DIR/revoked.pem")"
check "Redis down: warning logged" log_has 'redis unavailable'
check "Redis down: said not cached" log_has 'not cached: redis unavailable'
start_redis
check_eq "Redis back: cached again" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
check_eq "Redis back: entry stored" 1 "$(cached_keys | wc -l)"
