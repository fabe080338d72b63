#!/bin/bash
# Run the fuzz targets (build-fuzz/fuzz-NAME, one per line of
# tests/fuzz/targets.def) for SECONDS each.  Each starts from its corpus,
# tests/fuzz/corpus/NAME/ (seeds from real files and regress-* inputs of
# crashes found before, all of which run first), on a scratch copy: the
# corpus in the tree only changes with FUZZ_MERGE=1, which adds the inputs
# that reached new code.
#
#   tests/fuzz/run.sh [SECONDS] [NAME...]      (SECONDS default 60)
#
# A crash or violated property leaves its input in build-fuzz/crashes/NAME/
# and prints how to replay it.  Last line: "fuzz: N passed, N failed[, N
# skipped]" (skipped: clang with libFuzzer is not installed).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
seconds=${1:-60}
shift || true
targets=("$@")
if [ ${#targets[@]} = 0 ]; then
	mapfile -t targets < <(grep -o '^FUZZ[A-Z_]*.[a-z0-9_]*' tests/fuzz/targets.def |
		sed 's/.*[^a-z0-9_]//')
fi

pass=0 fail=0 skip=0
if [ ${#targets[@]} = 0 ]; then
	echo "FAIL: no fuzz target named in tests/fuzz/targets.def"
	echo "fuzz: 0 passed, 1 failed, 0 skipped"
	exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

for t in "${targets[@]}"; do
	bin=build-fuzz/fuzz-$t
	corpus=tests/fuzz/corpus/$t
	crashes=build-fuzz/crashes/$t
	if [ ! -x "$bin" ]; then
		if command -v clang-14 > /dev/null || command -v clang > /dev/null; then
			echo "FAIL: $t: $bin is not built (make fuzz-built)"
			fail=$((fail + 1))
		else
			echo "SKIP: $t: no clang to build the fuzz targets"
			skip=$((skip + 1))
		fi
		continue
	fi
	mkdir -p "$work/$t" "$crashes" "$corpus"
	dict=()
	[ -f "tests/fuzz/$t.dict" ] && dict=(-dict="tests/fuzz/$t.dict")
	# -max_len: longer than the 4096-byte lines of the file parsers
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-max_len=16384 -print_final_stats=1 -artifact_prefix="$crashes/" \
		"${dict[@]}" "$work/$t" "$corpus" > "$work/$t.log" 2>&1 < /dev/null
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log")
	cov=$(grep -o 'cov: [0-9]*' "$work/$t.log" | tail -n 1)
	if [ "$rc" = 0 ]; then
		echo "ok: $t: ${runs:-?} runs, ${cov:-cov: ?}, corpus $(find "$corpus" -type f | wc -l)"
		pass=$((pass + 1))
		if [ "${FUZZ_MERGE:-0}" = 1 ]; then
			"$bin" -merge=1 -max_len=16384 "$corpus" "$work/$t" > /dev/null 2>&1
		fi
		continue
	fi
	fail=$((fail + 1))
	echo "FAIL: $t (exit $rc)"
	grep -E 'ERROR|SUMMARY|property violated|runtime error|#[0-9]+ 0x.* in [^ ]+ .*/(src|tests)/' \
		"$work/$t.log" | head -16 | sed 's/ (BuildId: [0-9a-f]*)//; s/^/    /'
	for a in "$crashes"/*; do
		[ -f "$a" ] || continue
		echo "    input: $a (replay: $bin $a; keep it as $corpus/regress-NAME)"
	done
done
echo "fuzz: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
