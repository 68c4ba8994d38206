# guide_snippets: the configuration snippets of docs/operators-guide.md (fenced blocks after a
# "<!-- snippet: NAME -->" line) run as written against real Apache httpd, nginx and xinetd, with
# only the site's names mapped to this test's: certificate paths, ports, the responder's host.
# A snippet that stops working fails here. Covers Apache stapling and client-certificate checks
# (SSLOCSPEnable leaf), nginx stapling with ssl_stapling_verify, and the xinetd service.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/scripts/demo-lib.sh"

GUIDE=$ROOT/docs/operators-guide.md
# snippet NAME: the fenced block after the marker, without its fences.
snippet() {
	awk -v m="<!-- snippet: $1 " 'index($0, m) == 1 { on = 1; next }
		on == 1 && /^```/ { on = 2; next } on == 2 && /^```/ { exit } on == 2 { print }' "$GUIDE"
}
for s in conf apache nginx xinetd; do
	check "the guide has the $s snippet" test -n "$(snippet $s)"
done

# A CA like a real one: root, issuing CA, delegated responder, certificates naming it (AIA).
RESP_PORT=$(free_port)
RESP_URL=http://127.0.0.1:$RESP_PORT/
C=$T/ca
demo_ca "$C" "$RESP_URL" || bail "CA made"
cat "$C/www.pem" "$C/issuing.pem" > "$C/www-fullchain.pem"
start_ca_responder() {
	demo_responder "$C" "$RESP_PORT" "$T/responder.log" || bail "responder started"
	register_pid "$RESPONDER_PID" "openssl ocsp"
}
start_ca_responder
# The site's names in the snippets, and this test's.
site() {
	sed -e "s|http://ocsp.example-ca.com/|$RESP_URL|g" \
		-e "s|ocsp.example-ca.com|127.0.0.1:$RESP_PORT|g" \
		-e "s|/etc/ssl/certs/example-issuing-ca.pem|$C/issuing.pem|g" \
		-e "s|/etc/ssl/certs/example-ca-chain.pem|$C/chain.pem|g" \
		-e "s|/etc/ssl/certs/www.example.org-fullchain.pem|$C/www-fullchain.pem|g" \
		-e "s|/etc/ssl/private/www.example.org.key|$C/www.key|g" \
		-e "s|http://127.0.0.1:8888/|$PROXY_URL|g" "$@"
}

# The proxy, configured with the guide's "what you must set".
start_redis
PROXY_URL="unset"
mapfile -t lines < <(snippet conf | site)
write_config "$T/c.conf" "${lines[@]}"
check "the conf snippet passes -t" "$BUILD/ocsp-proxy-handler" -c "$T/c.conf" -t
start_handler "$T/c.conf"

# Apache: the snippet in a minimal server around it.
if command -v apache2 >/dev/null; then
	A=$T/apache
	mkdir -p "$A/htdocs"
	echo ok > "$A/htdocs/index.html"
	chmod 755 "$T" "$A" "$A/htdocs"
	aport=$(free_port)
	M=/usr/lib/apache2/modules
	{
		printf '%s\n' "ServerRoot $A" "ServerName localhost" "PidFile $A/httpd.pid" \
			"ErrorLog $A/error.log" "LogLevel warn ssl:info" "Mutex file:$A default" \
			"LoadModule mpm_event_module $M/mod_mpm_event.so" \
			"LoadModule authz_core_module $M/mod_authz_core.so" \
			"LoadModule socache_shmcb_module $M/mod_socache_shmcb.so" \
			"LoadModule ssl_module $M/mod_ssl.so" "User nobody" "Group nogroup" \
			"DocumentRoot $A/htdocs" "<Directory $A/htdocs>" "Require all granted" "</Directory>" \
			"Listen 127.0.0.1:$aport" "SSLSessionCache none"
		snippet apache | site -e "s|/var/run/apache2/|$A/|g" -e "s|\\*:443|127.0.0.1:$aport|"
	} > "$A/httpd.conf"
	check "apache2 -t accepts the snippet" apache2 -t -f "$A/httpd.conf"
	start_apache() {
		apache2 -f "$A/httpd.conf" -DFOREGROUND > "$A/stdout.log" 2>&1 &
		APACHE_PID=$!
		register_pid $APACHE_PID apache2
		wait_port "$aport"
	}
	client() {
		curl -sk -o /dev/null -w '%{http_code}' --max-time 10 --cert "$C/$1.pem" \
			--key "$C/$1.key" "https://127.0.0.1:$aport/index.html"
	}
	start_apache || bail "apache started" "$(tail -5 "$A/error.log" "$A/stdout.log" 2>/dev/null)"
	check_eq "Apache: a good client certificate gets in" 200 "$(client www)"
	check_eq "Apache: a revoked one is refused" 000 "$(client revoked)"
	check_eq "Apache: staples good" good "$(staple_status "$aport")"
	check "Apache: its requests were cacheable (no nonce)" log_has 'result=(miss|hit) status=200 method=POST'
	check_eq "Apache: both certificates cached" 2 "$(certids | wc -l)"
