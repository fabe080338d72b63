#!/bin/bash
# Real kernel: `ksmctl tune --once` decides from the live /proc/meminfo and
# /proc/PID files and writes what ksmtuned's algorithm says (boosting to
# KSM_NPAGES_MAX at once); --dry-run writes nothing; KSM_INCLUDE_KSM_USERS
# finds a process ksmd tracks; on a kernel with the scan-time advisor the
# tuner drives advisor_max_cpu, and the daemon's restore on SIGTERM
# survives the kernel resetting pages_to_scan when advisor_mode switches;
# the daemon sees ksmd finish merging and slows it to the idle pace, with
# a cost per page measured from ksmd's CPU time.  Every knob is restored
# on exit (tests/kernel/lib.sh).
#
# Usage: test_tune.sh [KSMCTL]   exit 0 pass, 1 fail, 77 skip
set -u
here=$(cd "$(dirname "$0")" && pwd)
ksmctl=$(realpath "${1:-$here/../../build/ksmctl}")
: "${KSM_MAPPER:=$here/../../build/helpers/ksm-mapper}"
# shellcheck source=tests/kernel/lib.sh
. "$here/lib.sh"


ksm_require_root_and_ksm
ksm_save_knobs

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ksmctl-tune-kernel.XXXXXX")
ksm_on_exit "rm -rf '$tmp'"
conf=$tmp/ksmtuned.conf

# tune_once CONFIG-LINES [ARGS...]: write the configuration, run --once,
# keep stdout+stderr in $out and the exit status in $rc
tune_once() {
	printf '%b' "$1" > "$conf"
	shift
	out=$("$ksmctl" tune --config "$conf" --once "$@" 2>&1)
	rc=$?
	printf '%s\n' "$out" | sed 's/^/    /'
}

counted() {	# the process count of the last decision
	sed -n 's/.*; \([0-9]*\) process\(es\)\? counted.*/\1/p' <<< "$out"
}

has_advisor=0
[[ -e $KSM_DIR/advisor_mode ]] && has_advisor=1
# A known start: ksmtuned's world, the advisor off.
((has_advisor)) && ksm_write advisor_mode none
ksm_write pages_to_scan 100
ksm_write sleep_millisecs 20
ksm_write run 1

# 100 MiB of identical pages in a process the configuration can name
ksm_start_mapper --pages 25600 --pattern same --mode madvise || exit 1
mapper=$KSM_MAPPER_PID
regex="KSM_PROCESS_REGEX='^ksm-mapper\$'\n"

total=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
sleep_want=$((10 * 16 * 1024 * 1024 / total))
((sleep_want < 10)) && sleep_want=10

# 1. A threshold of 0: whatever is committed, KSM is not needed.
tune_once "${regex}KSM_THRES_COEF=0\nKSM_THRES_CONST=0\n"
ksm_check "not needed: exit 0" test "$rc" = 0
ksm_check "not needed: says so" grep -q '^KSM not needed: ' <<< "$out"
ksm_check "not needed: the mapper counted, from its smaps_rollup" test "$(counted)" = 1
ksm_check "not needed: run 1 -> 0 printed" grep -qx 'run: 1 -> 0' <<< "$out"
ksm_check "not needed: run reads 0" test "$(ksm_read run)" = 0

# 2. A threshold of all memory: needed, and free < threshold: boost, and
# --once knows nothing of ksmd's work: KSM_NPAGES_MAX at once.
tune_once "${regex}KSM_THRES_COEF=100\n"
ksm_check "needed: exit 0" test "$rc" = 0
ksm_check "needed: boost from 0 to KSM_NPAGES_MAX" \
	grep -q "^KSM needed: .*: boost: nothing known of ksmd's work yet, merging pays: full pace -> 1250 pages (KSM_NPAGES_MAX)" <<< "$out"
ksm_check "needed: pages_to_scan reads 1250" test "$(ksm_read pages_to_scan)" = 1250
ksm_check "needed: sleep_millisecs is ksmtuned's for $((total / 1024)) MiB ($sleep_want)" \
	test "$(ksm_read sleep_millisecs)" = "$sleep_want"
ksm_check "needed: run reads 1" test "$(ksm_read run)" = 1

