#!/bin/bash
# bench/run --smoke: 2 guests x 16 MiB under the kernel defaults and
# `ksmctl governor medium` (skipped, visibly, while that command does not
# exist), in under a minute.  Each strategy must reach 99 % of the
# workload's achievable savings, every guest must verify every page, and
# every KSM knob must be back as it was (bench/run holds the real-kernel
# tests' lock and restores through tests/kernel/lib.sh).
#
#   tests/bench/test_smoke.sh [KSMCTL]
# Exit: 0 pass, 1 fail, 77 skipped (not root, no KSM).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
ksmctl=${1:-$top/build/ksmctl}
ksm=/sys/kernel/mm/ksm

if ((EUID != 0)); then
	echo "SKIP: test_smoke.sh: needs root (running as uid $EUID)"
	exit 77
fi
if [[ ! -w $ksm/run ]]; then
	echo "SKIP: test_smoke.sh: $ksm/run missing or read-only"
	exit 77
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-smoke.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The knobs: files whose mode lets their owner write them (for root,
# test -w holds for the read-only counters too).
knobs() {
	local f
	for f in "$ksm"/*; do
		[[ -f $f && $(stat -c %A "$f") == ?rw* ]] &&
			printf '%s=%s\n' "${f##*/}" "$(<"$f")"
	done
}

fail() {
	echo "FAIL: test_smoke.sh: $*"
	exit 1
}

# other tests may run between the runs (the lock is per run): compare
# the knobs only if nobody else holds the lock now
before=$(flock -n /run/ksmctl-tests.lock bash -c "$(declare -f knobs); ksm=$ksm; knobs" 2>/dev/null)

start=$SECONDS
bash "$top/bench/run" --smoke --ksmctl "$ksmctl" --json "$work/smoke.json" > "$work/out" 2>&1
rc=$?
elapsed=$((SECONDS - start))
sed 's/^/    /' "$work/out"
((rc == 77)) && { grep -m1 '^SKIP' "$work/out"; exit 77; }
((rc == 0)) || fail "bench/run --smoke exited $rc"
[[ -s $work/smoke.json ]] || fail "no JSON written"

n=$(jq '.runs | length' "$work/smoke.json")
((n >= 1)) || fail "no strategy ran"
bad=$(jq -r '.runs[] | select(.status != "ok" or .verified != true or
	.time_s."99" == null) | .strategy' "$work/smoke.json")
[[ -z $bad ]] || fail "did not converge or verify: $bad"
# the figures must be figures: a positive time, some ksmd CPU, savings
jq -e '.runs[] | (.time_s."99" > 0 and .cpu_s."99" >= 0 and
	.steady.cpu_pct >= 0 and .steady.savings_pct >= 99)' "$work/smoke.json" \
	>/dev/null || fail "implausible figures: $(jq -c '.runs' "$work/smoke.json")"

after=$(flock -n /run/ksmctl-tests.lock bash -c "$(declare -f knobs); ksm=$ksm; knobs" 2>/dev/null)
if [[ -n $before && -n $after && $before != "$after" ]]; then
	# pages_to_scan belongs to the advisor when it is on
	diff <(grep -v '^pages_to_scan=' <<< "$before") <(grep -v '^pages_to_scan=' <<< "$after") ||
		fail "KSM knobs changed"
fi
echo "PASS: test_smoke.sh: $n strategies in ${elapsed}s"
