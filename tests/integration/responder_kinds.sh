# responder_kinds: every kind of real responder is answered and, where cacheable, cached and
# refreshed: no nextUpdate (cached for no_next_update_max_age, or relayed uncached with 0),
# a key-hash ResponderID, SHA-256 CertIDs, CA-signed without certificates, 20-byte serials.
# Then the counters: passthrough and uncacheable counted, ctl stats and the metrics file agree.
. "$(dirname "$0")/../lib.sh"

make_ca "$CA_DIR"
start_redis
S=$BUILD/ocsp-proxy-scheduler
CTL=$BUILD/ocsp-proxyctl
RESP_PORT=$(free_port)
RESP_URL=http://127.0.0.1:$RESP_PORT/
# responder INDEX SIGNER KEY [openssl ocsp args]: a responder on RESP_PORT, signed by SIGNER.
responder() {
	local index=$1 signer=$2 key=$3
	shift 3
	: > "$T/responder.log"
	openssl ocsp -index "$index" -CA "$CA_DIR/ca.pem" -rsigner "$signer" -rkey "$key" \
		-port "$RESP_PORT" -ignore_err "$@" > "$T/responder.log" 2>&1 &
	responder_started $!
}
delegated() { responder "$CA_DIR/index.txt" "$CA_DIR/ocsp.pem" "$CA_DIR/ocsp.key" "$@"; }
write_config "$T/s.conf" "default_upstream = $RESP_URL" "metrics_file = $T/metrics.prom"
write_config "$T/nocache.conf" "default_upstream = $RESP_URL" "no_next_update_max_age = 0"
start_handler "$T/s.conf"
fresh() { rcli FLUSHALL >/dev/null; }

# No nextUpdate (openssl ocsp without -nmin/-ndays): answered, never tryLater; cached until
# thisUpdate + no_next_update_max_age (1 h), then served as a hit and refreshed like any entry.
delegated
fresh
check_eq "no nextUpdate: answered good" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
check_eq "no nextUpdate: the client got the responder's answer" successful "$(resp_status "$T/resp.der")"
check_eq "no nextUpdate: cached" 1 "$(certids | wc -l)"
check_eq "no nextUpdate: kept for no_next_update_max_age" 3600 \
	$(( $(entry_field - next) - $(entry_field - this) ))
log_mark
check_eq "no nextUpdate: then a hit" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
check "no nextUpdate: logged as a hit" log_has 'result=hit'
sleep 1.1
make_due
check_output "no nextUpdate: refreshed by the scheduler" \
	"refreshed 1, kept 0, failed 0, evicted 0, skipped 0" "$S" -c "$T/s.conf" --once
# The resident handler's memory cache holds it too: repeated hits read nothing from Redis.
port=$(free_port)
"$BUILD/ocsp-proxy-handler" -c "$T/s.conf" --listen "127.0.0.1:$port" &
rp=$!
register_pid $rp "resident handler --listen"
wait_port "$port"
ocsp_query "http://127.0.0.1:$port/" "$CA_DIR/good.pem" >/dev/null
ocsp_query "http://127.0.0.1:$port/" "$CA_DIR/good.pem" >/dev/null
rcli CONFIG RESETSTAT >/dev/null
for _ in 1 2 3; do ocsp_query "http://127.0.0.1:$port/" "$CA_DIR/good.pem" >/dev/null; done
reads=$(rcli INFO commandstats | sed -n 's/^cmdstat_\(hmget\|eval\|evalsha\|hgetall\):calls=\([0-9]*\),.*/\2/p' |
	awk '{s += $1} END {print s + 0}')
check_eq "no nextUpdate, resident: 3 hits from memory, no entry read from Redis" 0 "$reads"
stop_pid $rp
stop_handler
start_handler "$T/nocache.conf"
fresh
log_mark
check_eq "no nextUpdate, no_next_update_max_age 0: answered good" good \
	"$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
check_eq "no nextUpdate, no_next_update_max_age 0: not cached" 0 "$(certids | wc -l)"
check "no nextUpdate, no_next_update_max_age 0: logged uncacheable" log_has 'result=uncacheable'
check_eq "no nextUpdate, no_next_update_max_age 0: counted uncacheable" 1 "$(stat_count uncacheable)"
stop_handler
stop_pid "$RESP_PID"
start_handler "$T/s.conf"

# A ResponderID by key hash (byKey) instead of by name.
delegated -nmin 60 -resp_key_id
fresh
check_eq "key-hash ResponderID: answered good" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
check_eq "key-hash ResponderID: cached" 1 "$(certids | wc -l)"

