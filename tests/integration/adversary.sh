# adversary: an on-path attacker and someone who can write to Redis, against every way an answer
# enters the cache or reaches a client. Delegated responder certificates that RFC 6960 4.2.2.2
# refuses (no OCSPSigning EKU, issued by another CA, expired) on a miss, at a refresh and through
# ocsp-proxyctl prefetch; the self-signed forger through the resident mode and the staple writer;
# genuine answers misused: another serial's, an expired one, an older one replayed over a newer
# cached "revoked" (also to nonce requests, which are relayed); a stored request naming another
# CertID; a poisoned entry in the resident memory cache; a scheduler name that would add lines to
# the health answer; a backoff ({P}:backoff) written to keep a responder off for good, or to
# put escapes, broken UTF-8 or megabytes into ctl stats and the metrics; clients' requests that
# would back a good responder off for everyone.
. "$(dirname "$0")/../lib.sh"

setup_proxy --no-handler
H=$BUILD/ocsp-proxy-handler S=$BUILD/ocsp-proxy-scheduler C=$BUILD/ocsp-proxyctl
A=$T/adv
mkdir -p "$A"
# What an attacker signs with: the revoked certificate listed as valid.
sed 's/^R\t\([^\t]*\)\t[^\t]*\t1002/V\t\1\t\t1002/' "$CA_DIR/index.txt" > "$A/allgood.txt"
# delegate NAME CA-DIR EXT [FAKETIME DAYS]: a responder certificate signed by CA-DIR's CA.
delegate() {
	openssl ecparam -name prime256v1 -genkey -noout -out "$A/$1.key" 2>/dev/null
	openssl req -new -key "$A/$1.key" -subj "/CN=$1" -out "$A/$1.csr" 2>/dev/null
	printf '%s\n' "$3" > "$A/$1.ext"
	${4:+faketime -f "$4"} openssl x509 -req -in "$A/$1.csr" -CA "$2/ca.pem" -CAkey "$2/ca.key" \
		-out "$A/$1.pem" -days "${5:-30}" -set_serial "0x$RANDOM" -extfile "$A/$1.ext" 2>/dev/null
	test -s "$A/$1.pem" || bail "made the delegate $1"
}
delegate noeku "$CA_DIR" "basicConstraints=CA:FALSE"
delegate otherca "$CA_DIR/other" "extendedKeyUsage=OCSPSigning"
delegate expired "$CA_DIR" "extendedKeyUsage=OCSPSigning" "-100d" 10
# sign INDEX REQ OUT [FAKETIME]: a genuine answer (the test CA's responder) made offline.
sign() {
	${4:+faketime -f "$4"} openssl ocsp -index "$1" -CA "$CA_DIR/ca.pem" -rsigner "$CA_DIR/ocsp.pem" \
		-rkey "$CA_DIR/ocsp.key" -reqin "$2" -respout "$3" -ndays 1 >/dev/null 2>&1
	test -s "$3" || bail "signed $3"
}
make_request "$CA_DIR/good.pem" "$A/good.req"
make_request "$CA_DIR/revoked.pem" "$A/rev.req"
id_of() { # the cached CertID whose status field is $1 (0 good, 1 revoked)
	local c
	for c in $(certids); do [ "$(entry_field "$c" status)" = "$1" ] && echo "$c"; done
}
TRYLATER="error: Responder Error: trylater (3) "

