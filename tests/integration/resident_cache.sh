# resident_cache: the resident workers' memory cache. Hits come from memory (Redis is not read
# for each), yet an entry replaced or deleted in Redis (here by redis-cli, as another host's
# scheduler would) is served in its new form at once, also after the invalidation connection was
# lost; hit counters and hit times reach Redis within a second or so, and a worker killed with
# SIGKILL is replaced having lost at most its last second of them.
. "$(dirname "$0")/../lib.sh"

setup_proxy --no-handler "workers = 2" "debug = ${DEBUG_LOG:-no}"
start_resident "$CONF"
make_request "$CA_DIR/good.pem" "$T/g.req"
hdr() { # the ETag of an answer to POST $T/g.req
	curl -s -D - -o /dev/null -H 'Content-Type: application/ocsp-request' \
		--data-binary @"$T/g.req" "$URL" | sed -n 's/^ETag: "\(.*\)"\r$/\1/p'
}
hmget_calls() { rcli INFO commandstats | sed -n 's/^cmdstat_hmget:calls=\([0-9]*\),.*/\1/p'; }
stat_hits() { stat_count hits; }

check_eq "warm the cache" good "$(ocsp_query "$URL" "$CA_DIR/good.pem")"
key=$(cached_keys | head -1)
etag=$(rcli HGET "$key" etag)
check_eq "a hit" "$etag" "$(hdr)"

# The fast path answers as the pipeline does: HEAD, If-None-Match, an upstream the request names
# (allowed: a hit; not allowed: the pipeline's 403); what it does not answer (health, a nonce)
# goes to a child.
b=$(b64url_nginx "$T/g.req")
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
check_eq "HEAD: a hit without a body" "200 0" "$(curl -s -I -o /dev/null -w '%{http_code} %{size_download}' "$URL$b")"
check_eq "If-None-Match: 304" 304 "$(code -H "If-None-Match: \"$etag\"" "$URL$b")"
check_eq "an allowed upstream named in the target: a hit" 200 "$(code --request-target "$RESP_URL$b" "$URL")"
check_eq "an upstream not allowed: 403" 403 "$(code --request-target "http://evil.example/$b" "$URL")"
check_eq "health, through a child" 200 "$(code "$URL-/health")"
make_request "$CA_DIR/good.pem" "$T/n.req" -nonce
check_eq "a nonce request, through a child" 200 \
	"$(code -H 'Content-Type: application/ocsp-request' --data-binary @"$T/n.req" "$URL")"
check "logged as the pipeline logs them" log_has 'result=hit status=304 method=GET'
check "the 403 logged" log_has 'result=rejected status=403 method=GET upstream=http://evil.example/'
check "the nonce request passed through" log_has 'result=passthrough status=200 method=POST'

# From memory: 40 hits read the entry from Redis once per worker at most.
before=$(hmget_calls)
for _ in $(seq 40); do hdr > /dev/null; done
after=$(hmget_calls)
check "40 hits, $((${after:-0} - ${before:-0})) Redis reads of the entry (<= 1)" \
	test $((${after:-0} - ${before:-0})) -le 2

# Batched counters: written within about a second, all of them; a stale hit time is rewritten.
sleep 1.5   # the hits above flushed first: they would rewrite the stale time themselves
rcli HSET "$key" hit 1 > /dev/null
h1=$(stat_hits) t0=$(date +%s)
for _ in $(seq 30); do hdr > /dev/null; done
sleep 1.5
h2=$(stat_hits)
check_eq "30 hits counted within 1.5 s" 30 $((h2 - h1))
check "the entry's stale hit time rewritten by those hits" test "$(rcli HGET "$key" hit)" -ge "$t0"
# A recent hit time is not rewritten at every flush: such a write would invalidate the entry in
# both workers' memory each second, and every hot entry would be read and verified again.
sleep 1.5
before=$(hmget_calls)
for _ in 1 2 3; do for _ in $(seq 10); do hdr > /dev/null; done; sleep 1.2; done
after=$(hmget_calls)
check "hits across three flushes: $((${after:-0} - ${before:-0})) Redis reads of the entry (<= 1)" \
	test $((${after:-0} - ${before:-0})) -le 1

