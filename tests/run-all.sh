#!/bin/bash
# Run the test suites and sum them up.  Usage: tests/run-all.sh [SUITE...]
# Suites: unit cli tune top docs fault fuzz kernel bench san kernel-patch
# (default: all, in that order; bench is bench/run's smoke run, under a
# minute, and like kernel it needs root).  FUZZ_CHECK_SECONDS: seconds per
# fuzz target (default 3).  kernel-patch is the patch series built and
# booted under qemu (kernel-patch/README.md): a few minutes with its cache
# warm, about 20 on a fresh machine; it prints "SKIP:" and counts a skip
# when the machine cannot run it (no root for its packages, no disk).
# Each suite reports "<suite>: N passed, N failed[, N skipped]" last.  A
# suite fails when it fails a test or exits non-zero, and also when it
# runs nothing (0 passed, 0 failed, 0 skipped) or stops without that line:
# a suite that proved nothing has not passed.  One whose every test
# skipped is listed as skipped.  The last line sums them up, and the exit
# status is non-zero if any suite failed.
set -u
shopt -s nullglob
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

total_pass=0
total_fail=0
total_skip=0
failed_suites=()
skipped_suites=()

# suite_failed SUITE WHY: a suite failed that counted no failure itself
suite_failed() {
	echo "run-all: $1: $2"
	total_fail=$((total_fail + 1))
	failed_suites+=("$1")
}

# add SUITE LAST-LINE STATUS: fold the suite's summary line in
add() {
	local suite=$1 line=$2 status=$3 p f s
	local summary='^[a-z-]+: ([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?$'

	if ! [[ $line =~ $summary ]]; then
		suite_failed "$suite" "no \"N passed, N failed\" summary at the end: it stopped early (exit $status)"
		return
	fi
	p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]} s=${BASH_REMATCH[4]:-0}
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	total_skip=$((total_skip + s))
	if [ "$p" = 0 ] && [ "$f" = 0 ] && [ "$s" = 0 ]; then
		suite_failed "$suite" "ran no test"
	elif [ "$f" != 0 ]; then
		failed_suites+=("$suite")
	elif [ "$status" != 0 ]; then
		suite_failed "$suite" "exit $status, though it counted no failure"
	elif [ "$p" = 0 ]; then
		echo "run-all: $suite: skipped: no test could run here (the SKIP lines say why)"
		skipped_suites+=("$suite")
	fi
}

# cmocka programs, one per tests/unit/test_*.c: count their test cases.
# A program that is not built is a failure, not a smaller suite.
run_unit() {
	local dir=$1 name=$2 pass=0 fail=0 ran=0 src t out n
	local -a missing=()
	for src in tests/unit/test_*.c; do
		t=$dir/tests/$(basename "$src" .c)
		if ! [ -x "$t" ]; then
			missing+=("${t##*/}")
			continue
		fi
		ran=$((ran + 1))
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
	if [ "$ran" = 0 ]; then
		echo "FAIL: $name: no test binaries in $dir/tests: run 'make tests-built'"
		fail=$((fail + 1))
	elif [ ${#missing[@]} -gt 0 ]; then
		echo "FAIL: $name: not built in $dir/tests: ${missing[*]}: run 'make tests-built'"
		fail=$((fail + ${#missing[@]}))
	fi
	echo "$name: $pass passed, $fail failed"
	[ "$fail" = 0 ]
}

# test_*.sh scripts in a directory: exit 0 pass, 77 skip, anything else
# fail; they test build/ksmctl
run_scripts() {
	local name=$1 dir=$2 pass=0 fail=0 skip=0 t rc
	local -a scripts=("$dir"/test_*.sh)
	if [ ${#scripts[@]} = 0 ]; then
		echo "FAIL: $name: no test scripts ($dir/test_*.sh)"
		fail=1
	elif ! [ -x "$top/build/ksmctl" ]; then
		echo "FAIL: $name: build/ksmctl is not built: run 'make all'"
		fail=1
		scripts=()
	fi
	for t in "${scripts[@]}"; do
		bash "$t" "$top/build/ksmctl"
		rc=$?
		case $rc in
		0) pass=$((pass + 1)) ;;
		77) skip=$((skip + 1)) ;;
		*) fail=$((fail + 1)); echo "FAIL: $t (exit $rc)" ;;
		esac
	done
	echo "$name: $pass passed, $fail failed, $skip skipped"
	[ "$fail" = 0 ]
}

# Stream a suite's output (a file, not /dev/stderr: reopening that
# truncates a log file stderr points to) and fold in its last line.
suite() {
	local name=$1 log status
	shift
	echo "== $name"
	log=$(mktemp)
	"$@" 2>&1 | tee "$log"
	status=${PIPESTATUS[0]}
	add "$name" "$(tail -n 1 "$log")" "$status"
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
	kernel) suite kernel run_scripts kernel tests/kernel ;;
	bench) suite bench run_scripts bench tests/bench ;;
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
if [ ${#skipped_suites[@]} -gt 0 ]; then
	echo "skipped suites: ${skipped_suites[*]}"
fi
echo "check: $total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" = 0 ] && [ ${#failed_suites[@]} = 0 ]
