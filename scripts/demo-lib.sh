# demo-lib.sh: sourced by demo.sh (`make demo`) and run-local.sh (`make run`): a throwaway CA
# (root, issuing CA, delegated OCSP responder, a good and a revoked leaf), an `openssl ocsp`
# responder for it, redis-server and the handler, each started in the background and recorded so
# stop_all can end exactly what was started.

DEMO_PIDS=""

# demo_port: a loopback port nobody listens on, below the kernel's ephemeral range (a port some
# outgoing connection holds as its source would refuse a probe yet fail the bind). tests/lib.sh
# uses it too, as free_port.
demo_port() {
	local p lo=32768
	read -r lo _ < /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null
	[ "$lo" -gt 12000 ] || lo=32768
	for _ in $(seq 50); do
		p=$((10000 + RANDOM % (lo - 10000)))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
	done
	return 1
}

# demo_ca DIR RESPONDER_URL: root.pem, issuing.pem, chain.pem (issuing + root), ocsp.pem (the
# delegated responder: issued by the issuing CA with the OCSPSigning EKU), www.pem (serial 1004,
# good), revoked.pem (serial 1005, revoked) and the responder's index.txt. EC keys: fast.
demo_ca() {
	local d=$1 url=$2 exp rev
	[ -f "$d/.done" ] && return 0
	mkdir -p "$d"
	_demo_key "$d/root"
	openssl req -new -x509 -key "$d/root.key" -out "$d/root.pem" -days 30 \
		-subj "/O=ocsp-proxy demo/CN=Demo Root CA" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null || return 1
	_demo_issue "$d" root issuing 1 "/O=ocsp-proxy demo/CN=Demo Issuing CA" \
		"basicConstraints=critical,CA:TRUE,pathlen:0
keyUsage=critical,keyCertSign,cRLSign" || return 1
	_demo_issue "$d" issuing ocsp 2 "/O=ocsp-proxy demo/CN=Demo OCSP Responder" \
		"basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=OCSPSigning
1.3.6.1.5.5.7.48.1.5=ASN1:NULL" || return 1
	_demo_issue "$d" issuing www 1004 "/CN=www.demo.test" \
		"basicConstraints=critical,CA:FALSE
subjectAltName=DNS:www.demo.test
authorityInfoAccess=OCSP;URI:$url" || return 1
	_demo_issue "$d" issuing revoked 1005 "/CN=revoked.demo.test" \
		"basicConstraints=critical,CA:FALSE
subjectAltName=DNS:revoked.demo.test
authorityInfoAccess=OCSP;URI:$url" || return 1
	cat "$d/issuing.pem" "$d/root.pem" > "$d/chain.pem"
	exp=$(date -u -d '+30 days' +%y%m%d%H%M%SZ)
	rev=$(date -u -d '-1 hour' +%y%m%d%H%M%SZ)
	printf 'V\t%s\t\t1004\tunknown\t/CN=www.demo.test\nR\t%s\t%s,keyCompromise\t1005\tunknown\t/CN=revoked.demo.test\n' \
		"$exp" "$exp" "$rev" > "$d/index.txt"
	printf 'unique_subject = no\n' > "$d/index.txt.attr"
	touch "$d/.done"
}
_demo_key() {
	openssl ecparam -name prime256v1 -genkey -noout -out "$1.key" 2>/dev/null
}
# _demo_issue DIR CA NAME SERIAL SUBJECT EXTENSIONS
_demo_issue() {
	_demo_key "$1/$3" || return 1
	openssl req -new -key "$1/$3.key" -subj "$5" -out "$1/$3.csr" 2>/dev/null || return 1
	printf '%s\n' "$6" > "$1/$3.ext"
	openssl x509 -req -in "$1/$3.csr" -CA "$1/$2.pem" -CAkey "$1/$2.key" -out "$1/$3.pem" \
		-days 30 -set_serial "0x$4" -extfile "$1/$3.ext" 2>/dev/null
}

