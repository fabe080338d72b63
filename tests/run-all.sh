#!/bin/bash
# Run the test suites and sum them up.  Usage: tests/run-all.sh [SUITE...]
# Suites: unit cli tune top docs fault fuzz kernel bench san kernel-patch
# (default: all, in that order; bench is bench/run's smoke run, under a
# minute, and like kernel it needs root).  FUZZ_CHECK_SECONDS: seconds per
# fuzz target (default 3).  kernel-patch is the patch series built and
# booted under qemu (kernel-patch/README.md): a few minutes with its cache
# warm, about 20 on a fresh machine; it prints "SKIP:" and counts a skip
# when the machine cannot run it (no root for its packages, no disk).
# Each suite reports "<suite>: N passed, N failed[, N skipped]"; the last
# line sums them, and the exit status is non-zero if anything failed.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

total_pass=0
total_fail=0
total_skip=0
failed_suites=()

# add SUITE OUTPUT-LINE: fold "suite: N passed, N failed, N skipped" in
add() {
	local suite=$1 line=$2 p f s
	p=$(sed -n 's/.* \([0-9]\+\) passed.*/\1/p' <<< "$line")
	f=$(sed -n 's/.* \([0-9]\+\) failed.*/\1/p' <<< "$line")
	s=$(sed -n 's/.* \([0-9]\+\) skipped.*/\1/p' <<< "$line")
	total_pass=$((total_pass + ${p:-0}))
	total_fail=$((total_fail + ${f:-0}))
	total_skip=$((total_skip + ${s:-0}))
	if [ "${f:-0}" != 0 ] || [ -z "$p" ]; then
		failed_suites+=("$suite")
	fi
}

# cmocka programs: count their test cases
run_unit() {
	local dir=$1 name=$2 pass=0 fail=0 t out n
	for t in "$dir"/tests/test_*; do
		[ -x "$t" ] || continue
		out=$("$t" 2>&1)
		n=$(sed -n 's/^\[  PASSED  \] \([0-9]\+\) test.*/\1/p' <<< "$out")
		pass=$((pass + ${n:-0}))
		if ! grep -q '^\[  FAILED  \]' <<< "$out" && [ -n "$n" ]; then
			continue
		fi
		n=$(sed -n 's/^\[  FAILED  \] \([0-9]\+\) test.*/\1/p' <<< "$out")
		fail=$((fail + ${n:-1}))
		echo "FAIL: $t"
		grep -E '^\[  (FAILED|  ERROR)|^\[ +FAILED|[Ff]ailure|ERROR|error:|runtime error|Sanitizer' <<< "$out" | sed 's/^/    /' | head -40
	done
	echo "$name: $pass passed, $fail failed"
}

# scripts: exit 0 pass, 77 skip, anything else fail
run_scripts() {
	local name=$1 pass=0 fail=0 skip=0 t rc
	shift
	for t in "$@"; do
		[ -f "$t" ] || continue
		bash "$t" "$top/build/ksmctl"
		rc=$?
		case $rc in
		0) pass=$((pass + 1)) ;;
		77) skip=$((skip + 1)) ;;
		*) fail=$((fail + 1)); echo "FAIL: $t (exit $rc)" ;;
		esac
	done
	echo "$name: $pass passed, $fail failed, $skip skipped"
}

# Stream a suite's output (a file, not /dev/stderr: reopening that
# truncates a log file stderr points to) and fold in its last line.
suite() {
	local name=$1 log
	shift
	echo "== $name"
	log=$(mktemp)
	"$@" 2>&1 | tee "$log"
	add "$name" "$(tail -n 1 "$log")"
	rm -f "$log"
}

suites=("$@")
# Every suite by default, bench included: its smoke run is part of make
# check (it skips, visibly, without root).
[ ${#suites[@]} -gt 0 ] || suites=(unit cli tune top docs fault fuzz kernel bench san kernel-patch)

for s in "${suites[@]}"; do
	case $s in
	unit) suite unit run_unit build unit ;;
	cli) suite cli tests/cli/run.sh build/ksmctl ;;
	tune) suite tune tests/tune/run.sh build/ksmctl ;;
	# top on tmux with build/ and (ASan) build-san/
	top) suite top tests/top/run.sh build/ksmctl ;;
	docs) suite docs tests/docs/run.sh build/ksmctl ;;
	fault) suite fault tests/fault/run.sh build/ksmctl ;;
	fuzz) suite fuzz tests/fuzz/run.sh "${FUZZ_CHECK_SECONDS:-3}" ;;
	kernel) suite kernel run_scripts kernel tests/kernel/test_*.sh ;;
	bench) suite bench run_scripts bench tests/bench/test_*.sh ;;
	# the series applied, checked, built and booted (patched 6.12, 6.1)
	kernel-patch) suite kernel-patch kernel-patch/harness/run.sh ;;
	san)
		export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
		export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
		suite san-unit run_unit build-san san-unit
		suite san-cli tests/cli/run.sh build-san/ksmctl
		suite san-tune tests/tune/run.sh build-san/ksmctl
		suite san-fault tests/fault/run.sh build-san/ksmctl
		;;
	*) echo "run-all: unknown suite '$s'" >&2; exit 2 ;;
	esac
done

echo
if [ ${#failed_suites[@]} -gt 0 ]; then
	echo "failed suites: ${failed_suites[*]}"
fi
echo "check: $total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" = 0 ] && [ ${#failed_suites[@]} = 0 ]
