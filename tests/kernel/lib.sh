# shellcheck shell=bash
#
# lib.sh - shared code for ksmctl's real-kernel tests.
#
# Source it from a bash test script:
#
#	# shellcheck source=tests/kernel/lib.sh
#	. "$(dirname "$0")/lib.sh"
#	ksm_require_root_and_ksm
#	ksm_save_knobs		# from here on every knob is put back on exit
#	ksm_start_mapper --pages 2048 --pattern same
#	ksm_write pages_to_scan 1000 && ksm_write run 1
#	ksm_wait_full_scans 2 60 || fail "ksmd did not scan"
#
# Exit status convention (the one automake and many runners use):
#	0	pass
#	77	skipped: the test could not run here (not root, no KSM, ...);
#		it has printed "SKIP: <script>: <reason>" on stdout.
#	other	fail; in particular 129/130/143 when a HUP/INT/TERM
#		interrupted the test (knobs are restored first), and a
#		passing test turns into 1 when a knob could not be restored.
#
# The host's KSM state is shared with everything else on the machine:
# a test must leave every writable knob as it found it.  That is what
# ksm_save_knobs / ksm_restore_knobs are for.  Counters (full_scans,
# pages_scanned, ...) are read-only and cannot be put back.
#
# ksm_save_knobs installs the equivalent of
# "trap ksm_restore_knobs EXIT INT TERM HUP", except that a signal also
# ends the script (status 128 + signal number) once the knobs are back,
# and that ksm_on_exit commands and leftover mappers are dealt with
# first.  So a test must not install its own EXIT/INT/TERM/HUP traps:
# it registers its cleanup with ksm_on_exit instead.
#
# Signals: bash runs a trap only when the foreground command ends, so
# wait in short steps (as ksm_wait_full_scans does) or with
# "sleep N & wait $!", never with one long sleep.  And a script started
# with "&" from another non-interactive shell ignores SIGINT for good
# (bash cannot trap a signal ignored on entry): start it in the
# foreground, or from a runner that does not ignore SIGINT.
#
# ksm-mapper exits 3 when the kernel refuses MADV_MERGEABLE or
# PR_SET_MEMORY_MERGE with EINVAL: a test should then ksm_skip.
#
# Public: ksm_skip, ksm_require_root_and_ksm, ksm_read, ksm_write,
# ksm_save_knobs, ksm_restore_knobs, ksm_on_exit, ksm_wait_full_scans,
# ksm_start_mapper, ksm_stop_mapper, ksm_wait_ksmd_forget, ksm_ksmd_share.  Names
# starting with ksm__ are private.

[[ -n ${KSM_LIB_LOADED:-} ]] && return 0
KSM_LIB_LOADED=1

# The sysfs directory; overridable only so the library can be exercised
# against a scratch directory.  Tests themselves should not change it.
: "${KSM_DIR:=/sys/kernel/mm/ksm}"
# The test helper, built by "make" from tests/helpers/ksm-mapper.c.
KSM__LIBDIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
: "${KSM_MAPPER:=$KSM__LIBDIR/../../build/helpers/ksm-mapper}"

# shellcheck disable=SC2034 # for scripts that want to name the status
KSM_SKIP=77

declare -gA KSM__SAVED=()	# knob -> value at ksm_save_knobs time
declare -ga KSM__ORDER=()	# knobs in the order they were listed
declare -ga KSM__CLEANUPS=()	# commands run (last first) before restoring
declare -gA KSM__MAPPERS=()	# pid of a running mapper -> its stdout file
KSM__HAVE_SAVED=0
KSM__TMP=

# Knobs that ksm_restore_knobs writes at a fixed point of its sequence.
KSM__SPECIAL=" run advisor_mode pages_to_scan advisor_min_pages_to_scan \
advisor_max_pages_to_scan merge_across_nodes max_page_sharing "

ksm__script() {
	printf '%s' "${0##*/}"
}

# ksm_skip REASON: report why this test cannot run here and exit 77.
ksm_skip() {
	printf 'SKIP: %s: %s\n' "$(ksm__script)" "$*"
	exit 77
}

# Skip unless we can really drive KSM: root, a kernel with KSM and a
# writable /sys (containers usually mount it read-only).
ksm_require_root_and_ksm() {
	if (( EUID != 0 )); then
		ksm_skip "needs root (running as uid $EUID)"
	fi
	if [[ ! -e $KSM_DIR/run ]]; then
		ksm_skip "no $KSM_DIR/run (kernel without CONFIG_KSM?)"
	fi
	if [[ ! -w $KSM_DIR/run ]]; then
		ksm_skip "$KSM_DIR/run is not writable (read-only /sys?)"
	fi
}

