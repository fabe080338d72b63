#!/bin/bash
# Fault injection: every command that writes knobs, run on a copy of a
# fixture sysroot while build/fault/libfault.so (tests/fault/fault.c) makes
# an open, read, write or close of a chosen file fail with EBUSY, EINTR,
# ENOMEM, EACCES, EROFS, EIO or ENOENT, return short, or be ignored.
#
#   tests/fault/run.sh [KSMCTL] [CASE-PATTERN]
#
# KSMCTL defaults to build/ksmctl; with build-san/ksmctl (ASan + UBSan)
# the ASan runtime is preloaded first, as it must come before the shim.
# Each case checks:
#   - the fault was really met (the shim's log is not empty);
#   - the exit status;
#   - stderr is one-line "ksmctl: ..." messages, no sanitizer report,
#     and matches each of the case's patterns (" && " between them): the
#     file, the cause, what is left;
#   - the knobs: every writable knob reads as before the command, except
#     those stderr names as "KNOB: left changed: reads X" (and those must
#     read X); a case that succeeds must leave what a run without the fault
#     leaves.
# Prints "fault: N passed, N failed"; no ksmctl or shim, or no case
# matching CASE-PATTERN, is a failure.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
ksmctl=$(realpath -m "${1:-$top/build/ksmctl}")
pattern=${2:-*}
shim=$top/build/fault/libfault.so
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
passed=0
failed=0

if [ ! -f "$shim" ]; then
	echo "FAIL: $shim is not built (make tests-built)"
	echo "fault: 0 passed, 1 failed"
	exit 1
fi
if ! [ -x "$ksmctl" ]; then
	echo "FAIL: $ksmctl: not an executable (run 'make' first)"
	echo "fault: 0 passed, 1 failed"
	exit 1
fi
preload=$shim
asan=$(ldd "$ksmctl" | grep -o '/[^ ]*libasan\.so[^ ]*' | head -n 1)
[ -n "$asan" ] && preload=$asan:$shim
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

mapfile -t writable < <("$ksmctl" __list writable-knobs)

# "knob: value" for every writable knob file of a sysroot; "[x] y" as x
snapshot() {
	local k f v
	for k in "${writable[@]}"; do
		for f in "$1/sys/kernel/mm/ksm/$k" "$1/sys/kernel/mm/uksm/$k"; do
			[ -f "$f" ] || continue
			v=$(sed -E 's/.*\[([^]]*)\].*/\1/; s/[[:space:]]+$//' "$f")
			echo "${f#"$1"/sys/kernel/mm/}: $v"
		done
	done
}

declare -A cause=(
	[EBUSY]='Device or resource busy' [EINTR]='[Ii]nterrupted'
	[ENOMEM]='Cannot allocate memory|out of memory' [EACCES]='Permission denied'
	[EROFS]='Read-only file system' [EIO]='Input/output error'
	[ENOENT]='No such file or directory'
)
errnos=(EBUSY EINTR ENOMEM EACCES EROFS EIO ENOENT)

fail() {
	echo "FAIL: $name: $*"
	sed 's/^/    /' "$dir/report"
	failed=$((failed + 1))
}

# run DIR FAULT ARGS...: ksmctl under the shim on DIR/root
run() {
	local d=$1 spec=$2
	shift 2
	: > "$d/log"
	(cd "$d" && env FAULT="$spec" FAULT_LOG="$d/log" FAULT_KSM=1 \
		LD_PRELOAD="$preload" NO_COLOR=1 LC_ALL=C.UTF-8 \
		"$ksmctl" --sysroot "$d/root" "$@" > "$d/stdout" 2> "$d/stderr" < /dev/null)
	echo $? > "$d/rc"
}

