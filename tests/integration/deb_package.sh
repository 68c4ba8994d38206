#!/usr/bin/env bash
# deb_package: `make deb` builds the Debian package from the tree without dirtying it; the package
# holds what it should where it should (paths, modes, conffiles, dependencies, maintainer
# scripts) and lintian finds no error.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/deb_build.sh"

if ! command -v dpkg-buildpackage >/dev/null; then
	skip deb_package "dpkg-buildpackage is absent (apt-get install debhelper dpkg-dev lintian)"
	exit 0
fi

before=$(cd "$ROOT" && git status --porcelain 2>/dev/null)
if ! deb_build; then
	not_ok "make deb builds the package" "see tests/tmp/deb/*/build.log"
	exit 1
fi
ok "make deb builds $(basename "$DEB")${DEB_BUILD_SECONDS:+ in ${DEB_BUILD_SECONDS}s}"
check_eq "the build leaves the git tree as it was" "$before" "$(cd "$ROOT" && git status --porcelain 2>/dev/null)"

dpkg-deb -c "$DEB" | awk '{ sub(/^\.\//, "", $6); print $1, $2, $6 }' > "$T/list"
has() { # MODE PATH
	if grep -qxF -e "$1 root/root $2" "$T/list"; then ok "$2 $1"; else
		not_ok "$2 $1" "$(grep -F -e " $2" "$T/list" || echo absent)"; fi
}
for p in ocsp-proxy-handler ocsp-proxy-scheduler ocsp-proxyctl; do has -rwxr-xr-x "usr/sbin/$p"; done
unitdir=$(deb_unitdir)
for u in ocsp-proxy.socket ocsp-proxy@.service ocsp-proxy-scheduler.service \
	ocsp-proxy-resident.socket ocsp-proxy-resident.service; do
	has -rw-r--r-- "$unitdir/$u"
done
has -rw-r----- etc/ocsp-proxy/ocsp-proxy.conf
has -rw-r--r-- etc/logrotate.d/ocsp-proxy
for m in man5/ocsp-proxy.conf.5 man8/ocsp-proxy-handler.8 man8/ocsp-proxy-scheduler.8 man8/ocsp-proxyctl.8; do
	has -rw-r--r-- "usr/share/man/$m.gz"
done
for f in copyright changelog.gz operators-guide.md.gz deployment.md.gz README.md.gz \
	examples/ocsp-proxy.conf.example examples/ocsp-proxy.xinetd monitoring/ocsp-proxy-alerts.yml \
	monitoring/ocsp-proxy-dashboard.json; do
	has -rw-r--r-- "usr/share/doc/ocsp-proxy/$f"
done
check_eq "nothing under /usr/local or /usr/bin" "" "$(grep -E ' (usr/local|usr/bin)/' "$T/list")"
# Merged /usr: /lib, /bin and /sbin are aliases; Debian 13 refuses files there, Debian 12 still
# wants its units in /lib/systemd/system, and nothing else.
check_eq "nothing under /lib, /bin or /sbin but the release's unit directory" "" \
	"$(grep -E ' (lib|bin|sbin)/' "$T/list" | grep -vE " ($unitdir/.*|lib/|lib/systemd/|lib/systemd/system/)\$")"

mkdir -p "$T/x" "$T/ctl"
dpkg-deb -x "$DEB" "$T/x"
dpkg-deb -e "$DEB" "$T/ctl"
check_eq "conffiles: the configuration and the logrotate file" \
	"/etc/logrotate.d/ocsp-proxy /etc/ocsp-proxy/ocsp-proxy.conf" "$(sort "$T/ctl/conffiles" | tr '\n' ' ' | sed 's/ $//')"
check_eq "units start /usr/sbin programs" "" \
	"$(grep -h '^ExecStart=' "$T/x/$unitdir/"* | grep -v '=/usr/sbin/ocsp-proxy-')"
check_eq "the xinetd example names /usr/sbin" "1" \
	"$(grep -c 'server *= /usr/sbin/ocsp-proxy-handler' "$T/x/usr/share/doc/ocsp-proxy/examples/ocsp-proxy.xinetd")"

# The names are this release's: the libraries the -dev packages build against (from shlibs),
# and libcurl's package by its soname (named by debian/rules, as shlibs cannot see a dlopen()).
depends=$(dpkg-deb -f "$DEB" Depends)
for d in "$(deb_runtime_pkg libssl-dev)" "$(deb_runtime_pkg libhiredis-dev)" \
	"$(deb_runtime_pkg libsystemd-dev)" "$(deb_soname_pkg libcurl.so.4)" adduser; do
	case ", $depends," in
	*", $d "* | *", $d,"*) ok "Depends names ${d:-?}" ;;
	*) not_ok "Depends names ${d:-? (no such package here)}" "$depends" ;;
	esac
done
check_eq "Recommends" "redis-server" "$(dpkg-deb -f "$DEB" Recommends)"
# libcurl stays dlopen()ed on a miss: no binary links it, so shlibs cannot see it (hence Depends).
check_eq "no program links libcurl" "" \
	"$(for p in "$T"/x/usr/sbin/*; do readelf -d "$p" | grep -i 'NEEDED.*libcurl'; done)"
check_eq "binaries are hardened (bindnow, PIE)" "3" \
	"$(for p in "$T"/x/usr/sbin/*; do readelf -d "$p" | grep -q BIND_NOW && readelf -h "$p" | grep -q 'DYN' && echo y; done | wc -l)"

# The Debian way: the socket and the scheduler enabled on installation, the resident units only
# if they were; the socket never stopped on upgrade, only on removal.
check "postinst enables ocsp-proxy.socket" grep -q "deb-systemd-helper enable 'ocsp-proxy.socket'" "$T/ctl/postinst"
check "postinst enables the scheduler" grep -q "deb-systemd-helper enable 'ocsp-proxy-scheduler.service'" "$T/ctl/postinst"
check "postinst restarts the scheduler on upgrade" grep -q '_dh_action=restart' "$T/ctl/postinst"
check_eq "the resident socket is enabled only if it was" "1" \
	"$(grep -c "was-enabled 'ocsp-proxy-resident.socket'" "$T/ctl/postinst")"
check_eq "the socket is never restarted on upgrade" "" \
	"$(grep -n "restart.*'ocsp-proxy.socket'" "$T/ctl/postinst")"
# The condition's wording is debhelper's and differs by release: what counts is remove, no upgrade.
stop_if=$(grep -B1 "stop 'ocsp-proxy.socket'" "$T/ctl/prerm" | head -1)
# shellcheck disable=SC2016  # the text of the script, $1 included
case $stop_if in
*upgrade*) stop_if="also on upgrade: $stop_if" ;;
*'"$1" = remove'*) stop_if=remove ;;
esac
check_eq "prerm stops the socket on remove only" remove "$stop_if"
check "postinst creates the ocsp-proxy group" grep -q 'addgroup --system --quiet ocsp-proxy' "$T/ctl/postinst"
check_eq "postrm keeps the group" "" "$(grep -E 'delgroup|groupdel' "$T/ctl/postrm")"

lintian --pedantic -I "$DEB_CHANGES" > "$T/lintian" 2>&1
sed -n 's/^\([EWIP]\): /# lintian \1: /p' "$T/lintian"
check_eq "lintian: no errors" "" "$(grep '^E:' "$T/lintian")"
check_eq "lintian: no warnings" "" "$(grep '^W:' "$T/lintian")"