# demo_responder DIR PORT LOG: `openssl ocsp` answering for the issuing CA, signed by the
# delegated responder, nextUpdate an hour ahead. Sets RESPONDER_PID.
demo_responder() {
	openssl ocsp -index "$1/index.txt" -CA "$1/issuing.pem" -rsigner "$1/ocsp.pem" \
		-rkey "$1/ocsp.key" -port "$2" -nmin 60 -ignore_err > "$3" 2>&1 &
	RESPONDER_PID=$!
	DEMO_PIDS="$DEMO_PIDS $RESPONDER_PID"
	demo_listening "$3" && return 0
	echo "the responder did not start on port $2; see $3" >&2
	demo_holder "$2" >&2
	return 1
}
# demo_listening LOG: waits up to 10 s for the `openssl ocsp` responder writing LOG to listen; 1
# if it does not. Not a probe connection: the responder serves one connection at a time. It
# prints "ACCEPT addr PID=n" once it listens (the one line with -multi). tests/lib.sh uses it too.
demo_listening() {
	for _ in $(seq 200); do
		grep -Eq '^ACCEPT |waiting for OCSP client connections' "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# demo_redis DIR [redis-server args]: on a unix socket in DIR. Sets REDIS_PID, REDIS_SOCK.
demo_redis() {
	local d=$1
	shift
	mkdir -p "$d"
	REDIS_SOCK=$d/redis.sock
	redis-server --port 0 --unixsocket "$REDIS_SOCK" --unixsocketperm 700 --dir "$d" \
		--daemonize no --logfile "$d/redis.log" "$@" &
	REDIS_PID=$!
	DEMO_PIDS="$DEMO_PIDS $REDIS_PID"
	for _ in $(seq 100); do
		redis-cli -s "$REDIS_SOCK" ping >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	echo "redis-server did not start; see $d/redis.log" >&2
	return 1
}

# demo_handler HANDLER CONFIG LISTEN LOG: the handler behind systemd-socket-activate, one
# process per connection as under systemd's Accept=yes. Sets HANDLER_PID. Succeeds only once
# that systemd-socket-activate itself listens on LISTEN: something else accepting there (the
# package's ocsp-proxy.socket holds 127.0.0.1:8888) would answer in its place.
demo_handler() {
	systemd-socket-activate --inetd -a -l "$3" -E OCSP_PROXY_CONFIG="$2" "$1" 2>>"$4" &
	HANDLER_PID=$!
	DEMO_PIDS="$DEMO_PIDS $HANDLER_PID"
	demo_own_listener "$HANDLER_PID" "$3" 5 && return 0
	echo "the handler's socket did not open on $3; see $4" >&2
	demo_holder "${3##*:}" >&2
	return 1
}
# demo_own_listener PID HOST:PORT [SECONDS]: waits up to SECONDS (10) for process PID itself to
# listen on PORT (ss -ltnp names the process of each listening socket); 1 once PID has ended
# (systemd-socket-activate exits when the bind fails) or the time is up.
demo_own_listener() {
	local st
	for _ in $(seq $((${3:-10} * 20))); do
		ss -ltnpH "sport = :${2##*:}" 2>/dev/null | grep -q "pid=$1," && return 0
		st=$(sed -n 's/^[0-9]* ([^)]*) \(.\).*/\1/p' "/proc/$1/stat" 2>/dev/null)
		case $st in "" | Z) return 1 ;; esac
		sleep 0.05
	done
	return 1
}
# demo_holder PORT: names what listens on PORT ("port 8888 is taken by systemd (pid 1):" and ss's
# lines), or says nobody does.
demo_holder() {
	local lines who
	lines=$(ss -ltnpH "sport = :$1" 2>/dev/null)
	if [ -z "$lines" ]; then
		echo "nothing else listens on port $1"
		return 0
	fi
	who=$(printf '%s\n' "$lines" | grep -o '(("[^"]*",pid=[0-9]*' | head -1 | sed 's/(("\([^"]*\)",pid=\([0-9]*\)/\1 (pid \2)/')
	echo "port $1 is taken by ${who:-a process ss cannot name (run as root to see it)}:"
	printf '%s\n' "$lines" | sed 's/^/  /'
}
# demo_wait_port HOST PORT [SECONDS]: waits up to SECONDS (10) for HOST:PORT to accept a
# connection; 1 if it does not. tests/lib.sh's wait_port too.
demo_wait_port() {
	for _ in $(seq $((${3:-10} * 20))); do
		(exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# demo_stop PID...: TERM, a few seconds' grace, then KILL; waits for each.
demo_stop() {
	local p
	for p in "$@"; do kill "$p" 2>/dev/null || true; done
	for p in "$@"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	return 0
}
# shellcheck disable=SC2086  # a list of pids
stop_all() { demo_stop $DEMO_PIDS; DEMO_PIDS=""; }
