#!/bin/bash
# Real kernel: `ksmctl governor --follow` holds ksmd by measuring it.
#
# On a ksm-mapper of identical pages: the follower takes pages_to_scan
# and sleep_millisecs (advisor_mode none on 6.8+), `ksmctl governor`
# shows it (method follow, its pid, the preset), a second follower is
# refused, ksmd stays below 1.5x the budget while it merges, turns idle
# once nothing is left to merge (sleep_millisecs 200, ksmd well under 2 %
# of a CPU), SIGTERM puts every knob back, and a knob changed behind
# its back makes it stop with exit 1.  Every knob is saved and
# restored.  About 40 s.
#
#   tests/kernel/test_follow.sh [KSMCTL]
#
# Exit: 0 pass, 1 fail, 77 skip.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
ksmctl=$(realpath "${1:-$top/build/ksmctl}")
: "${KSM_MAPPER:=$top/build/helpers/ksm-mapper}"
# shellcheck source=tests/kernel/lib.sh
. "$here/lib.sh"

ksm_require_root_and_ksm
[[ -x $ksmctl ]] || ksm_skip "$ksmctl not built"
[[ -x $KSM_MAPPER ]] || ksm_skip "$KSM_MAPPER not built (make tests-built)"
command -v jq > /dev/null || ksm_skip "needs jq"
[[ -e /sys/kernel/mm/uksm ]] && ksm_skip "a UKSM kernel holds the budget itself"
grep -qw cpu "$KSM_DIR/advisor_mode" 2>/dev/null &&
	ksm_skip "the CPU advisor holds the budget in the kernel (the fixture tests cover --follow there)"
ksmd=$(pgrep -x ksmd | head -n 1)
[[ -n $ksmd && -r /proc/$ksmd/schedstat ]] ||
	ksm_skip "no ksmd thread with /proc/PID/schedstat"

ksm_save_knobs || exit 1
ksm__tmpdir
root=$KSM__TMP/root
mkdir -p "$root/run"
ln -s /sys "$root/sys"
ln -s /proc "$root/proc"
k() { "$ksmctl" --sysroot "$root" "$@"; }

lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }

start_follower() {
	"$ksmctl" --sysroot "$root" governor --follow "$@" > "$KSM__TMP/follow.out" 2>&1 &
	FPID=$!
	ksm_on_exit "kill -TERM $FPID 2>/dev/null; wait $FPID 2>/dev/null"
	for (( i = 0; i < 50; i++ )); do
		[[ $(k governor --json | jq -r .method) == follow ]] && return 0
		sleep 0.1
	done
	ksm_fail "the follower did not show in 'governor --json': $(cat "$KSM__TMP/follow.out")"
	return 1
}

before_pts=$(ksm_read pages_to_scan)
before_sleep=$(ksm_read sleep_millisecs)
before_adv=
[[ -e $KSM_DIR/advisor_mode ]] && before_adv=$(ksm_read advisor_mode)

ksm_start_mapper --pages 65536 --mode madvise --pattern same ||
	{ echo "FAIL: cannot start ksm-mapper"; exit 1; }
ksm_write run 1 || exit 1

start_follower medium || exit 1
json=$(k governor --json)
ksm_check "governor --json names the preset" [ "$(jq -r .preset <<< "$json")" == medium ]
ksm_check "governor --json gives the follower's pid" [ "$(jq -r .follow.pid <<< "$json")" == "$FPID" ]
ksm_check "the budget reads back" [ "$(jq -r .budget_percent <<< "$json")" == 50 ]
[[ -n $before_adv ]] && ksm_check "advisor_mode none while following" \
	[ "$(ksm_read advisor_mode)" == none ]
out=$(k governor --follow low 2>&1)
rc=$?
ksm_check "a second follower exits 1" [ "$rc" == 1 ]
[[ $out == *"another 'ksmctl governor --follow' runs (pid $FPID"* ]] ||
	ksm_fail "a second follower said: $out"

share=$(ksm_ksmd_share "$ksmd" 4)
lt "$share" 75 || ksm_fail "ksmd at $share % of a CPU under a 50 % budget"

# Other processes whose memory KSM scans (a virtual machine) give ksmd
# work of their own: then it never runs out of merges.
others() {
	local f pid
	for f in /proc/[0-9]*/ksm_stat; do
		pid=${f#/proc/}
		pid=${pid%%/*}
		[[ $pid == "$KSM_MAPPER_PID" ]] && continue
		grep -qs -e '^ksm_mergeable: yes' -e '^ksm_merge_any: yes' "$f" &&
			printf '%s ' "$pid"
	done
}

# 65536 identical pages merge within a few scans; then nothing is left
# to merge: idle within the 10 s and two full scans it waits for
busy=$(others)
if [[ -n $busy ]]; then
	echo "SKIP: the idle checks: other processes have memory registered with KSM (pids $busy)"
else
	for (( i = 0; i < 300; i++ )); do
		[[ $(k governor --json | jq -r .follow.activity) == idle ]] && break
		sleep 0.1
	done
	ksm_check "idle once everything is merged" [ "$(k governor --json | jq -r .follow.activity)" == idle ]
	ksm_check "idle: sleep_millisecs 200" [ "$(ksm_read sleep_millisecs)" == 200 ]
	sleep 3	# a step at the idle pace
	share=$(ksm_ksmd_share "$ksmd" 5)
	lt "$share" 2 || ksm_fail "idle ksmd at $share % of a CPU"
fi

kill -TERM "$FPID"
wait "$FPID"
rc=$?
ksm_check "SIGTERM: exit 0" [ "$rc" == 0 ]
ksm_check "pages_to_scan put back" [ "$(ksm_read pages_to_scan)" == "$before_pts" ]
ksm_check "sleep_millisecs put back" [ "$(ksm_read sleep_millisecs)" == "$before_sleep" ]
[[ -n $before_adv ]] && ksm_check "advisor_mode put back" \
	[ "$(ksm_read advisor_mode)" == "$before_adv" ]
ksm_check "no follower shown after it stopped" [ "$(k governor --json | jq -r .method)" != follow ]

# someone else's write: the follower stops and leaves it
start_follower full || exit 1
ksm_write pages_to_scan 1234 || exit 1
wait "$FPID"
rc=$?
ksm_check "a knob changed behind its back: exit 1" [ "$rc" == 1 ]
grep -q "pages_to_scan was changed to 1234 .*by someone else" "$KSM__TMP/follow.out" ||
	ksm_fail "the follower said: $(cat "$KSM__TMP/follow.out")"
ksm_check "the other program's value is left" [ "$(ksm_read pages_to_scan)" == 1234 ]

ksm_stop_mapper "$KSM_MAPPER_PID" > /dev/null || ksm_fail "ksm-mapper lost data"
ksm_result
