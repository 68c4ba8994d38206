# lib.sh: the integration tests' harness, sourced by tests/integration/*.sh and bench/*.sh.
# Starts real components on loopback or unix sockets (redis-server, openssl ocsp, the handler
# behind systemd-socket-activate), records results, and kills every process it started at exit.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
T=$(mktemp -d "${TMPDIR:-/tmp}/ocsp-proxy-test.XXXXXX")
CA_DIR=${CA_DIR:-$ROOT/tests/tmp/ca}
_passed=0 _failed=0 _pids=""

ok() { _passed=$((_passed + 1)); echo "ok - $1"; }
not_ok() { _failed=$((_failed + 1)); echo "not ok - $1${2:+: $2}"; }
skip() { echo "skip - $1: $2"; }
check() { local name=$1; shift; if "$@" >/dev/null 2>&1; then ok "$name"; else not_ok "$name" "command failed: $*"; fi; }
check_eq() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected '$2', got '$3'"; fi; }
register_pid() { _pids="$_pids $1"; }

_cleanup() {
	local p
	for p in $_pids; do kill "$p" 2>/dev/null; done
	for p in $_pids; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null
	done
	[ "${KEEP_TMP:-0}" = 1 ] || rm -rf "$T"
	if [ -z "${BENCH:-}" ]; then
		echo "$_passed passed, $_failed failed"
		[ "$_failed" = 0 ] || exit 1
	fi
}
trap _cleanup EXIT

# A port nobody listens on, below the kernel's ephemeral range: a port some outgoing connection
# holds as its source would refuse a probe yet fail the bind.
free_port() {
	local p lo=32768
	read -r lo _ < /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null
	[ "$lo" -gt 12000 ] || lo=32768
	for _ in $(seq 50); do
		p=$((10000 + RANDOM % (lo - 10000)))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
	done
	return 1
}
wait_port() {
	local i
	for i in $(seq $((${2:-10} * 20))); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.05
	done
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
	redis-server --port 0 --unixsocket "$REDIS_SOCK" --unixsocketperm 700 --save "" \
		--appendonly no --dir "$T/$name" --logfile "$T/$name/redis.log" ${REDIS_ARGS:-} &
	REDIS_PID=$!
	register_pid "$REDIS_PID"
	REDIS_URL=unix://$REDIS_SOCK
	for _ in $(seq 100); do redis-cli -s "$REDIS_SOCK" ping >/dev/null 2>&1 && return 0; sleep 0.05; done
	echo "redis did not start" >&2
	return 1
}
stop_redis() { kill "$REDIS_PID" 2>/dev/null; wait "$REDIS_PID" 2>/dev/null; rm -f "$REDIS_SOCK"; }
restart_redis() { stop_redis; start_redis "${1:-redis}"; }
rcli() { redis-cli -s "$REDIS_SOCK" "$@"; }

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
	register_pid "$RPID"
	wait_port "$port"
}
# wait_replica PORT: until the replica on PORT has synced with its primary.
wait_replica() {
	for _ in $(seq 100); do
		redis-cli -p "$1" INFO replication 2>/dev/null | grep -q 'master_link_status:up' && return 0
		sleep 0.1
	done
	return 1
}
# start_sentinels PRIMARY_PORT: three Sentinels watching "ocsp", quick to fail over; sets
# SENTINELS to their "127.0.0.1:PORT, ..." list. With REDIS_PASS they authenticate to Redis,
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
				"sentinel down-after-milliseconds ocsp 1000" \
				"sentinel failover-timeout ocsp 5000" "sentinel parallel-syncs ocsp 1"
			[ -z "${REDIS_PASS:-}" ] || echo "sentinel auth-pass ocsp $REDIS_PASS"
			[ -z "${SENTINEL_PASS:-}" ] ||
				printf '%s\n' "requirepass $SENTINEL_PASS" "sentinel sentinel-pass $SENTINEL_PASS"
		} > "$T/s$i/sentinel.conf"
		redis-sentinel "$T/s$i/sentinel.conf" &
		register_pid $!
		wait_port "$s"
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

start_responder() { # [NMIN [PORT]]: PORT to bring a stopped responder back where it was
	make_ca "$CA_DIR"
	RESP_PORT=${2:-$(free_port)}
	openssl ocsp -index "$CA_DIR/index.txt" -CA "$CA_DIR/ca.pem" -rsigner "$CA_DIR/ocsp.pem" \
		-rkey "$CA_DIR/ocsp.key" -port "$RESP_PORT" -nmin "${1:-60}" -ignore_err \
		> "$T/responder.log" 2>&1 &
	RESP_PID=$!
	register_pid "$RESP_PID"
	RESP_URL=http://127.0.0.1:$RESP_PORT/
	# Not wait_port: the responder serves one connection at a time, and a probe would hold it.
	for _ in $(seq 200); do
		grep -q 'waiting for OCSP client connections' "$T/responder.log" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "responder did not start" >&2
	return 1
}
stop_responder() { kill "$RESP_PID" 2>/dev/null; wait "$RESP_PID" 2>/dev/null; }

start_fake_upstream() {
	FAKE_PORT=$(free_port)
	"$BUILD/tests/helpers/fake_upstream" --port "$FAKE_PORT" "$@" > "$T/fake.log" 2>&1 &
	FAKE_PID=$!
	register_pid "$FAKE_PID"
	FAKE_URL=http://127.0.0.1:$FAKE_PORT/
	wait_port "$FAKE_PORT"
}
stop_fake_upstream() { kill "$FAKE_PID" 2>/dev/null; wait "$FAKE_PID" 2>/dev/null; }

write_config() { # FILE [LINE...]: test defaults, then LINEs; a later key replaces an earlier one
	local f=$1
	shift
	printf '%s\n' "redis = ${REDIS_URL:-unix://$T/none.sock}" "key_prefix = test" \
		"allow_upstream = 127.0.0.1 localhost" "upstream_timeout = 3s" "read_timeout = 2s" \
		"redis_timeout = 500ms" "log = $T/ocsp-proxy.log" "$@" |
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
	register_pid "$PROXY_PID"
	PROXY_URL=http://127.0.0.1:$PROXY_PORT/
	wait_port "$PROXY_PORT"
}
stop_handler() { kill "$PROXY_PID" 2>/dev/null; wait "$PROXY_PID" 2>/dev/null; }

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
		head -1 | tr 'A-Z' 'a-z'
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
log_has() { grep -Eq "$1" "$T/ocsp-proxy.log" 2>/dev/null; }
# The Redis keys of the cached entries.
cached_keys() { rcli --scan --pattern '{test}:e:*' 2>/dev/null; }
