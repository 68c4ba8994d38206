#!/usr/bin/env bash
# deb.sh (`make deb`): builds the Debian binary package from a copy of the source tree, so the
# tree itself stays clean: the copy and the .deb, .buildinfo and .changes land in OUT
# (default build/deb). Prints the .deb's path last.
set -eu
cd "$(dirname "$0")/.."
out=${1:-build/deb}
case $out in /*) ;; *) out=$PWD/$out ;; esac
ver=$(dpkg-parsechangelog -S Version)
src=$out/ocsp-proxy-$ver

command -v dpkg-buildpackage >/dev/null || {
	echo "deb.sh: dpkg-buildpackage is missing: apt-get install debhelper dpkg-dev" >&2
	exit 1
}
rm -rf "$out"
mkdir -p "$src"
# The files git knows (tracked and new, not ignored), as they are in the working tree; a plain
# copy without build directories when this is not a git checkout (a tarball).
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git ls-files -z -co --exclude-standard |
		tar --null -T - --ignore-failed-read -cf - 2>/dev/null | tar -xf - -C "$src"
else
	tar --exclude=./build --exclude='./build-*' --exclude=./tests/tmp --exclude=./run -cf - . |
		tar -xf - -C "$src"
fi
# The package's own build must not see this make's variables (BUILD, SAN, MAKEFLAGS).
(cd "$src" && env -u BUILD -u SAN -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u CFLAGS -u LDFLAGS \
	DEB_BUILD_OPTIONS="parallel=$(nproc) ${DEB_BUILD_OPTIONS:-}" \
	dpkg-buildpackage -us -uc -b) > "$out/build.log" 2>&1 || {
	tail -40 "$out/build.log" >&2
	echo "deb.sh: dpkg-buildpackage failed; the whole log is $out/build.log" >&2
	exit 1
}
rm -rf "$src"
ls "$out"/ocsp-proxy_"$ver"_*.deb