# 1. Delegates RFC 6960 refuses, each as an `openssl ocsp` responder saying "good" for the
# revoked certificate: on a miss, at a refresh of the genuine entry, through ctl prefetch.
write_config "$T/g.conf" "default_upstream = $RESP_URL"
start_handler "$T/g.conf"
check_eq "genuine: revoked" revoked "$(ocsp_query "$PROXY_URL" "$CA_DIR/revoked.pem")"
RID=$(id_of 1)
RK=$(rkey entry "$RID")
genuine_etag=$(rcli HGET "$RK" etag)
stop_handler
for d in noeku otherca expired; do
	case $d in
	noeku) why="lacks the OCSPSigning extended key usage" ;;
	otherca) why="signed by a certificate the CertID's issuer did not issue" ;;
	expired) why="responder certificate not valid now" ;;
	esac
	port=$(free_port)
	openssl ocsp -index "$A/allgood.txt" -CA "$CA_DIR/ca.pem" -rsigner "$A/$d.pem" -rkey "$A/$d.key" \
		-port "$port" -nmin 600 -ignore_err > "$A/$d.log" 2>&1 &
	DP=$!
	register_pid $DP "openssl ocsp responder ($d delegate)"
	for _ in $(seq 200); do grep -q 'waiting for OCSP' "$A/$d.log" && break; sleep 0.05; done
	write_config "$T/d.conf" "default_upstream = http://127.0.0.1:$port/" \
		"allow_upstream = 127.0.0.1:$port 127.0.0.1:$RESP_PORT"
	start_handler "$T/d.conf"
	log_mark
	check_eq "$d delegate on a miss: tryLater" "$TRYLATER" "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem" -noverify)"
	check "$d delegate on a miss: logged why" log_has "not verified, not used: .*$why"
	check_eq "$d delegate on a miss: nothing more cached" 1 "$(cached_keys | wc -l)"
	stop_handler
	entry_set "$RID" url "http://127.0.0.1:$port/"
	make_due "$RID"
	check_output "$d delegate at a refresh: failed" "refreshed 0, kept 0, failed 1, evicted 0, skipped 0" \
		"$S" -c "$T/d.conf" --once
	check_eq "$d delegate at a refresh: the genuine revoked entry untouched" "$genuine_etag/1" \
		"$(rcli HGET "$RK" etag)/$(rcli HGET "$RK" status)"
	"$C" -c "$T/d.conf" prefetch --cert "$CA_DIR/good.pem" --issuer "$CA_DIR/ca.pem" \
		--url "http://127.0.0.1:$port/" > "$A/pf.out" 2>&1
	check_rc "$d delegate through ctl prefetch: refused" 1 $?
	check "$d delegate through ctl prefetch: says why" grep -q "$why" "$A/pf.out"
	check_eq "$d delegate through ctl prefetch: nothing cached" 1 "$(cached_keys | wc -l)"
	stop_pid $DP
done
entry_set "$RID" url "$RESP_URL"

# 2. The forger (a self-signed key with the CA's name) as the responder of the resident mode,
# whose hits come from memory, and of the staple writer.
openssl ecparam -name prime256v1 -genkey -noout -out "$A/forger.key" 2>/dev/null
openssl req -new -x509 -key "$A/forger.key" -out "$A/forger.pem" -days 3650 \
	-subj "/$(openssl x509 -in "$CA_DIR/ca.pem" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')" 2>/dev/null
start_fake_upstream --key "$A/forger.key" --cert "$A/forger.pem" --no-certs forge
write_config "$T/r.conf" "default_upstream = $FAKE_URL" "workers = 1"
"$C" -c "$T/r.conf" prefetch --cert "$CA_DIR/good.pem" --issuer "$CA_DIR/ca.pem" --url "$FAKE_URL" \
	> "$A/pf.out" 2>&1
check_rc "forger through ctl prefetch: refused" 1 $?
check "forger through ctl prefetch: says why" grep -q 'signature does not verify' "$A/pf.out"
RPORT_H=$(free_port)
"$H" -c "$T/r.conf" --listen "127.0.0.1:$RPORT_H" 2> "$A/resident.err" &
RES=$!
register_pid $RES "resident handler"
wait_port "$RPORT_H" || bail "resident handler started"
RURL=http://127.0.0.1:$RPORT_H/
check_eq "resident, forged good on a miss: tryLater" "$TRYLATER" "$(ocsp_query "$RURL" "$CA_DIR/good.pem" -noverify)"
check_eq "resident, forged good on a miss: not cached" 1 "$(cached_keys | wc -l)"
check_eq "resident: the genuine revoked from memory" revoked "$(ocsp_query "$RURL" "$CA_DIR/revoked.pem")"
check_eq "resident: again" revoked "$(ocsp_query "$RURL" "$CA_DIR/revoked.pem")"
entry_set "$RID" url "$FAKE_URL"
make_due "$RID"
check_output "resident: a forged refresh fails" "refreshed 0, kept 0, failed 1, evicted 0, skipped 0" \
	"$S" -c "$T/r.conf" --once
