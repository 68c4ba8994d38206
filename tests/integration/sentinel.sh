# sentinel: programs find the primary through Redis Sentinel and follow a failover: a primary,
# a replica and three Sentinels on loopback, no redis_read; kill the primary; before the
# promotion hits come from the replica the Sentinels know, after it from the new primary
# (responder down all along), new misses are cached there, the scheduler refreshes.
. "$(dirname "$0")/../lib.sh"

if ! command -v redis-sentinel >/dev/null; then
	skip "sentinel" "redis-sentinel is not installed (scripts/deps.sh installs it)"
	exit 0
fi
make_ca "$CA_DIR"
start_responder 60
P1=$(free_port); P2=$(free_port)
start_redis_port r1 "$P1"; R1=$RPID
start_redis_port r2 "$P2" --replicaof 127.0.0.1 "$P1"
wait_replica "$P2"
# The primary is unreachable 3 s (DOWN_AFTER_MS) before the Sentinels act: the hit below comes
# from the replica before the promotion however loaded the machine.
start_sentinels "$P1"
sentinels=$SENTINELS
REDIS_URL=redis://127.0.0.1:1/0   # unused with Sentinels; only its password/db would count
write_config "$T/c.conf" "default_upstream = $RESP_URL" "redis_sentinel = $sentinels" \
	"redis_master_name = ocsp" "redis_timeout = 500ms" "upstream_timeout = 2s"
start_handler "$T/c.conf"
entries() { RPORT=$1 certids | wc -l; }
hits_on() { RPORT=$1 stat_count hits; }

check_eq "warm through the Sentinels' primary" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
check_eq "cached on the primary" 1 "$(entries "$P1")"
check "the replica caught up" wait_synced "$P2" "$P1"
check_eq "replicated" 1 "$(entries "$P2")"
check_eq "a hit" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
check "logged as a hit" log_has 'result=hit' "$T/ocsp-proxy.log" 30

# Failover.
stop_responder
kill -9 $R1 2>/dev/null
wait $R1 2>/dev/null
# Sentinel needs down-after-milliseconds (3 s) and an election to promote: until then the
# replica it knows answers the hits.
log_mark
check_eq "primary gone, before the promotion: answered" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
check "... the replica was not promoted yet" test "$(role "$P2")" = slave
check "... its line logged" log_has 'msg=request' "$T/ocsp-proxy.log" 30
check_eq "... as a hit from the replica the Sentinels know" 1 "$(log_count 'result=hit')"
promoted=0
for _ in $(seq 600); do   # a split vote delays the promotion by 2 x failover-timeout
	[ "$(role "$P2")" = master ] && { promoted=1; break; }
	sleep 0.1
done
check_eq "the replica was promoted" 1 "$promoted"
check "the Sentinels name it" until_eq "$P2" sentinel_port
hits=$(RPORT=$P2 stat_count hits)
check_eq "hits from the new primary, responder down" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
# (recorded after the client has its answer)
check "... recorded there" until_eq $((hits + 1)) hits_on "$P2"
start_responder 60
write_config "$T/c.conf" "default_upstream = $RESP_URL" "redis_sentinel = $sentinels" \
	"redis_master_name = ocsp" "redis_timeout = 500ms" "upstream_timeout = 2s"
check_eq "a new miss after the failover" revoked "$(ocsp_query "$PROXY_URL" "$CA_DIR/revoked.pem")"
check_eq "cached on the new primary" 2 "$(entries "$P2")"
# (the responder came back on another port: point the entries at it)
for id in $(RPORT=$P2 certids); do RPORT=$P2 entry_set "$id" url "$RESP_URL"; done
RPORT=$P2 make_due
sleep 1.1
check_output "the scheduler follows the new primary" "refreshed 2, kept 0, failed 0, evicted 0, skipped 0" \
	"$BUILD/ocsp-proxy-scheduler" -c "$T/c.conf" --once
