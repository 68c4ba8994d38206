# config_check: ocsp-proxy-handler -t checks what the configuration names without side effects:
# files exist and parse, the log target is writable, Redis and Sentinels answer and accept the
# credentials (--offline skips them); errors name the allowed range. A route's issuer must be a
# CA certificate (a leaf there matches no request), and -t says which issuer key hash it serves;
# route lines name the configuration file and the route.
. "$(dirname "$0")/../lib.sh"

make_ca "$CA_DIR"
REDIS_ARGS="--requirepass s3cret" start_redis
t() { "$BUILD/ocsp-proxy-handler" -c "$T/c.conf" -t "$@" > "$T/out" 2>&1; }
conf() { write_config "$T/c.conf" "redis_password = s3cret" "$@"; }

conf "trust_anchors = $CA_DIR/ca.pem" "route = $CA_DIR/ca.pem http://127.0.0.1:1/" \
	"log = $T/logs/new.log" "metrics_file = $T/logs/m.prom"
mkdir -p "$T/logs"
t
check_eq "a sound configuration: exit 0" 0 "$?"
check "says ok" grep -q ': ok$' "$T/out"
check "reports Redis and its password accepted" grep -q '^ok    redis: answers, credentials accepted' "$T/out"
check "no side effect: the log file is not created" test ! -e "$T/logs/new.log"
check "no side effect: nor the metrics file" test ! -e "$T/logs/m.prom"
khash=$(openssl x509 -in "$CA_DIR/ca.pem" -noout -pubkey | openssl pkey -pubin -outform DER |
	tail -c 65 | openssl dgst -sha1 -r | cut -d' ' -f1)
check "a CA route issuer: the issuer key hash it serves, the file and the route" \
	grep -q "^ok    $T/c.conf: route 1: issuer $CA_DIR/ca.pem (CN = .*) serves issuer key hash $khash (SHA-1), to http://127.0.0.1:1/" "$T/out"

conf "route = $CA_DIR/good.pem http://127.0.0.1:1/"
t --offline
check_eq "a leaf certificate as a route issuer: exit 1" 1 "$?"
check "says it is not a CA, naming the file and the route" \
	grep -q "^error $T/c.conf: route 1: issuer $CA_DIR/good.pem (CN = good) is not a CA certificate: its basicConstraints say CA:FALSE" "$T/out"
openssl req -new -x509 -key "$CA_DIR/good.key" -subj /CN=ku -addext keyUsage=digitalSignature \
	-out "$T/ku.pem" -days 1 2>/dev/null
conf "route = $CA_DIR/ca.pem http://127.0.0.1:1/" "route = $T/ku.pem http://127.0.0.1:2/"
t --offline
check_eq "a certificate without keyCertSign as a route issuer: exit 1" 1 "$?"
check "says so, naming the second route" \
	grep -q "^error $T/c.conf: route 2: issuer $T/ku.pem (CN = ku) is not a CA certificate: its keyUsage lacks keyCertSign" "$T/out"
check "the first route is fine" grep -q "^ok    $T/c.conf: route 1: " "$T/out"

conf "redis_password = wrong"
t
check_eq "a refused password: exit 1" 1 "$?"
check "names Redis" grep -q '^error redis: ' "$T/out"
check "never prints the password" sh -c "! grep -q wrong '$T/out'"
t --offline
check_eq "--offline does not ask Redis" 0 "$?"
check "and says so" grep -q '^skip  redis' "$T/out"

conf "trust_anchors = $T/missing.pem"
t --offline
check_eq "a missing trust_anchors file: exit 1" 1 "$?"
check "names it" grep -q "^error trust_anchors $T/missing.pem" "$T/out"
conf "route = $T/missing-issuer.pem http://127.0.0.1:1/"
t --offline
check "a missing route issuer file is an error" grep -q "^error $T/c.conf: route 1: issuer $T/missing-issuer.pem: No such file" "$T/out"
printf 'not a certificate\n' > "$T/junk.pem"
conf "route = $T/junk.pem http://127.0.0.1:1/"
t --offline
check "a route issuer that is not a certificate is an error" grep -q "^error $T/c.conf: route 1: issuer $T/junk.pem: not a certificate" "$T/out"
conf "log = $T/no/such/dir/x.log"
t --offline
check_eq "an unwritable log path: exit 1" 1 "$?"
check "names it" grep -q "^error log $T/no/such/dir/x.log: cannot be written" "$T/out"
conf "log = elsewhere"
t --offline
check "a log value it would ignore is refused" grep -q "bad value 'elsewhere' for log (auto, journal, syslog, stderr or an absolute file path)" "$T/out"
conf "read_timeout = 2h"
t --offline
check "a duration out of range says the range" grep -q "bad value '2h' for read_timeout: expected a duration from 1ms to 1h" "$T/out"
conf "workers = 1000"
t --offline
check "a number out of range says the range" grep -q "bad value '1000' for workers: expected a whole number from 0 to 256" "$T/out"
"$BUILD/ocsp-proxy-handler" -c "$T/c.conf" -t --bogus > "$T/out" 2>&1
check_eq "an unknown -t option: exit 2" 2 "$?"

# Sentinels: each one answers and knows the primary's name.
P=$(free_port)
start_redis_port primary "$P"
start_sentinels "$P"
write_config "$T/c.conf" "redis = redis://127.0.0.1:$P/0" "redis_sentinel = $SENTINELS" "redis_master_name = ocsp"
t
check_eq "Sentinels that know the primary: exit 0" 0 "$?"
check_eq "each Sentinel reported" 3 "$(grep -c '^ok    sentinel 127.0.0.1:[0-9]*: knows' "$T/out")"
write_config "$T/c.conf" "redis = redis://127.0.0.1:$P/0" "redis_sentinel = $SENTINELS" "redis_master_name = other"
t
check_eq "a master name the Sentinels do not know: exit 1" 1 "$?"
check "says which name" grep -q "does not know a primary named 'other'" "$T/out"

# ocsp-proxy.conf(5) lists every key of lib/config.c with its default and range.
man=$(sed -n '/^\.SH ALLOWED VALUES/,/^\.SH/p' "$ROOT/docs/ocsp-proxy.conf.5" | sed -n '/^\.ft CR$/,/^\.ft$/p' | sed '1d;$d')
if [ "$man" = "$("$ROOT/scripts/conf-ranges.sh")" ]; then
	ok "ocsp-proxy.conf(5) lists every key's range"
else
	not_ok "ocsp-proxy.conf(5) lists every key's range" "run scripts/conf-ranges.sh and paste its output into ALLOWED VALUES"
fi
