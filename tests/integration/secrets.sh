# secrets: the Redis and Sentinel passwords work from the configuration, a file or a systemd
# credential, and appear in no output of any program in any failure we can provoke: wrong
# password, Redis down, bad URL, config syntax errors around the password, ctl and scheduler
# against a dead Redis (stdout, stderr, STATUS), the handler's log, -t, /proc/PID/cmdline.
. "$(dirname "$0")/../lib.sh"

make_ca "$CA_DIR"
start_responder 60
PASS="S3cr3tPw$RANDOM$RANDOM"
WRONG="Wr0ngPw$RANDOM$RANDOM"
SPASS="S3ntinelPw$RANDOM$RANDOM"
O=$T/out              # every program's stdout and stderr goes here
mkdir -p "$O"
RP=$(free_port)
start_redis_port r1 "$RP" --requirepass "$PASS"
R1=$RPID
H=$BUILD/ocsp-proxy-handler S=$BUILD/ocsp-proxy-scheduler C=$BUILD/ocsp-proxyctl
run() { # NAME PROGRAM ARGS...: runs it, its stdout and stderr into $O/NAME.*; prints its exit code
	local name=$1
	shift
	"$@" > "$O/$name.out" 2> "$O/$name.err" < /dev/null
	echo $?
}
ctl() { run "ctl-$1" "$C" -c "$2" stats; }

# The password works, from each place it can come from.
write_config "$T/url.conf" "redis = redis://:$PASS@127.0.0.1:$RP/0" "default_upstream = $RESP_URL"
write_config "$T/key.conf" "redis = redis://127.0.0.1:$RP/0" "redis_password = $PASS"
printf '%s\n' "$PASS" > "$T/pw"
chmod 600 "$T/pw"
write_config "$T/file.conf" "redis = redis://127.0.0.1:$RP/0" "redis_password_file = $T/pw"
write_config "$T/cred.conf" "redis = redis://127.0.0.1:$RP/0"
mkdir -p "$T/creds"
printf '%s' "$PASS" > "$T/creds/redis-password"
check_eq "password in the URL: ctl works" 0 "$(ctl url "$T/url.conf")"
check_eq "redis_password: ctl works" 0 "$(ctl key "$T/key.conf")"
check_eq "redis_password_file: ctl works" 0 "$(ctl file "$T/file.conf")"
check_eq "no password at all: refused" 1 "$(ctl none "$T/cred.conf")"
check "... saying Redis wants one" grep -q 'NOAUTH\|Authentication required' "$O/ctl-none.err"
check_eq "systemd credential: ctl works" 0 \
	"$(CREDENTIALS_DIRECTORY=$T/creds run ctl-cred "$C" -c "$T/cred.conf" stats)"