check_eq "resident: still the genuine revoked" revoked "$(ocsp_query "$RURL" "$CA_DIR/revoked.pem")"
# Poisoned in Redis while the worker holds the entry in memory: never served in either form.
rcli HSET "$RK" etag $'0000\r\nX-Evil: 1' > /dev/null
curl -s -D "$A/h" -o "$A/b" -H 'Content-Type: application/ocsp-request' --data-binary @"$A/rev.req" "$RURL"
check "resident: a CR/LF ETag written to Redis is not sent" sh -c "! grep -qi '^X-Evil' '$A/h'"
rcli HSET "$RK" etag "$genuine_etag" > /dev/null
rcli -x HSET "$RK" resp < "$A/rev.req" > /dev/null
rcli HSET "$RK" etag "$(sha256sum "$A/rev.req" | cut -d' ' -f1)" > /dev/null
curl -s -o "$A/b" -H 'Content-Type: application/ocsp-request' --data-binary @"$A/rev.req" "$RURL"
check_eq "resident: a body that is no OCSP response is not served" trylater "$(resp_status "$A/b")"
stop_pid $RES
rcli DEL "$RK" > /dev/null

# The staple writer: the forger answers its prefetch; then a forged body sits in Redis.
mkdir -p "$A/certs"
cat "$CA_DIR/revoked.pem" "$CA_DIR/ca.pem" > "$A/certs/site.pem"
write_config "$T/s.conf" "default_upstream = $FAKE_URL" "staple_cert = $A/certs"
"$S" -c "$T/s.conf" --once > /dev/null 2>&1
check "staple writer, forged prefetch: no staple file" test ! -e "$A/certs/site.pem.ocsp"
check_eq "staple writer, forged prefetch: nothing cached" 0 "$(cached_keys | wc -l)"
curl -s -o "$A/forged.der" -H 'Content-Type: application/ocsp-request' --data-binary @"$A/rev.req" "$FAKE_URL"
rcli -x HSET "$RK" resp < "$A/forged.der" > /dev/null
rcli HSET "$RK" etag "$(sha256sum "$A/forged.der" | cut -d' ' -f1)" status 0 this "$(date +%s)" \
	next $(($(date +%s) + 86400)) fetched "$(date +%s)" url "$FAKE_URL" > /dev/null
"$S" -c "$T/s.conf" --once > /dev/null 2>&1
check "staple writer, forged body in Redis: no staple file" test ! -e "$A/certs/site.pem.ocsp"
rcli FLUSHALL > /dev/null
stop_fake_upstream

# 3. Genuine answers misused. A nonce request is relayed, not cached, but its answer is checked
# like any other: another serial's answer, or one past its nextUpdate, is not passed on.
sign "$CA_DIR/index.txt" "$A/good.req" "$A/good.der"
sign "$A/allgood.txt" "$A/rev.req" "$A/oldgood.der" "-2h"
sign "$A/allgood.txt" "$A/rev.req" "$A/expiredgood.der" "-3d"
write_config "$T/f.conf" "default_upstream = $FAKE_URL"
start_handler "$T/f.conf"
start_fake_upstream file "$A/good.der"
check_eq "another serial's answer: tryLater" "$TRYLATER" "$(ocsp_query "$PROXY_URL" "$CA_DIR/revoked.pem" -noverify)"
check_eq "another serial's answer to a nonce request: tryLater" "$TRYLATER" \
	"$(ocsp_query "$PROXY_URL" "$CA_DIR/revoked.pem" -noverify -nonce)"
stop_fake_upstream
start_fake_upstream file "$A/expiredgood.der"
check_eq "an expired good: tryLater" "$TRYLATER" "$(ocsp_query "$PROXY_URL" "$CA_DIR/revoked.pem" -noverify)"
check_eq "an expired good to a nonce request: tryLater" "$TRYLATER" \
	"$(ocsp_query "$PROXY_URL" "$CA_DIR/revoked.pem" -noverify -nonce)"
stop_fake_upstream
check_eq "nothing cached" 0 "$(cached_keys | wc -l)"

