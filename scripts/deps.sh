#!/usr/bin/env bash
# deps.sh: installs the Debian packages (12 or 13) that building, testing and `make run` need, when
# missing.
set -eu

# Names that differ by release: Debian 13's 64-bit time_t transition renamed libcurl4 to
# libcurl4t64, and systemd.pc (which tells debian/rules where units go) moved to systemd-dev.
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
case $codename in
bookworm) libcurl=libcurl4 systemd_pc= ;;
*) libcurl=libcurl4t64 systemd_pc=systemd-dev ;;
esac

# build: compiler, pkg-config, the four libraries
# run:   redis, openssl, systemd-socket-activate (package systemd), ss (iproute2: make run's
#        check that its own socket listens)
# test:  curl, ab, valgrind, cppcheck, clang + libFuzzer runtime, faketime, the real servers of the
#        deployment tests (apache2, nginx, xinetd, redis-sentinel, haproxy), the package
#        tests (debhelper, dpkg-dev, build-essential which dpkg-buildpackage insists on, lintian,
#        git), promtool (prometheus) for the alert rules,
#        jq and python3 (JSON output), pgrep and ps (procps), man (man-db: the pages render),
#        the system CA bundle (ca-certificates); none of these is in a minimal Debian 13 root
# lint:  shellcheck; clang builds the fuzzers and the CI's second build
pkgs="gcc make pkg-config libssl-dev libhiredis-dev libcurl4-openssl-dev libsystemd-dev
      $libcurl $systemd_pc redis-server redis-tools openssl systemd iproute2 curl apache2-utils valgrind cppcheck
      apache2 nginx xinetd time redis-sentinel build-essential debhelper dpkg-dev lintian git
      haproxy prometheus faketime clang libclang-rt-dev shellcheck jq python3 procps man-db ca-certificates"
# DEPS_RUN=1 (make demo): what building and running need, not the servers the tests drive.
[ "${DEPS_RUN:-}" = 1 ] && pkgs="gcc make pkg-config libssl-dev libhiredis-dev libcurl4-openssl-dev libsystemd-dev
      $libcurl redis-server redis-tools openssl systemd iproute2"
[ "${DEPS_ONLY_BUILD:-}" = 1 ] && pkgs="gcc make pkg-config libssl-dev libhiredis-dev libcurl4-openssl-dev libsystemd-dev $libcurl"

missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: missing Debian packages:$missing" >&2
	echo "deps.sh: run as root, or: sudo apt-get install$missing" >&2
	exit 1
fi
echo "deps.sh: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Debian starts services from postinst; we start our own, on our own ports.
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d.ocsp-proxy
chmod +x /usr/sbin/policy-rc.d.ocsp-proxy
had_policy=0
[ -e /usr/sbin/policy-rc.d ] && had_policy=1
[ $had_policy = 0 ] && cp /usr/sbin/policy-rc.d.ocsp-proxy /usr/sbin/policy-rc.d
rc=0
# shellcheck disable=SC2086  # a list of packages
apt-get install -y -qq --no-install-recommends $missing >/dev/null || rc=$?
[ $had_policy = 0 ] && rm -f /usr/sbin/policy-rc.d
rm -f /usr/sbin/policy-rc.d.ocsp-proxy
[ $rc = 0 ] || { echo "deps.sh: apt-get install failed ($rc)" >&2; exit $rc; }
