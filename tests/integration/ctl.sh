# ctl: ocsp-proxyctl prefetch, show, list, stats and purge against a real cache.
. "$(dirname "$0")/../lib.sh"

setup_proxy
C() { "$BUILD/ocsp-proxyctl" -c "$CONF" "$@"; }
json_ok() { if command -v python3 >/dev/null; then python3 -m json.tool >/dev/null; else grep -q .; fi; }

check "--help" sh -c "'$BUILD/ocsp-proxyctl' --help | grep -q prefetch"
out=$(C prefetch --cert "$CA_DIR/good.pem" --issuer "$CA_DIR/ca.pem" --url "$RESP_URL")
check "prefetch caches" sh -c "echo '$out' | grep -q ' good cached (serial 1001, '"
key=${out%% *}
check_eq "the key is the handler's" "$key" "$(certids)"
log_mark
check_eq "the handler then hits" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
check "logged as a hit" log_has "certid=$key result=hit"
C prefetch --cert "$CA_DIR/revoked.pem" --issuer "$CA_DIR/ca.pem" 2> "$T/err" >/dev/null
check "prefetch without a responder: says so" grep -q 'names no OCSP responder; give --url' "$T/err"
C prefetch --cert "$CA_DIR/revoked.pem" --issuer "$CA_DIR/ca.pem" --url http://192.0.2.1/ 2> "$T/err" >/dev/null
check_eq "prefetch to a host outside allow_upstream: refused" 1 "$?"
check "refusal names the host" grep -q 'not allowed: 192.0.2.1' "$T/err"
C prefetch --cert "$CA_DIR/revoked.pem" --issuer "$CA_DIR/ca.pem" --url "$RESP_URL" >/dev/null

