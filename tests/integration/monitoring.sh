# monitoring: the health answer (GET /-/health), the metrics file (mode, refresh between ticks,
# the gauges), and docs/monitoring's alert rules and Grafana dashboard, checked with promtool
# against the metric names the scheduler really writes.
. "$(dirname "$0")/../lib.sh"

make_ca "$CA_DIR"
start_redis
start_responder 60
M=$T/metrics/ocsp-proxy.prom
mkdir -p "$T/metrics"
write_config "$T/c.conf" "default_upstream = $RESP_URL" "metrics_file = $M" "metrics_interval = 1s" "check_interval = 1h"
start_handler "$T/c.conf"
health() { curl -s -o "$T/health.body" -w '%{http_code}' "$@" "${PROXY_URL}-/health"; }

check_eq "health before any scheduler: HTTP 200" 200 "$(health)"
check "health says redis=up scheduler=none" grep -q '^status=degraded redis=up scheduler=none ' "$T/health.body"
check "health is logged as result=health" log_has 'result="?health'
check_eq "HEAD health: 200" 200 "$(health -I)"
# A POST to the health path is an OCSP request like any other.
make_request "$CA_DIR/good.pem" "$T/req.der"
curl -s -o "$T/post.der" --data-binary @"$T/req.der" -H 'Content-Type: application/ocsp-request' \
	"${PROXY_URL}-/health"
check_eq "POST to /-/health is OCSP" successful "$(resp_status "$T/post.der")"

# A one-off --once run is no running scheduler: health still says none (it used to count as one
# for twice check_interval and a minute: two hours here), and stats says once.
write_config "$T/once.conf" "default_upstream = $RESP_URL" "metrics_file = $T/once.prom"
"$BUILD/ocsp-proxy-scheduler" -c "$T/once.conf" --once > /dev/null
check_eq "after a --once run: HTTP 200" 200 "$(health)"
check "  health still says scheduler=none" grep -q '^status=degraded redis=up scheduler=none ' "$T/health.body"
check "  ocsp-proxyctl stats says once" sh -c "'$BUILD/ocsp-proxyctl' -c '$T/c.conf' stats | grep -q '^scheduler .* (once): refreshed'"
check "  its metrics file says redis_up 1" grep -q '^ocsp_proxy_redis_up 1$' "$T/once.prom"
# Staleness follows each scheduler's own interval, not the reader's check_interval (1h here): one
# that ticks every second and has been silent for 200 s is stale.
rcli HSET "$(rkey schedulers)" other:1 "$(($(date +%s) - 200)) every=1 refreshed 0, kept 0, failed 0, evicted 0, skipped 0" > /dev/null
health > /dev/null
check "a scheduler ticking every second, silent for 200 s: stale" grep -q '^status=degraded redis=up scheduler=stale .*scheduler_host=other:1$' "$T/health.body"
check "  and stats says stale" sh -c "'$BUILD/ocsp-proxyctl' -c '$T/c.conf' stats | grep -q '^scheduler other:1 last tick .* (stale): '"
check "  stats --json gives its state and interval" sh -c "'$BUILD/ocsp-proxyctl' -c '$T/c.conf' --json stats | jq -e '.schedulers[] | select(.owner == \"other:1\") | .state == \"stale\" and .interval_s == 1'"
rcli HDEL "$(rkey schedulers)" other:1 > /dev/null

check_eq "an entry is cached" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
next=$(entry_field - next)

( umask 077; exec "$BUILD/ocsp-proxy-scheduler" -c "$T/c.conf" ) &
SCHED=$!
register_pid "$SCHED"
wait_file "$M" 10
check "the scheduler writes the metrics file" test -f "$M"
check_eq "mode 0644 under UMask=0077" 644 "$(stat -c %a "$M" 2>/dev/null)"
for _ in $(seq 50); do grep -q 'scheduler_last_tick_seconds{' "$M" 2>/dev/null && break; sleep 0.1; done
check "a last-tick gauge per scheduler" grep -Eq '^ocsp_proxy_scheduler_last_tick_seconds\{scheduler="[^"]+:'"$SCHED"'"\} [0-9]{10}$' "$M"
check_eq "earliest nextUpdate is the entry's" "ocsp_proxy_earliest_next_update_seconds $next" \
	"$(grep '^ocsp_proxy_earliest_next_update_seconds ' "$M")"
