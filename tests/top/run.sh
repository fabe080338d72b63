#!/bin/bash
# ksmctl top: batch frames on a fixture whose counters move, the ASCII
# fallback, the ksmtop name, then the terminal tests (tests/top/tmux.sh)
# with the normal and the ASan build, and ps on a terminal
# (tests/top/ps-tmux.sh).
#
#   tests/top/run.sh [KSMCTL]
#
# A fixture cannot count by itself, so a background writer rewrites its
# counters (pages_sharing, pages_scanned, full_scans) and a fake ksmd's
# CPU time at known rates, as functions of the time since it started,
# each file replaced atomically (rename).  Rates between two refreshes
# then come out at those rates whenever the refreshes happen; the checks
# allow for the writer's step (about 0.1 s of progress per file update)
# on a busy machine.  Prints one line per failed check and ends with
# "top: N passed, N failed, N skipped".  TOP_KEEP=1 keeps the scratch
# directory (the batch outputs) for a look.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
ksmctl=$(realpath -m "${1:-$top/build/ksmctl}")
work=$(mktemp -d)
writer_pid=

cleanup() {
	if [ -n "$writer_pid" ]; then
		kill "$writer_pid" 2>/dev/null
		wait "$writer_pid" 2>/dev/null
	fi
	if [ -n "${TOP_KEEP:-}" ]; then
		echo "kept: $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

passed=0
failed=0
skipped=0
if ! [ -x "$ksmctl" ]; then
	echo "FAIL: $ksmctl: not an executable (run 'make' first)"
	echo "top: 0 passed, 1 failed, 0 skipped"
	exit 1
fi
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); printf 'FAIL: %s\n' "$*"; }
skip() { skipped=$((skipped + 1)); printf 'SKIP: %s\n' "$*"; }
# check DESCRIPTION COMMAND...
check() {
	local what=$1
	shift
	if "$@"; then pass; else fail "$what"; fi
}

not_grep() { ! grep -q "$@"; }

# within VALUE WANT PERCENT: |VALUE - WANT| <= PERCENT% of WANT
within() {
	awk -v v="$1" -v w="$2" -v p="$3" \
		'BEGIN { d = v - w; if (d < 0) d = -d; exit !(v != "" && d <= w * p / 100) }'
}

# A copy of the 6.15 fixture with a ksmd kernel thread (pid 45).
make_root() {
	local root=$1
	mkdir -p "$root"
	cp -r "$top/tests/fixtures/ps-6.15/." "$root/"
	mkdir -p "$root/proc/45"
	# flags 0x208040: PF_KTHREAD among them; utime 0, stime 100 ticks
	echo "45 (ksmd) S 2 0 0 0 -1 2129984 0 0 0 0 0 100 0 0 25 5 1 0 30 0 0" \
		> "$root/proc/45/stat"
	echo "1000000000 0 0" > "$root/proc/45/schedstat"
	: > "$root/proc/45/ksm_stat"	# a kernel thread has no mm
	echo ksmd > "$root/proc/45/comm"
}

# put VALUE into FILE atomically (the reader never sees it half-written)
put() {
	printf '%s\n' "$2" > "$work/put.tmp" && mv -f "$work/put.tmp" "$1"
}

# Counters as functions of the milliseconds since start:
#   pages_sharing  870000 + 2/ms       -> merged  +2000 pages/s
#   pages_scanned  981234567 + 100/ms  -> scanned 100000 pages/s
#   full_scans     231 + ms/250        -> 240 full scans/min, 0.25 s each
#   ksmd schedstat 1e9 + 400000 ns/ms  -> ksmd 40% of a CPU
writer() {
	local root=$1 k=$1/sys/kernel/mm/ksm start now ms
	start=$(date +%s%N)
	while :; do
		now=$(date +%s%N)
		ms=$(( (now - start) / 1000000 ))
		put "$k/pages_sharing" $(( 870000 + 2 * ms ))
		put "$k/pages_scanned" $(( 981234567 + 100 * ms ))
		put "$k/full_scans" $(( 231 + ms / 250 ))
		put "$root/proc/45/schedstat" "$(( 1000000000 + 400000 * ms )) 0 0"
		: > "$work/writer.alive"
		sleep 0.05
	done
}

# frame N of a batch output file, without its "--- frame N ---" line
frame() {
	awk -v n="$2" '/^--- frame [0-9]+ ---$/ { f = $3; next } f == n' "$1"
}

# the number after WORD on the rates line of frame N: "merged +2000" -> 2000
rate_after() {
	frame "$1" "$2" | sed -n "s/^rates .*$3 +\{0,1\}\([0-9.]*\).*/\1/p"
}

# --- moving counters ------------------------------------------------------
root=$work/moving
make_root "$root"
writer "$root" &
writer_pid=$!
for _ in $(seq 50); do [ -e "$work/writer.alive" ] && break; sleep 0.1; done
env LC_ALL=C.UTF-8 NO_COLOR=1 "$ksmctl" --sysroot "$root" top -b -n 3 -d 1 \
	> "$work/moving.out" 2> "$work/moving.err"
