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
