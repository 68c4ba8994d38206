# handler_trust: only responses whose signature verifies (RFC 6960 4.2.2.2) are served or cached,
# the scheduler applies the same rule: with trust_anchors (which must be chained to), every kind
# of genuine responder, issuers unknown to the store, and ocsp-proxyctl prefetch --issuer.
. "$(dirname "$0")/../lib.sh"

setup_proxy --no-handler
write_config "$T/ok.conf" "default_upstream = $RESP_URL" "trust_anchors = $CA_DIR/ca.pem"
write_config "$T/bad.conf" "default_upstream = $RESP_URL" "trust_anchors = $CA_DIR/other/ca.pem"
start_handler "$T/bad.conf"
check_eq "signed by an untrusted CA: tryLater" "error: Responder Error: trylater (3) " "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
check "logged why" log_has "reason=\"the CertID's issuer does not chain to trust_anchors"
check_eq "not cached" 0 "$(cached_keys | wc -l)"
stop_handler
start_handler "$T/ok.conf"
check_eq "delegated responder certificate verifies: good" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
check_eq "cached" 1 "$(cached_keys | wc -l)"
sleep 1.1
make_due
check_output "scheduler refresh verifies too" "refreshed 1, kept 0, failed 0, evicted 0, skipped 0" \
	"$BUILD/ocsp-proxy-scheduler" -c "$T/ok.conf" --once
make_due
check_output "scheduler refuses an untrusted signature" "refreshed 0, kept 0, failed 1, evicted 0, skipped 0" \
	"$BUILD/ocsp-proxy-scheduler" -c "$T/bad.conf" --once
write_config "$T/none.conf" "trust_anchors = $T/missing.pem"
check "a missing trust_anchors stops the scheduler with a message" sh -c \
	"'$BUILD/ocsp-proxy-scheduler' -c '$T/none.conf' --once 2>&1 | grep -q 'missing.pem'"

# Every kind of genuine responder verifies (RFC 6960 4.2.2.2): the CA signing itself with its
# certificate embedded, without it (-resp_no_certs), with a key-hash ResponderID, a delegated
# responder (above), and SHA-256 CertIDs. Nothing but the issuer in the store (no trust_anchors).
stop_responder
# ocsp_query with SHA-256 CertIDs: the digest must come before -cert.
query256() {
	local out
	out=$(openssl ocsp -sha256 -issuer "$CA_DIR/ca.pem" -cert "$2" -url "$1" -CAfile "$CA_DIR/ca.pem" \
		-no_nonce -timeout 10 2>&1)
	case $out in *": good"*) echo good ;; *": revoked"*) echo revoked ;; *) echo "error: $out" ;; esac
}
variant() { # NAME CLIENT-ARGS -- RESPONDER-ARGS
	local name=$1 cargs=() port
	shift
	while [ "$1" != -- ]; do cargs+=("$1"); shift; done
	shift
	rcli FLUSHALL >/dev/null
	port=$(free_port)
	openssl ocsp -index "$CA_DIR/index.txt" -CA "$CA_DIR/ca.pem" -port "$port" -nmin 60 \
		-ignore_err "$@" > "$T/variant.log" 2>&1 &
	VPID=$!
	register_pid "$VPID" "openssl ocsp responder ($name)"
	for _ in $(seq 200); do grep -q 'waiting for OCSP' "$T/variant.log" && break; sleep 0.05; done
	write_config "$T/v.conf" "default_upstream = http://127.0.0.1:$port/" "issuers = $CA_DIR/ca.pem" \
		"allow_upstream = 127.0.0.1:$port"
	start_handler "$T/v.conf"
	local q=ocsp_query
	[ "${cargs[*]:-}" = -sha256 ] && q=query256
	check_eq "$name: good" good "$($q "$PROXY_URL" "$CA_DIR/good.pem")"
	check_eq "$name: revoked" revoked "$($q "$PROXY_URL" "$CA_DIR/revoked.pem")"
	check_eq "$name: cached" 2 "$(cached_keys | wc -l)"
	# The SHA-256 OID (2.16.840.1.101.3.4.2.1) in the keys when asked with SHA-256.
	[ $q = query256 ] && check_eq "$name: SHA-256 keys" 2 "$(cached_keys | grep -c 0609608648016503040201)"
	stop_handler
	stop_pid "$VPID"
}
variant "CA-signed, certificate embedded" -- -rsigner "$CA_DIR/ca.pem" -rkey "$CA_DIR/ca.key"
variant "CA-signed, no certificate" -- -rsigner "$CA_DIR/ca.pem" -rkey "$CA_DIR/ca.key" -resp_no_certs
variant "CA-signed, key-hash responder ID, no certificate" -- -rsigner "$CA_DIR/ca.pem" \
	-rkey "$CA_DIR/ca.key" -resp_no_certs -resp_key_id
