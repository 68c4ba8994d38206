# run_local: `make run` (scripts/run-local.sh) starts, and the commands it prints work as
# printed, from the source tree: openssl ocsp answers good then revoked (cached: the second ask
# is a hit), ocsp-proxyctl list and stats reach its Redis, the health answer is ok. Stopping it
# (Ctrl-C, or TERM) stops everything it started.
. "$(dirname "$0")/../lib.sh"

L=127.0.0.1:$(free_port)
R=127.0.0.1:$(free_port)
RUN=$T/run LISTEN=$L RESPONDER=$R BUILD=$BUILD setsid bash "$ROOT/scripts/run-local.sh" > "$T/out" 2>&1 &
sid=$!
register_pid "$sid" "run-local.sh"
for _ in $(seq 200); do grep -q 'Stop it all with Ctrl-C' "$T/out" && break; sleep 0.1; done
check "it starts and says how to stop it" grep -q 'Stop it all with Ctrl-C' "$T/out"
# The printed commands: the indented lines after "From ...", continuation lines joined.
sed -n '/^From /,/^With your own/p' "$T/out" | grep '^  [^#]' | sed 's/^  //' |
	awk '/\\$/ { sub(/\\$/, ""); line = line $0; next } { print line $0; line = "" }' > "$T/cmds"
check_eq "it prints five commands" 5 "$(wc -l < "$T/cmds")"
cd "$ROOT" || exit 1
n=0
while IFS= read -r cmd; do
	n=$((n + 1))
	bash -c "$cmd" > "$T/cmd$n.out" 2>&1
	check_eq "printed command $n exits 0: ${cmd:0:60}" 0 "$?"
done < "$T/cmds"
check "the first answers good" grep -q 'www.pem: good' "$T/cmd1.out"
check "the second answers revoked" grep -q 'revoked.pem: revoked' "$T/cmd2.out"
check_eq "list shows both" 2 "$(tail -n +2 "$T/cmd3.out" | wc -l)"
check "stats reaches the same Redis" grep -q '^misses 2' "$T/cmd4.out"
check "health is ok" grep -q '^status=ok redis=up' "$T/cmd5.out"
bash -c "$(sed -n 1p "$T/cmds")" >/dev/null 2>&1
check "asked again: a hit" log_has 'result=hit' "$T/run/ocsp-proxy.log"
# A background job ignores SIGINT; the script's trap is the same for TERM.
kill -TERM "$sid"
for _ in $(seq 100); do kill -0 "$sid" 2>/dev/null || break; sleep 0.1; done
check "stopping it stops everything" grep -q 'ocsp-proxy stopped' "$T/out"
check_eq "nothing left running" "" "$(alive_in_session "$sid")"
