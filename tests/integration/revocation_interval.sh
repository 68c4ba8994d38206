# revocation_interval: revocation_check_interval bounds the time between two asks upstream. An
# answer valid an hour, which the rules would refresh at half validity (30 min), is asked again
# 2 min after the handler caches it and 2 min after each scheduler refresh; without the setting
# the schedule is the rules' own.
. "$(dirname "$0")/../lib.sh"

setup_proxy "revocation_check_interval = 2m"
check_eq "the handler answers good" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
id=$(certids | head -1)
since_fetch() { echo $(($(due_at "$1") - $(entry_field "$1" fetched))); }
check_eq "cached by the handler: due 2 min after the fetch" 120 "$(since_fetch "$id")"

sleep 1.1
make_due "$id"
check_output "scheduler --once refreshes it" "refreshed 1, kept 0, failed 0, evicted 0, skipped 0" \
	"$BUILD/ocsp-proxy-scheduler" -c "$CONF" --once
check_eq "refreshed by the scheduler: due 2 min after the fetch" 120 "$(since_fetch "$id")"

# Without the setting: at half validity, as before.
write_config "$T/off.conf" "default_upstream = $RESP_URL" "key_prefix = off"
start_handler "$T/off.conf"
check_eq "without it, the handler answers good" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
off=$(KEY_PREFIX=off certids | head -1)
check_eq "without it: due at half validity (thisUpdate + 30 min)" 1800 \
	"$(($(KEY_PREFIX=off due_at "$off") - $(KEY_PREFIX=off entry_field "$off" this)))"
