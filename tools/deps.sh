#!/bin/sh
# Install the Debian packages ksmctl needs to build and test, only when
# some are missing.  Usage: tools/deps.sh PACKAGE...
#
# When apt cannot install them, each package that apt refuses is named
# with apt's own reason ("deps: cannot install NAME: REASON"), and the
# exit status is 1.
set -eu

missing=""
for pkg in "$@"; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	case "$status" in
	*"install ok installed"*) ;;
	*) missing="$missing $pkg" ;;
	esac
done

if [ -z "$missing" ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing Debian packages:$missing" >&2
	echo "deps: needs root: run 'sudo make deps' or 'sudo apt-get install$missing'" >&2
	exit 1
fi

# apt_reason OUTPUT: apt's explanation, folded onto one line: its error
# lines and the "pkg : Depends: ..." lines that name the conflict.
apt_reason() {
	printf '%s\n' "$1" |
		sed -n -e 's/^E: //p' -e 's/^ *\([^ ]* : \(Pre-\)\{0,1\}Depends: .*\)/\1/p' \
			-e 's/^ *\([^ ]* : Conflicts: .*\)/\1/p' -e 's/^ *\([^ ]* : Breaks: .*\)/\1/p' |
		grep -v 'Unable to correct problems' |
		awk 'NF { sub(/[[:space:]]+$/, ""); printf "%s%s", sep, $0; sep = "; " }'
}

# explain_failure: which of the missing packages apt refuses, and why.
explain_failure() {
	named=0
	for pkg in $missing; do
		if out=$(apt-get install -s -qq --no-install-recommends "$pkg" 2>&1); then
			continue
		fi
		echo "deps: cannot install $pkg: $(apt_reason "$out")" >&2
		named=1
	done
	if [ "$named" = 0 ]; then
		# Each one alone would install: the failure is the download or
		# dpkg, not a package; apt's own last lines say which.
		echo "deps: apt-get install failed for:$missing: $(apt_reason "$1")" >&2
	fi
}

echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has empty package lists: update before installing.
if ! out=$(apt-get update -qq 2>&1); then
	echo "deps: apt-get update failed: $(apt_reason "$out")" >&2
	exit 1
fi
log=$(mktemp)
trap 'rm -f "$log" "$log.rc"' EXIT
# Streamed (a large install takes minutes) and kept for the explanation.
# shellcheck disable=SC2086
{
	rc=0
	apt-get install -y -qq --no-install-recommends $missing 2>&1 || rc=$?
	echo "$rc" >"$log.rc"
} |
	tee "$log"
if [ "$(cat "$log.rc")" != 0 ]; then
	explain_failure "$(cat "$log")"
	exit 1
fi