# case NAME FIXTURE EXIT FAULT STDERR-ERES ARGS...
#   FIXTURE+tune: with a ksmtuned.conf that makes the tuner start ksmd;
#   STDERR-ERES: EREs joined by " && " ("" for none)
fault_case() {
	name=$1
	local fixture=${2%+tune} tune=${2#*+} want=$3 spec=$4 expect=$5 rc k line
	shift 5
	# shellcheck disable=SC2254
	case "$name" in $pattern) ;; *) return ;; esac
	dir=$work/$name
	mkdir -p "$dir" "$dir/control"
	for d in "$dir" "$dir/control"; do
		cp -r "$top/tests/fixtures/$fixture" "$d/root"
		if [ "$tune" = tune ]; then
			mkdir -p "$d/root/etc"
			echo 'KSM_THRES_COEF=100' > "$d/root/etc/ksmtuned.conf"
		fi
	done
	snapshot "$dir/root" > "$dir/before"
	run "$dir" "$spec" "$@"
	rc=$(cat "$dir/rc")
	snapshot "$dir/root" > "$dir/after"
	{
		echo "\$ FAULT=$spec ksmctl $*"
		cat "$dir/stdout"
		echo "--- stderr"
		cat "$dir/stderr"
		echo "--- exit $rc; faults met:"
		sed "s|$dir/root/||" "$dir/log"
		echo "--- knobs changed"
		diff "$dir/before" "$dir/after" | grep '^[<>]'
	} > "$dir/report"

	if [ ! -s "$dir/log" ]; then
		fail "the fault was never met"
		return
	fi
	if [ "$rc" != "$want" ]; then
		fail "exit $rc, expected $want"
		return
	fi
	if grep -qE 'Sanitizer|runtime error|libfault:' "$dir/stderr"; then
		fail "sanitizer or shim report"
		return
	fi
	if grep -qv '^ksmctl: ' "$dir/stderr"; then
		fail "stderr has a line that is not a 'ksmctl: ' message"
		return
	fi
	while [ -n "$expect" ]; do
		local ere=${expect%% && *}
		if ! grep -qE -- "$ere" "$dir/stderr"; then
			fail "stderr does not match /$ere/"
			return
		fi
		[ "$ere" = "$expect" ] && break
		expect=${expect#* && }
	done
	if [ "$want" = 0 ]; then
		# a fault the command rides out: the same end as without it
		run "$dir/control" "" "$@"
		snapshot "$dir/control/root" > "$dir/control/after"
		if ! diff -q "$dir/control/after" "$dir/after" > /dev/null ||
			! cmp -s "$dir/control/stdout" "$dir/stdout"; then
			fail "not the same result as without the fault"
			return
		fi
	else
		# every knob that changed is reported, with what it reads
		while read -r k; do
			k=${k#ksm/}
			k=${k#uksm/}
			line=$(grep "^ksm/$k: \|^uksm/$k: " "$dir/after" | sed 's/^[^:]*: //')
			if ! grep -qF "ksmctl: $k: left changed: reads $line," "$dir/stderr"; then
				fail "$k changed to '$line' without 'ksmctl: $k: left changed: reads $line'"
				return
			fi
		done < <(diff "$dir/before" "$dir/after" | sed -n 's/^> \([^:]*\):.*/\1/p')
		# and what is reported as changed did change
		while read -r k; do
			if ! diff "$dir/before" "$dir/after" | grep -q "^> [a-z]*/$k: "; then
				fail "stderr says $k was left changed, but it reads as before"
				return
			fi
		done < <(sed -n 's/^ksmctl: \([a-z_]*\): left changed.*/\1/p' "$dir/stderr")
	fi
	passed=$((passed + 1))
}

# --- every writer, every errno, at the open for writing and at the write
# NAME FIXTURE FILE EXTRA-ERE ARGS...: the file is the knob whose write fails
writers=(
	"set-one|6.12|pages_to_scan|nothing was changed|set pages_to_scan 1000"
	"set-multi|6.12|use_zero_pages|pages_to_scan: restored to 100|set pages_to_scan 1000 sleep_millisecs 50 use_zero_pages 1"
	"start|6.12|run|sleep_millisecs: restored to 20|start -p 1000 -s 30"
	"stop|6.18-busy|run|nothing was changed|stop"
	"unmerge-all|6.18-busy|run|run reads 1|unmerge-all --force"
	"set-unmerge|6.18-busy|max_page_sharing|run: restored to 1|set --unmerge --force max_page_sharing 512"
	"stop-unmerge|6.18-busy|run|run reads 1|stop --unmerge --force"
	"apply|conf|run|advisor_mode: restored to none|apply"
	"governor|6.18-busy|advisor_target_scan_time|sleep_millisecs: restored to 20|governor low"
	"tune-once|6.12+tune|run|sleep_millisecs: restored to 20|tune --once"
)
for w in "${writers[@]}"; do
	IFS='|' read -r wname fixture file extra args <<< "$w"
	for op in wopen write; do
		for e in "${errnos[@]}"; do
			# shellcheck disable=SC2086
			fault_case "$wname-$op-$e" "$fixture" 1 "ksm/$file:$op:$e" \
				"(^|[^a-z_])$file([^a-z_]|\$) && ${cause[$e]} && $extra" $args
		done
	done
done

# --- how the write failed is what the message says
fault_case write-short 6.12 1 ksm/pages_to_scan:write:short \
	'^ksmctl: pages_to_scan: cannot write 1000: Input/output error$' set pages_to_scan 1000
fault_case write-ignored 6.12 1 ksm/pages_to_scan:write:ignore \
	'^ksmctl: pages_to_scan: wrote 1000 but it reads back 100$' set pages_to_scan 1000
# the operations on pages_to_scan before it is written, to aim after them
mkdir -p "$work/count"
cp -r "$top/tests/fixtures/6.12" "$work/count/root"
run "$work/count" "ksm/pages_to_scan:any:trace" set pages_to_scan 1000
reads=$(sed -n '/^write/q; /^read /p' "$work/count/log" | wc -l)
closes=$(sed -n '/^write/q; /^close /p' "$work/count/log" | wc -l)
fault_case write-close-eio 6.12 1 "ksm/pages_to_scan:close:EIO:$closes:1" \
	'^ksmctl: pages_to_scan: cannot write 1000: Input/output error$' set pages_to_scan 1000
# reading it back fails
fault_case read-back-eio 6.12 1 "ksm/pages_to_scan:read:EIO:$reads:1" \
	'^ksmctl: pages_to_scan: wrote 1000 but cannot read it back: Input/output error$' \
	set pages_to_scan 1000
fault_case read-back-eacces-stays 6.12 1 "ksm/pages_to_scan:read:EACCES:$reads" \
	'^ksmctl: pages_to_scan: state unknown: cannot read it back: Permission denied$' \
	set pages_to_scan 1000

# --- the restore fails too: the message says exactly what is left changed
fault_case restore-fails 6.12 1 'ksm/use_zero_pages:write:EIO,ksm/pages_to_scan:write:EROFS:1' \
	'^ksmctl: pages_to_scan: left changed: reads 1000, was 100$' \
	set pages_to_scan 1000 sleep_millisecs 50 use_zero_pages 1
fault_case restore-fails-apply conf 1 'ksm/run:write:EBUSY,ksm/max_page_sharing:write:EBUSY:1' \
	'^ksmctl: max_page_sharing: left changed: reads 512, was 256$' apply
fault_case restore-fails-tune 6.12+tune 1 'ksm/run:write:EIO,ksm/sleep_millisecs:wopen:EACCES:1' \
	'^ksmctl: sleep_millisecs: left changed: reads 10, was 20$' tune --once

# --- reading the state fails before anything is written
fault_case sample-knob-eio 6.12 1 ksm/pages_to_scan:read:EIO \
	'^ksmctl: pages_to_scan: cannot read it: Input/output error$' set pages_to_scan 1000
fault_case sample-knob-eacces 6.12 1 ksm/sleep_millisecs:ropen:EACCES \
	'^ksmctl: sleep_millisecs: cannot read it: Permission denied' set sleep_millisecs 30
fault_case unmerge-meminfo 6.18-busy 1 meminfo:read:ENOMEM \
	'cannot read MemAvailable from /proc/meminfo' unmerge-all
fault_case tune-meminfo 6.12+tune 1 meminfo:read:ENOMEM \
	'/proc/meminfo: cannot read it: Cannot allocate memory' tune --once
fault_case lock-erofs 6.12 1 run/ksmctl.lock:open:EROFS \
	'^ksmctl: run/ksmctl.lock: cannot take the lock: Read-only file system' set pages_to_scan 1000
fault_case apply-config-eacces conf 1 etc/ksmctl.conf:open:EACCES \
	'ksmctl.conf.*Permission denied' apply

# --- a counter or knob the caller cannot read is unknown, never 0: what
# needs it refuses, naming it (it was read as 0: "stopped", "fits", no EBUSY)
for e in EACCES EIO; do
	fault_case "unreadable-pages-shared-set-$e" 6.18-busy 1 "ksm/pages_shared:ropen:$e" \
		"^ksmctl: max_page_sharing: cannot tell whether KSM pages are shared.*: pages_shared: cannot read it: ${cause[$e]}\$" \
		set max_page_sharing 512
	fault_case "unreadable-pages-shared-read-$e" 6.18-busy 1 "ksm/pages_shared:read:$e" \
		"^ksmctl: merge_across_nodes: cannot tell whether KSM pages are shared.*: pages_shared: cannot read it: ${cause[$e]}\$" \
		set --unmerge merge_across_nodes 0
	fault_case "unreadable-run-status-$e" 6.18-busy 1 "ksm/run:ropen:$e" \
		"^ksmctl: /sys/kernel/mm/ksm/run: cannot read it: ${cause[$e]}\$" status
	fault_case "unreadable-sharing-unmerge-$e" 6.18-busy 1 "ksm/pages_sharing:ropen:$e" \
		"^ksmctl: unmerge: refused: cannot tell the memory it needs: pages_sharing: cannot read it: ${cause[$e]}; use --force" \
		unmerge-all
	fault_case "unreadable-run-tune-$e" 6.12+tune 1 "ksm/run:ropen:$e" \
		"^ksmctl: tune: run: cannot read it: ${cause[$e]}: cannot decide\$" tune --once
	fault_case "unreadable-advisor-set-$e" 6.12 1 "ksm/advisor_mode:ropen:$e" \
		"^ksmctl: pages_to_scan: cannot tell whether the advisor owns it.*: advisor_mode: cannot read it: ${cause[$e]}\$" \
		set pages_to_scan 1000
done

# --- save replaces /etc/ksmctl.conf whole or not at all
# kept NAME FILE: FILE of the case's sysroot is the fixture's, no temp left
kept() {
	# shellcheck disable=SC2254
	case "$1" in $pattern) ;; *) return ;; esac
	local root=$work/$1/root left
	left=$(find "$root/${2%/*}" -name ".${2##*/}.*")
	if ! cmp -s "$top/tests/fixtures/conf/$2" "$root/$2" || [ -n "$left" ]; then
		echo "FAIL: $1: $2 changed, or a temporary file is left: $left"
		passed=$((passed - 1))
		failed=$((failed + 1))
	fi
}
fault_case save-write-enospc conf 1 '*:write:ENOSPC' \
	'ksmctl.conf && No space left on device' save
