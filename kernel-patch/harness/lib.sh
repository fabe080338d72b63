# shellcheck shell=bash
#
# lib.sh - stage bookkeeping for kernel-patch/harness/run.sh.
#
# A stage is a shell function run through `stage NAME FUNCTION [ARGS]`.
# Its output goes to $LOGDIR/NAME.log; the harness prints one line per
# stage with its result and its wall-clock time, and the tail of the log
# when it failed.  A stage function returns:
#	0	done
#	77	skipped; it has put the reason in STAGE_NOTE
#	other	failed; STAGE_NOTE may say why
# and may set STAGE_NOTE to a short remark ("cached", "3 patches") on
# success too.  tools/check-fresh.sh runs its steps through it as well,
# with H_PREFIX=check-fresh.

STAGE_NAMES=()
STAGE_RESULTS=()
STAGE_TIMES=()
STAGE_NOTE=

h_say() {
	printf '%s: %s\n' "${H_PREFIX:-kernel-patch}" "$*"
}

h_now() {
	date +%s.%N
}

# h_elapsed START: seconds since START (from h_now), one decimal.
h_elapsed() {
	awk -v a="$1" -v b="$(h_now)" 'BEGIN { printf "%.1f", b - a }'
}

h_record() {
	STAGE_NAMES+=("$1")
	STAGE_RESULTS+=("$2")
	STAGE_TIMES+=("$3")
}

# stage NAME FUNCTION [ARGS...]: run FUNCTION with its output in the
# stage's log; returns FUNCTION's status (0, 77 or failure).
stage() {
	local name=$1 fn=$2 start rc log secs result
	shift 2

	log=$LOGDIR/$name.log
	STAGE_NOTE=
	start=$(h_now)
	h_say "-- $name ..."
	"$fn" "$@" >"$log" 2>&1
	rc=$?
	secs=$(h_elapsed "$start")
	case $rc in
	0)	result=ok ;;
	77)	result=SKIP ;;
	*)	result=FAIL ;;
	esac
	h_record "$name" "$result" "$secs"
	h_say "$(printf '%-4s %-20s %7ss  %s' "$result" "$name" "$secs" "$STAGE_NOTE")"
	if [[ $result == FAIL ]]; then
		h_say "     last lines of $log:"
		tail -n 40 "$log" | sed 's/^/    | /'
	fi
	return "$rc"
}

# not_run NAME WHY: record a stage that could not run because an
# earlier one failed or was skipped.
not_run() {
	h_record "$1" "-" "0.0"
	h_say "$(printf '%-4s %-20s %7ss  %s' "-" "$1" "0.0" "not run: $2")"
}

stage_summary() {
	local i

	h_say "stage times:"
	for i in "${!STAGE_NAMES[@]}"; do
		printf '  %-20s %-4s %7ss\n' "${STAGE_NAMES[i]}" \
			"${STAGE_RESULTS[i]}" "${STAGE_TIMES[i]}"
	done
}