# An older genuine "good" (made before the revocation, still within its validity) replayed over
# a newer cached "revoked": never passed on.
stop_handler
start_handler "$T/g.conf"
check_eq "replay: the genuine revoked cached" revoked "$(ocsp_query "$PROXY_URL" "$CA_DIR/revoked.pem")"
RID=$(id_of 1)
RK=$(rkey entry "$RID")
stop_handler
start_handler "$T/f.conf"
start_fake_upstream file "$A/oldgood.der"
entry_set "$RID" url "$FAKE_URL"
log_mark
check_eq "replay to a nonce request: the cached revoked" revoked \
	"$(ocsp_query "$PROXY_URL" "$CA_DIR/revoked.pem" -nonce)"
check "replay to a nonce request: logged" log_has 'an answer no newer than the cached one'
entry_set "$RID" next $(($(date +%s) - 10))
check_eq "replay over an expired cached revoked: not good" "$TRYLATER" \
	"$(ocsp_query "$PROXY_URL" "$CA_DIR/revoked.pem" -noverify)"
check_eq "replay: the revoked entry kept" 1 "$(rcli HGET "$RK" status)"
stop_handler
stop_fake_upstream

# The same with a "good" as old as the cached "revoked" (the same thisUpdate: a CA that rounds its
# times, a replay from the same period): the revoked one stays, at a refresh and to a nonce request.
at="@$(date -u -d '-1 hour' '+%Y-%m-%d %H:%M:%S')"
sign "$CA_DIR/index.txt" "$A/rev.req" "$A/samerev.der" "$at"
sign "$A/allgood.txt" "$A/rev.req" "$A/samegood.der" "$at"
check_eq "same thisUpdate: two answers made at once" "$(resp_this "$A/samerev.der")" "$(resp_this "$A/samegood.der")"
rcli FLUSHALL > /dev/null
start_handler "$T/f.conf"
start_fake_upstream file "$A/samerev.der"
check_eq "same thisUpdate: revoked cached" revoked "$(ocsp_query "$PROXY_URL" "$CA_DIR/revoked.pem")"
stop_fake_upstream
start_fake_upstream file "$A/samegood.der"
make_due "$(id_of 1)"
check_output "same thisUpdate: the good replayed at a refresh is not stored" \
	"refreshed 0, kept 1, failed 0, evicted 0, skipped 0" "$S" -c "$T/f.conf" --once
check_eq "same thisUpdate: still revoked" 1 "$(entry_field - status)"
check_eq "same thisUpdate: a nonce request gets the revoked" revoked \
	"$(ocsp_query "$PROXY_URL" "$CA_DIR/revoked.pem" -nonce)"
stop_handler
stop_fake_upstream
rcli FLUSHALL > /dev/null

# 4. A stored request that names another CertID (written by anyone who can write to Redis): the
# refresh asks for the entry's own CertID, so the revoked entry stays revoked.
start_handler "$T/g.conf"
check_eq "req swap: revoked cached" revoked "$(ocsp_query "$PROXY_URL" "$CA_DIR/revoked.pem")"
check_eq "req swap: good cached" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
RID=$(id_of 1)
RK=$(rkey entry "$RID")
GID=$(id_of 0)
rcli --raw HGET "$(rkey entry "$GID")" req | head -c -1 > "$A/greq.der"
rcli -x HSET "$RK" req < "$A/greq.der" > /dev/null
sleep 1.1 # a newer thisUpdate than the cached one
make_due "$RID"
check_output "req swap: refreshed" "refreshed 1, kept 0, failed 0, evicted 0, skipped 0" \
	"$S" -c "$T/g.conf" --once
check_eq "req swap: the revoked entry is still revoked" 1 "$(rcli HGET "$RK" status)"
check_eq "req swap: and still names serial 1002" 1002 "$(rcli HGET "$RK" serial)"
check_eq "req swap: the client gets revoked" revoked "$(ocsp_query "$PROXY_URL" "$CA_DIR/revoked.pem")"

# 5. The health answer is one line whatever a scheduler's name in Redis says.
rcli HSET "$(rkey schedulers)" $'evil\r\nX-Injected: 1\nstatus=ok' "$(($(date +%s) + 5)) refreshed 1" > /dev/null
curl -s -o "$A/health" "${PROXY_URL}-/health"
check_eq "health: one line" 1 "$(wc -l < "$A/health")"
check "health: names the scheduler, its controls replaced" grep -q 'scheduler_host=evil??X-Injected:?1?status?ok$' "$A/health"
stop_handler

