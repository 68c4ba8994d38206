# upstream_proxy: the proxy environment variables (http_proxy, HTTPS_PROXY, ALL_PROXY, no_proxy)
# do not route fetches anywhere: with them naming a dead port, the handler, ctl prefetch and a
# scheduler refresh still go direct. upstream_proxy, when set, carries every fetch.
. "$(dirname "$0")/../lib.sh"

setup_proxy --no-handler
dead=http://127.0.0.1:1
penv=("http_proxy=$dead" "HTTP_PROXY=$dead" "https_proxy=$dead" "HTTPS_PROXY=$dead"
	"ALL_PROXY=$dead" "all_proxy=$dead" "no_proxy=none.example")

# The handler, with the variables in its environment.
PROXY_PORT=$(free_port)
# shellcheck disable=SC2046
systemd-socket-activate --inetd -a -l "127.0.0.1:$PROXY_PORT" -E OCSP_PROXY_CONFIG="$CONF" \
	$(printf -- '-E %s ' "${penv[@]}") "$BUILD/ocsp-proxy-handler" > "$T/sa.log" 2>&1 &
register_pid $! socket-activate
wait_port "$PROXY_PORT"
PROXY_URL=http://127.0.0.1:$PROXY_PORT/
log_mark
check_eq "handler with http_proxy set: a miss goes direct" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
check "... and is cached" log_has 'result=miss'

# ctl prefetch and a scheduler refresh, same environment.
out=$(env "${penv[@]}" "$BUILD/ocsp-proxyctl" -c "$CONF" prefetch --cert "$CA_DIR/revoked.pem" \
	--issuer "$CA_DIR/ca.pem" --url "$RESP_URL" 2>&1)
check_eq "ctl prefetch with http_proxy set: direct" 0 "$?"
check "... cached" sh -c "echo '$out' | grep -q ' revoked cached '"
make_due "$(certids | head -1)"
out=$(env "${penv[@]}" "$BUILD/ocsp-proxy-scheduler" -c "$CONF" --once 2>&1)
check_eq "scheduler --once with http_proxy set" 0 "$?"
check "... refreshed directly" sh -c "echo '$out' | grep -q 'refreshed [1-9]'"

# upstream_proxy: a fake upstream as the proxy, for a host that does not resolve. Only through
# the proxy can the answer come back.
make_request "$CA_DIR/good.pem" "$T/good.req"
openssl ocsp -index "$CA_DIR/index.txt" -CA "$CA_DIR/ca.pem" -rsigner "$CA_DIR/ocsp.pem" \
	-rkey "$CA_DIR/ocsp.key" -reqin "$T/good.req" -respout "$T/genuine.der" -nmin 60 >/dev/null 2>&1
start_fake_upstream --record "$T/via-proxy" file "$T/genuine.der"
write_config "$T/p.conf" "upstream_proxy = http://127.0.0.1:$FAKE_PORT" "allow_upstream = ocsp.invalid"
rcli FLUSHALL >/dev/null
out=$(env no_proxy='*' "$BUILD/ocsp-proxyctl" -c "$T/p.conf" prefetch --cert "$CA_DIR/good.pem" \
	--issuer "$CA_DIR/ca.pem" --url http://ocsp.invalid/ 2>&1)
check_eq "upstream_proxy: fetched through it (no_proxy='*' ignored)" 0 "$?"
check "... the proxy saw the request" test -s "$T/via-proxy"
check "... cached" sh -c "echo '$out' | grep -q ' good cached '"
write_config "$T/d.conf" "upstream_proxy = http://127.0.0.1:1" "default_upstream = $RESP_URL"
"$BUILD/ocsp-proxyctl" -c "$T/d.conf" prefetch --cert "$CA_DIR/good.pem" \
	--issuer "$CA_DIR/ca.pem" --url "$RESP_URL" > /dev/null 2> "$T/err"
check_eq "upstream_proxy dead: the fetch fails (it is used, not bypassed)" 1 "$?"
