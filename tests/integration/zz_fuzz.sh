# zz_fuzz: a short libFuzzer run of every parser (fuzz/run.sh; `make fuzz` runs them longer).
# Skipped in the sanitizer pass: the harnesses are sanitized builds already.
if [ "${SANITIZE:-0}" = 1 ]; then
	echo "skip - fuzz: already run with sanitizers by make check"
	echo "0 passed, 0 failed"
	exit 0
fi
exec bash "$(dirname "$0")/../../fuzz/run.sh"
