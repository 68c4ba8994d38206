# same_verdict: the handler and the scheduler, fed the same genuine answers, decide the same
# (issue 19): each pair below caches the first answer through the handler, then offers the second
# to the handler (a nonce request, which asks upstream whatever the cache holds) and to the
# scheduler (a refresh); what the client is told and what the cache then holds must be the same
# status, the one the replacement rule names (answer_replaces: a newer answer replaces; an older
# one does not, except over an "unknown"; a "good" as old as a cached "revoked" does not).
. "$(dirname "$0")/../lib.sh"

setup_proxy --no-handler
A=$T/same
mkdir -p "$A"
S=$BUILD/ocsp-proxy-scheduler
sign() { # INDEX REQ OUT [FAKETIME]: a genuine answer (the test CA's responder) made offline
	${4:+faketime -f "$4"} openssl ocsp -index "$1" -CA "$CA_DIR/ca.pem" -rsigner "$CA_DIR/ocsp.pem" \
		-rkey "$CA_DIR/ocsp.key" -reqin "$2" -respout "$3" -ndays 1 >/dev/null 2>&1
	test -s "$3" || bail "signed $3"
}
make_request "$CA_DIR/good.pem" "$A/good.req"
# What the CA says about serial 1001: good, unknown (not published yet: not in its index),
# revoked; now and two hours ago.
grep -v "$(printf '\t')1001$(printf '\t')" "$CA_DIR/index.txt" > "$A/unpublished.txt"
sed 's/^V\(\t[^\t]*\)\t\t1001\t/R\1\t'"$(date -u -d '-3 hours' +%y%m%d%H%M%SZ)"'\t1001\t/' \
	"$CA_DIR/index.txt" > "$A/revoked.txt"
for s in good unpublished revoked; do
	idx=$CA_DIR/index.txt
	[ $s = good ] || idx=$A/$s.txt
	sign "$idx" "$A/good.req" "$A/$s-new.der"
	sign "$idx" "$A/good.req" "$A/$s-old.der" "-2h"
done
check_eq "the CA's unknown" unknown "$(resp_cert_status "$A/unpublished-new.der")"
check_eq "the CA's revoked" revoked "$(resp_cert_status "$A/revoked-old.der")"
FAKE_URL=http://127.0.0.1:$FAKE_PORT/
write_config "$T/f.conf" "default_upstream = $FAKE_URL"
status_name() { case $1 in 0) echo good ;; 1) echo revoked ;; 2) echo unknown ;; *) echo "none ($1)" ;; esac; }

# agree CACHED ANSWER WANT: CACHED cached through the handler, then ANSWER offered to both.
agree() {
	local cached=$1 answer=$2 want=$3 name="$1 cached, $2 offered" h s
	rcli FLUSHALL > /dev/null
	start_handler "$T/f.conf"
	start_fake_upstream file "$A/$cached.der"
	check_eq "$name: the first answer cached" "$(resp_cert_status "$A/$cached.der")" \
		"$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
	stop_fake_upstream
	start_fake_upstream file "$A/$answer.der"
	h=$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem" -nonce)
	make_due
	"$S" -c "$T/f.conf" --once > "$A/tick.out" 2>&1
	s=$(status_name "$(entry_field - status)")
	check_eq "$name: the handler and the scheduler agree" "$h" "$s"
	check_eq "$name: both $want" "$want" "$h"
	stop_fake_upstream
	stop_handler
}
agree unpublished-new good-old good        # an unknown gives way to the first good
agree unpublished-new revoked-old revoked  # ... or revoked
agree good-new unpublished-old good        # an older unknown replaces nothing
agree revoked-new good-old revoked         # an older good is a replay
agree good-old good-new good               # a newer answer replaces
agree good-old revoked-new revoked
