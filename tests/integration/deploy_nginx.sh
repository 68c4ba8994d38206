# deploy_nginx: nginx staples through the proxy (ssl_stapling_responder names only the proxy, so
# the upstream comes from default_upstream), and keeps stapling after a restart with the
# responder down, from the proxy's cache.
. "$(dirname "$0")/../lib.sh"

if ! command -v nginx >/dev/null; then
	skip "nginx" "nginx is not installed (scripts/deps.sh installs it)"
	exit 0
fi
setup_proxy

port=$(free_port)
mkdir -p "$T/nginx"
cat > "$T/nginx/nginx.conf" <<CONF
user root;
worker_processes 1;
daemon off;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log info;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $T/nginx/body;
	proxy_temp_path $T/nginx/proxy;
	fastcgi_temp_path $T/nginx/fastcgi;
	uwsgi_temp_path $T/nginx/uwsgi;
	scgi_temp_path $T/nginx/scgi;
	server {
		listen 127.0.0.1:$port ssl;
		ssl_certificate $CA_DIR/good.pem;
		ssl_certificate_key $CA_DIR/good.key;
		ssl_trusted_certificate $CA_DIR/ca.pem;
		ssl_stapling on;
		ssl_stapling_verify on;
		ssl_stapling_responder $PROXY_URL;
		location / { return 200 "ok\n"; }
	}
}
CONF
start_nginx() {
	nginx -c "$T/nginx/nginx.conf" -e "$T/nginx/error.log" &
	NGINX_PID=$!
	register_pid $NGINX_PID nginx
	wait_port "$port"
}
stop_nginx() { stop_pid "$NGINX_PID"; }

start_nginx
check_eq "nginx staples a good response" good "$(staple_status "$port")"
check "nginx asked with GET naming only the proxy" log_has 'result=miss status=200 method=GET upstream='"$RESP_URL"
stop_nginx
stop_responder
log_mark
start_nginx
check_eq "after a restart with the responder down, still stapling" good "$(staple_status "$port")"
check "served from the cache" log_has 'result=hit status=200 method=GET'
stop_nginx
