# lib.sh: the integration tests' harness, sourced by tests/integration/*.sh and bench/*.sh.
# Starts real components on loopback or unix sockets (redis-server, openssl ocsp, the handler
# behind systemd-socket-activate), records results, and kills every process it started at exit.
# The variables set here (PROXY_URL, FAKE_URL, ...) are for the scripts that source it.
# shellcheck disable=SC2034
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
T=$(mktemp -d "${TMPDIR:-/tmp}/ocsp-proxy-test.XXXXXX")
CA_DIR=${CA_DIR:-$ROOT/tests/tmp/ca}
_passed=0 _failed=0 _pids="" _handlers=""
declare -A _pid_name=() _log_mark=() _sa_seen=()

# Results. A check says what it expects; a command killed by a signal never passes.
ok() { _passed=$((_passed + 1)); echo "ok - $1"; }
not_ok() { _failed=$((_failed + 1)); echo "not ok - $1${2:+: $2}"; }
skip() { echo "skip - $1: $2"; }
# bail NAME [WHY]: one failure, and the test ends here (a part it needs did not start).
bail() { not_ok "$1" "${2:-}"; exit 1; }
# describe_status RC: "exit 3" or "killed by SIGSEGV" (bash reports a signal as 128 + its number).
describe_status() {
	if [ "$1" -gt 128 ] && [ "$1" -le 192 ]; then
		echo "killed by SIG$(kill -l $(($1 - 128)) 2>/dev/null || echo "$(($1 - 128))")"
	else
		echo "exit $1"
	fi
}
# check NAME CMD...: passes when CMD exits 0.
check() {
	local name=$1 rc
	shift
	"$@" >/dev/null 2>&1
	rc=$?
	if [ "$rc" = 0 ]; then ok "$name"; else not_ok "$name" "$(describe_status "$rc"): $*"; fi
}
# check_status NAME WANT CMD...: passes only when CMD exits with status WANT (its output is
# dropped); check_rc NAME WANT RC the same for a status already collected (cmd; check_rc ... $?).
check_status() {
	local name=$1 want=$2 rc
	shift 2
	"$@" >/dev/null 2>&1
	rc=$?
	check_rc "$name" "$want" "$rc"
}
check_rc() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected $(describe_status "$2"), got $(describe_status "$3")"; fi
}
check_eq() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected '$2', got '$3'"; fi; }
# check_output NAME WANT CMD...: CMD prints exactly WANT and exits 0 (check_eq "$(CMD)" would
# miss a crash after the output). The output is left in $OUT.
check_output() {
	local name=$1 want=$2 rc
	shift 2
	OUT=$("$@")
	rc=$?
	if [ "$rc" != 0 ]; then not_ok "$name" "$(describe_status "$rc"), printed '$OUT'"; else check_eq "$name" "$want" "$OUT"; fi
}

