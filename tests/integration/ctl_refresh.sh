# ctl_refresh: ocsp-proxyctl refresh asks the responder now: by serial, CertID, --cert FILE or
# --all; a revocation published at the CA is cached at once and the handler answers revoked; the
# staple file is rewritten; a failed fetch changes nothing, an older answer leaves the newer
# cached one; --json and the documented exit codes.
. "$(dirname "$0")/../lib.sh"

RESP_INDEX=$T/index.txt
make_ca "$CA_DIR"
cp "$CA_DIR/index.txt" "$RESP_INDEX"
mkdir -p "$T/site"
cat "$CA_DIR/good.pem" "$CA_DIR/ca.pem" > "$T/site/site.pem"
setup_proxy "staple_cert = $T/site/site.pem"
C() { "$BUILD/ocsp-proxyctl" -c "$CONF" "$@"; }
jq_ok() { jq -e "$1" > /dev/null 2>&1; }

check_eq "the handler caches good" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
check_eq "... and revoked" revoked "$(ocsp_query "$PROXY_URL" "$CA_DIR/revoked.pem")"
good=$(certids | while read -r id; do [ "$(entry_field "$id" serial)" = 1001 ] && echo "$id"; done)
this0=$(entry_field "$good" this)

sleep 1.1
out=$(C refresh 1001)
check_rc "refresh SERIAL: exit 0" 0 $?
check "... says refreshed" grep -q "^$good good refreshed (serial 1001)$" <<< "$out"
check "... a newer answer cached" test "$(entry_field "$good" this)" -gt "$this0"
check "... the staple file written" grep -q "^staple $T/site/site.pem.ocsp written: good$" <<< "$out"
check_eq "... and it holds the cached answer" "$(entry_field "$good" etag)" \
	"$(sha256sum < "$T/site/site.pem.ocsp" | cut -d' ' -f1)"

# Revoked at the CA: the next refresh caches it and the handler answers revoked at once.
revoke_serial "$RESP_INDEX" 1001 || bail "revoked in the test's index"
stop_responder
start_responder 60 "$RESP_PORT"
check_eq "before the refresh the cache still says good" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
sleep 1.1
C --json refresh --cert "$T/site/site.pem" > "$T/r.json"
check_rc "refresh --cert FILE --json: exit 0" 0 $?
check "... one JSON object: the entry revoked, refreshed" \
	jq_ok '.entries | length == 1 and .[0].status == "revoked" and .[0].result == "refreshed" and .[0].serial == "1001"' < "$T/r.json"
check "... the staple file rewritten" jq_ok '.staples | map(select(.result == "written")) | length == 1' < "$T/r.json"
check_eq "the handler answers revoked at once" revoked "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
check_eq "the staple file says revoked" revoked "$(resp_cert_status "$T/site/site.pem.ocsp")"

# --all: every entry, each asked once.
sleep 1.1
C --json refresh --all > "$T/all.json"
check_rc "refresh --all: exit 0" 0 $?
check "... both entries refreshed" jq_ok '.entries | length == 2 and all(.result == "refreshed")' < "$T/all.json"
check "... the staple file rewritten once" jq_ok '.staples | length == 1 and .[0].result == "written"' < "$T/all.json"
check_status "refresh CERTID: exit 0" 0 C refresh "$good"

# A failed fetch changes nothing: not the answer, the schedule nor the failure count.
etag=$(entry_field "$good" etag)
due=$(due_at "$good")
stop_responder
C refresh 1001 > "$T/down.out" 2> "$T/down.err"
check_rc "responder down: exit 1" 1 $?
check "... says why" grep -q "^ocsp-proxyctl: serial 1001: http://127.0.0.1:$RESP_PORT/: .*connect" "$T/down.err"
check_eq "... the cached answer kept" "$etag" "$(entry_field "$good" etag)"
check_eq "... the schedule kept" "$due" "$(due_at "$good")"
check_eq "... no failure recorded" "" "$(entry_field "$good" fail | grep -v '^0$')"
check_eq "... the handler still answers revoked" revoked "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"

# An older answer (a replay): the newer cached one stays.
rcli --raw HGET "$(rkey entry "$good")" resp | head -c -1 > "$T/newer.der"
start_responder 60 "$RESP_PORT"
sleep 1.1
C refresh --url "$RESP_URL" 1001 > /dev/null
etag=$(entry_field "$good" etag)
start_fake_upstream file "$T/newer.der"
entry_set "$good" url "$FAKE_URL"
sleep 1.1
out=$(C refresh 1001)
check_rc "an older answer: exit 0" 0 $?
check "... says kept" grep -q " revoked kept (serial 1001)" <<< "$out"
check_eq "... the newer cached answer stays" "$etag" "$(entry_field "$good" etag)"

# Exit codes and errors.
check_status "no target: exit 2" 2 C refresh
check_status "--all with a serial: exit 2" 2 C refresh --all 1001
check_status "an unknown serial: exit 1" 1 C refresh 7777
C --json refresh 7777 > "$T/unknown.json" 2>/dev/null
check "... still JSON" jq_ok '.entries | length == 0' < "$T/unknown.json"
write_config "$T/down.conf" "redis = redis://127.0.0.1:$(free_port)/0"
check_status "Redis unreachable: exit 3" 3 "$BUILD/ocsp-proxyctl" -c "$T/down.conf" refresh 1001
