# run_local: `make run` (scripts/run-local.sh) starts, and the commands it prints work as
# printed, from the source tree: openssl ocsp answers good then revoked (cached: the second ask
# is a hit), ocsp-proxyctl list and stats reach its Redis, the health answer is ok, the
# certificate's own responder URL with the test CA's chain answers good. Stopping it (Ctrl-C, or
# TERM) stops everything it started. With its address taken by another program (the package's
# socket on 127.0.0.1:8888) it fails, naming the port and what holds it, instead of claiming to run.
. "$(dirname "$0")/../lib.sh"

# Another program listening on LISTEN: systemd-socket-activate, as the package's socket would.
L=127.0.0.1:$(free_port)
R=127.0.0.1:$(free_port)
systemd-socket-activate --inetd -a -l "$L" cat 2>/dev/null &
holder=$!
register_pid "$holder" "the port's holder"
wait_port "${L##*:}" || bail "the holder listens"
RUN=$T/taken LISTEN=$L RESPONDER=$R BUILD=$BUILD setsid bash "$ROOT/scripts/run-local.sh" > "$T/taken.out" 2>&1 &
sid=$!
register_pid "$sid" "run-local.sh on a taken port"
# The old make run waited for anything to accept there, said it was running, and stayed.
for _ in $(seq 300); do
	_alive "$sid" || break
	grep -q 'is running' "$T/taken.out" && break
	sleep 0.1
done
if _alive "$sid"; then rc="still running"; else wait "$sid"; rc=$?; fi
[ "$rc" = 1 ] || sed 's/^/# /' "$T/taken.out"
check_eq "its port taken, make run exits 1" 1 "$rc"
check "it does not say it is running" sh -c "! grep -q 'is running' '$T/taken.out'"
check "it names the port" grep -q "port ${L##*:} is taken" "$T/taken.out"
check "it names what holds it" grep -q "(pid $holder)" "$T/taken.out"
check "it says how to choose another" grep -q 'make run LISTEN=' "$T/taken.out"
stop_pid "$sid"
check_eq "it leaves nothing running" "" "$(alive_in_session "$sid")"
stop_pid "$holder"

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
check_eq "it prints six commands" 6 "$(wc -l < "$T/cmds")"
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
check "the certificate's own responder, verified by the chain: good" grep -q 'www.pem: good' "$T/cmd6.out"
check "  and says the response verified" grep -q 'Response verify OK' "$T/cmd6.out"
bash -c "$(sed -n 1p "$T/cmds")" >/dev/null 2>&1
check "asked again: a hit" log_has 'result=hit' "$T/run/ocsp-proxy.log"
# A background job ignores SIGINT; the script's trap is the same for TERM.
kill -TERM "$sid"
for _ in $(seq 100); do kill -0 "$sid" 2>/dev/null || break; sleep 0.1; done
check "stopping it stops everything" grep -q 'ocsp-proxy stopped' "$T/out"
check_eq "nothing left running" "" "$(alive_in_session "$sid")"
