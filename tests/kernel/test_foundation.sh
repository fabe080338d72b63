#!/bin/bash
# Real kernel: ksmctl start merges a workload's pages, status --json agrees
# with the sysfs files, set writes and refuses as the kernel would, stop
# stops.  Every knob is restored on exit (tests/kernel/lib.sh).
#
# Usage: test_foundation.sh [KSMCTL]   exit 0 pass, 1 fail, 77 skip
set -u
here=$(cd "$(dirname "$0")" && pwd)
ksmctl=$(realpath "${1:-$here/../../build/ksmctl}")
: "${KSM_MAPPER:=$here/../../build/helpers/ksm-mapper}"
# shellcheck source=tests/kernel/lib.sh
. "$here/lib.sh"


ksm_require_root_and_ksm
ksm_save_knobs

pages=2048
ksm_start_mapper --pages "$pages" --pattern same --mode madvise || exit 1

# A known starting point; the advisor (6.8+) would own pages_to_scan.
args=(pages_to_scan 5000 sleep_millisecs 10 use_zero_pages 0)
[[ -e $KSM_DIR/advisor_mode ]] && args=(advisor_mode none "${args[@]}")
ksm_check "set the scanning knobs" "$ksmctl" set -q "${args[@]}"
ksm_check "pages_to_scan reads back 5000" test "$(ksm_read pages_to_scan)" = 5000

ksm_check "start" "$ksmctl" start -q
ksm_check "run reads 1" test "$(ksm_read run)" = 1
ksm_check "ksmd completes two full scans" ksm_wait_full_scans 2 120

merged=$(cat "/proc/$KSM_MAPPER_PID/ksm_merging_pages")
# max_page_sharing splits 2048 copies into chains: all but a few merge.
ksm_check "the workload's pages merged ($merged of $pages)" test "$merged" -ge $((pages - 16))
ksm_check "pages_sharing counts them" test "$(ksm_read pages_sharing)" -ge $((pages - 16))

# A change that needs an unmerge is refused before the kernel's EBUSY.
mps=$(ksm_read max_page_sharing)
out=$("$ksmctl" set max_page_sharing $((mps + 1)) 2>&1)
ksm_check "max_page_sharing change refused while pages are shared" test $? = 1
ksm_check "the refusal says why" grep -q "EBUSY" <<< "$out"
ksm_check "max_page_sharing unchanged" test "$(ksm_read max_page_sharing)" = "$mps"

ksm_check "stop" "$ksmctl" stop -q
ksm_check "run reads 0" test "$(ksm_read run)" = 0

# With ksmd stopped the counters hold still: JSON must match sysfs.
json=$("$ksmctl" status --json)
ksm_check "status --json is valid JSON" jq -e . <<< "$json" > /dev/null
for f in "$KSM_DIR"/*; do
	knob=${f##*/}
	want=$(ksm_read "$knob")
	got=$(jq -r --arg k "$knob" \
		'[.state, .scanning, .advisor, .counters] | map(select(has($k))) | .[0][$k]
		 | if . == true then "1" elif . == false then "0" else tostring end' <<< "$json")
	ksm_check "status --json $knob = $want" test "$got" = "$want"
done

ksm_check "get prints the value" test "$("$ksmctl" get sleep_millisecs)" = 10
ksm_check "workload memory intact after merging" ksm_stop_mapper "$KSM_MAPPER_PID"

ksm_result
