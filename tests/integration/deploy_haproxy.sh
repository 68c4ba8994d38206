# deploy_haproxy: the real HAProxy (2.6 on Debian 12, which cannot fetch OCSP itself) staples
# from the .ocsp file the scheduler keeps next to its certificate: a good staple after the
# scheduler's first pass, a new one after a refresh without a reload (runtime API), still a good
# one with the responder down and HAProxy restarted. A response not signed for the certificate
# is never written; staple_dir puts the file elsewhere. On HAProxy 3.0 (Debian 13), also what the
# guide says of its `ocsp-update on`: the staple file still serves a restart during an outage, and
# its renewals sent through the handler (ocsp-update.httpproxy) are answered from the cache.
. "$(dirname "$0")/../lib.sh"

if ! command -v haproxy >/dev/null; then
	skip "haproxy" "haproxy is not installed (scripts/deps.sh installs it)"
	exit 0
fi
H=$T/haproxy
mkdir -p "$H/certs"
setup_proxy --no-handler "check_interval = 1s" "staple_cert = $H/certs" \
	"haproxy_socket = $H/admin.sock"
# HAProxy's bundle: the certificate, its chain (the issuer, which the CertID needs), the key.
cat "$CA_DIR/good.pem" "$CA_DIR/ca.pem" "$CA_DIR/good.key" > "$H/certs/site.pem"
staple=$H/certs/site.pem.ocsp
file_status() { # the status in the response file, once openssl has verified it for good.pem
	local out
	out=$(openssl ocsp -respin "$1" -issuer "$CA_DIR/ca.pem" -cert "$CA_DIR/good.pem" \
		-verify_other "$CA_DIR/ca.pem" -CAfile "$CA_DIR/ca.pem" 2>&1)
	case $out in *"Response verify OK"*) echo "$out" | sed -n 's/.*good.pem: //p' ;;
	*) echo "unverified: $(echo "$out" | head -2 | tr '\n' ' ')" ;; esac
}
file_this() { openssl ocsp -respin "$1" -resp_text -noverify 2>/dev/null | sed -n 's/.*This Update: //p' | head -1; }

log_mark
"$BUILD/ocsp-proxy-scheduler" -c "$CONF" > "$T/scheduler.out" 2>&1 &
register_pid $! ocsp-proxy-scheduler
if wait_file "$staple" 20; then ok "the first pass writes site.pem.ocsp"; else
	not_ok "the first pass writes site.pem.ocsp" "$(tail -3 "$T/ocsp-proxy.log")"; fi
check_eq "the file is a verified good response for site.pem" "good" "$(file_status "$staple")"
check_eq "mode 0644" "644" "$(stat -c %a "$staple" 2>/dev/null)"
check_eq "no temporary file left" "" "$(find "$H/certs" -mindepth 1 ! -name site.pem ! -name site.pem.ocsp)"
check "the log says it was written" log_has 'staple.*result=("?)written'

port=$(free_port)
cat > "$H/haproxy.cfg" <<CONF
global
	stats socket $H/admin.sock mode 600 level admin
defaults
	mode http
	timeout connect 5s
	timeout client 5s
	timeout server 5s
frontend fe
	bind 127.0.0.1:$port ssl crt $H/certs/site.pem
	http-request return status 200 content-type text/plain string ok
CONF
start_haproxy() {
	haproxy -db -f "$H/haproxy.cfg" >> "$H/haproxy.log" 2>&1 &
	HAPROXY_PID=$!
	register_pid "$HAPROXY_PID" haproxy
	wait_port "$port" || bail "haproxy started" "$(tail -3 "$H/haproxy.log")"
}
this_update() { # the "This Update" of what HAProxy staples now, or nothing
	echo | timeout 5 openssl s_client -connect "127.0.0.1:$port" -status 2>/dev/null |
		sed -n 's/.*This Update: //p' | head -1
}
start_haproxy
check_eq "HAProxy staples it" "good" "$(staple_status "$port")"
first=$(this_update)

# A refresh (the responder's thisUpdate is the second it answers): pushed, no reload.
log_mark
sleep 1.2
make_due
second=""
for _ in $(seq 40); do
	second=$(this_update)
	[ -n "$second" ] && [ "$second" != "$first" ] && break
	sleep 0.5
done
if [ -n "$second" ] && [ "$second" != "$first" ]; then
	ok "a refresh reaches HAProxy without a reload ($first -> $second)"
