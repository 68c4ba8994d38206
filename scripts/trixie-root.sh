#!/usr/bin/env bash
# trixie-root.sh (`make check-trixie`, CI): runs `make check` (or the command given) on this tree in
# a Debian 13 root built with mmdebstrap from Debian's packages, as root.
#
# The root, with what scripts/deps.sh installs, is cached as a tarball under $OCSP_CI_CACHE
# (default /var/cache/ocsp-proxy-ci), named for deps.sh's contents, so a second run only unpacks
# it. Each run unpacks a fresh copy, copies the tree in (without build directories), and enters it
# in private mount and PID namespaces with /proc, /sys, /dev, /dev/pts, /dev/shm, /run and /tmp
# mounted: every process the suite leaves behind dies with the run, the mounts go with the
# namespace (and a trap unmounts them first), and the copy is removed, failure or not.
# KEEP_ROOT=1 keeps the copy; the suite's logs are copied to tests/tmp/trixie-logs either way.
set -eu
cd "$(dirname "$0")/.."
src=$PWD
suite=trixie
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
cache=${OCSP_CI_CACHE:-/var/cache/ocsp-proxy-ci}
path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

die() { echo "trixie-root.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (chroot, mounts, namespaces)"

# inside ROOT CMD...: CMD run in ROOT with the file systems a suite needs; called in the namespaces.
if [ "${1:-}" = --inside ]; then
	r=$2
	shift 2
	# The root bound on itself first: "/" is then a mount point inside, as on a real system, so
	# the tests' own `unshare -m --propagation private` (deb_install, adversary) works there.
	mounts=". proc sys dev dev/pts dev/shm run tmp"
	# shellcheck disable=SC2317  # the trap calls it
	unmount_all() {
		local m
		for m in $(echo "$mounts" | tr ' ' '\n' | tac); do umount -l "$r/$m" 2>/dev/null || :; done
	}
	trap unmount_all EXIT
	mount --make-rprivate /
	mount --bind "$r" "$r"
	mount -t proc proc "$r/proc"
	mount --rbind /sys "$r/sys"
	mount --bind /dev "$r/dev"
	mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$r/dev/pts"
	mount --bind "$r/dev/pts/ptmx" "$r/dev/ptmx"
	mounts="$mounts dev/ptmx"
	mount -t tmpfs -o mode=1777 tmpfs "$r/dev/shm"
	mount -t tmpfs -o mode=0755 tmpfs "$r/run"
	mount -t tmpfs -o mode=1777 tmpfs "$r/tmp"
	rc=0
	chroot "$r" /usr/bin/env -i PATH="$path" HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" \
		CI="${CI:-}" TEST_TIMEOUT="${TEST_TIMEOUT:-}" FUZZ_SECONDS="${FUZZ_SECONDS:-}" \
		bash -c 'cd /src && "$@"' bash "$@" || rc=$?
	exit "$rc"
fi

command -v mmdebstrap >/dev/null || {
	echo "trixie-root.sh: installing mmdebstrap"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null ||
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null; }
} || die "cannot install mmdebstrap"

mkdir -p "$cache"
key=$(sha1sum scripts/deps.sh | cut -c1-12)
tarball=$cache/$suite-$key.tar
if [ ! -s "$tarball" ]; then
	echo "trixie-root.sh: building the Debian $suite root (cached as $tarball)"
	start=$SECONDS
	# mmdebstrap mounts /proc, /sys and /dev for the hooks and keeps services from starting.
	# shellcheck disable=SC2016  # $1 is the hook's: the root
	mmdebstrap --variant=apt --format=tar --include=ca-certificates \
		--customize-hook='copy-in scripts/deps.sh /tmp' \
		--customize-hook='chroot "$1" env -i PATH='"$path"' bash /tmp/deps.sh' \
		--customize-hook='rm -f "$1/tmp/deps.sh"' \
		"$suite" "$tarball.new" \
		"deb $mirror $suite main" "deb $mirror $suite-updates main" \
		"deb $security $suite-security main" > "$cache/$suite-build.log" 2>&1 || {
		tail -30 "$cache/$suite-build.log" >&2
		rm -f "$tarball.new"
		die "mmdebstrap failed; the whole log is $cache/$suite-build.log"
	}
	mv "$tarball.new" "$tarball"
	# Roots for an older deps.sh are no use any more.
	find "$cache" -maxdepth 1 -name "$suite-*.tar" ! -path "$tarball" -delete
	echo "trixie-root.sh: built in $((SECONDS - start))s"
fi

work=$(mktemp -d "$cache/run.XXXXXX")
r=$work/root
# The namespaces are gone by the time this runs, so nothing is mounted under the copy; refuse to
# remove it if something still is (rm -rf through a bind of /dev would be a disaster).
# shellcheck disable=SC2317  # the trap calls it
cleanup() {
	if [ -n "${ns:-}" ]; then
		kill -KILL "$ns" 2>/dev/null || :
		wait "$ns" 2>/dev/null || :
	fi
	if [ -d "$r/src/tests/tmp/logs" ]; then
		rm -rf "$src/tests/tmp/trixie-logs"
		mkdir -p "$src/tests/tmp"
		cp -a "$r/src/tests/tmp/logs" "$src/tests/tmp/trixie-logs" 2>/dev/null || :
		cp "$r"/src/tests/tmp/deb/*/build.log "$src/tests/tmp/trixie-logs/deb-build.log" 2>/dev/null || :
	fi
	if findmnt -rn -o TARGET | grep -q "^$work/"; then
		echo "trixie-root.sh: $work still has mounts; not removed" >&2
	elif [ "${KEEP_ROOT:-0}" = 1 ]; then
		echo "trixie-root.sh: the root stays in $r"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap "exit 143" TERM INT HUP
mkdir -p "$r"
tar -xf "$tarball" -C "$r"
cp /etc/resolv.conf "$r/etc/resolv.conf"
cp /etc/hosts "$r/etc/hosts"
mkdir -p "$r/src"
tar --exclude=./build --exclude='./build-*' --exclude=./tests/tmp --exclude=./run -cf - . | tar -xf - -C "$r/src"
# A git worktree's .git is a file naming a directory outside the tree: no repository inside then.
[ -f "$r/src/.git" ] && rm -f "$r/src/.git"

[ $# -gt 0 ] || set -- sh -c 'scripts/deps.sh && make check'
echo "trixie-root.sh: $* in Debian $(cat "$r/etc/debian_version")"
# In the background, so a TERM reaches the traps at once: cleanup kills unshare (which ignores
# TERM while it waits), whose --kill-child takes the namespace's init and with it every process
# of the suite.
unshare --mount --pid --fork --kill-child -- "$src/scripts/trixie-root.sh" --inside "$r" "$@" &
ns=$!
rc=0
wait "$ns" || rc=$?
ns=
exit "$rc"