# Replaced in Redis (a newer response, as a scheduler on another host would store): served in
# its new form by the very next request.
sleep 1
openssl ocsp -issuer "$CA_DIR/ca.pem" -cert "$CA_DIR/good.pem" -url "$RESP_URL" -no_nonce \
	-respout "$T/new.der" > /dev/null 2>&1
new_etag=$(sha256sum "$T/new.der" | cut -d' ' -f1)
this=$(date -d "$(resp_this "$T/new.der")" +%s)
next=$(date -d "$(openssl ocsp -respin "$T/new.der" -resp_text -noverify 2>/dev/null | sed -n 's/.*Next Update: //p' | head -1)" +%s)
check "a different response to store" test "$new_etag" != "$etag"
for _ in 1 2 3; do hdr > /dev/null; done   # both workers hold the old one in memory
rcli -x HSET "$key" this "$this" next "$next" etag "$new_etag" resp < "$T/new.der" > /dev/null
got=""
for _ in 1 2 3 4; do got="$got $(hdr)"; done
check_eq "replaced in Redis: every answer after it is the new one" \
	" $new_etag $new_etag $new_etag $new_etag" "$got"

# Planted in Redis by a Redis writer: a body signed by a forger posing as the CA (its subject,
# its own key), with etag/this/next to match. Its signature is checked when it would enter a
# worker's memory, so it never does: every request reads Redis again, and the refusal is logged.
# (What the pipeline then does with it is the per-connection hit's: no signature check there.)
openssl ecparam -name prime256v1 -genkey -noout -out "$T/forger.key" 2>/dev/null
subj=$(openssl x509 -in "$CA_DIR/ca.pem" -noout -subject -nameopt compat | sed 's/^subject=//')
openssl req -new -x509 -key "$T/forger.key" -out "$T/forger.pem" -days 3650 -subj "$subj" 2>/dev/null
fport=$(free_port)
"$BUILD/tests/helpers/fake_upstream" --port "$fport" --key "$T/forger.key" --cert "$T/forger.pem" \
	--status revoked forge > "$T/forger.log" 2>&1 &
fpid=$!
register_pid "$fpid" "fake_upstream forge"
wait_port "$fport"
curl -s -H 'Content-Type: application/ocsp-request' --data-binary @"$T/g.req" -o "$T/forged.der" \
	"http://127.0.0.1:$fport/"
stop_pid "$fpid"
f_etag=$(sha256sum "$T/forged.der" | cut -d' ' -f1)
f_this=$(date -d "$(resp_this "$T/forged.der")" +%s)
f_next=$(date -d "$(openssl ocsp -respin "$T/forged.der" -resp_text -noverify 2>/dev/null | sed -n 's/.*Next Update: //p' | head -1)" +%s)
check_eq "the forged body says revoked" revoked "$(resp_cert_status "$T/forged.der")"
for _ in 1 2 3; do hdr > /dev/null; done   # both workers hold the genuine one in memory
log_mark
rcli -x HSET "$key" this "$f_this" next "$f_next" etag "$f_etag" resp < "$T/forged.der" > /dev/null
before=$(hmget_calls)
for _ in $(seq 10); do hdr > /dev/null; done
after=$(hmget_calls)
check "forged in Redis: never kept in memory ($((${after:-0} - ${before:-0})) Redis reads for 10 requests, >= 10)" \
	test $((${after:-0} - ${before:-0})) -ge 10
check "forged in Redis: the refusal logged" \
	log_has "cached entry ${key#\{test\}:e:} not kept in memory: not verified: signature does not verify"
# The genuine entry back: from memory again.
rcli -x HSET "$key" this "$this" next "$next" etag "$new_etag" resp < "$T/new.der" > /dev/null
hdr > /dev/null; hdr > /dev/null
before=$(hmget_calls)
for _ in $(seq 10); do hdr > /dev/null; done
after=$(hmget_calls)
check "genuine again: from memory ($((${after:-0} - ${before:-0})) Redis reads for 10 requests, <= 2)" \
	test $((${after:-0} - ${before:-0})) -le 2