# SHA-256 CertIDs: their own cache entry (the key holds the SHA-256 AlgorithmIdentifier).
# (ocsp_query puts -cert first; the digest must come before it.)
query256() {
	openssl ocsp -issuer "$CA_DIR/ca.pem" -sha256 -cert "$CA_DIR/good.pem" -url "$PROXY_URL" \
		-CAfile "$CA_DIR/ca.pem" -no_nonce -timeout 10 2>&1 | sed -n 's/^.*: \(good\|revoked\|unknown\)$/\1/p'
}
fresh
check_eq "SHA-256 CertID: answered good" good "$(query256)"
check_eq "SHA-256 CertID: one entry, with id-sha256" 1 "$(certids | grep -c '0609608648016503040201')"
check_eq "SHA-256 CertID: then a hit" good "$(query256)"
check_eq "SHA-256 CertID: a hit counted" 1 "$(stat_count hits)"
sleep 1.1
make_due
check_output "SHA-256 CertID: refreshed" "refreshed 1, kept 0, failed 0, evicted 0, skipped 0" \
	"$S" -c "$T/s.conf" --once
stop_pid "$RESP_PID"

# Signed by the CA itself, without certificates in the response.
responder "$CA_DIR/index.txt" "$CA_DIR/ca.pem" "$CA_DIR/ca.key" -nmin 60 -resp_no_certs
fresh
check_eq "CA-signed, no certificates: answered good" good \
	"$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem" -verify_other "$CA_DIR/ca.pem")"
check_eq "CA-signed, no certificates: cached" 1 "$(certids | wc -l)"
stop_pid "$RESP_PID"

# A 20-byte serial (the RFC 5280 maximum), in an index of its own.
serial=7F0102030405060708090A0B0C0D0E0F10111213
openssl ecparam -name prime256v1 -genkey -noout -out "$T/long.key" 2>/dev/null
openssl req -new -key "$T/long.key" -subj /CN=long -out "$T/long.csr" 2>/dev/null
printf 'basicConstraints=CA:FALSE\n' > "$T/long.ext"
openssl x509 -req -in "$T/long.csr" -CA "$CA_DIR/ca.pem" -CAkey "$CA_DIR/ca.key" -out "$T/long.pem" \
	-days 300 -set_serial "0x$serial" -extfile "$T/long.ext" 2>/dev/null
cp "$CA_DIR/index.txt" "$T/index.txt"
cp "$CA_DIR/index.txt.attr" "$T/index.txt.attr"
printf 'V\t%s\t\t%s\tunknown\t/CN=long\n' "$(date -u -d '+300 days' +%y%m%d%H%M%SZ)" "$serial" >> "$T/index.txt"
responder "$T/index.txt" "$CA_DIR/ocsp.pem" "$CA_DIR/ocsp.key" -nmin 60
fresh
check_eq "20-byte serial: answered good" good "$(ocsp_query "$PROXY_URL" "$T/long.pem")"
check_eq "20-byte serial: cached under a key ending in it" 1 \
	"$(certids | grep -ci "0214${serial}\$")"

# Counters: a nonce request is a passthrough (counted even though it never looked in the
# cache), and ctl stats and the metrics file show the same values for every counter.
check_eq "nonce request: answered" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem" -nonce)"
check_eq "nonce request: counted as passthrough" 1 "$(stat_count passthrough)"
check_status "metrics written by a tick" 0 "$S" -c "$T/s.conf" --once
"$CTL" -c "$T/s.conf" stats > "$T/stats.txt"
check_rc "ctl stats" 0 $?
sed -n 's/^ocsp_proxy_events_total{event="\([a-z_]*\)"} \([0-9]*\)$/\1 \2/p' "$T/metrics.prom" | sort > "$T/m.txt"
grep -E '^[a-z_]+ [0-9]+$' "$T/stats.txt" | grep -v -E '^(entries|failing|unknown) ' | sort > "$T/c.txt"
check "ctl stats and the metrics file: the same counters and values" diff "$T/m.txt" "$T/c.txt"
for c in hits misses stale_lookups fetches upstream_errors stale_served passthrough uncacheable \
	unverified cache_rejected refused_full refreshes refresh_kept refresh_failures evictions \
	invalid_due; do
	grep -q "^$c " "$T/c.txt" || not_ok "documented counter $c shown by ctl stats and metrics"
done
check_eq "entries: ctl stats and the metrics file agree" \
	"$(sed -n 's/^entries //p' "$T/stats.txt")" "$(sed -n 's/^ocsp_proxy_entries //p' "$T/metrics.prom")"
