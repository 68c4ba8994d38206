# ctl_prefetch: ocsp-proxyctl prefetch from a full-chain file, several files and a directory,
# refusing an issuer that did not sign the certificate; list's table and filters; show and
# purge by serial; --json for every command; clear errors and the documented exit codes.
. "$(dirname "$0")/../lib.sh"

setup_proxy
C() { "$BUILD/ocsp-proxyctl" -c "$CONF" "$@"; }
jq_ok() { jq -e "$1" > /dev/null 2>&1; }
D=$T/certs
mkdir -p "$D/dir"
cat "$CA_DIR/good.pem" "$CA_DIR/ca.pem" > "$D/good-fullchain.pem"
cat "$CA_DIR/revoked.pem" "$CA_DIR/ca.pem" > "$D/dir/revoked-fullchain.pem"
cp "$CA_DIR/ca.pem" "$D/dir/ca.pem"
cp "$CA_DIR/good.key" "$D/dir/good.key"
# An issuer with the same name as the real one and another key: not the issuer.
subj=$(openssl x509 -in "$CA_DIR/ca.pem" -noout -subject -nameopt compat); subj=${subj#subject=}
openssl req -new -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$D/fake.key" \
	-out "$D/fake-ca.pem" -days 30 -subj "$subj" 2>/dev/null

out=$(C prefetch --url "$RESP_URL" "$D/good-fullchain.pem")
check_status "prefetch of a full-chain file: exit 0" 0 C prefetch --url "$RESP_URL" "$D/good-fullchain.pem"
check "it says the serial and status" sh -c "echo '$out' | grep -q ' good cached (serial 1001, $D/good-fullchain.pem)'"
check_eq "one entry" 1 "$(certids | wc -l)"
check_eq "subject stored from the certificate" "CN = good" "$(entry_field - subject)"

C purge 1001 > /dev/null
check_eq "purge by serial" 0 "$(certids | wc -l)"
C --json prefetch --url "$RESP_URL" "$D/dir" > "$T/dir.json"
check_eq "a directory: exit 0" 0 "$?"
check "a directory: the revoked leaf cached" jq_ok '.[] | select(.result == "cached" and .status == "revoked" and .serial == "1002")' < "$T/dir.json"
check "a directory: the CA certificate skipped" jq_ok '.[] | select(.file | endswith("ca.pem")) | select(.result == "skipped")' < "$T/dir.json"
check "a directory: the key file skipped" jq_ok '.[] | select(.file | endswith("good.key")) | select(.result == "skipped")' < "$T/dir.json"
check "prefetch --json is one JSON array" jq_ok 'type == "array" and length == 3' < "$T/dir.json"
C prefetch --url "$RESP_URL" --issuer "$CA_DIR/ca.pem" "$CA_DIR/good.pem" "$CA_DIR/revoked.pem" > "$T/two" 2>&1
check_eq "several files with --issuer: both" 2 "$(grep -c ' cached (serial' "$T/two")"

# An issuer that did not issue it: refused, nothing cached, exit 1.
C purge 1001 >/dev/null
C prefetch --url "$RESP_URL" --issuer "$D/fake-ca.pem" "$CA_DIR/good.pem" > /dev/null 2> "$T/err"
check_eq "a look-alike issuer: exit 1" 1 "$?"
check "says why" grep -Eq "not issued by $D/fake-ca.pem|the issuer's key did not sign it" "$T/err"
check_eq "and caches nothing for it" "" "$(certids | grep 1001)"
C prefetch --url "$RESP_URL" --issuer "$CA_DIR/other/ca.pem" "$CA_DIR/good.pem" > /dev/null 2> "$T/err"
check_eq "an unrelated issuer: exit 1" 1 "$?"
C prefetch --url "$RESP_URL" "$T/no-such.pem" > /dev/null 2> "$T/err"
check_eq "a missing file: exit 1" 1 "$?"
check "a missing file: says so" grep -q "no-such.pem: No such file or directory" "$T/err"
check_status "prefetch with no file: exit 2" 2 C prefetch

# list: a table, filters, JSON.
C prefetch --url "$RESP_URL" "$D/good-fullchain.pem" > /dev/null
C list > "$T/list"
check "list: a header" grep -Eq '^SERIAL +STATUS +NEXT UPDATE +NEXT REFRESH +FAIL +SUBJECT$' "$T/list"
check "list: aligned columns" sh -c "awk '{ print index(\$0, \"20\") }' '$T/list' | tail -n +2 | sort -u | wc -l | grep -qx 1"
check_eq "list --status revoked" 1002 "$(C list --status revoked | tail -n +2 | awk '{print $1}')"
check_eq "list --due-within 1d: both" 2 "$(C list --due-within 1d | tail -n +2 | wc -l)"
check_eq "list --due-within 1s: none" 0 "$(C list --due-within 1s 2>/dev/null | tail -n +2 | wc -l)"
check_status "list --status bogus: exit 2" 2 C list --status bogus
check_status "list --due-within soon: exit 2" 2 C list --due-within soon
check "list --json --failing: an empty array" jq_ok 'length == 0' < <(C --json list --failing)
check "show by serial" sh -c "'$BUILD/ocsp-proxyctl' -c '$CONF' show 1002 | grep -q 'status revoked'"
check "purge --json" jq_ok '.purged == true' < <(C --json purge 1002)
check "stats --json" jq_ok '.entries == 1' < <(C --json stats)

# An entry a client brought: no certificate, so no names, and list says so.
C purge 1001 >/dev/null
ocsp_query "$PROXY_URL" "$CA_DIR/good.pem" >/dev/null
check "list: names not known for an entry a client brought" sh -c "'$BUILD/ocsp-proxyctl' -c '$CONF' list | grep -q '^1001 .*(not known: seen in a request'"

# Errors and exit codes.
C lsit 2> "$T/err"
check_eq "unknown command: exit 2" 2 "$?"
check "unknown command: named" grep -q "unknown command 'lsit'" "$T/err"
C list --frob 2> "$T/err"
check_eq "unknown option: exit 2" 2 "$?"
check "unknown option: named" grep -q "unknown option '--frob'" "$T/err"
C show 77 2> "$T/err"
check_eq "show of a serial not cached: exit 1" 1 "$?"
stop_redis
C list 2> "$T/err"
check_eq "Redis unreachable: exit 3" 3 "$?"
