#!/bin/bash
# Real kernel: `ksmctl governor` sets each preset, reads it back, and
# --calibrate measures ksmd on a running ksm-mapper.
#
# Each preset is written to the real knobs and must then be what
# `ksmctl governor` recognises, with the method this kernel calls for
# (with the kernel-patch/ series: the CPU advisor, advisor_mode cpu and
# advisor_target_cpu = budget, for every preset; 6.8+: the scan-time
# advisor from 10 %, pages_to_scan below; older: pages_to_scan and
# sleep_millisecs); --dry-run must change nothing.
# The calibration goes to a private directory (a --sysroot of links to
# /sys, /proc and /run), so the host's /var/lib/ksmctl is left alone.
# Every knob is saved and restored.  About 15 s.
#
#   tests/kernel/test_governor.sh [KSMCTL]
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
[[ -e /sys/kernel/mm/uksm ]] && ksm_skip "a UKSM kernel: the fixture tests cover it"

ksm_save_knobs || exit 1
ksm__tmpdir
root=$KSM__TMP/root
mkdir -p "$root"
ln -s /sys "$root/sys"
ln -s /proc "$root/proc"
ln -s /run "$root/run"
k() { "$ksmctl" --sysroot "$root" "$@"; }

# The writable knobs, but pages_to_scan while an advisor (scan-time or
# cpu) changes it.
knobs() {
	local f mode
	mode=$(ksm_read advisor_mode 2>/dev/null) || mode=none
	for f in "$KSM_DIR"/*; do
		[[ $(stat -c %A "$f") == ?rw* ]] || continue	# not -w: root may write anything
		[[ ${f##*/} == pages_to_scan && $mode != none ]] && continue
		printf '%s=%s\n' "${f##*/}" "$(< "$f")"
	done
}

advisor=0
[[ -e $KSM_DIR/advisor_mode ]] && advisor=1
# The series' CPU advisor: "cpu" among the modes and its target knob.
cpu_advisor=0
if (( advisor )) && [[ -e $KSM_DIR/advisor_target_cpu &&
      " $(tr -d '[]' < "$KSM_DIR/advisor_mode") " == *" cpu "* ]]; then
	cpu_advisor=1
fi
declare -A budget=( [full]=95 [medium]=50 [low]=20 [quiet]=1 )
for p in full medium low quiet; do
	before=$(knobs)
	out=$(k governor --dry-run "$p") || ksm_fail "governor --dry-run $p exited $?"
	[[ $(knobs) == "$before" ]] || ksm_fail "governor --dry-run $p changed knobs"
	[[ $out == *"(dry run)"* || $out == *unchanged* ]] ||
		ksm_fail "governor --dry-run $p showed no plan: $out"
	k governor -q "$p" || { ksm_fail "governor $p exited $?"; continue; }
	json=$(k governor --json) || ksm_fail "governor --json exited $?"
	got=$(jq -r .preset <<< "$json")
	[[ $got == "$p" ]] || ksm_fail "set $p, reads back as $got"
	got=$(jq -r .budget_percent <<< "$json")
	[[ $got == "${budget[$p]}" ]] || ksm_fail "$p: budget_percent $got"
	want=manual
	(( advisor && budget[$p] >= 10 )) && want=scan-time
	(( cpu_advisor )) && want=cpu-advisor
	got=$(jq -r .method <<< "$json")
	[[ $got == "$want" ]] || ksm_fail "$p: method $got, want $want"
	if [[ $want == cpu-advisor ]]; then
		[[ $(ksm_read advisor_mode) == cpu ]] ||
			ksm_fail "$p: advisor_mode reads $(ksm_read advisor_mode)"
		[[ $(ksm_read advisor_target_cpu) == "${budget[$p]}" ]] ||
			ksm_fail "$p: advisor_target_cpu reads $(ksm_read advisor_target_cpu)"
		[[ $(jq -r .knobs.advisor_target_cpu <<< "$json") == "${budget[$p]}" ]] ||
			ksm_fail "$p: governor shows advisor_target_cpu $(jq -r .knobs.advisor_target_cpu <<< "$json")"
	elif [[ $want == scan-time ]]; then
		[[ $(ksm_read advisor_mode) == scan-time ]] ||
			ksm_fail "$p: advisor_mode reads $(ksm_read advisor_mode)"
		[[ $(ksm_read advisor_max_cpu) == "${budget[$p]}" ]] ||
			ksm_fail "$p: advisor_max_cpu reads $(ksm_read advisor_max_cpu)"
	else
		(( advisor )) && { [[ $(ksm_read advisor_mode) == none ]] ||
			ksm_fail "$p: advisor_mode reads $(ksm_read advisor_mode)"; }
		[[ $(ksm_read pages_to_scan) == "$(jq -r .knobs.pages_to_scan <<< "$json")" ]] ||
			ksm_fail "$p: pages_to_scan differs from what governor shows"
	fi
done

# a custom budget is shown as such
k governor -q --max-cpu 35 || ksm_fail "governor --max-cpu 35 exited $?"
json=$(k governor --json)
[[ $(jq -r .preset <<< "$json") == custom ]] || ksm_fail "--max-cpu 35 reads back as $(jq -r .preset <<< "$json")"
if (( advisor )); then
	[[ $(jq -r .budget_percent <<< "$json") == 35 ]] || ksm_fail "--max-cpu 35: $json"
	if (( cpu_advisor )); then
		[[ $(jq -r .method <<< "$json") == cpu-advisor &&
		   $(ksm_read advisor_target_cpu) == 35 ]] ||
			ksm_fail "--max-cpu 35: advisor_target_cpu reads $(ksm_read advisor_target_cpu): $json"
	fi
else
	est=$(jq -r .budget_estimated <<< "$json")
	awk -v e="$est" 'BEGIN { exit !(e > 33 && e < 37) }' ||
		ksm_fail "--max-cpu 35 estimated at $est %"
fi

# calibration, on ksmd scanning a mapper
if (( advisor )); then
	ksm_write advisor_mode none || exit 1
fi
ksm_write pages_to_scan 5000 || exit 1
ksm_write sleep_millisecs 10 || exit 1
ksm_write run 1 || exit 1
ksm_start_mapper --pages 8192 --mode madvise --pattern mixed --seed 3 ||
	{ echo "FAIL: cannot start ksm-mapper"; exit 1; }
out=$(k governor --calibrate --duration 3 2>&1) || ksm_fail "--calibrate exited $?: $out"
cal=$root/var/lib/ksmctl/calibration
if [[ -r $cal ]]; then
	cost=$(sed -n 's/^COST_NS_PER_PAGE=//p' "$cal")
	awk -v c="$cost" 'BEGIN { exit !(c > 10 && c < 1000000) }' ||
		ksm_fail "calibrated cost $cost ns per page"
	[[ $(k governor --json | jq -r .calibrated) == true ]] ||
		ksm_fail "governor does not use the calibration"
	echo "note: ksmd costs $cost ns per page here"
else
	ksm_fail "--calibrate wrote no $cal: $out"
fi

# stopped ksmd cannot be measured
ksm_write run 0 || exit 1
k governor --calibrate --duration 1 > /dev/null 2>&1 && ksm_fail "--calibrate with run=0 succeeded"

(( KSM_FAILURES )) && exit 1
echo "PASS: ${0##*/}: presets set and recognised, calibration measured"
exit 0