# 3. --dry-run decides the same way and writes nothing.
tune_once "${regex}KSM_THRES_COEF=100\nKSM_NPAGES_MAX=2000\n" --dry-run
ksm_check "dry run: exit 0" test "$rc" = 0
ksm_check "dry run: shows the change" grep -qx 'pages_to_scan: 1250 -> 2000 (dry run)' <<< "$out"
ksm_check "dry run: pages_to_scan still 1250" test "$(ksm_read pages_to_scan)" = 1250

# 4. KSM_INCLUDE_KSM_USERS: once ksmd tracks the mapper, it counts by that.
ksm_check "ksmd scans the mapper twice" ksm_wait_full_scans 2 120
rmap=$(sed -n 's/^ksm_rmap_items //p' "/proc/$mapper/ksm_stat" 2>/dev/null)
ksm_check "the mapper has rmap items (${rmap:-none})" test "${rmap:-0}" -gt 0
tune_once "KSM_PROCESS_REGEX='^no-such-process\$'\nKSM_THRES_COEF=100\n" --dry-run
ksm_check "by name only: nothing counted" test "$(counted)" = 0
tune_once "KSM_PROCESS_REGEX='^no-such-process\$'\nKSM_INCLUDE_KSM_USERS=yes\nKSM_THRES_COEF=100\n" --dry-run
ksm_check "with KSM users: the mapper (at least) counted" test "$(counted)" -ge 1

# Stop the mapper while ksmd runs, and give ksmd a few scans, faster, to
# drop its pages: stale pages_shared would keep merge_across_nodes busy
# for everyone else.  Best effort: other processes may make scans long.
ksm_check "workload memory intact" ksm_stop_mapper "$mapper"
ksm_write pages_to_scan 5000
ksm_wait_full_scans 2 20 || echo "# ksmd is still scanning others' pages; going on"

# 5. The scan-time advisor (6.8+): advisor_max_cpu, not pages_to_scan.
if ((has_advisor)); then
	ceiling=$(ksm_read advisor_max_cpu)
	# the boost is the whole budget: KSM_GOVERNOR=low's 20 %
	tune_once "KSM_THRES_COEF=100\nKSM_USE_ADVISOR=yes\nKSM_GOVERNOR=low\n"
	ksm_check "advisor: exit 0" test "$rc" = 0
	ksm_check "advisor: advisor_mode reads scan-time" test "$(ksm_read advisor_mode)" = scan-time
	ksm_check "advisor: advisor_max_cpu 20% (1250/1250 of KSM_GOVERNOR=low's 20%)" \
		test "$(ksm_read advisor_max_cpu)" = 20
	# $out as an argument: it may hold quotes ("ksmd's work")
	# shellcheck disable=SC2016
	ksm_check "advisor: pages_to_scan not written" \
		bash -c '! grep -q "^pages_to_scan" <<< "$1"' _ "$out"

	# The daemon puts back advisor_mode none AND pages_to_scan, which
	# the kernel resets to 100 on the switch.
	ksm_write advisor_mode none
	ksm_write pages_to_scan 777
	ksm_write advisor_max_cpu "$ceiling"
	ksm_write run 0
	printf '%b' "KSM_THRES_COEF=100\nKSM_USE_ADVISOR=yes\n" > "$conf"
	"$ksmctl" tune --config "$conf" --interval 0.2 --pidfile "$tmp/pid" \
		2> "$tmp/daemon.err" &
	daemon=$!
	ksm_on_exit "kill -KILL $daemon 2>/dev/null"
	for ((i = 0; i < 200; i++)); do
		[[ $(ksm_read advisor_mode) == scan-time && $(ksm_read run) == 1 ]] && break
		sleep 0.05
	done
	ksm_check "daemon: switched the advisor on" test "$(ksm_read advisor_mode)" = scan-time
	kill -TERM "$daemon"
	wait "$daemon"
	ksm_check "daemon: exit 0 on SIGTERM" test $? = 0
	sed 's/^/    /' "$tmp/daemon.err"
	ksm_check "daemon: advisor_mode restored" test "$(ksm_read advisor_mode)" = none
	ksm_check "daemon: pages_to_scan restored after the kernel's reset" \
		test "$(ksm_read pages_to_scan)" = 777
	ksm_check "daemon: advisor_max_cpu restored" test "$(ksm_read advisor_max_cpu)" = "$ceiling"
	ksm_check "daemon: run restored" test "$(ksm_read run)" = 0
