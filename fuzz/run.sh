#!/usr/bin/env bash
# run.sh: builds each libFuzzer harness with clang (ASan + UBSan) and runs it for FUZZ_SECONDS
# (default 30) from a seed corpus of real requests, responses and configurations. Prints one
# "ok"/"not ok" per harness and "N passed, N failed". `make fuzz` runs it longer.
set -u
cd "$(dirname "$0")/.." || exit 1
SECONDS_EACH=${FUZZ_SECONDS:-30}
OUT=${FUZZ_DIR:-tests/tmp/fuzz}
mkdir -p "$OUT"
passed=0 failed=0
if ! command -v clang >/dev/null; then
	echo "skip - fuzz: clang is not installed"
	echo "0 passed, 0 failed"
	exit 0
fi
flags="-g -O1 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Ilib -Ihandler
       $(pkg-config --cflags libcrypto hiredis libcurl) -fsanitize=fuzzer,address,undefined"
libs="$(pkg-config --libs libcrypto hiredis) -ldl"
src="lib/*.c handler/http.c handler/decode.c handler/respond.c handler/route.c"

# Seeds: what the tests use.
BENCH=1
. tests/lib.sh
seed() { mkdir -p "$OUT/corpus/$1"; }
for h in http decode ocsp_request ocsp_response config; do seed $h; done
make_ca "$CA_DIR"
openssl ocsp -issuer "$CA_DIR/ca.pem" -cert "$CA_DIR/good.pem" -no_nonce -reqout "$OUT/corpus/ocsp_request/good" >/dev/null 2>&1
openssl ocsp -issuer "$CA_DIR/ca.pem" -cert "$CA_DIR/revoked.pem" -reqout "$OUT/corpus/ocsp_request/nonce" >/dev/null 2>&1
openssl ocsp -issuer "$CA_DIR/ca.pem" -cert "$CA_DIR/good.pem" -cert "$CA_DIR/revoked.pem" -reqout "$OUT/corpus/ocsp_request/two" >/dev/null 2>&1
base64 -w0 "$OUT/corpus/ocsp_request/good" > "$OUT/corpus/decode/raw"
base64 -w0 "$OUT/corpus/ocsp_request/good" | sed 's|/|%2F|g; s|+|%2B|g; s|=|%3D|g' > "$OUT/corpus/decode/nginx"
{ printf 'ocsp/'; base64 -w0 "$OUT/corpus/ocsp_request/good"; } > "$OUT/corpus/decode/prefix"
openssl ocsp -index "$CA_DIR/index.txt" -CA "$CA_DIR/ca.pem" -rsigner "$CA_DIR/ocsp.pem" -rkey "$CA_DIR/ocsp.key" \
	-reqin "$OUT/corpus/ocsp_request/good" -respout "$OUT/corpus/ocsp_response/good" -nmin 60 >/dev/null 2>&1
openssl ocsp -index "$CA_DIR/index.txt" -CA "$CA_DIR/ca.pem" -rsigner "$CA_DIR/ocsp.pem" -rkey "$CA_DIR/ocsp.key" \
	-reqin "$OUT/corpus/ocsp_request/nonce" -respout "$OUT/corpus/ocsp_response/revoked" -nmin 60 >/dev/null 2>&1
# fuzz_ocsp_response checks answers against the request the seeds answer.
export FUZZ_OCSP_REQUEST=$PWD/$OUT/corpus/ocsp_request/good
printf '\x30\x03\x0a\x01\x03' > "$OUT/corpus/ocsp_response/trylater"
printf 'POST http://ocsp.ca.example/ HTTP/1.0\r\nHost: ocsp.ca.example\r\nContent-Type: application/ocsp-request\r\nContent-Length: 68\r\n\r\n' > "$OUT/corpus/http/apache"
printf 'GET /MEMwQTA%%2FMD0w HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' > "$OUT/corpus/http/nginx"
printf 'POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\nContent-Type: application/ocsp-request\r\n\r\n' > "$OUT/corpus/http/curl"
cp etc/ocsp-proxy.conf "$OUT/corpus/config/example"
printf 'redis = unix:///x.sock?db=3\nroute = 0123456789abcdef0123456789abcdef01234567 http://a/\nallow_upstream = *.x, y\nread_timeout = 500ms\n' > "$OUT/corpus/config/small"

for h in http decode ocsp_request ocsp_response config; do
	bin=$OUT/fuzz_$h
	# shellcheck disable=SC2086
	if ! clang $flags -o "$bin" "fuzz/fuzz_$h.c" $src $libs > "$OUT/$h.build.log" 2>&1; then
		echo "not ok - fuzz_$h: build failed"; sed 's/^/  | /' "$OUT/$h.build.log" | head -20
		failed=$((failed + 1))
		continue
	fi
	mkdir -p "$OUT/work/$h"
	if "$bin" -max_total_time="$SECONDS_EACH" -max_len=8192 -timeout=5 -rss_limit_mb=1024 \
		-print_final_stats=1 "$OUT/work/$h" "$OUT/corpus/$h" > "$OUT/$h.log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$OUT/$h.log")
		cov=$(grep -o 'cov: [0-9]*' "$OUT/$h.log" | tail -1)
		echo "ok - fuzz_$h"
		echo "# fuzz_$h: $runs executions in ${SECONDS_EACH}s, $cov"
		passed=$((passed + 1))
	else
		echo "not ok - fuzz_$h: crashed; see $OUT/$h.log"
		grep -A15 'ERROR: ' "$OUT/$h.log" | head -30 | sed 's/^/  | /'
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
