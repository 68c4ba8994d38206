# handler_basic: good and revoked through the proxy by POST and GET, the cache, caching headers.
. "$(dirname "$0")/../lib.sh"

setup_proxy

# POST as OpenSSL sends it (origin form, Host = the proxy): routed by default_upstream.
check_eq "POST good" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
check "first request was a miss" log_has 'result=miss status=200 method=POST'
check_eq "POST revoked" revoked "$(ocsp_query "$PROXY_URL" "$CA_DIR/revoked.pem")"
check_eq "two entries cached" 2 "$(cached_keys | wc -l)"
check_eq "both scheduled" 2 "$(rcli ZCARD "$(rkey due)")"

# GET, base64 in the path, raw and %-escaped.
make_request "$CA_DIR/good.pem" "$T/good.req"
make_request "$CA_DIR/revoked.pem" "$T/revoked.req"
log_mark
curl -s -o "$T/g1.der" "$PROXY_URL$(b64url "$T/good.req")"
check_eq "GET good" good "$(resp_cert_status "$T/g1.der")"
curl -s -o "$T/g2.der" "$PROXY_URL$(b64url_nginx "$T/revoked.req")"
check_eq "GET revoked, %-escaped" revoked "$(resp_cert_status "$T/g2.der")"
check "GET answered from the cache" log_has 'result=hit status=200 method=GET'

# Served from the cache with the responder gone.
stop_responder
check_eq "hit with responder stopped" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
curl -s -o "$T/g3.der" "$PROXY_URL$(b64url "$T/revoked.req")"
check_eq "GET hit with responder stopped" revoked "$(resp_cert_status "$T/g3.der")"

# Caching headers on a hit, and 304 for the ETag.
curl -s -D "$T/h" -o /dev/null "$PROXY_URL$(b64url "$T/good.req")"
check "Content-Type ocsp-response" grep -qi '^Content-Type: application/ocsp-response' "$T/h"
check "Last-Modified" grep -qi '^Last-Modified: [A-Z][a-z][a-z], [0-9][0-9] ' "$T/h"
check "Expires" grep -qi '^Expires: ' "$T/h"
check "Date" grep -qi '^Date: .* GMT' "$T/h"
check "Cache-Control max-age public" grep -Eqi '^Cache-Control: max-age=[1-9][0-9]*, public, no-transform, must-revalidate' "$T/h"
check "Connection: close" grep -qi '^Connection: close' "$T/h"
etag=$(sed -n 's/^ETag: //Ip' "$T/h" | tr -d '\r')
check "ETag is a quoted SHA-256" test "${#etag}" = 66
curl -s -o "$T/g4.der" "$PROXY_URL$(b64url "$T/good.req")"
check_eq "ETag is the SHA-256 of the body" "\"$(sha256sum < "$T/g4.der" | cut -d' ' -f1)\"" "$etag"
check "ETag is the stored one" grep -qx "${etag//\"/}" <(for id in $(certids); do entry_field "$id" etag; done)
code=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$PROXY_URL$(b64url "$T/good.req")")
check_eq "If-None-Match gives 304" 304 "$code"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'If-None-Match: "other"' "$PROXY_URL$(b64url "$T/good.req")")
check_eq "other ETag gives 200" 200 "$code"
code=$(curl -s -o /dev/null -w '%{http_code}' -I "$PROXY_URL$(b64url "$T/good.req")")
check_eq "HEAD answered" 200 "$code"

# Counters.
check "hits counted" test "$(stat_count hits)" -ge 4
check "misses counted" test "$(stat_count misses)" -ge 2