else
	not_ok "a refresh reaches HAProxy without a reload" "still '$first'; $(grep staple "$T/ocsp-proxy.log" | tail -2)"
fi
check "HAProxy is the same process" kill -0 "$HAPROXY_PID"
check "HAProxy accepted the push" log_has 'staple.*result=("?)pushed'
check "... and refused none" log_lacks 'push-failed'
check_eq "the file holds the new response" "$second" "$(file_this "$staple")"

# staple_dir, and a certificate named by file: prefetched by a one-shot run.
mkdir -p "$T/out"
cat "$CA_DIR/good.pem" "$CA_DIR/ca.pem" > "$T/other-site.pem"
write_config "$T/dir.conf" "default_upstream = $RESP_URL" "staple_cert = $T/other-site.pem" \
	"staple_dir = $T/out" "key_prefix = dir"
check_status "scheduler --once with staple_dir" 0 "$BUILD/ocsp-proxy-scheduler" -c "$T/dir.conf" --once
check_eq "staple_dir holds other-site.pem.ocsp" "good" "$(file_status "$T/out/other-site.pem.ocsp")"
check "nothing next to the certificate then" test ! -e "$T/other-site.pem.ocsp"
# The certificate file names its issuer, which signed it: that is enough for the issuer store,
# with `issuers` listing only another CA.
mkdir -p "$T/vouched"
write_config "$T/vouch.conf" "default_upstream = $RESP_URL" "staple_cert = $T/other-site.pem" \
	"staple_dir = $T/vouched" "key_prefix = vouch" "issuers = $CA_DIR/other/ca.pem"
check_status "scheduler --once, issuer only in the certificate file" 0 \
	"$BUILD/ocsp-proxy-scheduler" -c "$T/vouch.conf" --once
check_eq "... the staple is written" "good" "$(file_status "$T/vouched/other-site.pem.ocsp")"

# The issuer from <file>.issuer; a certificate whose issuer is nowhere is skipped, and said.
mkdir -p "$T/m"
cp "$CA_DIR/good.pem" "$T/m/leaf-only.pem"
cp "$CA_DIR/ca.pem" "$T/m/leaf-only.pem.issuer"
cp "$CA_DIR/good.pem" "$T/m/orphan.pem"
write_config "$T/m.conf" "default_upstream = $RESP_URL" "key_prefix = m" \
	"staple_cert = $T/m/leaf-only.pem, $T/m/orphan.pem"
log_mark
check_status "scheduler --once with two more certificates" 0 "$BUILD/ocsp-proxy-scheduler" -c "$T/m.conf" --once
check_eq "the issuer from leaf-only.pem.issuer" "good" "$(file_status "$T/m/leaf-only.pem.ocsp")"
check "no issuer: nothing written" test ! -e "$T/m/orphan.pem.ocsp"
check "... and the log says why" log_has 'orphan.pem.*issuer is neither in the file'

# A response signed by the issuing CA itself that embeds no certificate is written.
ca_port=$(free_port)
openssl ocsp -index "$CA_DIR/index.txt" -CA "$CA_DIR/ca.pem" -rsigner "$CA_DIR/ca.pem" \
	-rkey "$CA_DIR/ca.key" -resp_no_certs -port "$ca_port" -nmin 60 -ignore_err > "$T/ca-responder.log" 2>&1 &
register_pid $! "openssl ocsp (CA-signed)"
for _ in $(seq 100); do grep -q 'waiting for OCSP' "$T/ca-responder.log" && break; sleep 0.05; done
cp "$T/other-site.pem" "$T/ca-signed.pem"
write_config "$T/cas.conf" "default_upstream = http://127.0.0.1:$ca_port/" \
	"staple_cert = $T/ca-signed.pem" "key_prefix = cas"
check_status "scheduler --once against a CA-signed responder" 0 "$BUILD/ocsp-proxy-scheduler" -c "$T/cas.conf" --once
check_eq "a CA-signed response without certificates is written" "good" "$(file_status "$T/ca-signed.pem.ocsp")"

# A responder that signs with a key the certificate's issuer never certified: not written.
forge_port=$(free_port)
openssl ocsp -index "$CA_DIR/index.txt" -CA "$CA_DIR/ca.pem" -rsigner "$CA_DIR/other/ca.pem" \
	-rkey "$CA_DIR/other/ca.key" -port "$forge_port" -nmin 60 -ignore_err > "$T/forger.log" 2>&1 &
