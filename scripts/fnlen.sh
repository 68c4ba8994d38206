#!/bin/sh
# fnlen.sh: the length of every function in our C files (the developers' guide wants them under
# 100 lines), longest first. Our style puts a function's name at column 0 (the return type on
# the line above) and its braces at column 0: a function runs from its name to its closing brace.
# Usage: scripts/fnlen.sh [MIN] [DIRS...]: functions of at least MIN lines (default 1) in DIRS
# (default lib handler scheduler ctl). Exits 1 when any is 100 lines or longer.
min=${1:-1}
[ $# -gt 0 ] && shift
[ $# -eq 0 ] && set -- lib handler scheduler ctl
# shellcheck disable=SC2016  # awk's program
out=$(find "$@" -name '*.c' | sort | xargs awk -v min="$min" '
FNR == 1 { name = ""; body = 0 }
/^[A-Za-z_][A-Za-z0-9_]*\(/ && !body { name = $0; sub(/\(.*/, "", name); start = FNR }
/;[ \t]*$/ && !body { name = "" }           # a declaration, not a definition
/^\{/ && name != "" { body = 1 }
/^}/ && body {
	n = FNR - start + 1
	if (n >= min) printf "%5d %s:%d %s\n", n, FILENAME, start, name
	if (n >= 100) long = 1
	name = ""; body = 0
}
END { if (long) print "@@LONG@@" }
')
printf "%s\n" "$out" | grep -v -e "^@@LONG@@$" -e "^$" | sort -rn
case $out in *@@LONG@@*) exit 1 ;; esac
exit 0
