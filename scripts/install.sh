#!/usr/bin/env bash
# install.sh (`make install` / `make uninstall`): programs, units, xinetd file, example config and
# man pages under DESTDIR/PREFIX. An existing configuration is never overwritten. The configuration
# may hold the Redis password: it is installed 0640 root:ocsp-proxy, the group the units run as
# (created, as a system group, when installing to / as root).
set -eu
action=$1 destdir=$2 prefix=$3 build=$4
cd "$(dirname "$0")/.."

# BINDIR, UNITDIR, XINETDDIR, CONFDIR override the defaults (debian/rules: /usr/sbin, ...).
progdir=${BINDIR:-$prefix/bin}
bindir=$destdir$progdir
mandir=$destdir$prefix/share/man
docdir=$destdir$prefix/share/doc/ocsp-proxy
unitdir=$destdir${UNITDIR:-/etc/systemd/system}
xinetddir=$destdir${XINETDDIR:-/etc/xinetd.d}
confdir=$destdir${CONFDIR:-/etc/ocsp-proxy}

# shellcheck disable=SC2015  # no program built is no error here
programs=$(cd "$build" && ls ocsp-proxy-handler ocsp-proxy-scheduler ocsp-proxyctl 2>/dev/null || true)
units="ocsp-proxy.socket ocsp-proxy@.service ocsp-proxy-scheduler.service"
for u in ocsp-proxy-resident.socket ocsp-proxy-resident.service; do
	[ -f "units/$u" ] && units="$units $u"
done
mans=$(cd docs && for m in ./*.[1-8]; do [ -e "$m" ] && echo "${m#./}"; done)

# The configuration: 0640, group ocsp-proxy when that group exists (or can be made here).
install_config() {
	local conf=$confdir/ocsp-proxy.conf group=
	if getent group ocsp-proxy >/dev/null; then
		group=ocsp-proxy
	elif [ -z "$destdir" ] && [ "$(id -u)" = 0 ] && groupadd --system ocsp-proxy; then
		group=ocsp-proxy
	fi
	if [ -e "$conf" ]; then
		# The operator's file stays as it is, but a readable password is worth a word.
		if [ -n "$(find "$conf" -perm -o=r 2>/dev/null)" ]; then
			echo "install.sh: $conf is readable by everyone; it may hold the Redis password:" \
				"chmod 640 it, chgrp ocsp-proxy" >&2
		fi
		return 0
	fi
	install -m 640 etc/ocsp-proxy.conf "$conf"
	if [ -n "$group" ] && [ "$(id -u)" = 0 ]; then
		chown root:ocsp-proxy "$conf"
	elif [ -z "$destdir" ]; then # a staged install (a package) sets the group when installed
		echo "install.sh: $conf is 0640 but not group ocsp-proxy (no such group here, or not root):" \
			"the services cannot read it until it is (groupadd --system ocsp-proxy; chgrp ocsp-proxy)" >&2
	fi
}

case $action in
install)
	install -d "$bindir" "$unitdir" "$xinetddir" "$confdir" "$docdir"
	for p in $programs; do install -m 755 "$build/$p" "$bindir/$p"; done
	# Units name the installed programs' real path.
	for u in $units; do
		sed "s|/usr/local/bin/|$progdir/|g" "units/$u" > "$unitdir/$u"
		chmod 644 "$unitdir/$u"
	done
	sed "s|/usr/local/bin/|$progdir/|g" units/ocsp-proxy.xinetd > "$xinetddir/ocsp-proxy"
	chmod 644 "$xinetddir/ocsp-proxy"
	install -m 644 etc/ocsp-proxy.conf "$docdir/ocsp-proxy.conf.example"
	install_config
	for m in $mans; do
		sec=${m##*.}
		install -d "$mandir/man$sec"
		install -m 644 "docs/$m" "$mandir/man$sec/$m"
	done
	install -m 644 docs/operators-guide.md docs/deployment.md README.md "$docdir/"
	# Prometheus alert rules and the Grafana dashboard the guide's Monitoring section names.
	if [ -d docs/monitoring ]; then
		install -d "$docdir/monitoring"
		install -m 644 docs/monitoring/ocsp-proxy-alerts.yml docs/monitoring/ocsp-proxy-dashboard.json \
			"$docdir/monitoring/"
	fi
	;;
uninstall)
	for p in ocsp-proxy-handler ocsp-proxy-scheduler ocsp-proxyctl; do rm -f "$bindir/$p"; done
	for u in $units; do rm -f "$unitdir/$u"; done
	rm -f "$xinetddir/ocsp-proxy"
	for m in $mans; do rm -f "$mandir/man${m##*.}/$m"; done
	rm -rf "$docdir"
	# The configuration is the operator's: left in place unless unchanged from the example.
	if [ -f "$confdir/ocsp-proxy.conf" ] && cmp -s etc/ocsp-proxy.conf "$confdir/ocsp-proxy.conf"; then
		rm -f "$confdir/ocsp-proxy.conf"
		rmdir "$confdir" 2>/dev/null || true
	fi
	;;
*)
	echo "usage: install.sh install|uninstall DESTDIR PREFIX BUILD" >&2
	exit 2
	;;
esac