register_pid $! "openssl ocsp (forger)"
for _ in $(seq 100); do grep -q 'waiting for OCSP' "$T/forger.log" && break; sleep 0.05; done
cp "$T/other-site.pem" "$T/forged-site.pem"
write_config "$T/forge.conf" "default_upstream = http://127.0.0.1:$forge_port/" \
	"staple_cert = $T/forged-site.pem" "key_prefix = forge"
log_mark
check_status "scheduler --once against the forger" 0 "$BUILD/ocsp-proxy-scheduler" -c "$T/forge.conf" --once
check "a response signed by another key is not written" test ! -e "$T/forged-site.pem.ocsp"
check "... and the log says why" log_has "forged-site.pem.*(not signed by the certificate|the CertID's issuer did not issue)"
check_eq "... nor cached" "" "$(KEY_PREFIX=forge certids)"

# The responder down: a refresh fails, the file stays, a restarted HAProxy staples it.
stop_responder
before=$(sha1sum < "$staple")
log_mark
make_due
for _ in $(seq 40); do log_has 'refresh.*result=("?)failed' && break; sleep 0.25; done
sleep 1.5
check "the refresh failed (responder down)" log_has 'refresh.*result=("?)failed'
check_eq "the file is left as it was" "$before" "$(sha1sum < "$staple")"
stop_pid "$HAPROXY_PID" haproxy
start_haproxy
check_eq "HAProxy restarted with the responder down staples it" "good" "$(staple_status "$port")"
check_eq "... the same response" "$second" "$(this_update)"

# HAProxy 3.0 (Debian 13) renews staples itself with `ocsp-update on`; what the guide says of it.
# HAProxy 2.6 (Debian 12) has no such option: the staple files above are its only way.
stop_pid "$HAPROXY_PID" haproxy
if ! printf 'global\n\tocsp-update.httpproxy 127.0.0.1:9\nfrontend fe\n\tbind 127.0.0.1:9\n' > "$H/probe.cfg" ||
	! haproxy -c -f "$H/probe.cfg" > /dev/null 2>&1; then
	skip "ocsp-update" "$(haproxy -v | head -1 | cut -d' ' -f1-3) has no ocsp-update.httpproxy (3.0 and later)"
	exit 0
fi
# A restart during the outage, the certificate loaded with ocsp-update on: the staple file next
# to it is what HAProxy staples until its own first renewal.
echo "$H/certs/site.pem [ocsp-update on]" > "$H/update.list"
sed -i "s|ssl crt $H/certs/site.pem|ssl crt-list $H/update.list|" "$H/haproxy.cfg"
start_haproxy
check_eq "ocsp-update on, responder down: HAProxy 3.0 staples the file at start" "$second" "$(this_update)"
stop_pid "$HAPROXY_PID" haproxy

# ocsp-update.httpproxy: HAProxy's own renewals go through the proxy, so they are answered from
# the shared cache, the responder still down and no staple file. The certificate names the
# responder in its AIA (HAProxy asks that URL); same serial, so the same CertID as good.pem.
mkdir -p "$H/aia"
printf 'basicConstraints=CA:FALSE\nauthorityInfoAccess=OCSP;URI:%s\n' "$RESP_URL" > "$H/aia.ext"
openssl x509 -req -in "$CA_DIR/good.csr" -CA "$CA_DIR/ca.pem" -CAkey "$CA_DIR/ca.key" \
	-out "$H/aia/site.pem" -days 30 -set_serial 0x1001 -extfile "$H/aia.ext" 2>/dev/null
cat "$CA_DIR/ca.pem" "$CA_DIR/good.key" >> "$H/aia/site.pem"
echo "$H/aia/site.pem [ocsp-update on]" > "$H/update.list"
start_handler "$CONF"
sed -i "s|^global\$|global\n\tocsp-update.httpproxy 127.0.0.1:$PROXY_PORT|" "$H/haproxy.cfg"
log_mark
start_haproxy
check_eq "ocsp-update through the proxy, responder down: HAProxy 3.0 staples the cached answer" \
	"$second" "$(for _ in $(seq 40); do t=$(this_update); [ -n "$t" ] && break; sleep 0.5; done; echo "$t")"
check "... which the proxy served from its cache" log_has 'result=("?)hit'
