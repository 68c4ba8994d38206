#!/usr/bin/env bash
# conf-ranges.sh: prints the ALLOWED VALUES section of ocsp-proxy.conf(5) from the key table in
# lib/config.c, in the words of its error messages. tests/integration/config_check.sh checks the
# man page holds exactly this; after changing a key, paste the output into the page.
set -eu
cd "$(dirname "$0")/.."
awk '
function num(e) {
	gsub(/[ \t]/, "", e)
	if (e == "DAY") return 86400000
	if (e ~ /\*DAY$/) { sub(/\*DAY$/, "", e); return e * 86400000 }
	if (e ~ /^1<</) { sub(/^1<</, "", e); return 2 ^ e }
	if (e in bound) return bound[e]
	return e + 0
}
# A bound named in lib/bounds.h (#define NAME NUMBER).
FILENAME ~ /bounds\.h$/ { if ($1 == "#define" && $3 ~ /^[0-9]+$/) bound[$2] = $3; next }
function dur(ms,   u, n, i) {
	split("86400000 3600000 60000 1000 1", u, " ")
	split("d h m s ms", n, " ")
	for (i = 1; i <= 5; i++) if (ms != 0 && ms % u[i] == 0) return sprintf("%d%s", ms / u[i], n[i])
	return sprintf("%ds", ms / 1000)
}
/^static const struct key keys\[\]/ { on = 1; next }
on && /^};/ { on = 0 }
on && /^\t\{ "/ {
	line = $0
	sub(/^\t\{ /, "", line); sub(/ \},?$/, "", line)
	n = split(line, f, /, */)
	name = f[1]; gsub(/"/, "", name); type = f[2]; def = f[4]; gsub(/"/, "", def)
	if (def == "NULL") def = "unset"
	lo = num(f[5]); hi = num(f[6])
	if (type == "T_DUR") what = "a duration from " dur(lo) " to " dur(hi)
	else if (type == "T_SIZE") what = sprintf("a size from %d to %d bytes", lo, hi)
	else if (type == "T_INT") what = sprintf("a whole number from %d to %d", lo, hi)
	else if (type == "T_BOOL") what = "yes or no"
	else if (type == "T_URL") what = "an http:// or https:// URL"
	else if (type == "T_REDIS") what = "a Redis URL"
	else if (type == "T_PREFIX") what = "1 to 64 of letters, digits and - _ . :"
	else if (type == "T_LIST") what = "a list, comma or space separated"
	else if (type == "T_ROUTE") what = "ISSUER URL, repeatable"
	else if (type == "T_SECRET") what = "a password"
	else if (type == "T_ALLOW") what = "HOST, *.DOMAIN, HOST:PORT or *, a list"
	else if (name ~ /_file$|_dir$|_socket$/) what = "a path"
	else if (name == "trust_anchors") what = "a CA file or directory (PEM)"
	else if (name == "metrics_file") what = "a file path"
	else if (name == "listen") what = "reserved"
	else if (name == "log") what = "auto, journal, syslog, stderr, or an absolute path"
	else if (name == "log_format") what = "logfmt or json"
	else if (name == "nonce_missing") what = "relay or refuse"
	else what = "a non-empty value"
	printf "%-25s %-10s %s\n", name, def, what
}' lib/bounds.h lib/config.c
