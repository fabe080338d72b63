#!/bin/bash
# CLI golden tests: run ksmctl on a copy of a fixture sysroot and compare
# stdout, stderr, the exit status and every knob file it changed with
# tests/expected/<case>.out.
#
#   tests/cli/run.sh [KSMCTL] [CASE-PATTERN]
#   UPDATE=1 tests/cli/run.sh    rewrite the expected files
#
# Cases are lines of tests/cli/cases: NAME FIXTURE EXIT ARGS...
# ("-" as FIXTURE: no --sysroot).  FIXTURE may name changes made to the
# copy, BASE:PATH=WHAT:...: PATH is below the copy ("@x" is
# sys/kernel/mm/ksm/x), WHAT is fifo, dir, devzero or devnull (a
# symlink to the device), gone (removed), or the text to write; PATH and
# text go through printf %b ("\x20" for a space, "" for nothing).  git
# cannot keep a FIFO.  Every run's stdout and stderr must be UTF-8 with no
# control byte but the newline; -J/--json output must parse, export's
# must be Prometheus text with no series twice.
# Each run is under timeout(1): a read that blocks fails its case.
# Prints "cli: N passed, N failed"; no ksmctl, or no case matching CASE-PATTERN, is a failure.
# ksmctl runs in the directory that holds the copy of the fixture, which
# is named after the case: a relative path NAME/etc/x.conf is the copy's.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
ksmctl=$(realpath -m "${1:-$top/build/ksmctl}")
pattern=${2:-*}
expected_dir=$top/tests/expected
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

passed=0
failed=0
if ! [ -x "$ksmctl" ]; then
	echo "FAIL: $ksmctl: not an executable (run 'make' first)"
	echo "cli: 0 passed, 1 failed"
	exit 1
fi

# "path: value" for every file below the KSM (or UKSM) directory of a
# sysroot, and for the files ksmctl keeps: its settings and calibration
snapshot() {
	local dir f
	for dir in "$1"/sys/kernel/mm/ksm "$1"/sys/kernel/mm/uksm; do
		[ -d "$dir" ] || continue
		for f in "$dir"/*; do
			[ -f "$f" ] && printf '%s: %s\n' "${f#"$1"/}" "$(tr '\n' ' ' < "$f")"
		done
	done
	for f in "$1"/etc/ksmctl.conf "$1"/var/lib/ksmctl/*; do
		[ -f "$f" ] && sed "s|^|${f#"$1"/}: |" "$f"
	done
	return 0
}

# prometheus_ok FILE: every line a comment, a HELP or TYPE line, or a
# sample whose label values hold only \\, \" and \n escapes; no series twice
prometheus_ok() {
	local name='[a-zA-Z_:][a-zA-Z0-9_:]*' value='"([^"\\]|\\[\\"n])*"'
	local labels="\\{($name=$value(,$name=$value)*)?\\}"
	local number='[-+]?([0-9.]+([eE][-+]?[0-9]+)?|Inf|NaN)'

	LC_ALL=C.UTF-8 grep -qvE "^(# (HELP|TYPE) $name .*|$name($labels)? $number)\$" "$1" &&
		return 1
	! grep -v '^#' "$1" | sed 's/ [^ ]*$//' | sort | uniq -d | grep -q .
}

# mutate ROOT CHANGE: one PATH=WHAT change of a fixture copy
mutate() {
	local root=$1 path=${2%%=*} what=${2#*=} f
	case "$path" in @*) path=sys/kernel/mm/ksm/${path#@} ;; esac
	f=$root/$(printf '%b' "$path")
	mkdir -p "$(dirname "$f")"
	rm -rf "$f"
	case "$what" in
	fifo) mkfifo "$f" ;;
	dir) mkdir "$f" ;;
	devzero) ln -s /dev/zero "$f" ;;
	devnull) ln -s /dev/null "$f" ;;
	gone) ;;
	'""') : > "$f" ;;
	*) printf '%b' "$what" > "$f" ;;
	esac
}

run_case() {
	local name=$1 fixture=$2 want_exit=$3
	shift 3
	local root="$work/$name" out="$work/$name.actual" rc
	local -a prefix=()

	if [ "$fixture" != "-" ]; then
		local -a changes
		local change
		IFS=: read -r -a changes <<< "$fixture"
		mkdir -p "$root"
		cp -r "$top/tests/fixtures/${changes[0]}/." "$root/"
		for change in "${changes[@]:1}"; do
			mutate "$root" "$change"
		done
		prefix=(--sysroot "$root")
	fi
	snapshot "$root" > "$work/$name.before"
	(cd "$work" && env -u KSM_MAX_KERNEL_PAGES NO_COLOR=1 LC_ALL=C.UTF-8 \
		timeout -k 5 30 "$ksmctl" "${prefix[@]}" "$@" \
		> "$work/$name.stdout" 2> "$work/$name.stderr")
	rc=$?
	snapshot "$root" > "$work/$name.after"
	{
		echo "\$ ksmctl $*"
		cat "$work/$name.stdout"
		echo "--- stderr"
		cat "$work/$name.stderr"
		echo "--- exit $rc"
		echo "--- changed files"
		diff "$work/$name.before" "$work/$name.after" | grep '^[<>]' || true
	} | sed "s|$root|@SYSROOT@|g" > "$out"

	if [ "$rc" != "$want_exit" ]; then
		echo "FAIL: $name: exit $rc, expected $want_exit"
		sed 's/^/    /' "$out"
		failed=$((failed + 1))
		return
	fi
	# whatever a process or a file holds: UTF-8, and no control byte
	# but the newline, on either stream
	for stream in stdout stderr; do
		if ! iconv -f UTF-8 -t UTF-8 "$work/$name.$stream" > /dev/null 2>&1 ||
			LC_ALL=C grep -q '[[:cntrl:]]' <(tr -d '\n' < "$work/$name.$stream"); then
			echo "FAIL: $name: $stream is not UTF-8 text without control bytes"
			failed=$((failed + 1))
			return
		fi
	done
	case " $* " in
	*" --help "*|*" -h "*) ;;
	*" --json "*|*" -J "*)
		if ! jq -e . "$work/$name.stdout" > /dev/null 2>&1; then
			echo "FAIL: $name: stdout is not valid JSON"
			failed=$((failed + 1))
			return
		fi ;;
	*" export "*)
		if ! prometheus_ok "$work/$name.stdout"; then
			echo "FAIL: $name: stdout is not Prometheus text with unique series"
			failed=$((failed + 1))
			return
		fi ;;
	esac
	if [ "${UPDATE:-0}" = 1 ]; then
		cp "$out" "$expected_dir/$name.out"
	fi
	if ! diff -u "$expected_dir/$name.out" "$out" > "$work/$name.diff" 2>&1; then
		echo "FAIL: $name: output differs from tests/expected/$name.out"
		sed 's/^/    /' "$work/$name.diff"
		failed=$((failed + 1))
		return
	fi
	passed=$((passed + 1))
}

mkdir -p "$expected_dir"
while read -r name fixture want_exit args; do
	case "$name" in ''|'#'*) continue ;; esac
	# shellcheck disable=SC2254
	case "$name" in $pattern) ;; *) continue ;; esac
	eval "set -- $args"
	run_case "$name" "$fixture" "$want_exit" "$@"
done < "$here/cases"
if [ $((passed + failed)) = 0 ]; then
	echo "FAIL: no case of tests/cli/cases matches '$pattern'"
	failed=1
fi

echo "cli: $passed passed, $failed failed"
[ "$failed" = 0 ]
