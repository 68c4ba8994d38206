#!/usr/bin/env bash
# deb_install: installs the package into a throwaway root with dpkg and its real maintainer
# scripts, then upgrades, removes and purges it, checking what stays. The root is an overlay of
# this host's own / (so dpkg, adduser and deb-systemd-helper are the real ones and every
# dependency is installed) with a private upper layer, in a private mount namespace, entered with
# chroot: nothing reaches the host's /etc or dpkg database. /run is an empty tmpfs there, so the
# scripts act as in any chroot (enable units, never start them).
if [ -z "${DEB_INSTALL_NS:-}" ] && command -v unshare >/dev/null; then
	DEB_INSTALL_NS=1 exec unshare -m --propagation private bash "$0" "$@"
fi
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/deb_build.sh"

if ! command -v dpkg-buildpackage >/dev/null; then
	skip deb_install "dpkg-buildpackage is absent (apt-get install debhelper dpkg-dev lintian)"
	exit 0
fi
R=$T/root
mkdir -p "$T/upper" "$T/work" "$R"
if [ -z "${DEB_INSTALL_NS:-}" ] ||
	! mount -t overlay overlay -o "lowerdir=/,upperdir=$T/upper,workdir=$T/work" "$R" 2>"$T/mount.err"; then
	skip deb_install "no private overlay root here (unshare or overlayfs refused: $(head -1 "$T/mount.err" 2>/dev/null))"
	exit 0
fi
# Unmounted before lib.sh removes $T (the namespace goes with this process anyway).
trap 'umount -R "$R" 2>/dev/null; _cleanup' EXIT
mount -t tmpfs tmpfs "$R/run"
mount -t tmpfs tmpfs "$R/tmp"
mount --rbind /dev "$R/dev"
mount -t proc proc "$R/proc"
if ! deb_build; then
	not_ok "make deb builds the package" "see tests/tmp/deb/*/build.log"
	exit 1
fi
cp "$DEB" "$R/tmp/ocsp-proxy.deb"
inroot() { chroot "$R" "$@"; }
conf=/etc/ocsp-proxy/ocsp-proxy.conf
check_eq "not installed on this host" "" "$(dpkg-query -W -f='${Status}' ocsp-proxy 2>/dev/null | grep ' installed')"

inroot dpkg -i /tmp/ocsp-proxy.deb > "$T/install.log" 2>&1
rc=$?
check_eq "dpkg -i succeeds" 0 "$rc"
[ "$rc" = 0 ] || sed 's/^/# /' "$T/install.log"
# shellcheck disable=SC2016  # ${Status} is dpkg-query's
check_eq "installed" "install ok installed" "$(inroot dpkg-query -W -f='${Status}' ocsp-proxy)"
check "the ocsp-proxy group exists" inroot getent group ocsp-proxy
check_eq "no static ocsp-proxy user (the units use DynamicUser)" "" "$(inroot getent passwd ocsp-proxy)"
check_eq "the configuration: 0640 root:ocsp-proxy" "640 root:ocsp-proxy" "$(inroot stat -c '%a %U:%G' $conf)"
check "ocsp-proxyctl runs from /usr/sbin" inroot /usr/sbin/ocsp-proxyctl --version
wants=/etc/systemd/system
check "ocsp-proxy.socket enabled" test -L "$R$wants/sockets.target.wants/ocsp-proxy.socket"
check "the scheduler enabled" test -L "$R$wants/multi-user.target.wants/ocsp-proxy-scheduler.service"
check_eq "the resident units not enabled" "" "$(find "$R$wants" -name 'ocsp-proxy-resident*')"
check "the host's /etc is untouched" test ! -e "$wants/sockets.target.wants/ocsp-proxy.socket"

# An operator's edit survives an upgrade (the same version again is one) and a removal.
echo "redis_timeout = 2s  # edited" >> "$R$conf"
inroot dpkg -i /tmp/ocsp-proxy.deb > "$T/upgrade.log" 2>&1
check_eq "upgrade succeeds" 0 "$?"
check "the edited configuration survives an upgrade" grep -q '# edited' "$R$conf"
check_eq "... with its mode and group" "640 root:ocsp-proxy" "$(inroot stat -c '%a %U:%G' $conf)"

inroot dpkg -r ocsp-proxy > "$T/remove.log" 2>&1
check_eq "dpkg -r succeeds" 0 "$?"
# shellcheck disable=SC2016
check_eq "removed: config-files" "deinstall ok config-files" "$(inroot dpkg-query -W -f='${Status}' ocsp-proxy)"
check "the programs are gone" test ! -e "$R/usr/sbin/ocsp-proxy-handler"
check "the units are gone" test ! -e "$R/$(deb_unitdir)/ocsp-proxy.socket"
check "the edited configuration stays after remove" grep -q '# edited' "$R$conf"
check "the logrotate conffile stays after remove" test -e "$R/etc/logrotate.d/ocsp-proxy"

mkdir -p "$R/var/lib/private/ocsp-proxy" && touch "$R/var/lib/private/ocsp-proxy/ocsp-proxy.prom"
inroot dpkg -P ocsp-proxy > "$T/purge.log" 2>&1
check_eq "dpkg -P succeeds" 0 "$?"
# shellcheck disable=SC2016
check_eq "purged" "" "$(inroot dpkg-query -W -f='${Status}' ocsp-proxy 2>/dev/null)"
check "the configuration is gone" test ! -e "$R$conf"
check "/etc/ocsp-proxy is gone" test ! -e "$R/etc/ocsp-proxy"
check "the logrotate file is gone" test ! -e "$R/etc/logrotate.d/ocsp-proxy"
check "the state directory is gone" test ! -e "$R/var/lib/private/ocsp-proxy"
check_eq "no unit stays enabled" "" "$(find "$R$wants" -name 'ocsp-proxy*')"
check "the group stays (policy: system groups are not removed)" inroot getent group ocsp-proxy