else
	echo "SKIP: advisor checks: no advisor_mode (kernel before 6.8)"
fi

# 6. The daemon: ksmd merges a mapper's pages at the full pace, then has
# nothing left to merge: two full scans later pages_to_scan is
# KSM_NPAGES_MIN and the sleep holds ksmd near 0.5 % of a CPU.  Merges
# are counted machine-wide: another process whose mergeable memory
# keeps changing (a running virtual machine) keeps ksmd busy, rightly,
# and then the idle checks are skipped.

# other_ksm_users: the processes besides $mapper that ksmd scans
other_ksm_users() {
	local f pid items
	for f in /proc/[0-9]*/ksm_stat; do
		pid=${f#/proc/}
		pid=${pid%%/*}
		[[ $pid == "$mapper" ]] && continue
		items=$(sed -n 's/^ksm_rmap_items //p' "$f" 2>/dev/null)
		((${items:-0} > 0)) && printf '%s(%s) ' "$(cat "/proc/$pid/comm" 2>/dev/null)" "$pid"
	done
}
((has_advisor)) && ksm_write advisor_mode none
ksm_write pages_to_scan 100
ksm_write sleep_millisecs 20
ksm_write run 1
ksm_start_mapper --pages 25600 --pattern same --mode madvise || exit 1
mapper=$KSM_MAPPER_PID
printf '%b' "${regex}KSM_THRES_COEF=100\nKSM_USE_ADVISOR=no\n" > "$conf"
# An interval of a minute: the daemon looks at ksmd every second between
# cycles while it works, and adjusts as soon as the merging is done.
"$ksmctl" tune --config "$conf" --interval 60 --pidfile "$tmp/pid" -v \
	2> "$tmp/idle.err" &
daemon=$!
ksm_on_exit "kill -KILL $daemon 2>/dev/null"
idle=0
# 50 s at most (before the second cycle) alone; with other KSM users, 30 s
polls=500
[[ -n $(other_ksm_users) ]] && polls=300
for ((i = 0; i < polls; i++)); do
	grep -q 'idle: nothing merged in' "$tmp/idle.err" && { idle=1; break; }
	kill -0 "$daemon" 2>/dev/null || break
	sleep 0.1
done
ksm_check "daemon: the full pace while merging" \
	grep -q 'pages_to_scan [0-9]* -> 1250.*boost: nothing known' "$tmp/idle.err"
others=$(other_ksm_users)
if ((!idle)) && [[ -n $others ]]; then
	echo "SKIP: idle checks: ksmd also scans ${others}whose memory keeps merging"
	idle=skip
fi
[[ $idle == skip ]] || ksm_check "daemon: idle once ksmd merged everything (within 120 s)" test "$idle" = 1
line=$(grep -m1 'idle: nothing merged in' "$tmp/idle.err")
echo "    $line"
pages=$(ksm_read pages_to_scan)
sleep_ms=$(ksm_read sleep_millisecs)
if [[ $idle != skip ]]; then
	ksm_check "daemon: idle: pages_to_scan is KSM_NPAGES_MIN ($pages)" test "$pages" = 64
	ksm_check "daemon: idle: sleep_millisecs ($sleep_ms) at least ksmtuned's ($sleep_want)" \
		test "$sleep_ms" -ge "$sleep_want"
	ksm_check "daemon: idle: the log names the sleep it wrote" \
		grep -q "pages_to_scan 64, sleep_millisecs $sleep_ms (ksmd near 0.5% of a CPU" <<< "$line"
	ksm_check "daemon: idle: seen between cycles, adjusted at once" \
		grep -q "tune: ksmd's work changed: adjusting now" "$tmp/idle.err"
	if [[ -e $KSM_DIR/pages_scanned && -r /proc/self/schedstat ]]; then
		ksm_check "daemon: idle: the cost per page is ksmd's, measured" \
			grep -q 'a page, measured)' <<< "$line"
	fi
fi
kill -TERM "$daemon"
wait "$daemon"
ksm_check "daemon: exit 0 on SIGTERM" test $? = 0
ksm_check "daemon: pages_to_scan restored" test "$(ksm_read pages_to_scan)" = 100
ksm_check "daemon: sleep_millisecs restored" test "$(ksm_read sleep_millisecs)" = 20
ksm_check "workload memory intact" ksm_stop_mapper "$mapper"

ksm_result