check "ocsp_proxy_redis_up 1" grep -q '^ocsp_proxy_redis_up 1$' "$M"
check "entries counted" grep -q '^ocsp_proxy_entries 1$' "$M"
check "promtool check metrics: well formed" sh -c "promtool check metrics < '$M' 2>&1 | grep -v 'counter metrics should have \"_total\" suffix' | grep -q . && exit 1 || exit 0"
w1=$(sed -n 's/^ocsp_proxy_metrics_written_seconds //p' "$M")
sleep 2.5
w2=$(sed -n 's/^ocsp_proxy_metrics_written_seconds //p' "$M")
if [ -n "$w1" ] && [ -n "$w2" ] && [ "$w2" -gt "$w1" ]; then ok "rewritten between ticks (metrics_interval)"; else not_ok "rewritten between ticks" "$w1 then $w2"; fi
check_eq "health with a scheduler: 200" 200 "$(health)"
check "health says scheduler=ok with its last tick" grep -Eq '^status=ok redis=up scheduler=ok last_tick=20[0-9-]+T[0-9:]+Z last_tick_age_s=[0-9]+ scheduler_host=' "$T/health.body"

# The docs' rules and dashboard, against the names the scheduler wrote.
cp "$M" "$T/metrics.seen"
stop_redis
check_eq "health with Redis down: 503" 503 "$(health)"
check "health says redis=down" grep -q '^status=down redis=down ' "$T/health.body"
for _ in $(seq 50); do grep -q '^ocsp_proxy_redis_up 0$' "$M" 2>/dev/null && break; sleep 0.1; done
check "with Redis down the file says ocsp_proxy_redis_up 0" grep -q '^ocsp_proxy_redis_up 0$' "$M"
# A tick that fails rewrites the file at once (--once too): it must not keep redis_up 1.
"$BUILD/ocsp-proxy-scheduler" -c "$T/once.conf" --once > /dev/null 2>&1
check_rc "--once with Redis down: exit 1" 1 "$?"
check "  its metrics file now says ocsp_proxy_redis_up 0" grep -q '^ocsp_proxy_redis_up 0$' "$T/once.prom"

D=$ROOT/docs/monitoring
if command -v promtool >/dev/null; then
	check "promtool check rules" promtool check rules "$D/ocsp-proxy-alerts.yml"
	check "promtool test rules" sh -c "cd '$D' && promtool test rules ocsp-proxy-alerts.test.yml"
	# Every dashboard query is valid PromQL: promtool checks them as recording rules.
	{
		echo "groups: [{name: dashboard, rules: ["
		jq -r '.panels[].targets[].expr | "{record: dashboard:q, expr: \(. | @json)},"' "$D/ocsp-proxy-dashboard.json"
		echo "]}]"
	} > "$T/dash-rules.yml"
	check "dashboard queries parse (promtool)" promtool check rules "$T/dash-rules.yml"
else
	skip "promtool" "not installed (Debian package prometheus)"
fi
check "dashboard is JSON with panels" jq -e '.panels | length > 5' "$D/ocsp-proxy-dashboard.json"
names=$( { jq -r '.panels[].targets[].expr' "$D/ocsp-proxy-dashboard.json"; grep 'expr:' "$D/ocsp-proxy-alerts.yml"; } |
	grep -o 'ocsp_proxy_[a-z_]*' | sort -u)
missing=""
for n in $names; do grep -q "^${n}[ {]" "$T/metrics.seen" || missing="$missing $n"; done
check_eq "every metric the docs use is written by the scheduler" "" "$missing"
check "the guide documents the metrics file" grep -q 'ocsp_proxy_earliest_next_update_seconds' "$ROOT/docs/operators-guide.md"