# ocsp-proxyctl run by root, outside the units, finds the credential where systemd loads it
# from (here /run/credstore, in a mount namespace of its own so nothing else sees it).
if unshare -m true 2>/dev/null; then
	# shellcheck disable=SC2016  # $1 is the inner shell's
	rc=$(unshare -m sh -c 'mount -t tmpfs none /run && mkdir -m 700 /run/credstore &&
		printf "%s\n" "$1" > /run/credstore/redis-password &&
		"$2" -c "$3" stats > "$4.out" 2> "$4.err"; echo $?' sh "$PASS" "$C" "$T/cred.conf" "$O/ctl-store")
	check_eq "credential store, no CREDENTIALS_DIRECTORY: ctl works" 0 "$rc"
else
	skip "credential store" "unshare -m is not permitted here"
fi
start_handler "$T/url.conf"
check_eq "handler with the password: a miss" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
check_eq "... cached" 1 "$(REDISCLI_AUTH=$PASS RPORT=$RP certids | wc -l)"
check_eq "handler with the password: a hit" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
check "... logged as one" log_has 'result=hit'
stop_handler

# Wrong password: in the URL, the key, the file; handler, ctl, scheduler --once.
write_config "$T/wrong.conf" "redis = redis://:$WRONG@127.0.0.1:$RP/0" "default_upstream = $RESP_URL"
check_eq "wrong password: ctl fails" 3 "$(ctl wrong "$T/wrong.conf")"
check "... saying why" grep -q 'WRONGPASS\|invalid' "$O/ctl-wrong.err"
check "... naming the server by host:port" grep -q "127.0.0.1:$RP" "$O/ctl-wrong.err"
check_eq "wrong password: scheduler --once fails" 1 "$(run sched-wrong "$S" -c "$T/wrong.conf" --once)"
write_config "$T/wrongkey.conf" "redis = redis://127.0.0.1:$RP/0" "redis_password = $WRONG"
check_eq "wrong redis_password: ctl fails" 3 "$(ctl wrongkey "$T/wrongkey.conf")"
start_handler "$T/wrong.conf"
check_eq "wrong password: handler still answers" revoked "$(ocsp_query "$PROXY_URL" "$CA_DIR/revoked.pem")"
check "... and logs why" log_has 'redis unavailable'
stop_handler

# Redis down: handler, ctl, scheduler --once and the daemon's STATUS.
kill "$R1"; wait "$R1" 2>/dev/null
start_handler "$T/url.conf"
check_eq "Redis down: handler still answers" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
check "... and logs it" log_has "connect 127.0.0.1:$RP"
stop_handler
check_eq "Redis down: ctl fails" 3 "$(ctl down "$T/url.conf")"
check "... naming the server by host:port" grep -q "127.0.0.1:$RP" "$O/ctl-down.err"
check_eq "Redis down: ctl prefetch fails" 3 \
	"$(run ctl-prefetch "$C" -c "$T/url.conf" prefetch --cert "$CA_DIR/good.pem" --issuer "$CA_DIR/ca.pem" --url "$RESP_URL")"
check_eq "Redis down: scheduler --once fails" 1 "$(run sched-down "$S" -c "$T/url.conf" --once)"
check "... saying so on stdout" grep -q 'redis unreachable' "$O/sched-down.out"
write_config "$T/sched.conf" "redis = redis://:$PASS@127.0.0.1:$RP/0" "log = stderr"
notify_listener "$O/notify.log"
NOTIFY_SOCKET=$T/notify.sock "$S" -c "$T/sched.conf" > "$O/sched-daemon.out" 2> "$O/sched-daemon.err" &
SP=$!
register_pid $SP
for _ in $(seq 60); do grep -q 'STATUS=redis unreachable' "$O/notify.log" 2>/dev/null && break; sleep 0.1; done
tr '\0' ' ' < "/proc/$SP/cmdline" > "$O/sched-cmdline"
tr '\0' '\n' < "/proc/$SP/environ" > "$O/sched-environ"
if [ -f "$O/notify.log" ]; then
	check "scheduler STATUS says Redis is unreachable" grep -q 'STATUS=redis unreachable' "$O/notify.log"
	check "... naming the server by host:port" grep -q "STATUS=redis unreachable: .*127.0.0.1:$RP" "$O/notify.log"
else
	skip "scheduler STATUS" "no python3 to listen on the notify socket"
fi
# A reload into a configuration whose bad Redis URL holds the password.
write_config "$T/sched.conf" "redis = redis://:$PASS@127.0.0.1:99999/0" "log = stderr"
kill -HUP "$SP"
for _ in $(seq 60); do grep -q 'reload failed' "$O/sched-daemon.err" && break; sleep 0.1; done
check "scheduler: a bad reload is logged" grep -q 'reload failed.*bad value for redis' "$O/sched-daemon.err"
kill "$SP"; wait "$SP" 2>/dev/null
check "scheduler's stderr log says Redis is unreachable" grep -q 'redis unreachable' "$O/sched-daemon.err"

# Configuration errors around the password: none may echo it.
bad() { # NAME LINE...: a config with those lines; -t, ctl and scheduler must refuse it. RAW=1:
	# the lines as written after the defaults (write_config would merge duplicates)
	if [ "${RAW:-0}" = 1 ]; then
		write_config "$T/bad-$1.conf"
		printf '%s\n' "${@:2}" >> "$T/bad-$1.conf"
	else
		write_config "$T/bad-$1.conf" "${@:2}"
	fi
	check_eq "config $1: -t refuses it" 1 "$(run "t-$1" "$H" -c "$T/bad-$1.conf" -t)"
	check_eq "config $1: ctl refuses it" 2 "$(ctl "bad-$1" "$T/bad-$1.conf")"
	check_eq "config $1: scheduler refuses it" 1 "$(run "sched-bad-$1" "$S" -c "$T/bad-$1.conf" --once)"
	run "handler-bad-$1" env OCSP_PROXY_CONFIG="$T/bad-$1.conf" "$H" >/dev/null
}
bad badport "redis = redis://:$PASS@127.0.0.1:99999/0"
bad baddb "redis = redis://:$PASS@127.0.0.1:$RP/x"
bad scheme "redis = rediss://:$PASS@127.0.0.1:$RP/0"
bad readurl "redis_read = redis://:$PASS@[::1/0"
RAW=1 bad noequals "redis_password $PASS"
bad typo "redis_pasword = $PASS"
RAW=1 bad dup "redis_password = $PASS" "redis_password = $PASS"
bad both "redis_password = $PASS" "redis_password_file = $T/pw"
bad long "redis_password = $PASS$(printf 'x%.0s' $(seq 300))"
printf '%s\n%s\n' "$PASS" "$PASS" > "$T/pw2"
bad twolines "redis_password_file = $T/pw2"
RAW=1 bad sentinel "redis_sentinel_password $SPASS"
check "the -t error names the line, not the value" grep -q 'bad value for redis (not shown' "$O/t-badport.err"

# Sentinels that require a password: right and wrong.
if command -v redis-sentinel >/dev/null; then
	start_redis_port r2 "$RP" --requirepass "$PASS"
	REDIS_PASS=$PASS SENTINEL_PASS=$SPASS start_sentinels "$RP"
	write_config "$T/sent.conf" "redis = redis://:$PASS@127.0.0.1:1/0" "redis_sentinel = $SENTINELS" \
		"redis_master_name = ocsp"
	printf '%s\n' "$SPASS" > "$T/spw"
	check_eq "Sentinel password from its file: ctl works" 0 \
		"$(ctl sent-ok <(cat "$T/sent.conf"; echo "redis_sentinel_password_file = $T/spw"))"
	check_eq "wrong Sentinel password: ctl fails" 3 \
		"$(ctl sent-wrong <(cat "$T/sent.conf"; echo "redis_sentinel_password = $WRONG"))"
	check "... saying no Sentinel answered" grep -q 'no sentinel' "$O/ctl-sent-wrong.err"
	check_eq "right Sentinel password, wrong Redis password: ctl fails" 3 \
		"$(ctl sent-wrongredis <(sed "s|:$PASS@|:$WRONG@|" "$T/sent.conf"; echo "redis_sentinel_password = $SPASS"))"
else
	skip "sentinel passwords" "redis-sentinel is not installed"
fi

# A password holding two @s: it runs to the last '@', so every program reaches Redis with
# it, and no piece of it is taken for the host (printed by -t, ctl, the scheduler, its STATUS
# and the handler's log, and handed to the resolver). A host no address can have is refused.
APASS="Ap$RANDOM$RANDOM@Bp$RANDOM$RANDOM@Cp$RANDOM$RANDOM"
AWRONG="Aw$RANDOM$RANDOM@Bw$RANDOM$RANDOM@Cw$RANDOM$RANDOM"
RP3=$(free_port)
start_redis_port r3 "$RP3" --requirepass "$APASS"
R3=$RPID
write_config "$T/at.conf" "redis = redis://:$APASS@127.0.0.1:$RP3/0" "default_upstream = $RESP_URL"
write_config "$T/atwrong.conf" "redis = redis://:$AWRONG@127.0.0.1:$RP3/0" "default_upstream = $RESP_URL"
check_eq "password with '@': -t passes" 0 "$(run t-at "$H" -c "$T/at.conf" -t)"
check_eq "password with '@': ctl works" 0 "$(ctl at "$T/at.conf")"
check_eq "password with '@': scheduler --once works" 0 "$(run sched-at "$S" -c "$T/at.conf" --once)"
start_handler "$T/at.conf"
check_eq "password with '@': handler caches a miss" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
check_eq "... in that Redis" 1 "$(REDISCLI_AUTH=$APASS RPORT=$RP3 certids | wc -l)"
check_eq "... and serves it as a hit" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
stop_handler
check_eq "wrong password with '@': ctl fails" 3 "$(ctl atwrong "$T/atwrong.conf")"
check "... naming the server by host:port" grep -q "127.0.0.1:$RP3" "$O/ctl-atwrong.err"
start_handler "$T/atwrong.conf"
check_eq "wrong password with '@': handler still answers" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
check "... naming the server by host:port in its log" log_has "127.0.0.1:$RP3"
stop_handler
if [ -f "$O/notify.log" ]; then
	NOTIFY_SOCKET=$T/notify.sock "$S" -c "$T/atwrong.conf" > "$O/sched-atwrong.out" 2> "$O/sched-atwrong.err" &
	SP=$!
	register_pid $SP
	for _ in $(seq 60); do grep -q "STATUS=redis unreachable: .*127.0.0.1:$RP3" "$O/notify.log" && break; sleep 0.1; done
	check "wrong password with '@': STATUS names the server by host:port" \
		grep -q "STATUS=redis unreachable: .*127.0.0.1:$RP3" "$O/notify.log"
	kill "$SP"; wait "$SP" 2>/dev/null
else
	skip "STATUS with a password holding '@'" "no python3 to listen on the notify socket"
fi
kill "$R3"; wait "$R3" 2>/dev/null
bad badhost "redis = redis://:$APASS@127.0.0.1!x:$RP3/0"
bad spacehost "redis_read = redis://:$AWRONG@local host/0"

# Nothing any program wrote holds a password, nor a piece of one split at its @s.
for p in "$PASS" "$WRONG" "$SPASS" ${APASS//@/ } ${AWRONG//@/ }; do
	leaks=$(grep -rlF -- "$p" "$O" "$T/ocsp-proxy.log" "$T"/socket-activate.*.log 2>/dev/null)
	check_eq "no output holds a password (${p:0:8}...)" "" "$leaks"
done
check "the outputs are there to search" test "$(cat "$O"/*.err | wc -l)" -gt 20