else
	skip "apache snippet" "apache2 is not installed (scripts/deps.sh installs it)"
fi

# nginx: the snippet inside an http block. nginx names only the proxy: the route finds the CA.
if command -v nginx >/dev/null; then
	N=$T/nginx
	mkdir -p "$N"
	nport=$(free_port)
	{
		printf '%s\n' "user root;" "worker_processes 1;" "daemon off;" "pid $N/nginx.pid;" \
			"error_log $N/error.log info;" "events { worker_connections 64; }" "http {" \
			"access_log off;" "client_body_temp_path $N/body;" "proxy_temp_path $N/proxy;" \
			"fastcgi_temp_path $N/fastcgi;" "uwsgi_temp_path $N/uwsgi;" "scgi_temp_path $N/scgi;"
		snippet nginx | site -e "s|listen 443 ssl;|listen 127.0.0.1:$nport ssl;|"
		echo "}"
	} > "$N/nginx.conf"
	check "nginx -t accepts the snippet" nginx -t -c "$N/nginx.conf" -e "$N/error.log"
	# Not cached (Apache's is purged), so nginx's request must find the CA through the route.
	"$BUILD/ocsp-proxyctl" -c "$T/c.conf" purge 1004 >/dev/null 2>&1
	log_mark
	nginx -c "$N/nginx.conf" -e "$N/error.log" &
	register_pid $! nginx
	wait_port "$nport" || bail "nginx started" "$(tail -5 "$N/error.log")"
	log_mark
	check_eq "nginx: staples good, verified" good "$(staple_status "$nport")"
	check "nginx: asked naming only the proxy, routed to the CA" log_has "result=miss status=200 method=GET upstream=$RESP_URL"
else
	skip "nginx snippet" "nginx is not installed (scripts/deps.sh installs it)"
fi

# xinetd: the snippet is the shipped file's service, and serves.
shipped=$(sed -n '/^service /,/^}/p' "$ROOT/units/ocsp-proxy.xinetd")
check_eq "the xinetd snippet is units/ocsp-proxy.xinetd" "$shipped" "$(snippet xinetd)"
if command -v xinetd >/dev/null; then
	xport=$(free_port)
	# Run as root here (the test's files are private to root); xinetd passes no environment.
	snippet xinetd | sed -e "s|port *= 8888|port = $xport|" \
		-e "s|/usr/local/bin/ocsp-proxy-handler|$BUILD/ocsp-proxy-handler|" \
		-e "s|user *= nobody|user = root|" -e "s|^}|\tserver_args = -c $T/c.conf\n}|" > "$T/xinetd.svc"
	{ printf 'defaults\n{\n\tinstances = 50\n}\n'; cat "$T/xinetd.svc"; } > "$T/xinetd.conf"
	xinetd -f "$T/xinetd.conf" -dontfork -filelog "$T/xinetd.log" -pidfile "$T/xinetd.pid" &
	register_pid $! xinetd
	wait_port "$xport" || bail "xinetd started" "$(cat "$T/xinetd.log")"
	openssl ocsp -issuer "$C/issuing.pem" -cert "$C/www.pem" -url "$RESP_URL" -proxy "127.0.0.1:$xport" \
		-no_nonce -CAfile "$C/chain.pem" -respout "$T/x.der" > "$T/x.out" 2>&1
	check "xinetd: answers good" grep -q 'www.pem: good' "$T/x.out"
	openssl ocsp -issuer "$C/issuing.pem" -cert "$C/www.pem" -no_nonce -reqout "$T/x.req" >/dev/null 2>&1
	{ printf 'POST %s HTTP/1.0\r\nContent-Type: application/ocsp-request\r\nContent-Length: %d\r\n\r\n' \
		"$RESP_URL" "$(stat -c %s "$T/x.req")"; cat "$T/x.req"; } > "$T/x.http"
	exec 3<>"/dev/tcp/127.0.0.1/$xport"
	cat "$T/x.http" >&3
	timeout 5 cat <&3 > "$T/x.raw"
	exec 3<&-
	check "xinetd: one clean HTTP response on the socket" exactly_one_response "$T/x.raw"
else
	skip "xinetd snippet" "xinetd is not installed (scripts/deps.sh installs it)"
fi

# With the CA's responder down, the servers keep working from the cache.
stop_pid "$RESPONDER_PID"
if command -v apache2 >/dev/null; then
	stop_pid "$APACHE_PID"
	for _ in $(seq 50); do [ -e "$A/httpd.pid" ] || break; sleep 0.1; done
	start_apache
	check_eq "responder down: Apache still lets the good client in" 200 "$(client www)"
	check_eq "responder down: Apache still refuses the revoked one" 000 "$(client revoked)"
	check_eq "responder down, Apache restarted: still stapling" good "$(staple_status "$aport")"
fi

# The example configuration names no CA's responders that no longer answer.
check "etc/ocsp-proxy.conf lists no Let's Encrypt OCSP host" sh -c "! grep -q 'lencr.org' '$ROOT/etc/ocsp-proxy.conf'"
