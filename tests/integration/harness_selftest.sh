# harness_selftest: the harness can fail. Small sub-tests break on purpose (an assertion that
# must fail, a command killed by a signal, a log line written before the step, a component that
# crashes) and each must end "not ok" with a non-zero exit; a build with a crash injected at exit
# (after the answer is sent) fails valgrind.sh and the handler checks; tests/run counts a failing
# unit test, a failing script and a script that dies without a result.
. "$(dirname "$0")/../lib.sh"

S=$T/sub
mkdir -p "$S"
# sub NAME: a sub-test script, its body on stdin, sourcing this harness.
sub() { { printf '. "%s/tests/lib.sh"\n' "$ROOT"; cat; } > "$S/$1.sh"; }
# expect_failure NAME WANT-LINE [ENV...]: runs sub-test NAME; it must exit non-zero, report at
# least one failure, and print a line matching the ERE WANT-LINE.
expect_failure() {
	local name=$1 want=$2 rc failed
	shift 2
	env -u SANITIZE "$@" bash "$S/$name.sh" > "$S/$name.out" 2>&1
	rc=$?
	failed=$(sed -n 's/^[0-9]* passed, \([0-9]*\) failed$/\1/p' "$S/$name.out" | tail -1)
	if [ "$rc" != 0 ] && [ "${failed:-0}" -ge 1 ] && grep -Eq -- "$want" "$S/$name.out"; then
		ok "$name: fails"
	else
		not_ok "$name: fails" "$(describe_status "$rc"), ${failed:-no} failed, wanted /$want/: $(tr '\n' '|' < "$S/$name.out" | tail -c 400)"
	fi
}

sub assertion <<'EOF'
check_eq "must fail" yes no
EOF
expect_failure assertion "^not ok - must fail: expected 'yes', got 'no'"

sub signal <<'EOF'
check "a command killed by SIGSEGV" sh -c 'kill -SEGV $$'
EOF
expect_failure signal '^not ok - a command killed by SIGSEGV: killed by SIGSEGV'

sub status <<'EOF'
check_status "exit 1 wanted, a crash is not that" 1 sh -c 'kill -SEGV $$'
sh -c 'exit 3'
check_rc "exit 0 wanted" 0 $?
EOF
expect_failure status '^not ok - exit 1 wanted.*got killed by SIGSEGV'
check "status: the second check fails too" grep -q '^not ok - exit 0 wanted: expected exit 0, got exit 3' "$S/status.out"

sub log_mark <<'EOF'
echo "warning: redis unavailable: earlier step" > "$T/ocsp-proxy.log"
log_mark
echo "result=hit" >> "$T/ocsp-proxy.log"
check "a line from before the mark is not seen" log_has 'redis unavailable'
check "a line from after it is" log_has 'result=hit'
check_eq "log_count counts after the mark" 1 "$(log_count 'result=')"
EOF
expect_failure log_mark '^not ok - a line from before the mark is not seen'
check "log_mark: the lines after the mark are seen" grep -q '^2 passed, 1 failed$' "$S/log_mark.out"

sub crashed_component <<'EOF'
sh -c 'sleep 0.2; kill -SEGV $$' &
register_pid $! "a component"
sleep 1
check_eq "the checks pass" 1 1
EOF
expect_failure crashed_component '^not ok - a component did not crash: killed by SIGSEGV'

sub bail <<'EOF'
REDIS_ARGS="--no-such-option" start_redis
check_eq "never reached" 1 1
EOF
expect_failure bail '^not ok - redis started'
check "bail: stops the test" sh -c "! grep -q 'never reached' '$S/bail.out'"

# tests/run: a failing unit test, a failing script and one that dies mid-way are all counted.
R=$T/runner
mkdir -p "$R/build/tests" "$R/integration" "$R/logs"
cat > "$R/test_fails.c" <<'EOF'
#include "check.h"
int main(void) { CHECK(1 == 2); return CHECK_DONE(); }
EOF
if cc -I"$ROOT/tests/unit" -o "$R/build/tests/test_fails" "$R/test_fails.c"; then
	cp "$S/assertion.sh" "$R/integration/fails.sh"
	printf 'echo "ok - one"\nkill -SEGV $$\n' > "$R/integration/dies.sh"
	(cd "$ROOT" && env -u SANITIZE BUILD="$R/build" INTEGRATION_DIR="$R/integration" TEST_LOGS="$R/logs" \
		tests/run) > "$R/out" 2>&1
	check_rc "tests/run: exits non-zero" 1 $?
	check "tests/run: counts the three failures" grep -q '^0 passed, 3 failed$' "$R/out"
else
	not_ok "compile a failing unit test"
fi

# A deliberately broken build: every program segfaults as it exits, once its work is done (the
# client has its answer), linked in from crash.o. Not with the sanitizers: valgrind cannot run
# their build, and relinking it needs their flags.
if [ "${SANITIZE:-0}" = 1 ]; then
	skip "broken build" "not in the sanitizer pass"
	exit 0
fi
B=$T/broken
cp -a "$BUILD" "$B"
rm -f "$B"/ocsp-proxy-handler "$B"/ocsp-proxy-scheduler "$B"/ocsp-proxyctl
cat > "$T/crash.c" <<'EOF'
__attribute__((destructor)) static void crash_at_exit(void) { *(volatile int *)0 = 1; }
EOF
if cc -O0 -c -o "$T/crash.o" "$T/crash.c" &&
	make -s -C "$ROOT" BUILD="$B" LDFLAGS="$T/crash.o" all > "$T/make.log" 2>&1; then
	ok "broken build made"
else
	bail "broken build made" "$(tail -5 "$T/make.log")"
fi

sub handler_crash <<'EOF'
setup_proxy
check_eq "the client gets its answer" good "$(ocsp_query "$PROXY_URL" "$CA_DIR/good.pem")"
EOF
expect_failure handler_crash '^not ok - handler processes ended normally: .*died with code 11' BUILD="$B"
check "handler_crash: the answer itself was fine" grep -q '^ok - the client gets its answer' "$S/handler_crash.out"

if command -v valgrind >/dev/null; then
	env -u SANITIZE BUILD="$B" bash "$ROOT/tests/integration/valgrind.sh" > "$T/vg.out" 2>&1
	check_rc "valgrind.sh on the broken build: exits non-zero" 1 $?
	check "valgrind.sh: the crash of a handler that answered is reported" \
		grep -q '^not ok - valgrind: miss: expected exit 0, got killed by SIGSEGV' "$T/vg.out"
	check "valgrind.sh: ... though the miss itself was answered" grep -q '^ok - miss answered' "$T/vg.out"
	n=$(grep -Ec '^(not )?ok - valgrind: ' "$T/vg.out")
	check "valgrind.sh: programs ran under valgrind ($n)" test "$n" -ge 7
	check_eq "valgrind.sh: every one fails" "$n" "$(grep -c '^not ok - valgrind: ' "$T/vg.out")"
else
	skip "valgrind" "not installed"
fi