rc=$?
kill "$writer_pid" 2>/dev/null
wait "$writer_pid" 2>/dev/null
writer_pid=
out=$work/moving.out

check "batch -n 3: exit 0 (got $rc: $(head -c 300 "$work/moving.err"))" [ "$rc" = 0 ]
check "batch -n 3: nothing on stderr" [ ! -s "$work/moving.err" ]
check "batch -n 3: three frames, each marked" \
	[ "$(grep -c '^--- frame [123] ---$' "$out")" = 3 ]
check "frame 1: no rates from one sample" \
	grep -q '^rates  waiting for a second sample$' <(frame "$out" 1)
check "frame 1: ksmd CPU unknown from one sample" \
	grep -q 'ksmd CPU -' <(frame "$out" 1)
for n in 2 3; do
	merged=$(rate_after "$out" $n merged)
	scanned=$(rate_after "$out" $n scanned)
	scans=$(rate_after "$out" $n 'full scans')
	cpu=$(frame "$out" $n | sed -n 's/.*ksmd \([0-9.]*\)% CPU.*/\1/p')
	check "frame $n: merged +2000 pages/s (shown: '$merged')" within "$merged" 2000 30
	check "frame $n: scanned 100000 pages/s (shown: '$scanned')" within "$scanned" 100000 30
	check "frame $n: 240 full scans/min (shown: '$scans')" within "$scans" 240 40
	check "frame $n: ksmd 40% of a CPU (shown: '$cpu')" within "$cpu" 40 30
done
last=$(frame "$out" 3 | sed -n 's/.*last scan \([0-9.]*\)s$/\1/p')
check "frame 3: the last full scan took 0.25 s (shown: '$last')" within "$last" 0.25 60
check "frame 3: warns about ksmd's CPU" \
	grep -q '^warning  ksmd uses [0-9]*% of a CPU' <(frame "$out" 3)
# 870000 + 2/ms pages over 2 s: about 15.6M more on 3.3G
check "frame 3: memory saved grows: its range beside the sparkline" \
	grep -Eq '^saved .* \[3\.[34]G( \+1[0-9.]+M|\.\.3\.[34]G)\] +▁[▁▂▃▄▅▆▇█]█$' \
	<(frame "$out" 3)
check "frame 3: the processes counted (6100, which vanished, no longer)" \
	grep -q '^11 of 17 processes use KSM ' <(frame "$out" 3)
check "the ksmd thread is not a process row" not_grep '^ *45 ' "$out"

# --- ksmd stops between two refreshes ---------------------------------------
# ksmd uses 80% of a CPU until 1.2 s, when run goes to 0 and its CPU time
# stops: the frame after says "stopped", labels the CPU it used before,
# and does not warn about a cost that is gone (issue 16: "stopped (run 0)
# ksmd 5.9% CPU" beside "ksmd uses 6% of a CPU").
stopper() {
	local root=$1 k=$1/sys/kernel/mm/ksm start now ms stopped=
	start=$(date +%s%N)
	while :; do
		now=$(date +%s%N)
		ms=$(( (now - start) / 1000000 ))
		if (( ms < 1200 )); then
			put "$root/proc/45/schedstat" "$(( 1000000000 + 800000 * ms )) 0 0"
		elif [ -z "$stopped" ]; then
			put "$k/run" 0
			stopped=1
		fi
		: > "$work/stopper.alive"
		sleep 0.05
	done
}
root=$work/stopping
make_root "$root"
stopper "$root" &
writer_pid=$!
for _ in $(seq 50); do [ -e "$work/stopper.alive" ] && break; sleep 0.1; done
env LC_ALL=C.UTF-8 NO_COLOR=1 "$ksmctl" --sysroot "$root" top -b -n 2 -d 2 \
	> "$work/stopping.out" 2> "$work/stopping.err"
rc=$?
kill "$writer_pid" 2>/dev/null
wait "$writer_pid" 2>/dev/null
writer_pid=
out=$work/stopping.out
check "ksmd stops: exit 0 (got $rc)" [ "$rc" = 0 ]
check "ksmd stops: the state and the CPU it used before agree" \
	grep -Eq '^KSM 6\.15\.4-amd64: stopped \(run 0\)  ksmd [0-9.]+% CPU until it stopped  every 2s$' \
	<(frame "$out" 2)
check "ksmd stops: no warning about its CPU" not_grep 'ksmd uses' <(frame "$out" 2)
check "ksmd stops: the finding that it is stopped" \
	grep -q '^info     ksmd is stopped' <(frame "$out" 2)

# --- no UTF-8: ASCII sparkline and sort marker -----------------------------
root=$work/ascii
make_root "$root"
# a name in UTF-8, which a terminal without it cannot show as such
cp -r "$root/proc/5000" "$root/proc/9100"
printf 'caf\xc3\xa9\n' > "$root/proc/9100/comm"
env LC_ALL=C "$ksmctl" --sysroot "$root" top -b -n 2 -d 0.1 > "$work/ascii.out" 2>&1
check "LC_ALL=C: exit 0" [ $? = 0 ]
check "LC_ALL=C: only ASCII" not_grep -P '[^\x00-\x7f]' "$work/ascii.out"
check "LC_ALL=C: ASCII sparkline" \
	grep -Eq '^saved .* [ .:=+*#-]{2}$' <(frame "$work/ascii.out" 2)
