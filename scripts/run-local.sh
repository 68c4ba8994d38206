#!/usr/bin/env bash
# run-local.sh (`make run`): a real local stack in the foreground: redis-server on a unix socket
# with its data in run/, the handler behind systemd-socket-activate on 127.0.0.1:8888, the
# scheduler, and a throwaway CA with its `openssl ocsp` responder on 127.0.0.1:8887 so there is
# something to ask. Prints commands that work against it. Ctrl-C stops all of it.
# Environment: LISTEN (127.0.0.1:8888) the handler's address, RESPONDER (127.0.0.1:8887) the test
# responder's, RUN (./run) where its configuration, CA, Redis data and logs live, BUILD (build).
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
RUN=${RUN:-$ROOT/run}
LISTEN=${LISTEN:-127.0.0.1:8888}
RESPONDER=${RESPONDER:-127.0.0.1:8887}
CONF=$RUN/ocsp-proxy.conf
. "$ROOT/scripts/demo-lib.sh"
mkdir -p "$RUN/redis" "$RUN/issuers"

demo_ca "$RUN/ca" "http://$RESPONDER/"
if [ ! -f "$CONF" ]; then
	cat > "$CONF" <<CONF
# Written by \`make run\`; edit freely, it is kept. Every key: man 5 ocsp-proxy.conf.
redis = unix://$RUN/redis/redis.sock
key_prefix = ocsp
# Which responders the proxy may contact, HOST or HOST:PORT (a bare HOST allows port 80/443
# only): here the local test responder. In production list your CAs' OCSP hosts ("*" lets
# anyone who reaches the port make the proxy connect to any web server).
allow_upstream = $RESPONDER
# For clients that name only the proxy (nginx's ssl_stapling_responder):
# default_upstream = http://$RESPONDER/
# Every answer is verified against the CA that issued the certificate asked about (man 5
# ocsp-proxy.conf, TRUST). The local CA's issuing CA and root: responses must verify
# against them, and they are the issuers here.
trust_anchors = $RUN/ca/chain.pem
# Other issuers (one PEM file each) go here, or through ocsp-proxyctl prefetch --issuer; the
# system CA bundle counts too (public roots only, not their intermediates).
issuers_dir = $RUN/issuers
log = $RUN/ocsp-proxy.log
metrics_file = $RUN/ocsp-proxy.prom
CONF
fi

if ! grep -q "^allow_upstream = .*$RESPONDER" "$CONF"; then
	echo "note: $CONF was written by an older make run or edited: it does not allow the test" \
		"responder $RESPONDER, so the commands below get HTTP 403. Remove it for a fresh one." >&2
fi

cleanup() {
	trap "" INT TERM HUP
	trap - EXIT
	stop_all
	echo "ocsp-proxy stopped."
}
trap cleanup EXIT INT TERM HUP

# die WHAT VAR: WHAT could not listen on $VAR (demo-lib.sh has named what holds the port).
die() {
	echo "make run: failed: $1 cannot listen on ${!2}. Stop what holds it (the ocsp-proxy" \
		"package's socket holds 127.0.0.1:8888: systemctl stop ocsp-proxy.socket), or choose" \
		"another address: make run $2=127.0.0.1:PORT" >&2
	exit 1
}
demo_redis "$RUN/redis" --appendonly yes --save "3600 1"
demo_responder "$RUN/ca" "${RESPONDER##*:}" "$RUN/responder.log" || die "the test responder" RESPONDER
touch "$RUN/ocsp-proxy.log"
demo_handler "$BUILD/ocsp-proxy-handler" "$CONF" "$LISTEN" "$RUN/socket-activate.log" ||
	die "ocsp-proxy" LISTEN
"$BUILD/ocsp-proxy-scheduler" -c "$CONF" &
DEMO_PIDS="$DEMO_PIDS $!"

# Paths as the operator types them from the source tree.
rel() { case $1 in "$ROOT"/*) echo "${1#"$ROOT"/}" ;; *) echo "$1" ;; esac; }
C=$(rel "$RUN/ca")
B=$(rel "$BUILD")
F=$(rel "$CONF")
cat <<MSG
ocsp-proxy is running on http://$LISTEN/ (config $F, log $(rel "$RUN/ocsp-proxy.log")).
A test CA is in $C/ (www.pem good, revoked.pem revoked), its responder on http://$RESPONDER/.
From $ROOT, in another terminal:

  # ask through the proxy, as a TLS server would (-no_nonce: a nonce makes an answer uncacheable)
  openssl ocsp -issuer $C/issuing.pem -cert $C/www.pem -CAfile $C/chain.pem -no_nonce \\
      -proxy $LISTEN -url http://$RESPONDER/
  # the same for the revoked certificate; then again: the log says result=hit
  openssl ocsp -issuer $C/issuing.pem -cert $C/revoked.pem -CAfile $C/chain.pem -no_nonce \\
      -proxy $LISTEN -url http://$RESPONDER/
  # what is cached, and the counters
  $B/ocsp-proxyctl -c $F list
  $B/ocsp-proxyctl -c $F stats
  # the health answer a load balancer would ask for
  curl http://$LISTEN/-/health
  # the responder a certificate names, as a server finds it (-CAfile: the chain its answers verify to)
  openssl ocsp -issuer $C/issuing.pem -cert $C/www.pem -CAfile $C/chain.pem -no_nonce \\
      -proxy $LISTEN -url "\$(openssl x509 -in $C/www.pem -noout -ocsp_uri)"

With your own certificate, allow its responder's host in $F (allow_upstream) and give its
issuing CA (issuers), then run the last command with your files: ISSUER.pem for $C/issuing.pem,
CERT.pem for $C/www.pem, and for -CAfile your CA's chain (or leave -CAfile out for a public
CA: the system's roots verify it).
Point Apache at it with SSLOCSPProxyURL http://$LISTEN/. Stop it all with Ctrl-C.
MSG
tail -n 0 -F "$RUN/ocsp-proxy.log" &
DEMO_PIDS="$DEMO_PIDS $!"
wait