# Deleted in Redis: no longer a hit (a miss, fetched again).
rcli DEL "$key" > /dev/null
: > "$T/ocsp-proxy.log"
hdr > /dev/null
check "deleted in Redis: the next request is a miss" log_has 'result=miss'

# The invalidation connection lost: the memory cache is dropped and not trusted until it is
# back, so a change made meanwhile is still seen.
for _ in 1 2 3; do hdr > /dev/null; done
etag=$(rcli HGET "$key" etag)
rcli CLIENT KILL TYPE pubsub > /dev/null
rcli -x HSET "$key" this "$this" next "$next" etag "$new_etag" resp < "$T/new.der" > /dev/null
sleep 0.1
got=""
for _ in 1 2 3 4; do got="$got $(hdr)"; done
check_eq "invalidations lost: answers are still the current entry" \
	" $new_etag $new_etag $new_etag $new_etag" "$got"
check "the loss logged" log_has 'memory cache off until Redis invalidations flow again'
subs() { rcli PUBSUB NUMSUB __redis__:invalidate | tail -1; }
for _ in $(seq 50); do [ "$(subs)" -ge 2 ] && break; sleep 0.1; done
check "both workers subscribed again within 5 s" test "$(subs)" -ge 2

# The tracked connection lost (the one Redis tracks our reads on: it then forgets them and sends
# no invalidation for them) or the invalidation connection lost, each killed just before the
# entry is deleted: the very next request must not be a hit from memory.
tracked_ids() { rcli CLIENT LIST | awk '$0 ~ / flags=[^ ]*t/ { sub(/^id=/, "", $1); print $1 }'; }
for what in tracked invalidation tracked invalidation; do
	for _ in $(seq 50); do [ "$(subs)" -ge 2 ] && [ "$(tracked_ids | wc -l)" -ge 2 ] && break; sleep 0.1; done
	for _ in 1 2 3 4; do hdr > /dev/null; done   # both workers hold it in memory again
	log_mark
	if [ "$what" = tracked ]; then
		for id in $(tracked_ids); do rcli CLIENT KILL ID "$id" > /dev/null; done
	else
		rcli CLIENT KILL TYPE pubsub > /dev/null
	fi
	rcli DEL "$key" > /dev/null
	hdr > /dev/null
	check "$what connection killed, then the entry deleted: the next request is a miss" \
		log_has 'result=miss'
	check "... not a hit from memory" log_lacks 'result=hit'
	[ "$what" = invalidation ] ||
		check "... the loss logged" log_has 'memory cache dropped, the tracked Redis connection was lost'
done

# FLUSHALL empties memory too.
rcli FLUSHALL > /dev/null
: > "$T/ocsp-proxy.log"
hdr > /dev/null
check "after FLUSHALL: a miss" log_has 'result=miss'

# A worker killed with SIGKILL: replaced; only the hits of its last second may be lost.
for _ in $(seq 20); do hdr > /dev/null; done
sleep 1.5
h1=$(stat_hits)
for _ in $(seq 20); do hdr > /dev/null; done
sleep 1.2                   # a flush has happened since these
for _ in $(seq 10); do hdr > /dev/null; done
for p in $(pgrep -P $M); do kill -9 "$p"; done
sleep 1.5
h2=$(stat_hits)
check "SIGKILL: hits older than a second all counted ($((h2 - h1)) of 30, >= 20)" \
	test $((h2 - h1)) -ge 20
check_eq "workers replaced" 2 "$(pgrep -P $M | wc -l)"
check "replacement logged" log_has 'died .*replacing it'
check_eq "answering after the kill" "$(rcli HGET "$key" etag)" "$(hdr)"

kill -TERM $M
wait $M
check_eq "SIGTERM: exit 0" 0 "$?"
