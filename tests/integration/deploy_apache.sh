# deploy_apache: Apache httpd's mod_ssl through SSLOCSPProxyURL: client certificates checked by
# OCSP (good in, revoked refused, good still in with the responder down and the cache warm), and
# stapling (stapled good response, still after a restart with the responder down).
. "$(dirname "$0")/../lib.sh"

if ! command -v apache2 >/dev/null; then
	skip "apache2" "Apache httpd is not installed (scripts/deps.sh installs it)"
	exit 0
fi
setup_proxy --no-default-upstream

A=$T/apache
mkdir -p "$A/htdocs"
echo ok > "$A/htdocs/index.html"
chmod 755 "$T" "$A" "$A/htdocs"
cport=$(free_port)
sport=$(free_port)
M=/usr/lib/apache2/modules
cat > "$A/httpd.conf" <<CONF
ServerRoot $A
ServerName localhost
PidFile $A/httpd.pid
ErrorLog $A/error.log
LogLevel warn ssl:info
Mutex file:$A default
LoadModule mpm_event_module $M/mod_mpm_event.so
LoadModule authz_core_module $M/mod_authz_core.so
LoadModule socache_shmcb_module $M/mod_socache_shmcb.so
LoadModule ssl_module $M/mod_ssl.so
User nobody
Group nogroup
DocumentRoot $A/htdocs
<Directory $A/htdocs>
	Require all granted
</Directory>
Listen 127.0.0.1:$cport
Listen 127.0.0.1:$sport
SSLStaplingCache shmcb:$A/stapling(65536)
SSLSessionCache none

# Client certificates, checked by OCSP through the proxy. Without a nonce, so it can be cached.
<VirtualHost 127.0.0.1:$cport>
	SSLEngine on
	SSLCertificateFile $CA_DIR/good.pem
	SSLCertificateKeyFile $CA_DIR/good.key
	SSLCACertificateFile $CA_DIR/ca.pem
	SSLVerifyClient require
	SSLVerifyDepth 2
	SSLOCSPEnable leaf
	SSLOCSPDefaultResponder $RESP_URL
	SSLOCSPOverrideResponder on
	SSLOCSPProxyURL $PROXY_URL
	SSLOCSPUseRequestNonce off
</VirtualHost>

# Stapling, through the same proxy.
<VirtualHost 127.0.0.1:$sport>
	SSLEngine on
	SSLCertificateFile $CA_DIR/good.pem
	SSLCertificateKeyFile $CA_DIR/good.key
	SSLCACertificateFile $CA_DIR/ca.pem
	SSLUseStapling on
	SSLStaplingForceURL $RESP_URL
	SSLOCSPProxyURL $PROXY_URL
	SSLStaplingReturnResponderErrors off
</VirtualHost>
CONF
start_apache() {
	apache2 -f "$A/httpd.conf" -DFOREGROUND > "$A/stdout.log" 2>&1 &
	APACHE_PID=$!
	register_pid $APACHE_PID apache2
	wait_port "$cport" && wait_port "$sport"
}
stop_apache() {
	stop_pid "$APACHE_PID"
	for _ in $(seq 50); do [ -e "$A/httpd.pid" ] || break; sleep 0.1; done
}
client() { # CERT: the HTTP status Apache answers a client with that certificate, 000 if refused
	curl -sk -o /dev/null -w '%{http_code}' --max-time 10 --cert "$CA_DIR/$1.pem" \
		--key "$CA_DIR/$1.key" "https://127.0.0.1:$cport/index.html"
}

start_apache || { not_ok "apache started" "$(cat "$A/stdout.log" "$A/error.log" 2>/dev/null | tail -n 5)"; exit 1; }
check_eq "client with a good certificate gets in" 200 "$(client good)"
check_eq "client with a revoked certificate is refused" 000 "$(client revoked)"
check "Apache's requests came in absolute form" log_has "result=miss status=200 method=POST upstream=$RESP_URL"
check_eq "Apache's requests were cacheable (no nonce)" 2 "$(cached_keys | wc -l)"
check_eq "stapled good response" good "$(staple_status "$sport")"

stop_responder
stop_apache
log_mark
start_apache
check_eq "responder down, cache warm: good client still gets in" 200 "$(client good)"
check_eq "responder down, cache warm: revoked still refused" 000 "$(client revoked)"
check_eq "responder down, after a restart: still stapling" good "$(staple_status "$sport")"
check "served from the cache" log_has 'result=hit status=200 method=POST'
stop_apache
