# handler_trust: with trust_anchors, only responses whose signature verifies (here through a
# delegated OCSP signing certificate) are served or cached; the scheduler applies the same rule.
. "$(dirname "$0")/../lib.sh"

setup_proxy --no-handler
write_config "$T/ok.conf" "default_upstream = $RESP_URL" "trust_anchors = $CA_DIR/ca.pem"
write_config "$T/bad.conf" "default_upstream = $RESP_URL" "trust_anchors = $CA_DIR/other/ca.pem"
start_handler "$T/bad.conf"
check_eq "signed by an untrusted CA: tryLater" "error: Responder Error: trylater (3) " "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
check "logged why" log_has 'reason="signature does not verify'
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