variant "delegated responder" -- -rsigner "$CA_DIR/ocsp.pem" -rkey "$CA_DIR/ocsp.key"
variant "SHA-256 CertID, delegated" -sha256 -- -rsigner "$CA_DIR/ocsp.pem" -rkey "$CA_DIR/ocsp.key"
variant "SHA-256 CertID, CA-signed, no certificate" -sha256 -- -rsigner "$CA_DIR/ca.pem" \
	-rkey "$CA_DIR/ca.key" -resp_no_certs
# trust_anchors alone (an existing configuration, no `issuers`): the CA's certificate verifies its
# responses, delegated or signed by itself without certificates.
for how in delegated self; do
	rcli FLUSHALL >/dev/null
	port=$(free_port)
	if [ $how = delegated ]; then s=(-rsigner "$CA_DIR/ocsp.pem" -rkey "$CA_DIR/ocsp.key")
	else s=(-rsigner "$CA_DIR/ca.pem" -rkey "$CA_DIR/ca.key" -resp_no_certs); fi
	openssl ocsp -index "$CA_DIR/index.txt" -CA "$CA_DIR/ca.pem" -port "$port" -nmin 60 \
		-ignore_err "${s[@]}" > "$T/variant.log" 2>&1 &
	VPID=$!
	register_pid "$VPID" "openssl ocsp responder ($how)"
	for _ in $(seq 200); do grep -q 'waiting for OCSP' "$T/variant.log" && break; sleep 0.05; done
	write_config "$T/a.conf" "default_upstream = http://127.0.0.1:$port/" "trust_anchors = $CA_DIR/ca.pem" \
		"allow_upstream = 127.0.0.1:$port"
	sed -i '/^issuers = /d' "$T/a.conf"
	start_handler "$T/a.conf"
	check_eq "trust_anchors only, $how: good" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
	check_eq "trust_anchors only, $how: cached" 1 "$(cached_keys | wc -l)"
	stop_handler
	stop_pid "$VPID"
done

# An issuer the store does not know: tryLater, nothing cached, a log line naming the issuer key
# hash and what to configure; then ocsp-proxyctl prefetch --issuer adds it to issuers_dir and
# the handler verifies.
start_responder 60
rcli FLUSHALL >/dev/null
write_config "$T/u.conf" "default_upstream = $RESP_URL" "issuers = $CA_DIR/other/ca.pem"
start_handler "$T/u.conf"
check_eq "unknown issuer: tryLater" "error: Responder Error: trylater (3) " "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
check_eq "unknown issuer: not cached" 0 "$(cached_keys | wc -l)"

ikh=$(openssl ocsp -issuer "$CA_DIR/ca.pem" -cert "$CA_DIR/good.pem" -req_text -no_nonce 2>/dev/null |
	sed -n 's/.*Issuer Key Hash: //p' | tr 'A-F' 'a-f')
check "unknown issuer: the log names its key hash" log_has "issuer unknown: no certificate in the issuer store has the SHA1 issuer key hash $ikh"
check "unknown issuer: and says what to configure" log_has 'add the issuing CA.s certificate to .issuers. or issuers_dir'
check "prefetch --issuer adds the issuer" sh -c "'$BUILD/ocsp-proxyctl' -c '$T/u.conf' prefetch --cert '$CA_DIR/good.pem' --issuer '$CA_DIR/ca.pem' --url '$RESP_URL' 2>&1 | grep -q 'added .* to $T/issuers'"
check "the issuer is in issuers_dir" test -s "$T/issuers/$ikh.pem"
check_eq "prefetch cached it" 1 "$(cached_keys | wc -l)"
check_eq "then the handler verifies: revoked" revoked "$(ocsp_query "$PROXY_URL" "$CA_DIR/revoked.pem")"
check_eq "and caches" 2 "$(cached_keys | wc -l)"