# 6. Files the scheduler writes (staple files, the metrics file) are written beside the target
# and renamed: a symlink planted under the temporary name (by anyone who can write to the
# directory) is removed, never written through.
mkdir -p "$A/st"
cat "$CA_DIR/good.pem" "$CA_DIR/ca.pem" > "$A/st/site.pem"
for v in victim victim2; do printf 'secret\n' > "$A/$v"; chmod 600 "$A/$v"; done
write_config "$T/w.conf" "default_upstream = $RESP_URL" "staple_cert = $A/st" "check_interval = 1s" \
	"metrics_file = $A/st/m.prom" "metrics_interval = 1s"
"$S" -c "$T/w.conf" > "$A/sched.out" 2>&1 &
SP=$!
register_pid $SP scheduler
wait_file "$A/st/site.pem.ocsp" 20 || not_ok "the staple file written" "$(tail -3 "$A/sched.out")"
wait_file "$A/st/m.prom" 20 || not_ok "the metrics file written"
ln -s "$A/victim" "$A/st/site.pem.ocsp.$SP.tmp"
ln -s "$A/victim2" "$A/st/m.prom.$SP.tmp"
rm -f "$A/st/site.pem.ocsp" "$A/st/m.prom"
wait_file "$A/st/site.pem.ocsp" 20 || not_ok "the staple file written again"
wait_file "$A/st/m.prom" 20 || not_ok "the metrics file written again"
stop_pid $SP
check_eq "staple file: good" good "$(resp_cert_status "$A/st/site.pem.ocsp")"
for v in victim victim2; do
	check_eq "a symlink at the temporary name: $v untouched" "secret 600" "$(cat "$A/$v") $(stat -c %a "$A/$v")"
done

# 7. Numbers in Redis no proxy wrote (times past year 9999 or negative, a failure count at
# INT_MAX): the entry is malformed, dropped by the scheduler and answered afresh, and nothing
# computed from them overflows (the sanitizer build reports any that does).
rcli FLUSHALL > /dev/null
start_handler "$T/g.conf"
check_eq "huge numbers: good cached" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
entry_set - this -9223372036854775808 next 9223372036854775807 fetched 9223372036854775807 \
	hit -9223372036854775808 fail 2147483647 failat 9223372036854775807
make_due
check_output "huge numbers: the scheduler drops the entry" \
	"refreshed 0, kept 0, failed 0, evicted 1, skipped 0" "$S" -c "$T/g.conf" --once
check_eq "huge numbers: the client still gets good" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
entry_set - fail 2147483647 failat 9223372036854775807 hit 99999999999999
entry_set - url "http://127.0.0.1:$FAKE_PORT/"
make_due
check_output "a failure count at INT_MAX: one more failure" \
	"refreshed 0, kept 0, failed 1, evicted 0, skipped 0" "$S" -c "$T/g.conf" --once
check_status "ctl list with those numbers" 0 "$C" -c "$T/g.conf" list
stop_handler

# 8. A counter that is no number, or a stats or schedule key of the wrong type (by hand, or by
# anyone who can write to Redis), costs the bookkeeping, not the hits: with the responder down
# the cached answer is still served.
rcli FLUSHALL > /dev/null
start_handler "$T/g.conf"
check_eq "bookkeeping: good cached" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
stop_responder
rcli HSET "$(rkey stats)" hits x misses x stale_lookups x > /dev/null
log_mark
check_eq "a counter that is no number: still a hit" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
check "... logged as a hit" log_has 'result=hit'
rcli DEL "$(rkey stats)" "$(rkey due)" > /dev/null
rcli SET "$(rkey stats)" x > /dev/null
rcli SET "$(rkey due)" x > /dev/null
check_eq "stats and due of the wrong type: still a hit" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
stop_handler

# 9. Text from Redis reaches the operator's terminal through ocsp-proxyctl (refresh too, which
# names the responder recorded with the entry when asking it fails): escape sequences and
# newlines written there (retitle or clear the terminal, forge a row) are shown as '?'.
rcli FLUSHALL > /dev/null
start_responder 60 "$RESP_PORT"
start_handler "$T/g.conf"
check_eq "ctl output: good cached" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
entry_set - subject $'\e]0;pwned\a\e[31mRED\nfake row' issuer $'\e[2J' serial $'10\e[8m01' \
	url $'http://127.0.0.1/\e[31m' fail 1 err $'\e[31mboom\r\nX'
