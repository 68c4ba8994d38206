# resident_failover: the resident workers' memory cache with a replica to read from
# (redis_read): hits come from memory while the primary is up; when it goes away the memory cache
# is dropped and hits are read from the replica, as the per-connection handler reads them.
. "$(dirname "$0")/../lib.sh"

make_ca "$CA_DIR"
start_responder 60
P=$(free_port)
R=$(free_port)
start_redis_port primary "$P"
PRIMARY_PID=$RPID
start_redis_port replica "$R" --replicaof 127.0.0.1 "$P"
wait_replica "$R"
write_config "$T/c.conf" "redis = redis://127.0.0.1:$P/0" "redis_read = redis://127.0.0.1:$R/0" \
	"default_upstream = $RESP_URL" "workers = 1"
start_resident "$T/c.conf"
check_eq "a miss, stored on the primary" good "$(ocsp_query "$URL" "$CA_DIR/good.pem")"
sleep 0.5   # replication
check_eq "a hit" good "$(ocsp_query "$URL" "$CA_DIR/good.pem")"
calls() { redis-cli -p "$1" INFO commandstats | sed -n 's/^cmdstat_hmget:calls=\([0-9]*\),.*/\1/p'; }
before=$(( $(calls "$P") + $(calls "$R") ))
for _ in 1 2 3 4 5 6 7 8 9 10; do ocsp_query "$URL" "$CA_DIR/good.pem" > /dev/null; done
after=$(( $(calls "$P") + $(calls "$R") ))
check "10 hits from memory: $((after - before)) Redis reads (<= 1)" test $((after - before)) -le 1

kill -9 "$PRIMARY_PID"
wait "$PRIMARY_PID" 2>/dev/null
sleep 0.3
start=$(date +%s%N)
got=""
for _ in 1 2 3; do got="$got $(ocsp_query "$URL" "$CA_DIR/good.pem")"; done
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check_eq "primary gone: hits still answered (from the replica)" " good good good" "$got"
check "within 3 s for three (${ms} ms)" test "$ms" -lt 3000
check "the memory cache was dropped" log_has 'memory cache off until Redis invalidations flow again'
before=$(calls "$R")
ocsp_query "$URL" "$CA_DIR/good.pem" > /dev/null
check "hits read the replica now" test "$(calls "$R")" -gt "$before"