out=$(C show --cert "$CA_DIR/good.pem" --issuer "$CA_DIR/ca.pem")
check "show by certificate" sh -c "echo '$out' | grep -q 'status good, thisUpdate 20'"
check "show names the upstream" sh -c "echo '$out' | grep -q 'upstream $RESP_URL'"
check "show by cert id" sh -c "'$BUILD/ocsp-proxyctl' -c '$T/c.conf' show $key | grep -q 'status good'"
check "show --json" sh -c "'$BUILD/ocsp-proxyctl' -c '$T/c.conf' --json show $key | grep -q '\"status\":\"good\"'"
serial=$(openssl x509 -in "$CA_DIR/good.pem" -noout -serial); serial=${serial#serial=}
# ctl prints names one way on every release (the cache is shared across hosts): OpenSSL 3.0's
# default "oneline" form, "CN = x, O = y"; OpenSSL 3.2 and later print "CN=x, O=y" by default.
subject=$(openssl x509 -in "$CA_DIR/good.pem" -noout -subject -nameopt oneline,-esc_msb)
subject=${subject#subject=}
check "show: the serial as openssl prints it" sh -c "echo '$out' | grep -qx '  serial $serial'"
check "show: the subject seen by prefetch" sh -c "echo '$out' | grep -qxF '  subject $subject'"
check "show --json: serial and issuer" sh -c "'$BUILD/ocsp-proxyctl' -c '$T/c.conf' --json show $key | grep -q '\"serial\":\"$serial\",\"subject\":\"[^\"]*\",\"issuer\":\"[^\"]'"
check_status "show of an unknown id: exit 1" 1 C show 00ff

check_eq "list shows both, under a header" "SERIAL 2" "$(C list | head -1 | cut -d' ' -f1) $(C list | tail -n +2 | wc -l)"
check "list --json has the revoked entry" sh -c "'$BUILD/ocsp-proxyctl' -c '$T/c.conf' --json list | grep -q '\"status\":\"revoked\"'"
C --json list | json_ok
check_eq "list --json is JSON" 0 "$?"

# Failures show in list and stats.
entry_set "$key" fail 2 err "upstream: timed out"
check "show shows the last error" sh -c "'$BUILD/ocsp-proxyctl' -c '$T/c.conf' show $key | grep -q 'failing: 2 in a row, last error: upstream: timed out'"
check_eq "list --failing: that one" "1001 2" "$(C list --failing | tail -n +2 | awk '{print $1, $5}')"
out=$(C stats)
check "stats: entries" sh -c "echo '$out' | grep -qx 'entries 2'"
check "stats: hits counted by the handler" sh -c "echo '$out' | grep -q '^hits [1-9]'"
C --json stats | json_ok
check_eq "stats --json is JSON" 0 "$?"

write_config "$T/m.conf" "default_upstream = $RESP_URL" "metrics_file = $T/metrics.prom"
"$BUILD/ocsp-proxy-scheduler" -c "$T/m.conf" --once >/dev/null
check "scheduler writes metrics_file" grep -qx 'ocsp_proxy_entries 2' "$T/metrics.prom"
check "metrics carry the counters" grep -Eq '^ocsp_proxy_events_total\{event="hits"\} [1-9]' "$T/metrics.prom"
out=$(C stats)
check "stats: the scheduler's last tick" sh -c "echo '$out' | grep -Eq '^scheduler [^ ]+:[0-9]+ last tick [0-9T:-]+Z \\(once\\): refreshed'"
check "stats --json lists schedulers" sh -c "'$BUILD/ocsp-proxyctl' -c '$T/c.conf' --json stats | grep -q '\"schedulers\":\[{\"owner\":'"
C --json stats | json_ok
check_eq "stats --json with schedulers is JSON" 0 "$?"
check "metrics: failing gauge" grep -qx 'ocsp_proxy_failing 0' "$T/metrics.prom"

check "purge by certificate" sh -c "'$BUILD/ocsp-proxyctl' -c '$T/c.conf' purge --cert '$CA_DIR/good.pem' --issuer '$CA_DIR/ca.pem' | grep -q purged"
check_eq "purged entry gone, schedule too" "1 1" "$(certids | wc -l) $(rcli ZCARD "$(rkey due)")"
check_status "purge of a missing entry: exit 1" 1 C purge "$key"
check_status "unknown command: exit 2" 2 C bogus

# No configuration named and none at the default path: it says which file is missing and how to
# name one, instead of asking a Redis on 127.0.0.1:6379 with the built-in defaults.
if [ ! -e /etc/ocsp-proxy/ocsp-proxy.conf ]; then
	(unset OCSP_PROXY_CONFIG; "$BUILD/ocsp-proxyctl" list > "$T/out" 2> "$T/err")
	check_rc "no configuration file: exit 2" 2 "$?"
	check "names the missing file and -c" grep -q "no configuration file: /etc/ocsp-proxy/ocsp-proxy.conf does not exist; name yours with -c FILE" "$T/err"
	check "does not ask Redis" sh -c "! grep -q 'Connection refused' '$T/err'"
	(unset OCSP_PROXY_CONFIG; "$BUILD/ocsp-proxyctl" --json stats > "$T/out" 2>/dev/null)
	check_rc "  the same under --json: exit 2" 2 "$?"
	check_eq "  and the error as JSON on stdout" "2 no configuration file: /etc/ocsp-proxy/ocsp-proxy.conf" \
		"$(jq -r '"\(.exit) \(.error)"' "$T/out" | cut -d' ' -f1-5)"
else
	skip "no configuration file" "/etc/ocsp-proxy/ocsp-proxy.conf exists here"
fi

# Under --json every failure is JSON on stdout too, with the exit status (and the message still on
# stderr): usage, a missing entry, Redis unreachable.
C --json bogus > "$T/out" 2> "$T/err"
check_rc "--json, unknown command: exit 2" 2 "$?"
check_eq "  JSON on stdout" "2 unknown command 'bogus'" "$(jq -r '"\(.exit) \(.error)"' "$T/out" | cut -d' ' -f1-4)"
check "  the message on stderr too" grep -q "^ocsp-proxyctl: unknown command 'bogus'" "$T/err"
C --json show 00ff > "$T/out" 2>/dev/null
check_rc "--json, show of an unknown id: exit 1" 1 "$?"
check_eq "  JSON on stdout" "1 no cached entry has serial 00ff" "$(jq -r '"\(.exit) \(.error)"' "$T/out")"
write_config "$T/down.conf" "redis = redis://127.0.0.1:$(free_port)/0"
for cmd in list stats; do
	"$BUILD/ocsp-proxyctl" -c "$T/down.conf" --json $cmd > "$T/out" 2>/dev/null
	check_rc "--json $cmd, Redis down: exit 3" 3 "$?"
	check "  one JSON error object on stdout, naming the connection" \
		sh -c "jq -e '.exit == 3 and (.error | test(\"Connection refused\"))' '$T/out'"
done
C --json list --status bogus > "$T/out" 2>/dev/null
check "--json, a bad option value: the JSON names it" sh -c "jq -e '.exit == 2 and (.error | test(\"--status takes\"))' '$T/out'"

# A certificate the CA has not published yet is answered `unknown` and cached (clients are refused
# until it is asked again): list shows and filters it, stats and the metrics file count it.
openssl ecparam -name prime256v1 -genkey -noout -out "$T/new.key" 2>/dev/null
openssl req -new -key "$T/new.key" -subj /CN=new -out "$T/new.csr" 2>/dev/null
printf 'basicConstraints=CA:FALSE\n' > "$T/new.ext"
openssl x509 -req -in "$T/new.csr" -CA "$CA_DIR/ca.pem" -CAkey "$CA_DIR/ca.key" -out "$T/new.pem" \
	-days 30 -set_serial 0x1A2B3C -extfile "$T/new.ext" 2>/dev/null
check_eq "an unpublished certificate: unknown" unknown "$(ocsp_query "$PROXY_URL" "$T/new.pem")"
check "list: its STATUS column says unknown" sh -c "'$BUILD/ocsp-proxyctl' -c '$CONF' list | grep -Eq '^1A2B3C +unknown '"
check_eq "list --status unknown: only it" "1A2B3C" "$(C list --status unknown | tail -n +2 | awk '{print $1}')"
check "stats: counts it" sh -c "'$BUILD/ocsp-proxyctl' -c '$CONF' stats | grep -qx 'unknown 1'"
check_eq "stats --json: unknown 1" 1 "$(C --json stats | jq .unknown)"
"$BUILD/ocsp-proxy-scheduler" -c "$T/m.conf" --once >/dev/null
check "the metrics file: ocsp_proxy_unknown 1" grep -qx 'ocsp_proxy_unknown 1' "$T/metrics.prom"
