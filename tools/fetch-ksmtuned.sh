#!/bin/sh
# Fetch Debian's ksmtuned script for the tune suite, which compares
# ksmctl tune's decisions with it step by step, without installing the
# ksmtuned package: its postinst would enable and start ksm.service and
# ksmtuned.service, which then change KSM under the real-kernel tests.
#
#   tools/fetch-ksmtuned.sh DIR      (make deps)
#
# DIR/ksmtuned is the script (from the package's ./usr/sbin/ksmtuned);
# nothing is done when it is there.  Needs the package lists (this runs
# `apt-get update` when apt cannot find the package and we are root).
set -eu

dir=$1
[ -f "$dir/ksmtuned" ] && exit 0
mkdir -p "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

download() {
	(cd "$tmp" && apt-get download -qq ksmtuned 2>"$tmp/err")
}

if ! download; then
	if [ "$(id -u)" -eq 0 ] && apt-get update -qq 2>>"$tmp/err" && download; then
		:
	else
		echo "deps: cannot download ksmtuned (for the tune suite): $(sed -n 's/^E: //p' "$tmp/err" | head -n 1)" >&2
		exit 1
	fi
fi
dpkg-deb --fsys-tarfile "$tmp"/ksmtuned_*.deb | tar -x -C "$tmp" ./usr/sbin/ksmtuned
mv "$tmp/usr/sbin/ksmtuned" "$dir/ksmtuned"
echo "deps: fetched Debian's ksmtuned script into $dir (not installed)"