# Processes. register_pid PID [NAME]: stopped at exit with its children. A registered process
# that dies of a crash (SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS) fails the test.
register_pid() { _pids="$_pids $1"; _pid_name[$1]=${2:-pid $1}; }
_crash_signal() { case $1 in 132|133|134|135|136|139|159) return 0 ;; esac; return 1; }
# _tree PID: PID and every descendant, parents first.
_tree() {
	local c
	echo "$1"
	for c in $(pgrep -P "$1" 2>/dev/null); do _tree "$c"; done
}
_zombie() { [ "$(sed -n 's/^[0-9]* ([^)]*) \(.\).*/\1/p' "/proc/$1/stat" 2>/dev/null)" = Z ]; }
_alive() { kill -0 "$1" 2>/dev/null && ! _zombie "$1"; }
# _stop PIDS...: SIGTERM to each process and all its descendants (openssl ocsp -multi workers,
# Apache's children, a handler serving a connection), SIGKILL to what is left after 5 s.
_stop() {
	local all="" live p
	for p in "$@"; do all="$all $(_tree "$p" | tr '\n' ' ')"; done
	# shellcheck disable=SC2086
	kill $all 2>/dev/null
	for _ in $(seq 50); do
		live=""
		for p in $all; do _alive "$p" && live="$live $p"; done
		[ -n "$live" ] || return 0
		sleep 0.1
	done
	# shellcheck disable=SC2086
	kill -9 $live 2>/dev/null
}
# stop_pid PID [NAME]: stops a process the test started and its children. Fails the test when
# the process had died of a crash, or exits with anything but 0 or the SIGTERM it was sent.
stop_pid() {
	local pid=$1 name=${2:-${_pid_name[$1]:-pid $1}} rc
	if ! kill -0 "$pid" 2>/dev/null; then
		return 0   # already waited for by the test
	fi
	if _zombie "$pid"; then
		wait "$pid" 2>/dev/null
		rc=$?
		_crash_signal "$rc" && not_ok "$name did not crash" "$(describe_status "$rc") before it was stopped"
		return 0
	fi
	_stop "$pid"
	wait "$pid" 2>/dev/null
	rc=$?
	case $rc in
	0 | 143 | 127) ;;
	137) echo "# $name ignored SIGTERM for 5 s and was killed" ;;
	*) not_ok "$name stops cleanly" "$(describe_status "$rc") on SIGTERM" ;;
	esac
	return 0
}
# Handlers under systemd-socket-activate --inetd: it logs "Child N died with code C", C the exit
# status (0 answered, 1 rejected or failed) or the signal that killed it. Anything else fails.
_check_handlers() {
	local f seen line n bad=0 first=""
	for f in "$T"/socket-activate.*.log; do
		[ -f "$f" ] || continue
		seen=${_sa_seen[$f]:-0}
		n=0
		while IFS= read -r line; do
			n=$((n + 1))
			[ "$n" -gt "$seen" ] || continue
			case $line in
			"Child "*" died with code 0" | "Child "*" died with code 1") ;;
			"Child "*" died with code "*) bad=$((bad + 1)); first=${first:-$line} ;;
			esac
		done < "$f"
		_sa_seen[$f]=$n
	done
	[ "$bad" = 0 ] || not_ok "handler processes ended normally" \
		"$bad did not; systemd-socket-activate: $first (a signal number or an exit status)"
}
# _handlers_stopped: what systemd-socket-activate logged while the test stopped it is no crash.
_handlers_stopped() {
	local f
	for f in "$T"/socket-activate.*.log; do [ -f "$f" ] && _sa_seen[$f]=$(wc -l < "$f"); done
}

_cleanup() {
	local p rc
	_check_handlers
	# shellcheck disable=SC2086
	[ -z "$_pids" ] || _stop $_pids
	_handlers_stopped
	for p in $_pids; do
		wait "$p" 2>/dev/null
		rc=$?
		_crash_signal "$rc" && not_ok "${_pid_name[$p]:-pid $p} did not crash" "$(describe_status "$rc")"
	done
	[ "${KEEP_TMP:-0}" = 1 ] || rm -rf "$T"
	if [ -z "${BENCH:-}" ]; then
		echo "$_passed passed, $_failed failed"
		[ "$_failed" = 0 ] || exit 1
	fi
}
trap _cleanup EXIT

# make demo's helpers (scripts/demo-lib.sh stands alone, for a fresh clone): demo_port (a free
# loopback port), demo_wait_port and demo_listening (the wait for an openssl ocsp responder)
# serve here too.
# shellcheck source=scripts/demo-lib.sh
. "$ROOT/scripts/demo-lib.sh"
# A port nobody listens on, below the kernel's ephemeral range.
free_port() { demo_port; }
wait_port() {
	demo_wait_port 127.0.0.1 "$1" "${2:-10}" && return 0
	echo "port $1 did not open" >&2
	return 1
}
wait_file() {
	local i
	for i in $(seq $((${2:-10} * 20))); do [ -e "$1" ] && return 0; sleep 0.05; done
	return 1
}

