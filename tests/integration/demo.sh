# demo: `make demo` (scripts/demo.sh) runs green, in under four minutes, and leaves no process
# and no directory behind. It runs in its own session, so whatever it started, even a process
# that outlived it, is still found by session id.
. "$(dirname "$0")/../lib.sh"

dir=$T/demo
start=$(date +%s)
DEMO_DIR=$dir BUILD=$BUILD setsid bash "$ROOT/scripts/demo.sh" > "$T/demo.out" 2>&1 &
sid=$!
wait "$sid"
rc=$?
took=$(($(date +%s) - start))
[ "$rc" = 0 ] || sed 's/^/# /' "$T/demo.out" | tail -40
check_eq "make demo exits 0" 0 "$rc"
check "it says it passed" grep -q 'The demo passed' "$T/demo.out"
check "it shows a miss" grep -q 'result=miss' "$T/demo.out"
check "it shows a hit with the responder stopped" sh -c "sed -n '/responder goes down/,\$p' '$T/demo.out' | grep -q 'result=hit'"
check "it shows a revoked certificate" grep -q 'revoked.pem: revoked' "$T/demo.out"
check "it shows ocsp-proxyctl stats" grep -q '^scheduler .* last tick' "$T/demo.out"
left=$(alive_in_session "$sid")
check_eq "no process left in its session" "" "$left"
check "its directory is removed" test ! -e "$dir"
if [ "$took" -lt 240 ]; then ok "under four minutes (${took}s)"; else not_ok "under four minutes" "${took}s"; fi