"$C" -c "$T/g.conf" list > "$A/list.out" 2>&1
"$C" -c "$T/g.conf" show "$(certids | head -1)" > "$A/show.out" 2>&1
"$C" -c "$T/g.conf" --json show "$(certids | head -1)" > "$A/show.json" 2>&1
rcli HSET "$(rkey stats)" $'hits\e[2J' $'1\e]0;x\a' > /dev/null
rcli HSET "$(rkey schedulers)" $'host\e[2J:1' "$(date +%s) refreshed 1$(printf '\033[8m')" > /dev/null
"$C" -c "$T/g.conf" stats > "$A/stats.out" 2>&1
"$C" -c "$T/g.conf" refresh "$(certids | head -1)" > "$A/refresh.out" 2>&1
"$C" -c "$T/g.conf" refresh --all > "$A/refresh-all.out" 2>&1
check_eq "ctl list: one row under the header" 2 "$(wc -l < "$A/list.out")"
for f in list.out show.out show.json stats.out refresh.out refresh-all.out; do
	check "ctl $f: no control character from Redis" sh -c "! grep -q \"\$(printf '[\\033\\007\\r]')\" '$A/$f'"
done
check "ctl show: the subject shown, controls replaced" grep -q 'subject ?]0;pwned??\[31mRED?fake row' "$A/show.out"
stop_handler