check "LC_ALL=C: sort marker '*'" grep -q 'PROFIT\*' "$work/ascii.out"
check "LC_ALL=C: UTF-8 in a name shown as \\xNN" \
	grep -q ' caf\\xc3\\xa9 ' "$work/ascii.out"
env LC_ALL=C.UTF-8 "$ksmctl" --sysroot "$root" top -b -n 1 > "$work/utf8.out" 2>&1
check "UTF-8 locale: the name as it is" grep -q ' café ' "$work/utf8.out"

# --- ksmtop: the same program under another name ---------------------------
ln -s "$ksmctl" "$work/ksmtop"
root=$work/named
make_root "$root"
"$ksmctl" --sysroot "$root" top -b -n 1 > "$work/as-ksmctl.out" 2>&1
"$work/ksmtop" --sysroot "$root" -b -n 1 > "$work/as-ksmtop.out" 2>&1
check "ksmtop --sysroot DIR -b -n 1 = ksmctl --sysroot DIR top -b -n 1" \
	cmp -s "$work/as-ksmctl.out" "$work/as-ksmtop.out"
"$work/ksmtop" "--sysroot=$root" -b -n 1 > "$work/as-ksmtop2.out" 2>&1
check "ksmtop --sysroot=DIR" cmp -s "$work/as-ksmctl.out" "$work/as-ksmtop2.out"
"$work/ksmtop" --help > "$work/ksmtop-help.out" 2>&1
check "ksmtop --help is top's help" grep -q '^Usage: ksmctl top ' "$work/ksmtop-help.out"
"$work/ksmtop" --sysroot "$root" -b -n 1 -g bogus > /dev/null 2> "$work/ksmtop-bad.err"
check "ksmtop: usage errors name top" \
	grep -q "^Try 'ksmctl top --help'" "$work/ksmtop-bad.err"
"$work/ksmtop" --sysroot > /dev/null 2> "$work/ksmtop-nosysroot.err"
check "ksmtop --sysroot without a directory: usage error" [ $? = 2 ]

# --- batch: SIGINT, SIGTERM and SIGHUP end it as --iterations does ----------
# ksmctl(8): exit 0 after the frame in progress, at once during the delay
root=$work/signals
make_root "$root"
for sig in INT TERM HUP; do
	"$ksmctl" --sysroot "$root" top -b -d 30 > "$work/sig-$sig.out" 2> "$work/sig-$sig.err" &
	pid=$!
	for _ in $(seq 200); do
		grep -q '^--- frame 1 ---$' "$work/sig-$sig.out" && break
		sleep 0.05
	done
	kill "-$sig" "$pid"
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid"
		wait "$pid" 2>/dev/null
		fail "batch, SIG$sig in the delay: still running 5 s later"
		continue
	fi
	wait "$pid"
	rc=$?
	check "batch, SIG$sig in the delay: exit 0, not $rc" [ "$rc" = 0 ]
	check "batch, SIG$sig: nothing on stderr: $(head -c 200 "$work/sig-$sig.err")" \
		[ ! -s "$work/sig-$sig.err" ]
	check "batch, SIG$sig: the frame printed is whole" \
		grep -q '^ *PID ' "$work/sig-$sig.out"
done

# --- the terminal: normal and ASan builds ---------------------------------
add_counts() {
	local line p f s
	line=$(grep -E '^(ps-)?tmux[^:]*: [0-9]+ passed' "$1" | tail -n 1)
	p=$(sed -n 's/.* \([0-9]\+\) passed.*/\1/p' <<< "$line")
	f=$(sed -n 's/.* \([0-9]\+\) failed.*/\1/p' <<< "$line")
	s=$(sed -n 's/.* \([0-9]\+\) skipped.*/\1/p' <<< "$line")
	if [ -z "$p" ]; then
		fail "$2: no summary line (crashed?)"
		return
	fi
	passed=$((passed + p))
	failed=$((failed + ${f:-0}))
	skipped=$((skipped + ${s:-0}))
}
bash "$here/tmux.sh" "$ksmctl" > "$work/tmux.out" 2>&1
grep -E '^(FAIL|SKIP)' "$work/tmux.out"
add_counts "$work/tmux.out" "tmux.sh"
san=$top/build-san/ksmctl
if [ -x "$san" ]; then
	TOP_TMUX_ONLY=basic bash "$here/tmux.sh" "$san" > "$work/tmux-san.out" 2>&1
	grep -E '^(FAIL|SKIP)' "$work/tmux-san.out" | sed 's/^\([A-Z]*\): /\1: ASan: /'
	add_counts "$work/tmux-san.out" "tmux.sh with ASan"
else
	skip "the ASan run: $san not built (make tests-built)"
fi
bash "$here/ps-tmux.sh" "$ksmctl" > "$work/ps-tmux.out" 2>&1
grep -E '^(FAIL|SKIP)' "$work/ps-tmux.out"
add_counts "$work/ps-tmux.out" "ps-tmux.sh"

echo "top: $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
