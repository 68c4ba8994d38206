#!/usr/bin/env bash
# run-local.sh (`make run`): a real local stack in the foreground: redis-server on a unix socket
# with its data in run/, the handler behind systemd-socket-activate on 127.0.0.1:8888, and the
# scheduler. Ctrl-C stops all of it.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
RUN=$PWD/run
LISTEN=${LISTEN:-127.0.0.1:8888}
mkdir -p "$RUN/redis"

if [ ! -f "$RUN/ocsp-proxy.conf" ]; then
	cat > "$RUN/ocsp-proxy.conf" <<CONF
# Written by \`make run\`; edit freely, it is kept. Every key: man 5 ocsp-proxy.conf.
redis = unix://$RUN/redis/redis.sock
key_prefix = ocsp
# Which responders the proxy may contact. "*" is fine on a laptop; in production list your
# CAs' OCSP hosts (an open list lets anyone who reaches the port make the proxy connect anywhere).
allow_upstream = *
# For clients that name only the proxy (nginx's ssl_stapling_responder):
# default_upstream = http://r3.o.lencr.org/
log = $RUN/ocsp-proxy.log
CONF
fi

pids=
cleanup() {
	trap - EXIT INT TERM
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	echo "ocsp-proxy stopped."
}
trap cleanup EXIT INT TERM

redis-server --port 0 --unixsocket "$RUN/redis/redis.sock" --unixsocketperm 700 \
	--dir "$RUN/redis" --appendonly yes --save "3600 1" --daemonize no \
	--logfile "$RUN/redis/redis.log" &
pids="$pids $!"
for _ in $(seq 50); do [ -S "$RUN/redis/redis.sock" ] && break; sleep 0.1; done

systemd-socket-activate --inetd -a -l "$LISTEN" \
	-E OCSP_PROXY_CONFIG="$RUN/ocsp-proxy.conf" "$PWD/$BUILD/ocsp-proxy-handler" \
	2>>"$RUN/socket-activate.log" &
pids="$pids $!"

if [ -x "$BUILD/ocsp-proxy-scheduler" ]; then
	"$BUILD/ocsp-proxy-scheduler" -c "$RUN/ocsp-proxy.conf" &
	pids="$pids $!"
fi
touch "$RUN/ocsp-proxy.log"

cat <<MSG
ocsp-proxy is running on http://$LISTEN/ (config $RUN/ocsp-proxy.conf, log $RUN/ocsp-proxy.log).
Try it with a certificate and its issuer (OpenSSL sends the responder's URL to the proxy):
  openssl ocsp -issuer issuer.pem -cert cert.pem -proxy $LISTEN \\
      -url "\$(openssl x509 -in cert.pem -noout -ocsp_uri)"
or point Apache at it: SSLOCSPProxyURL http://$LISTEN/
Stop it with Ctrl-C.
MSG
tail -n 0 -F "$RUN/ocsp-proxy.log" &
pids="$pids $!"
wait