kept save-write-enospc etc/ksmctl.conf
fault_case save-write-eio conf 1 '*:write:EIO' 'ksmctl.conf && Input/output error' save
kept save-write-eio etc/ksmctl.conf
fault_case save-open-erofs conf 1 '*:wopen:EROFS' 'ksmctl.conf && Read-only file system' save
kept save-open-erofs etc/ksmctl.conf
# short writes to a regular file are carried on: the same file in the end
fault_case save-short-writes conf 0 '*:write:short' '' save
if [ -d "$work/save-short-writes/control" ] &&
	! cmp -s "$work/save-short-writes/root/etc/ksmctl.conf" \
		"$work/save-short-writes/control/root/etc/ksmctl.conf"; then
	echo "FAIL: save-short-writes: etc/ksmctl.conf differs from a run without faults"
	passed=$((passed - 1))
	failed=$((failed + 1))
fi

# --- faults a careful reader rides out: same result as without them
fault_case short-reads-set 6.12 0 '*:read:short' '' set pages_to_scan 1000 sleep_millisecs 50
fault_case short-reads-apply conf 0 '*:read:short' '' apply
fault_case short-reads-tune 6.12+tune 0 '*:read:short' '' tune --once
fault_case eintr-reads-set 6.12 0 '*:read:EINTR:0:3' '' set pages_to_scan 1000
fault_case eintr-reads-status 6.18-busy 0 '*:read:EINTR:0:3' '' status
fault_case short-reads-status 6.18-busy 0 '*:read:short' '' status
fault_case short-reads-ps ps-6.15 0 '*:read:short' '' ps
fault_case short-reads-export 6.18-busy 0 '*:read:short' '' export

if [ $((passed + failed)) = 0 ]; then
	echo "FAIL: no case matches '$pattern'"
	failed=1
fi
echo "fault: $passed passed, $failed failed"
[ "$failed" = 0 ]