# A test CA: EC keys (fast), an OCSP signing certificate, a good and a revoked leaf, and a second,
# unrelated CA with one leaf. Made once per CA_DIR and shared by all tests of a run.
make_ca() {
	local d=$1 exp now n
	[ -f "$d/.done" ] && return 0
	mkdir -p "$d/other"
	_mk_ca "$d"
	_mk_ca "$d/other"
	for n in ocsp good revoked; do _mk_key "$d" "$n"; done
	_sign "$d" ocsp 1 "extendedKeyUsage=OCSPSigning
basicConstraints=CA:FALSE"
	_sign "$d" good 1001 "basicConstraints=CA:FALSE"
	_sign "$d" revoked 1002 "basicConstraints=CA:FALSE"
	_mk_key "$d/other" good
	_sign "$d/other" good 2001 "basicConstraints=CA:FALSE"
	exp=$(date -u -d '+300 days' +%y%m%d%H%M%SZ)
	now=$(date -u -d '-1 hour' +%y%m%d%H%M%SZ)
	printf 'V\t%s\t\t1001\tunknown\t/CN=good\nR\t%s\t%s\t1002\tunknown\t/CN=revoked\n' \
		"$exp" "$exp" "$now" > "$d/index.txt"
	printf 'unique_subject = no\n' > "$d/index.txt.attr"
	touch "$d/.done"
}
_mk_ca() {
	openssl ecparam -name prime256v1 -genkey -noout -out "$1/ca.key" 2>/dev/null
	openssl req -new -x509 -key "$1/ca.key" -out "$1/ca.pem" -days 365 -subj "/CN=ocsp-proxy test CA $RANDOM" \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}
_mk_key() {
	openssl ecparam -name prime256v1 -genkey -noout -out "$1/$2.key" 2>/dev/null
	openssl req -new -key "$1/$2.key" -subj "/CN=$2" -out "$1/$2.csr" 2>/dev/null
}
_sign() {
	printf '%s\n' "$4" > "$1/$2.ext"
	openssl x509 -req -in "$1/$2.csr" -CA "$1/ca.pem" -CAkey "$1/ca.key" -out "$1/$2.pem" \
		-days 300 -set_serial "0x$3" -extfile "$1/$2.ext" 2>/dev/null
}

start_redis() {
	local name=${1:-redis}
	mkdir -p "$T/$name"
	REDIS_SOCK=$T/$name/redis.sock
	# shellcheck disable=SC2086  # REDIS_ARGS: several arguments
	redis-server --port 0 --unixsocket "$REDIS_SOCK" --unixsocketperm 700 --save "" \
		--appendonly no --dir "$T/$name" --logfile "$T/$name/redis.log" ${REDIS_ARGS:-} &
	REDIS_PID=$!
	register_pid "$REDIS_PID" redis-server
	REDIS_URL=unix://$REDIS_SOCK
	for _ in $(seq 100); do redis-cli -s "$REDIS_SOCK" ping >/dev/null 2>&1 && return 0; sleep 0.05; done
	bail "redis started" "$(tail -3 "$T/$name/redis.log" 2>/dev/null)"
}
stop_redis() { stop_pid "$REDIS_PID" redis-server; rm -f "$REDIS_SOCK"; }
restart_redis() { stop_redis; start_redis "${1:-redis}"; }

