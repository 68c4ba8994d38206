# staple_window: HAProxy refuses to staple an answer within 5 minutes of its nextUpdate, so an
# entry with a staple file is refreshed before then (nextUpdate - margin - 5 min), whoever
# scheduled it: the handler that cached it, the scheduler's own refresh, ocsp-proxyctl
# refresh. With 8-minute answers (the issue's), margin 2 min: due 7 min before nextUpdate, not
# 4 (at half validity, when HAProxy had dropped the staple a minute before).
. "$(dirname "$0")/../lib.sh"

mkdir -p "$T/site"
make_ca "$CA_DIR"
cat "$CA_DIR/good.pem" "$CA_DIR/ca.pem" > "$T/site/site.pem"
setup_proxy --nmin 8 "staple_cert = $T/site/site.pem"
S=$BUILD/ocsp-proxy-scheduler
# before_next: seconds from the entry's planned refresh to its nextUpdate.
before_next() { echo $(($(entry_field - next) - $(due_at -))); }

check_eq "the handler caches good" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
b=$(before_next)
if [ "$b" -ge 239 ] && [ "$b" -le 241 ]; then ok "cached by the handler: due at half validity (${b}s before nextUpdate)"
else not_ok "cached by the handler: due at half validity" "${b}s before nextUpdate"; fi

check_output "scheduler --once: nothing due yet" "refreshed 0, kept 0, failed 0, evicted 0, skipped 0" \
	"$S" -c "$CONF" --once
check "... the staple file written" test -s "$T/site/site.pem.ocsp"
b=$(before_next)
if [ "$b" -ge 420 ]; then ok "the staple pass moves it before HAProxy's window (${b}s before nextUpdate)"
else not_ok "the staple pass moves it before HAProxy's window (420 s at least)" "${b}s before nextUpdate"; fi

sleep 1.1
make_due
check_output "scheduler --once refreshes it" "refreshed 1, kept 0, failed 0, evicted 0, skipped 0" \
	"$S" -c "$CONF" --once
b=$(before_next)
if [ "$b" -ge 420 ]; then ok "after a scheduler refresh: before the window (${b}s before nextUpdate)"
else not_ok "after a scheduler refresh: before the window (420 s at least)" "${b}s before nextUpdate"; fi
check "... and not before the floor after the fetch" test "$(due_at -)" -gt "$(entry_field - fetched)"

sleep 1.1
check_status "ocsp-proxyctl refresh" 0 "$BUILD/ocsp-proxyctl" -c "$CONF" refresh 1001
b=$(before_next)
if [ "$b" -ge 420 ]; then ok "after ocsp-proxyctl refresh: before the window (${b}s before nextUpdate)"
else not_ok "after ocsp-proxyctl refresh: before the window (420 s at least)" "${b}s before nextUpdate"; fi

# Without a staple file: half validity, as before.
write_config "$T/plain.conf" "default_upstream = $RESP_URL" "key_prefix = plain"
check_status "scheduler --once without staple files" 0 "$S" -c "$T/plain.conf" --once
start_handler "$T/plain.conf"
check_eq "without staple files, the handler caches good" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
check_status "... scheduler --once" 0 "$S" -c "$T/plain.conf" --once
b=$(KEY_PREFIX=plain before_next)
if [ "$b" -ge 239 ] && [ "$b" -le 241 ]; then ok "without staple files: at half validity (${b}s before nextUpdate)"
else not_ok "without staple files: at half validity" "${b}s before nextUpdate"; fi