# ksm_read KNOB: print the knob's value.  For a choice file such as
# advisor_mode ("[none] scan-time") print the selected, bracketed word.
ksm_read() {
	local knob=$1 value

	if [[ -z $knob || $knob == */* ]]; then
		printf 'ksm_read: bad knob name "%s"\n' "$knob" >&2
		return 2
	fi
	{ value=$(<"$KSM_DIR/$knob"); } 2>/dev/null || return 1
	if [[ $value =~ \[([^]]*)\] ]]; then
		value=${BASH_REMATCH[1]}
	fi
	printf '%s\n' "$value"
}

# ksm__put KNOB VALUE: write without comment; on failure leave the
# kernel's reason in KSM__ERR and return 1.
ksm__put() {
	KSM__ERR=$({ printf '%s\n' "$2" >"$KSM_DIR/$1"; } 2>&1) && return 0
	KSM__ERR=${KSM__ERR##*: }
	return 1
}

# ksm_write KNOB VALUE: write a knob, saying on stderr why it failed.
ksm_write() {
	ksm__put "$1" "$2" && return 0
	printf 'ksm_write: %s <- %s: %s\n' "$1" "$2" "$KSM__ERR" >&2
	return 1
}

# Snapshot every writable knob (mode has the owner's w bit: 0644), so
# knobs a future kernel adds are covered too.  Then make sure they are
# put back however the script ends.  A second call keeps the first
# snapshot: that is the state the machine was in before the test.
# Assertions shared by the tests: "ok - ..." / "not ok - ..." lines, and
# ksm_result as the script's last command (0 only if nothing failed).
KSM_FAILURES=0

# ksm_check DESCRIPTION COMMAND...: run COMMAND; a failure is counted.
ksm_check() {
	local what=$1
	shift
	if "$@"; then
		echo "ok - $what"
	else
		echo "not ok - $what"
		KSM_FAILURES=$((KSM_FAILURES + 1))
	fi
}

# ksm_fail MESSAGE: count a failure found by the test's own logic.
ksm_fail() {
	printf 'not ok - %s: %s\n' "${0##*/}" "$*"
	KSM_FAILURES=$((KSM_FAILURES + 1))
}

ksm_result() {
	(( KSM_FAILURES == 0 ))
}

# One real-kernel test (or benchmark) at a time on this machine: the
# KSM state is global, and two tests restoring each other's knobs would
# both fail.  The lock is held until the script exits.
: "${KSM_TESTS_LOCK:=/run/ksmctl-tests.lock}"
ksm__lock_tests() {
	exec {KSM__LOCK_FD}>>"$KSM_TESTS_LOCK" || return 1
	if ! flock -n "$KSM__LOCK_FD"; then
		echo "# waiting for another real-kernel test ($KSM_TESTS_LOCK)" >&2
		flock "$KSM__LOCK_FD" || return 1
	fi
}

ksm_save_knobs() {
	local path knob value

	(( KSM__HAVE_SAVED )) && return 0
	[[ -d $KSM_DIR ]] || { echo "ksm_save_knobs: no $KSM_DIR" >&2; return 1; }
	ksm__lock_tests || return 1

	while IFS= read -r path; do
		knob=${path##*/}
		value=$(ksm_read "$knob") || {
			echo "ksm_save_knobs: cannot read $knob" >&2
			return 1
		}
		KSM__SAVED[$knob]=$value
		KSM__ORDER+=("$knob")
	done < <(find "$KSM_DIR" -maxdepth 1 -type f -perm -u=w | sort)

	KSM__HAVE_SAVED=1
	ksm__install_traps
}

# ksm_on_exit COMMAND: run COMMAND (a string, eval'ed) when the script
# ends, before the knobs are restored.  Last registered runs first.
ksm_on_exit() {
	KSM__CLEANUPS+=("$*")
}

ksm__install_traps() {
	trap 'ksm__on_exit' EXIT
	trap 'ksm__on_signal HUP 129' HUP
	trap 'ksm__on_signal INT 130' INT
	trap 'ksm__on_signal TERM 143' TERM
}

# Run the cleanups, stop leftover mappers, then restore.  Stopping the
# mappers first frees their merged pages, so restoring
# merge_across_nodes / max_page_sharing rarely needs an unmerge.
ksm__finish() {
	local i

	for (( i = ${#KSM__CLEANUPS[@]} - 1; i >= 0; i-- )); do
		eval "${KSM__CLEANUPS[i]}" || true
	done
	KSM__CLEANUPS=()
	for i in "${!KSM__MAPPERS[@]}"; do
		ksm_stop_mapper "$i" >/dev/null 2>&1 || true
	done
	if [[ ${KSM__SAVED[run]:-1} != 1 ]]; then
		ksm_wait_ksmd_forget 5 || true
	fi
	local rc=0
	ksm_restore_knobs || rc=$?
	[[ -n $KSM__TMP ]] && rm -rf -- "$KSM__TMP"
	KSM__TMP=
	return "$rc"
}

ksm__count() {
	local v
	v=$(ksm_read "$1") && [[ $v =~ ^[0-9]+$ ]] && printf '%s' "$v" ||
		printf 0
}

# ksm_wait_ksmd_forget [TIMEOUT_SECONDS]: after mappers exited, give
# ksmd (if running) up to TIMEOUT (default 5) seconds to forget them.
# ksmd drops an exited process's rmap items only when its scan next
# reaches that process: stop ksmd (run=0) right after a mapper exits and
# pages_shared & co. go on counting pages of a dead process until ksmd
# next runs, and merge_across_nodes / max_page_sharing stay EBUSY
# (restoring them then needs a run=2 that unmerges everyone's pages).
# Call it before writing run=0 yourself; the exit trap calls it when
# the test started ksmd on a host where it was stopped.  Waits until no
# rmap item is left, or two full scans have passed (other processes are
# registered and keep ksmd scanning; with none left, full_scans stops
# advancing).  Returns 1 on timeout.
ksm_wait_ksmd_forget() {
	local timeout=${1:-5} start now items deadline

	[[ $(ksm_read run) == 1 ]] || return 0
	deadline=$(( SECONDS + timeout ))
	start=$(ksm__count full_scans)
	while (( SECONDS <= deadline )); do
		items=$(( $(ksm__count pages_shared) + $(ksm__count pages_sharing) +
			  $(ksm__count pages_unshared) + $(ksm__count pages_volatile) ))
		(( items == 0 )) && return 0
		now=$(ksm__count full_scans)
		(( now < start || now - start >= 2 )) && return 0
		sleep 0.05
	done
	return 1
}

ksm__on_exit() {
	local rc=$?

	# A second signal must not cut the restore short.
	trap '' HUP INT TERM
	if ! ksm__finish && (( rc == 0 )); then
		rc=1
	fi
	exit "$rc"
}

ksm__on_signal() {
	trap '' HUP INT TERM
	printf '%s: caught SIG%s, restoring KSM knobs\n' "$(ksm__script)" "$1" >&2
	ksm__finish
	trap - EXIT
	exit "$2"
}

# ksm__num_gt A B: A > B for decimal strings of any length (some knobs
# are unsigned long, beyond bash's signed 64-bit arithmetic).
ksm__num_gt() {
	local a=$1 b=$2

	if (( ${#a} != ${#b} )); then
		(( ${#a} > ${#b} ))
		return
	fi
	[[ $a > $b ]]
}

# ksm__sync KNOB: write the saved value if the knob differs from it.
# Failures are not reported here: the final read-back reports them.
ksm__sync() {
	local knob=$1 now

	[[ -n ${KSM__SAVED[$knob]+set} ]] || return 0
	now=$(ksm_read "$knob") || now=
	[[ $now == "${KSM__SAVED[$knob]}" ]] && return 0
	ksm__put "$knob" "${KSM__SAVED[$knob]}" || KSM__WRITE_ERR[$knob]=$KSM__ERR
}

ksm__differs() {
	[[ -n ${KSM__SAVED[$1]+set} && $(ksm_read "$1") != "${KSM__SAVED[$1]}" ]]
}

# The kernel does not check advisor_min_pages_to_scan <= max, but a
# reader (or ksmctl) may see any intermediate state: keep it valid.
ksm__restore_advisor_range() {
	local min=advisor_min_pages_to_scan max=advisor_max_pages_to_scan
	local cur_max

	cur_max=$(ksm_read "$max") || cur_max=
	if [[ -n ${KSM__SAVED[$min]+set} && -n $cur_max ]] &&
	   ksm__num_gt "${KSM__SAVED[$min]}" "$cur_max"; then
		ksm__sync "$max"
		ksm__sync "$min"
	else
		ksm__sync "$min"
		ksm__sync "$max"
	fi
}

# merge_across_nodes and max_page_sharing can only change while no KSM
# page exists (EBUSY otherwise): unmerge everything first when needed.
ksm__restore_tree_knobs() {
	local shared

	ksm__differs merge_across_nodes || ksm__differs max_page_sharing ||
		return 0
	shared=$(ksm_read pages_shared) || shared=0
	if [[ $shared != 0 ]]; then
		ksm__put run 2 || KSM__WRITE_ERR[run]="unmerge: $KSM__ERR"
	fi
	ksm__sync merge_across_nodes
	ksm__sync max_page_sharing
}

# The advisor owns pages_to_scan while advisor_mode is not "none"
# (writes fail with EINVAL and ksmd changes it every scan): then the
# saved value is only a sample and is neither restored nor compared.
ksm__advisor_owns_pages_to_scan() {
	[[ -n ${KSM__SAVED[advisor_mode]+set} &&
	   ${KSM__SAVED[advisor_mode]} != none ]]
}

# Read every knob back and report the ones that differ.
ksm__check_restored() {
	local knob now rc=0

	for knob in "${KSM__ORDER[@]}"; do
		if [[ $knob == pages_to_scan ]] &&
		   ksm__advisor_owns_pages_to_scan; then
			continue
		fi
		now=$(ksm_read "$knob") || now="(unreadable)"
		[[ $now == "${KSM__SAVED[$knob]}" ]] && continue
		printf 'RESTORE FAILED: %s: wanted %s, reads %s\n' \
			"$knob" "${KSM__SAVED[$knob]}" "$now" >&2
		if [[ -n ${KSM__WRITE_ERR[$knob]:-} ]]; then
			printf '  (write error: %s)\n' "${KSM__WRITE_ERR[$knob]}" >&2
		fi
		rc=1
	done
	return "$rc"
}

# ksm_restore_knobs: put every knob saved by ksm_save_knobs back, in an
# order the kernel accepts, then read them all back.  Returns 1 (and
# prints "RESTORE FAILED: ..." lines on stderr) if any differs.
# Safe to call more than once: knobs that already match are not
# written, so a second call writes nothing.
#
# Order:
#  1. run=0 if run differs from the saved value, so ksmd stops
#     changing things underneath us.
#  2. advisor tunables, min/max kept min <= max at every step.  They
#     come before advisor_mode because switching to scan-time copies
#     advisor_min_pages_to_scan into pages_to_scan.
#  3. advisor_mode, then pages_to_scan: switching advisor_mode resets
#     pages_to_scan (to 100 for none), and pages_to_scan is only
#     writable when the mode is none.
#  4. every other knob (including ones this file does not know).
#  5. merge_across_nodes, max_page_sharing: EBUSY while KSM pages
#     exist, so if they differ and pages_shared != 0, write run=2
#     (unmerge everything) first.
#  6. run, last, with its saved value.  A saved 2 (the state after an
#     unmerge) is written back as 2 when run now reads 0 or 1: that
#     unmerges whatever the test merged, which is what run=2 means.
#     Writing the value run already has is a no-op in the kernel.
ksm_restore_knobs() {
	local knob

	(( KSM__HAVE_SAVED )) || return 0
	declare -gA KSM__WRITE_ERR=()

	if ksm__differs run; then
		ksm__put run 0 || KSM__WRITE_ERR[run]="stop: $KSM__ERR"
	fi

	ksm__sync advisor_max_cpu
	ksm__sync advisor_target_scan_time
	ksm__restore_advisor_range
	ksm__sync advisor_mode
	ksm__advisor_owns_pages_to_scan || ksm__sync pages_to_scan

	for knob in "${KSM__ORDER[@]}"; do
		[[ $KSM__SPECIAL == *" $knob "* ]] || ksm__sync "$knob"
	done

	ksm__restore_tree_knobs
	ksm__sync run

	ksm__check_restored
}

# ksm_wait_full_scans N TIMEOUT_SECONDS: wait until full_scans has
# advanced by at least N since the call.  A page is merged only after
# its checksum held still for a whole scan, so waiting for scans (not
# for time) is what makes merging tests deterministic.  Returns 1 on
# timeout.
ksm_wait_full_scans() {
	local want=$1 timeout=$2 start now deadline

	if [[ ! $want =~ ^[0-9]+$ || ! $timeout =~ ^[0-9]+$ ]]; then
		echo "usage: ksm_wait_full_scans N TIMEOUT_SECONDS" >&2
		return 2
	fi
	start=$(ksm_read full_scans) || return 1
	deadline=$(( SECONDS + timeout ))
	while :; do
		now=$(ksm_read full_scans) || return 1
		# run=2 resets the counter to 0: count from there.
		(( now < start )) && start=0
		(( now - start >= want )) && return 0
		if (( SECONDS > deadline )); then
			printf 'ksm_wait_full_scans: timeout after %ss: full_scans %s -> %s, wanted +%s (run=%s)\n' \
				"$timeout" "$start" "$now" "$want" \
				"$(ksm_read run)" >&2
			return 1
		fi
		sleep 0.1
	done
}

# ksm_ksmd_share PID SECONDS: the share of one CPU (%) the ksmd thread
# PID used over SECONDS, from /proc/PID/schedstat (nanoseconds).
ksm_ksmd_share() {
	local pid=$1 c0 c1 t0 t1 _
	read -r c0 _ < "/proc/$pid/schedstat" || return 1
	t0=$(date +%s%N)
	sleep "$2"
	read -r c1 _ < "/proc/$pid/schedstat" || return 1
	t1=$(date +%s%N)
	awk -v c="$((c1 - c0))" -v t="$((t1 - t0))" 'BEGIN { printf "%.2f", 100 * c / t }'
}

ksm__tmpdir() {
	[[ -n $KSM__TMP ]] ||
		KSM__TMP=$(mktemp -d "${TMPDIR:-/tmp}/ksm-test.XXXXXX")
}

# ksm_start_mapper [ksm-mapper options]: start a ksm-mapper in the
# background and wait (KSM_MAPPER_TIMEOUT, 60 s, at most) until its pages are filled and
# registered.  Sets KSM_MAPPER_PID and KSM_MAPPER_OUT (its stdout).
# Mappers the test does not stop are stopped on exit, before the
# knobs are restored.
ksm_start_mapper() {
	local ready i rc=0 start=$SECONDS

	if [[ ! -x $KSM_MAPPER ]]; then
		echo "ksm_start_mapper: $KSM_MAPPER not built" >&2
		return 1
	fi
	ksm__tmpdir
	ready=$(mktemp -u "$KSM__TMP/mapper.XXXXXX")
	KSM_MAPPER_OUT=$ready.out
	"$KSM_MAPPER" --ready-file "$ready" "$@" >"$KSM_MAPPER_OUT" &
	KSM_MAPPER_PID=$!
	KSM__MAPPERS[$KSM_MAPPER_PID]=$KSM_MAPPER_OUT
	# Filling 1.5 GiB takes 10-15 s under qemu TCG: allow a minute.
	for (( i = 0; i < ${KSM_MAPPER_TIMEOUT:-60} * 10; i++ )); do
		if [[ -e $ready ]]; then
			# how close a slow machine came to the limit
			(( SECONDS - start >= 5 )) &&
				echo "note: ksm-mapper ready after $((SECONDS - start)) s" >&2
			return 0
		fi
		if ! kill -0 "$KSM_MAPPER_PID" 2>/dev/null; then
			wait "$KSM_MAPPER_PID" || rc=$?
			unset 'KSM__MAPPERS[$KSM_MAPPER_PID]'
			echo "ksm_start_mapper: ksm-mapper exited with status $rc" >&2
			return "$(( rc ? rc : 1 ))"
		fi
		sleep 0.1
	done
	echo "ksm_start_mapper: ksm-mapper not ready after ${KSM_MAPPER_TIMEOUT:-60} s" >&2
	return 1
}

# ksm_stop_mapper PID: SIGTERM it, wait, print its stdout ("ready ...",
# then "verify ok" or nothing) and return its status: 0 only if every
# page still held what was written (see ksm-mapper.c for the others).
# Call it directly, not in $(...): a subshell cannot wait for the
# mapper, and would read its output before the final "verify ok".
ksm_stop_mapper() {
	local pid=$1 rc=0

	if [[ $BASHPID != "$$" ]]; then
		echo "ksm_stop_mapper: called in a subshell" >&2
		return 2
	fi
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" || rc=$?
	if [[ -n ${KSM__MAPPERS[$pid]+set} ]]; then
		cat -- "${KSM__MAPPERS[$pid]}" 2>/dev/null || true
		unset 'KSM__MAPPERS[$pid]'
	fi
	return "$rc"
}
