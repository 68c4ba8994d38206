# deploy_units: the systemd units verify and are sandboxed (exposure <= 2.0), and make install /
# uninstall lay out and remove the tree under DESTDIR without touching an operator's config.
. "$(dirname "$0")/../lib.sh"

U=$T/units
mkdir -p "$U"
for f in "$ROOT"/units/*.socket "$ROOT"/units/*.service; do
	sed "s|/usr/local/bin/|$BUILD/|g" "$f" > "$U/$(basename "$f")"
done
if command -v systemd-analyze >/dev/null; then
	for f in "$U"/*; do
		out=$(cd "$U" && systemd-analyze verify --man=no "./$(basename "$f")" 2>&1 |
			grep -v -e 'sysinit.target' -e 'Failed to create .*/start' -e '^$')
		check_eq "systemd-analyze verify $(basename "$f")" "" "$out"
	done
	for s in "ocsp-proxy@.service" ocsp-proxy-scheduler.service ocsp-proxy-resident.service; do
		level=$(cd "$U" && systemd-analyze security --offline=true "./$s" 2>/dev/null |
			sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')
		echo "# $s exposure: $level"
		check "$s exposure $level <= 2.0" awk -v l="$level" 'BEGIN { exit !(l != "" && l <= 2.0) }'
	done
else
	skip "systemd-analyze" "not installed"
fi

# make install into a DESTDIR, twice: the second keeps an edited config.
D=$T/root
make -s -C "$ROOT" install DESTDIR="$D" PREFIX=/usr/local BUILD="$BUILD" >/dev/null 2>"$T/install.err"
for f in usr/local/bin/ocsp-proxy-handler usr/local/bin/ocsp-proxy-scheduler \
	etc/systemd/system/ocsp-proxy.socket "etc/systemd/system/ocsp-proxy@.service" \
	etc/systemd/system/ocsp-proxy-scheduler.service etc/xinetd.d/ocsp-proxy \
	etc/ocsp-proxy/ocsp-proxy.conf usr/local/share/doc/ocsp-proxy/ocsp-proxy.conf.example \
	usr/local/share/man/man8/ocsp-proxy-handler.8 usr/local/share/man/man8/ocsp-proxy-scheduler.8 \
	usr/local/share/man/man5/ocsp-proxy.conf.5 usr/local/share/doc/ocsp-proxy/deployment.md \
	usr/local/share/doc/ocsp-proxy/operators-guide.md usr/local/bin/ocsp-proxyctl \
	usr/local/share/man/man8/ocsp-proxyctl.8; do
	check "installed $f" test -s "$D/$f"
done
check "handler installed executable" test -x "$D/usr/local/bin/ocsp-proxy-handler"
check_eq "the config is readable by owner and group only" 640 "$(stat -c %a "$D/etc/ocsp-proxy/ocsp-proxy.conf")"
if getent group ocsp-proxy >/dev/null; then
	check_eq "... and its group is ocsp-proxy" ocsp-proxy "$(stat -c %G "$D/etc/ocsp-proxy/ocsp-proxy.conf")"
fi
check "the services load the password credentials" grep -q '^LoadCredential=redis-password$' \
	"$D/etc/systemd/system/ocsp-proxy@.service" "$D/etc/systemd/system/ocsp-proxy-scheduler.service"
check "units name the installed programs" grep -q '^ExecStart=/usr/local/bin/ocsp-proxy-handler$' "$D/etc/systemd/system/ocsp-proxy@.service"
check "the installed example config parses" "$BUILD/ocsp-proxy-handler" -c "$D/etc/ocsp-proxy/ocsp-proxy.conf" -t --offline
echo "key_prefix = mine" >> "$D/etc/ocsp-proxy/ocsp-proxy.conf"
make -s -C "$ROOT" install DESTDIR="$D" PREFIX=/usr/local BUILD="$BUILD" >/dev/null
check "reinstall keeps the operator's config" grep -q 'key_prefix = mine' "$D/etc/ocsp-proxy/ocsp-proxy.conf"
make -s -C "$ROOT" uninstall DESTDIR="$D" PREFIX=/usr/local BUILD="$BUILD" >/dev/null
check "uninstall removes the programs" test ! -e "$D/usr/local/bin/ocsp-proxy-handler"
check "uninstall removes the units" test ! -e "$D/etc/systemd/system/ocsp-proxy.socket"
check "uninstall removes the man pages" test ! -e "$D/usr/local/share/man/man8/ocsp-proxy-handler.8"
check "uninstall keeps an edited config" test -e "$D/etc/ocsp-proxy/ocsp-proxy.conf"
check_eq "nothing else left" "etc/ocsp-proxy/ocsp-proxy.conf" "$(cd "$D" && find . -type f | sed 's|^\./||')"

# --help and man pages render.
for m in "$ROOT"/docs/*.[58]; do
	check "man page $(basename "$m") renders without warnings" sh -c "! MANWIDTH=80 man --warnings -l '$m' 2>&1 >/dev/null | grep -q ."
done