# 10. The journal's native protocol: one field a line (MESSAGE, PRIORITY, SYSLOG_IDENTIFIER,
# OCSP_*), so `journalctl -p err` and OCSP_RESULT= match; a newline inside a value never starts a
# field. A journal of our own in a private mount namespace (nothing else sees it).
if unshare -m true 2>/dev/null; then
	write_config "$T/j.conf" "log = journal"
	printf 'GET /-/health HTTP/1.0\r\n\r\n' > "$A/health.req"
	rm -f "$A/journal"
	# shellcheck disable=SC2016  # expanded by the inner shell
	unshare -m sh -c 'mount -t tmpfs none /run && mkdir -p /run/systemd/journal &&
		python3 -c "
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(\"/run/systemd/journal/socket\")
open(\"/run/ready\", \"w\").close()
with open(sys.argv[1], \"ab\", buffering=0) as f:
    while True:
        f.write(s.recv(65536) + b\"\\0\")
" "$1" & for _ in $(seq 100); do [ -e /run/ready ] && break; sleep 0.05; done
		"$2" -c "$3" < "$4" > /dev/null 2>&1; sleep 0.3; kill $!' sh "$A/journal" "$H" "$T/j.conf" "$A/health.req"
	check "journal: PRIORITY is a field of its own" grep -qx 'PRIORITY=6' "$A/journal"
	check "journal: OCSP_RESULT is a field of its own" grep -qx 'OCSP_RESULT=health' "$A/journal"
	check "journal: the reason stays one field" grep -q '^OCSP_REASON=status=' "$A/journal"
else
	skip "journal fields" "unshare -m is not permitted here"
fi

# 11. The upstream backoff ({P}:backoff) as a Redis writer fills it: a URL or reason with control
# bytes and invalid UTF-8, 100 kB of reason, a time no upstream_backoff allows (a responder kept
# off for good), thousands of fields. ctl stats (text and JSON) and the metrics file stay well
# formed and bounded, and show only what the proxy could have written.
rcli FLUSHALL > /dev/null
BK=$(rkey backoff) now_ms=$(($(date +%s) * 1000))
M=$A/metrics.prom
write_config "$T/m.conf" "default_upstream = $RESP_URL" "metrics_file = $M" "metrics_interval = 1s" \
	"check_interval = 1h"
rcli HSET "$BK" "$RESP_URL" "$((now_ms + 20000)) HTTP 503" > /dev/null
# The longest a handler writes (upstream_backoff = 1h), from a host whose clock runs 5 s ahead.
rcli HSET "$BK" "http://127.0.0.1/max" "$((now_ms + 3605999)) upstream_backoff at its most" > /dev/null
rcli HSET "$BK" $'http://127.0.0.1/\xff\xfe\e[2J\r' "$((now_ms + 20000)) bad$(printf '\377\r\033')bytes" > /dev/null
rcli HSET "$BK" "http://127.0.0.1/forever" "253402300799000 kept off for good" > /dev/null
{ printf '%d ' "$((now_ms + 20000))"; head -c 100000 /dev/zero | tr '\0' a; } |
	rcli -x HSET "$BK" "http://127.0.0.1/long" > /dev/null
"$C" -c "$T/m.conf" stats > "$A/bk.out" 2>&1
"$C" -c "$T/m.conf" --json stats > "$A/bk.json" 2>&1
"$BUILD/ocsp-proxy-scheduler" -c "$T/m.conf" > /dev/null 2>&1 &
register_pid $! scheduler
for _ in $(seq 100); do grep -q '^ocsp_proxy_upstreams_backed_off' "$M" 2>/dev/null && break; sleep 0.1; done
stop_pid $! scheduler
printable() { python3 -c 'import sys; d = open(sys.argv[1], "rb").read(); sys.exit(any(b > 0x7e or (b < 0x20 and b != 10) for b in d))' "$1"; }
check "backoff: ctl stats shows the genuine one" grep -q "^backoff $RESP_URL until .*: HTTP 503$" "$A/bk.out"
check "backoff: ... and the longest one a handler writes" grep -q "^backoff http://127.0.0.1/max until .*: upstream_backoff at its most$" "$A/bk.out"
check "backoff: ctl stats, printable text only" printable "$A/bk.out"
check "backoff: ctl stats --json, printable JSON" sh -c "python3 -c 'import json,sys; json.load(sys.stdin)' < '$A/bk.json'"
check "backoff: ctl stats --json, printable text only" printable "$A/bk.json"
check "backoff: metrics, printable text only" printable "$M"
check "backoff: promtool check metrics" sh -c "promtool check metrics < '$M' 2>&1 | grep -v 'counter metrics should have \"_total\" suffix' | grep -q . && exit 1 || exit 0"
check "backoff: a time past any upstream_backoff is not one" sh -c "! grep -q forever '$A/bk.out' '$A/bk.json' '$M'"
check "backoff: no 100 kB reason through ctl stats" test "$(wc -c < "$A/bk.out")" -lt 10000
check "backoff: nor through the metrics" test "$(wc -c < "$M")" -lt 20000
for i in $(seq 3000); do printf 'HSET %s http://127.0.0.1/%d "%d many"\n' "$BK" "$i" "$((now_ms + 20000))"; done |
	rcli > /dev/null
"$C" -c "$T/m.conf" stats > "$A/bk.out" 2>&1
check "backoff: 3000 written, ctl stats shows at most 1000 (BACKOFF_URLS_MAX)" \
	test "$(grep -c '^backoff ' "$A/bk.out")" -le 1000

# 12. No client makes the proxy back off a good responder for everyone (upstream_backoff): a
# certificate of another CA sent to the responder (which answers "unknown", signed by its own
# delegate, unverifiable for that CA), through its routing and naming the responder itself
# (Apache's absolute URL), each a few times. Good certificates are still asked right after.
rcli FLUSHALL > /dev/null
write_config "$T/b.conf" "default_upstream = $RESP_URL" "upstream_backoff = 1h"
start_handler "$T/b.conf"
make_request "$CA_DIR/other/good.pem" "$A/foreign.req" -issuer "$CA_DIR/other/ca.pem"
for _ in 1 2 3; do
	curl -s -o /dev/null --data-binary @"$A/foreign.req" -H 'Content-Type: application/ocsp-request' "$PROXY_URL"
	curl -s -o /dev/null --data-binary @"$A/foreign.req" -H 'Content-Type: application/ocsp-request' \
		--proxy "$PROXY_URL" "$RESP_URL"
done
check_eq "client's unverifiable answers: a good certificate still asked" good \
	"$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
check_eq "... and a revoked one" revoked "$(ocsp_query "$PROXY_URL" "$CA_DIR/revoked.pem")"
check_eq "... the responder not backed off" "" "$(rcli HKEYS "$(rkey backoff)")"
stop_handler

echo "$_passed passed, $_failed failed"