# Replication and Sentinel on loopback ports (sentinel and cluster tests).
# start_redis_port NAME PORT [redis-server args]: sets RPID. Diskless sync would wait
# repl-diskless-sync-delay (5 s) for more replicas: not here.
start_redis_port() {
	local name=$1 port=$2
	shift 2
	mkdir -p "$T/$name"
	redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$T/$name" \
		--repl-diskless-sync-delay 0 --logfile "$T/$name/log" "$@" &
	RPID=$!
	register_pid "$RPID" "redis-server $name"
	wait_port "$port" || bail "redis $name started" "$(tail -3 "$T/$name/log" 2>/dev/null)"
}
# wait_replica PORT: until the replica on PORT has synced with its primary (30 s at most: a
# full sync on a loaded machine may take a while; a replica that syncs returns at once).
wait_replica() {
	for _ in $(seq 300); do
		redis-cli -p "$1" INFO replication 2>/dev/null | grep -q 'master_link_status:up' && return 0
		sleep 0.1
	done
	return 1
}
# wait_synced REPLICA PRIMARY: until the replica on port REPLICA follows PRIMARY, its link up,
# and holds all the primary had written when asked (its offset caught up): what a check that
# the replica has some data must wait for. 60 s at most, for a loaded machine.
wait_synced() {
	local want info off nl=$'\n'
	want=$(redis-cli -p "$2" INFO replication 2>/dev/null | tr -d '\r' |
		sed -n 's/^master_repl_offset:\([0-9]*\)$/\1/p')
	[ -n "$want" ] || return 1
	for _ in $(seq 600); do
		info=$(redis-cli -p "$1" INFO replication 2>/dev/null | tr -d '\r')
		off=$(echo "$info" | sed -n 's/^slave_repl_offset:\([0-9]*\)$/\1/p')
		case $info in
		*"master_port:$2$nl"*"master_link_status:up"*) [ "${off:-0}" -ge "$want" ] && return 0 ;;
		esac
		sleep 0.1
	done
	return 1
}
# until_eq WANT CMD...: waits for CMD to print WANT, 30 s at most (a loaded machine; a condition
# met returns at once).
until_eq() {
	local want=$1
	shift
	for _ in $(seq 300); do [ "$("$@")" = "$want" ] && return 0; sleep 0.1; done
	return 1
}
# start_sentinels PRIMARY_PORT: three Sentinels watching "ocsp", quick to fail over; sets
# SENTINELS to their "127.0.0.1:PORT, ..." list. DOWN_AFTER_MS (3000) is how long a primary
# must be unreachable before they fail over: with 1 s a Sentinel that had just switched to the
# new primary sometimes judged it down too on a loaded machine and failed over a second time.
# With REDIS_PASS they authenticate to Redis,
# with SENTINEL_PASS they require it themselves.
start_sentinels() {
	local i s
	SENTINELS=""
	for i in 1 2 3; do
		s=$(free_port)
		mkdir -p "$T/s$i"
		{
			printf '%s\n' "port $s" "bind 127.0.0.1" "dir $T/s$i" "logfile $T/s$i/log" \
				"sentinel monitor ocsp 127.0.0.1 $1 2" \
				"sentinel down-after-milliseconds ocsp ${DOWN_AFTER_MS:-3000}" \
				"sentinel failover-timeout ocsp 5000" "sentinel parallel-syncs ocsp 1"
			[ -z "${REDIS_PASS:-}" ] || echo "sentinel auth-pass ocsp $REDIS_PASS"
			[ -z "${SENTINEL_PASS:-}" ] ||
				printf '%s\n' "requirepass $SENTINEL_PASS" "sentinel sentinel-pass $SENTINEL_PASS"
		} > "$T/s$i/sentinel.conf"
		redis-sentinel "$T/s$i/sentinel.conf" &
		register_pid $! "redis-sentinel $i"
		wait_port "$s" || bail "sentinel $i started" "$(tail -3 "$T/s$i/log" 2>/dev/null)"
		SENTINELS="$SENTINELS${SENTINELS:+, }127.0.0.1:$s"
	done
}
# sentinel_port: the port of the primary the first Sentinel names now (after a promotion it
# takes the Sentinels a moment more to say so).
sentinel_port() {
	local s=${SENTINELS%%,*}
	REDISCLI_AUTH=${SENTINEL_PASS:-} redis-cli -h "${s%:*}" -p "${s##*:}" \
		SENTINEL get-master-addr-by-name ocsp 2>/dev/null | tail -1
}
# role PORT: master, slave, or nothing when down.
role() { redis-cli -p "$1" ROLE 2>/dev/null | head -1; }

