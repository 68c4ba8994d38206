# deb_build.sh: sourced by tests/integration/deb_*.sh (after lib.sh). deb_build builds the
# package once per source state (`make deb` into tests/tmp/deb/STAMP, ignored by git) and sets
# DEB to the .deb's path, so the package tests share one build.
deb_build() {
	local stamp dir
	stamp=$(cd "$ROOT" && { git ls-files -z -co --exclude-standard 2>/dev/null | xargs -0 sha1sum 2>/dev/null; } |
		sha1sum | cut -c1-12)
	dir=$ROOT/tests/tmp/deb/$stamp
	if ! ls "$dir"/ocsp-proxy_*_*.deb >/dev/null 2>&1; then
		rm -rf "$ROOT/tests/tmp/deb"
		DEB_BUILD_SECONDS=$SECONDS
		"$ROOT/scripts/deb.sh" "$dir" >/dev/null || return 1
		DEB_BUILD_SECONDS=$((SECONDS - DEB_BUILD_SECONDS))
	fi
	# shellcheck disable=SC2034  # for the scripts that source this
	DEB=$(find "$dir" -maxdepth 1 -name 'ocsp-proxy_*_*.deb' ! -name '*dbgsym*' | sort | head -1)
	# shellcheck disable=SC2034
	DEB_CHANGES=$(find "$dir" -maxdepth 1 -name '*.changes' | sort | head -1)
}

# What this release expects of the package, read from the release itself rather than fixed names.
# deb_unitdir: where units go, as systemd.pc says (lib/systemd/system on Debian 12,
# usr/lib/systemd/system on 13), without the leading slash.
deb_unitdir() {
	local d
	d=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null)
	d=${d:-/lib/systemd/system}
	echo "${d#/}"
}
# deb_runtime_pkg DEV: the library package DEV (a -dev package) builds against, from DEV's own
# Depends, other -dev packages aside (libhiredis0.14 on Debian 12, libhiredis1.1.0 on 13; libssl3,
# libssl3t64; libsystemd0, after libcap-dev on 13).
deb_runtime_pkg() {
	dpkg-query -W -f='${Depends}' "$1" 2>/dev/null | tr ',' '\n' | sed -n 's/^ *\(lib[^ ]*\).*/\1/p' |
		grep -v -- '-dev$' | head -1
}
# deb_soname_pkg FILE: the package holding the library FILE (a soname) on this host (libcurl.so.4:
# libcurl4 on Debian 12, libcurl4t64 on 13).
deb_soname_pkg() {
	dpkg-query -S "/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/$1" 2>/dev/null | sed -n '1s/:.*//p'
}