# start_responder [NMIN [PORT [ARGS...]]]: the test CA's `openssl ocsp` responder, its answers
# valid NMIN minutes (60); PORT to bring a stopped responder back where it was (empty: a free
# one); ARGS for openssl ocsp (-multi 4). stop_responder stops its workers too. RESP_INDEX: the
# CA database it answers from (the shared $CA_DIR/index.txt by default; see revoke_serial).
start_responder() {
	local nmin=${1:-60}
	make_ca "$CA_DIR"
	RESP_PORT=${2:-$(free_port)}
	shift $(($# < 2 ? $# : 2))
	openssl ocsp -index "${RESP_INDEX:-$CA_DIR/index.txt}" -CA "$CA_DIR/ca.pem" -rsigner "$CA_DIR/ocsp.pem" \
		-rkey "$CA_DIR/ocsp.key" -port "$RESP_PORT" -nmin "$nmin" -ignore_err "$@" \
		> "$T/responder.log" 2>&1 &
	RESP_URL=http://127.0.0.1:$RESP_PORT/
	responder_started $!
}
# responder_started PID: an `openssl ocsp` responder just started in the background, writing to
# $T/responder.log, becomes RESP_PID (registered); returns once it listens, ends the test if it
# does not (not wait_port: a probe would hold the responder's one connection).
responder_started() {
	RESP_PID=$1
	register_pid "$RESP_PID" "openssl ocsp responder"
	demo_listening "$T/responder.log" || bail "responder started" "$(tail -3 "$T/responder.log")"
}
stop_responder() { stop_pid "$RESP_PID"; }
# revoke_serial INDEX SERIAL: the certificate marked revoked now in INDEX, a test's own copy of
# $CA_DIR/index.txt (the CA is shared by every test of a run). openssl ocsp reads its index
# again only before accepting the connection after the one that follows a change: restart it
# (stop_responder; start_responder NMIN "$RESP_PORT") to publish the revocation at once.
revoke_serial() {
	local now
	now=$(date -u +%y%m%d%H%M%SZ)
	sed -i "s/^V\t\([0-9]*Z\)\t\t$2\t/R\t\1\t$now\t$2\t/" "$1"
	grep -q "^R.*	$2	" "$1"
}

# The fake upstream's port is chosen once per test, so write_config can allow it by port before
# it starts (allow_upstream allows a bare host on port 80 only).
FAKE_PORT=$(free_port)
start_fake_upstream() {
	"$BUILD/tests/helpers/fake_upstream" --port "$FAKE_PORT" "$@" > "$T/fake.log" 2>&1 &
	FAKE_PID=$!
	register_pid "$FAKE_PID" fake_upstream
	FAKE_URL=http://127.0.0.1:$FAKE_PORT/
	wait_port "$FAKE_PORT" || bail "fake_upstream started" "$(tail -3 "$T/fake.log")"
}
stop_fake_upstream() { stop_pid "$FAKE_PID"; }

# The default allow_upstream names the responder's and the fake upstream's port: no other port of
# 127.0.0.1 is allowed. upstream_backoff is 0 so that tests asking one failing upstream in turn
# see each answer (tests/integration/herd.sh sets it).
write_config() { # FILE [LINE...]: test defaults, then LINEs; a later key replaces an earlier one
	local f=$1
	shift
	# The test CAs are the issuers answers are verified against; nothing of the host's.
	make_ca "$CA_DIR"
	printf '%s\n' "redis = ${REDIS_URL:-unix://$T/none.sock}" "key_prefix = test" \
		"allow_upstream = 127.0.0.1:$FAKE_PORT${RESP_PORT:+ 127.0.0.1:$RESP_PORT}" \
		"upstream_timeout = 3s" "upstream_backoff = 0" "read_timeout = 2s" \
		"redis_timeout = 500ms" "log = $T/ocsp-proxy.log" \
		"issuers = $CA_DIR/ca.pem $CA_DIR/other/ca.pem" "issuers_dir = $T/issuers" \
		"system_issuers = no" "$@" |
		awk -F' = ' '$1 == "route" { print; next } { last[$1] = NR; line[NR] = $0 }
			END { for (i = 1; i <= NR; i++) if (i in line && last[substr(line[i], 1, index(line[i], " = ") - 1)] == i) print line[i] }' \
		> "$f"
}

start_handler() {
	PROXY_PORT=$(free_port)
	# systemd-socket-activate passes only PATH and TERM on: name what the handler needs.
	systemd-socket-activate --inetd -a -l "127.0.0.1:$PROXY_PORT" -E OCSP_PROXY_CONFIG="$1" \
		${ASAN_OPTIONS:+-E ASAN_OPTIONS="$ASAN_OPTIONS"} \
		${UBSAN_OPTIONS:+-E UBSAN_OPTIONS="$UBSAN_OPTIONS"} "$BUILD/ocsp-proxy-handler" > "$T/socket-activate.$PROXY_PORT.log" 2>&1 &
	PROXY_PID=$!
	register_pid "$PROXY_PID" "systemd-socket-activate (handler)"
	_handlers="$_handlers $PROXY_PID"
	PROXY_URL=http://127.0.0.1:$PROXY_PORT/
	wait_port "$PROXY_PORT" || bail "handler socket opened" "$(tail -3 "$T/socket-activate.$PROXY_PORT.log")"
}
# Fails the test when a handler it ran crashed (see _check_handlers).
stop_handler() { _check_handlers; stop_pid "$PROXY_PID"; _handlers_stopped; }

# openssl ocsp as a client: prints good, revoked, unknown, or "error: ...".
ocsp_query() {
	local url=$1 cert=$2 out nonce=-no_nonce a
	shift 2
	for a in "$@"; do [ "$a" = -nonce ] && nonce=; done
	rm -f "$T/resp.der"
	out=$(openssl ocsp -issuer "$CA_DIR/ca.pem" -cert "$cert" -url "$url" -CAfile "$CA_DIR/ca.pem" \
		$nonce -respout "$T/resp.der" -timeout 10 "$@" 2>&1)
	case $out in
	*": good"*) echo good ;;
	*": revoked"*) echo revoked ;;
	*": unknown"*) echo unknown ;;
	*) echo "error: $(echo "$out" | head -2 | tr '\n' ' ')" ;;
	esac
}
make_request() { # CERT OUT [-nonce] [-issuer FILE] [openssl ocsp args]
	local cert=$1 out=$2 nonce=-no_nonce issuer=$CA_DIR/ca.pem a
	shift 2
	for a in "$@"; do [ "$a" = -nonce ] && nonce=; done
	[ "${1:-}" = -nonce ] && shift
	[ "${1:-}" = -issuer ] && { issuer=$2; shift 2; }
	openssl ocsp -issuer "$issuer" -cert "$cert" $nonce -reqout "$out" "$@" >/dev/null 2>&1
}
b64url() { base64 -w0 "$1"; }
b64url_nginx() { base64 -w0 "$1" | sed 's|/|%2F|g; s|+|%2B|g; s|=|%3D|g'; }
resp_status() { # lower case: successful, trylater, malformedrequest, unauthorized, ... or empty
	openssl ocsp -respin "$1" -resp_text -noverify 2>&1 |
		sed -n 's/.*OCSP Response Status: \([A-Za-z]*\).*/\1/p; s/^Responder Error: \([A-Za-z]*\).*/\1/p' |
		head -1 | tr '[:upper:]' '[:lower:]'
}
resp_this() {
	openssl ocsp -respin "$1" -resp_text -noverify 2>/dev/null | sed -n 's/.*This Update: //p' | head -1
}
resp_cert_status() {
	openssl ocsp -respin "$1" -resp_text -noverify 2>/dev/null | sed -n 's/.*Cert Status: //p' | head -1
}
# The certificate status a TLS server on 127.0.0.1:PORT staples, as openssl s_client -status
# prints it; retries for a while since servers fetch their first staple in the background.
staple_status() {
	local port=$1 i out
	for i in $(seq "${2:-20}"); do
		out=$(echo | timeout 5 openssl s_client -connect "127.0.0.1:$port" -status 2>/dev/null)
		if echo "$out" | grep -q 'Cert Status:'; then
			echo "$out" | sed -n 's/.*Cert Status: //p' | head -1
			return 0
		fi
		sleep 0.5
	done
	echo "no staple"
}
# POSTs the DER request file REQ to 127.0.0.1:PORT over a raw connection, answer into OUT.
raw_post() {
	local port=$1 req=$2 out=$3
	exec 3<>"/dev/tcp/127.0.0.1/$port"
	{ printf 'POST / HTTP/1.0\r\nContent-Type: application/ocsp-request\r\nContent-Length: %d\r\n\r\n' \
		"$(stat -c %s "$req")"; cat "$req"; } >&3
	timeout 5 cat <&3 > "$out"
	exec 3<&-
}
# 0 when FILE holds one HTTP response and nothing else: its head, then Content-Length bytes.
exactly_one_response() {
	local len head
	len=$(sed -n 's/^Content-Length: \([0-9]*\)\r$/\1/p' "$1")
	head=$(sed -n '1,/^\r$/p' "$1" | wc -c)
	[ -n "$len" ] && [ $((head + len)) = "$(stat -c %s "$1")" ]
}

# Logs. A check sees only the lines written since the step began: log_mark at the start of a
# step, then log_has / log_lacks / log_count look after the mark (the whole file when unmarked).
# FILE defaults to the handler's log, $T/ocsp-proxy.log.
#
# log_mark [FILE...]: waits for the handlers still serving a connection to write their line,
# then marks the end of each FILE.
log_mark() {
	local f
	_quiesce
	[ $# -gt 0 ] || set -- "$T/ocsp-proxy.log"
	for f in "$@"; do
		if [ -f "$f" ]; then _log_mark[$f]=$(wc -c < "$f"); else _log_mark[$f]=0; fi
	done
}
# _quiesce: up to 2 s for the handlers under systemd-socket-activate to end: a handler logs its
# line after the client has its answer.
_quiesce() {
	local p busy
	for _ in $(seq 20); do
		busy=0
		for p in $_handlers; do pgrep -P "$p" >/dev/null 2>&1 && busy=1; done
		[ "$busy" = 1 ] || return 0
		sleep 0.1
	done
}
# _since FILE: what FILE holds after its mark (all of it when it shrank: a new file).
_since() {
	local m=${_log_mark[$1]:-0}
	[ -f "$1" ] || return 0
	[ "$(wc -c < "$1")" -ge "$m" ] || m=0
	tail -c +$((m + 1)) "$1"
}
# log_has ERE [FILE [SECONDS]]: a line since the mark matches; waits up to SECONDS (2) for it
# to be written.
log_has() {
	local f=${2:-$T/ocsp-proxy.log}
	for _ in $(seq $((${3:-2} * 10))); do
		_since "$f" | grep -Eq -- "$1" && return 0
		sleep 0.1
	done
	return 1
}
# log_lacks ERE [FILE]: no line since the mark matches (once the handlers have ended).
log_lacks() { _quiesce; ! _since "${2:-$T/ocsp-proxy.log}" | grep -Eq -- "$1"; }
# log_count ERE [FILE]: how many lines since the mark match.
log_count() { _quiesce; _since "${2:-$T/ocsp-proxy.log}" | grep -Ec -- "$1"; }

# Redis, as lib/store.h lays it out. The one place tests name its keys; fields are passed
# through as given (store.c owns the list), so a new field needs no change here.
# rcli ARGS...: redis-cli to the test's Redis ($REDIS_SOCK), or to 127.0.0.1:$RPORT when RPORT
# is set (RPORT=$P1 entry_field ...).
KEY_PREFIX=${KEY_PREFIX:-test}
rcli() {
	if [ -n "${RPORT:-}" ]; then redis-cli -p "$RPORT" "$@"; else redis-cli -s "$REDIS_SOCK" "$@"; fi
}
# rkey WHAT [CERTID]: a key's name: entry CERTID, lease CERTID, due, failing, stats, schedulers.
rkey() {
	case $1 in
	entry) echo "{$KEY_PREFIX}:e:$2" ;;
	lease) echo "{$KEY_PREFIX}:lease:$2" ;;
	*) echo "{$KEY_PREFIX}:$1" ;;
	esac
}
# certids: the CertIDs (hex) of the cached entries, one a line; cached_keys: their Redis keys.
certids() { cached_keys | sed "s/^{$KEY_PREFIX}:e://"; }
cached_keys() { rcli --scan --pattern "$(rkey entry '*')" 2>/dev/null; }
# entry_field CERTID FIELD: a field of a cached entry, empty when absent; CERTID "-" is the
# first cached entry (the only one, in most tests).
entry_field() {
	local id=$1
	[ "$id" != - ] || id=$(certids | head -1)
	rcli --raw HGET "$(rkey entry "$id")" "$2"
}
# entry_set CERTID FIELD VALUE [FIELD VALUE...]: changes a cached entry (CERTID "-" as above).
entry_set() {
	local id=$1
	shift
	[ "$id" != - ] || id=$(certids | head -1)
	rcli HSET "$(rkey entry "$id")" "$@" >/dev/null
}
# due_at CERTID: when the entry is scheduled (whole unix seconds), empty when not.
due_at() {
	local id=$1 d
	[ "$id" != - ] || id=$(certids | head -1)
	d=$(rcli ZSCORE "$(rkey due)" "$id")
	echo "${d%.*}"
}
# make_due [CERTID...]: schedules the entries (all cached ones when none is given) for now.
make_due() {
	local id
	# shellcheck disable=SC2046  # hex ids, one a line
	[ $# -gt 0 ] || set -- $(certids)
	for id in "$@"; do rcli ZADD "$(rkey due)" 0 "$id" >/dev/null; done
}
# stat_count NAME: a counter of {P}:stats (hits, misses, refreshes, ...), 0 when unset.
stat_count() {
	local v
	v=$(rcli HGET "$(rkey stats)" "$1")
	echo "${v:-0}"
}

# copy_entry N CERTID DUE: N copies of CERTID's entry under new CertID-like keys (c0ffee000001,
# c0ffee000002, ...), each due at DUE.
copy_entry() {
	rcli EVAL "
		local src = redis.call('HGETALL', KEYS[1])
		for i = 1, tonumber(ARGV[1]) do
			local id = string.format('c0ffee%06x', i)
			redis.call('HSET', ARGV[3] .. id, unpack(src))
			redis.call('ZADD', KEYS[2], ARGV[2], id)
		end
		return 0" 2 "$(rkey entry "$2")" "$(rkey due)" "$1" "$3" "$(rkey entry '')" >/dev/null
}
# setup_proxy [--nmin N] [--no-handler] [--no-default-upstream] [CONFIG LINE...]: the opening
# most tests share: the test CA, Redis, the responder (answers valid N minutes, 60), CONF
# ($T/c.conf: default_upstream = the responder, then the LINEs), the handler on CONF (PROXY_URL).
# Ends the test when a part does not start.
setup_proxy() {
	local nmin=60 handler=1 upstream=1
	while [ $# -gt 0 ]; do
		case $1 in
		--nmin) nmin=$2; shift 2 ;;
		--no-handler) handler=0; shift ;;
		--no-default-upstream) upstream=0; shift ;;
		*) break ;;
		esac
	done
	make_ca "$CA_DIR"
	start_redis
	start_responder "$nmin"
	CONF=$T/c.conf
	if [ "$upstream" = 1 ]; then
		write_config "$CONF" "default_upstream = $RESP_URL" "$@"
	else
		write_config "$CONF" "$@"
	fi
	[ "$handler" = 0 ] || start_handler "$CONF"
}
# alive_in_session SID: its processes, zombies aside (a handler that ended after its parent was
# stopped waits there for init to reap it); waits up to 5 s for stragglers to end.
alive_in_session() {
	local left
	for _ in $(seq 50); do
		left=$(ps -o pid=,stat=,args= -s "$1" 2>/dev/null | awk '$2 !~ /^Z/')
		[ -z "$left" ] && return 0
		sleep 0.1
	done
	echo "$left"
}
# notify_listener LOG [--stamp]: a systemd notify socket at $T/notify.sock whose datagrams are
# appended to LOG a line each (with --stamp, each line led by its arrival time, monotonic
# seconds); returns 1, starting nothing, without python3 to listen.
notify_listener() {
	command -v python3 >/dev/null || return 1
	python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as f:
    while True:
        m = s.recv(4096).decode(errors="replace")
        for l in m.splitlines():
            f.write(("%.3f " % time.monotonic() if sys.argv[3] else "") + l + "\n")
' "$T/notify.sock" "$1" "${2:+1}" &
	register_pid $! "notify socket listener"
	wait_file "$T/notify.sock"
}
# start_resident CONF: the resident handler on CONF, listening on a free loopback port (--listen);
# sets port, M (its pid, registered) and URL.
start_resident() {
	port=$(free_port)
	"$BUILD/ocsp-proxy-handler" -c "$1" --listen "127.0.0.1:$port" &
	M=$!
	register_pid $M "resident handler --listen"
	wait_port "$port"
	URL=http://127.0.0.1:$port/
}
# hold_conns PORT IDLE HALF: keeps IDLE connections to 127.0.0.1:PORT that send nothing and HALF
# that send half a request line, until killed; HOLD_PID is the holder, $T/hold.ready appears
# once all are connected. $T/hold.closed counts those the server closed, written on SIGTERM.
hold_conns() {
	rm -f "$T/hold.ready" "$T/hold.closed"
	python3 - "$1" "$2" "$3" "$T/hold.ready" "$T/hold.closed" <<'PY' &
import select, signal, socket, sys, time
port, idle, half, ready, closed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
socks = []
for i in range(idle + half):
    s = socket.create_connection(("127.0.0.1", port))
    if i >= idle:
        s.sendall(b"POST / HT")
    socks.append(s)
open(ready, "w").close()
def report(*_):
    n = 0
    for s in socks:
        r, _, _ = select.select([s], [], [], 0)
        if r:
            n += 1
    open(closed, "w").write(str(n))
    sys.exit(0)
signal.signal(signal.SIGTERM, report)
while True:
    time.sleep(1)
PY
	HOLD_PID=$!
	register_pid "$HOLD_PID"
	wait_file "$T/hold.ready" 20
}
# ms_post URL REQ: the milliseconds curl took to POST the DER request REQ (answer in $T/ms.out).
ms_post() {
	curl -s -o "$T/ms.out" -w '%{time_total}' -H 'Content-Type: application/ocsp-request' \
		--data-binary @"$2" "$1" | awk '{printf "%d", $1 * 1000}'
}
