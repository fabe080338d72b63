#!/bin/bash
# Soak: ksmctl's long-running parts under ASan + UBSan on the real kernel,
# for SOAK_MINUTES (default 30), against a workload whose processes start,
# change their memory and exit all the time, with other ksmctl commands
# writing knobs at the same time.  `make soak` runs it (root; not part of
# make check).  Record the outcome in tests/soak/RESULT.md.
#
#   SOAK_MINUTES=5 tests/soak/run.sh [KSMCTL]    (default build-san/ksmctl)
#
# Running:
#   - `ksmctl tune -v` (every 2 s, KSM_THRES_COEF=100 so it always wants
#     ksmd running and keeps raising pages_to_scan; KSM_INCLUDE_KSM_USERS
#     so it scans /proc for the workload's processes every cycle);
#   - `ksmctl top -b -d 1 -n N` (a frame a second, every process of
#     /proc; N frames end it near the deadline, so it exits on its own and
#     LeakSanitizer checks it);
#   - the workload: ksm-mapper processes (256 to 4096 pages, every
#     pattern, madvise or prctl, living 5 to 40 s, told to verify their
#     pages midway with SIGUSR1) and ksm-workload runs (2 guests of 16 MiB
#     whose volatile pages are rewritten 50 a second, living 20 to 90 s);
#     each verifies every page when it exits (exit status 0);
#   - every 2 s one of: set pages_to_scan / sleep_millisecs /
#     use_zero_pages / smart_scan / stable_node_chains_prune_millisecs,
#     start, status, status --json, ps, ps -g unit, export, get (the writes
#     wait for the lock the tuner takes too).
# Checked at the end:
#   - no ASan/UBSan report (log_path files), no error line in any log;
#   - every command and workload process exited 0, tune ran to the end
#     and exited 0 on SIGTERM (restoring what it changed), top ran its
#     frames and exited 0;
#   - memory flat: the RSS of tune and top, sampled every 10 s, trends up
#     by at most max(1 MiB, 5%) over the second half of the run;
#   - every writable knob reads as before, once tests/kernel/lib.sh has
#     put back what the concurrent commands changed (tune restores its
#     own on SIGTERM); RESTORE FAILED fails the run.
# Exit 0 pass, 1 fail, 77 skip (not root, no KSM).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=tests/kernel/lib.sh
. "$top/tests/kernel/lib.sh"

ksmctl=$(realpath "${1:-$top/build-san/ksmctl}")
mapper=$top/build/helpers/ksm-mapper
workload=$top/build/bench/ksm-workload
minutes=${SOAK_MINUTES:-30}

ksm_require_root_and_ksm
for b in "$ksmctl" "$mapper" "$workload"; do
	[ -x "$b" ] || ksm_skip "$b is not built (make all build-san/ksmctl)"
done
ksm_save_knobs

work=$(mktemp -d /tmp/ksmctl-soak.XXXXXX)
ksm_on_exit 'soak_stop_all'
echo "soak: $minutes min, logs in $work"
# a copy: a rebuild of the tree during the run must not change the binary
cp "$ksmctl" "$work/ksmctl"
ksmctl=$work/ksmctl
mkdir -p "$work/san"
# small quarantine: ASan's default 256 MiB of freed memory would look
# like growth; log_path: reports of background processes land in files
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:quarantine_size_mb=2:log_path=$work/san/asan"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$work/san/ubsan"
export NO_COLOR=1 LC_ALL=C.UTF-8

start=$SECONDS
deadline=$((start + minutes * 60))
rnd() {	# rnd LO HI
	echo $(($1 + RANDOM % ($2 - $1 + 1)))
}

# --- the workload -----------------------------------------------------------
workload_loop() {
	local -A kind=() ready=()
	local pid rc pages hold patterns=(same zero unique mixed) modes=(madvise prctl)
	local mappers workloads seq=0

	while [ ! -e "$work/stop" ]; do
		mappers=0 workloads=0
		for pid in "${!kind[@]}"; do
			if [ "${kind[$pid]}" = mapper ]; then
				mappers=$((mappers + 1))
			else
				workloads=$((workloads + 1))
			fi
		done
		# up to 5 mappers and 2 workload runs at a time
		if [ "$mappers" -lt 5 ]; then
			pages=$(rnd 256 4096)
			hold=$(rnd 5 40)
			seq=$((seq + 1))
			"$mapper" --pages "$pages" --hold "$hold" \
				--pattern "${patterns[RANDOM % 4]}" --mode "${modes[RANDOM % 2]}" \
				--seed "$RANDOM" --ready-file "$work/ready.$seq" \
				>> "$work/mapper.out" 2>> "$work/mapper.err" &
			kind[$!]=mapper
			ready[$!]=$work/ready.$seq
		fi
		if [ "$workloads" -lt 2 ] && [ $((RANDOM % 5)) = 0 ]; then
			"$workload" -g 2 -s 16 -r 50 --seed "$RANDOM" --hold "$(rnd 20 90)" \
				> "$work/workload.$RANDOM.json" 2>> "$work/workload.err" &
			kind[$!]=workload
		fi
		# a mapper verifies its pages midway (prints "verify ok"), once
		# ready: before, SIGUSR1 would kill it
		for pid in "${!kind[@]}"; do
			if [ "${kind[$pid]}" = mapper ] && [ -e "${ready[$pid]}" ] &&
				[ $((RANDOM % 10)) = 0 ]; then
				kill -USR1 "$pid" 2> /dev/null
			fi
		done
		# reap what exited on its own
		for pid in "${!kind[@]}"; do
			if ! kill -0 "$pid" 2> /dev/null; then
				wait "$pid"
				rc=$?
				echo "${kind[$pid]} $pid exit $rc" >> "$work/workload.log"
				[ -n "${ready[$pid]:-}" ] && rm -f "${ready[$pid]}"
				unset "kind[$pid]" "ready[$pid]"
			fi
		done
		sleep 1
	done
	for pid in "${!kind[@]}"; do
		kill -TERM "$pid" 2> /dev/null
	done
	for pid in "${!kind[@]}"; do
		wait "$pid"
		echo "${kind[$pid]} $pid exit $?" >> "$work/workload.log"
	done
}

# --- other ksmctl commands, concurrently ------------------------------------
commands_loop() {
	local cmd rc
	while [ ! -e "$work/stop" ]; do
		case $((RANDOM % 12)) in
		0) cmd="set pages_to_scan $(rnd 100 3000)" ;;
		1) cmd="set sleep_millisecs $(rnd 10 100)" ;;
		2) cmd="set use_zero_pages $((RANDOM % 2))" ;;
		3) cmd="set smart_scan $((RANDOM % 2))" ;;
		4) cmd="set stable_node_chains_prune_millisecs $(rnd 1000 4000) pages_to_scan $(rnd 100 3000)" ;;
		5) cmd="start -p $(rnd 100 2000)" ;;
		6) cmd="status" ;;
		7) cmd="status --json" ;;
		8) cmd="ps" ;;
		9) cmd="ps -g unit" ;;
		10) cmd="export" ;;
		11) cmd="get" ;;
		esac
		# shellcheck disable=SC2086
		"$ksmctl" $cmd > /dev/null 2> "$work/cmd.err"
		rc=$?
		echo "$rc $cmd" >> "$work/commands.log"
		if [ "$rc" != 0 ] || [ -s "$work/cmd.err" ]; then
			sed "s|^|$cmd: |" "$work/cmd.err" >> "$work/commands.err"
			[ "$rc" != 0 ] && echo "$cmd: exit $rc" >> "$work/commands.err"
		fi
		sleep 2
	done
}

# shellcheck disable=SC2317,SC2086 # run by the exit trap; loops is a list
soak_stop_all() {
	touch "$work/stop"
	[ -n "${tune_pid:-}" ] && kill -TERM "$tune_pid" 2> /dev/null
	[ -n "${top_pid:-}" ] && kill -TERM "$top_pid" 2> /dev/null
	[ -n "${loops:-}" ] && wait $loops 2> /dev/null
	[ -n "${tune_pid:-}" ] && wait "$tune_pid" 2> /dev/null
	[ -n "${top_pid:-}" ] && wait "$top_pid" 2> /dev/null
	return 0
}

rss_kb() {
	sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status" 2> /dev/null
}

# --- run ----------------------------------------------------------------------
cat > "$work/ksmtuned.conf" <<EOF
# always wanted: free memory is below a threshold of 100% of RAM
KSM_THRES_COEF=100
KSM_NPAGES_BOOST=300
KSM_NPAGES_MAX=5000
KSM_INCLUDE_KSM_USERS=yes
KSM_USE_ADVISOR=no
LOGFILE=$work/tune.logfile
EOF
"$ksmctl" tune -c "$work/ksmtuned.conf" -v --interval 2 --pidfile "$work/tune.pid" \
	> "$work/tune.out" 2> "$work/tune.err" &
tune_pid=$!
# a frame takes a little over a second: N frames end before the deadline
"$ksmctl" top -b -d 1 -n $((minutes * 60 * 9 / 10)) > "$work/top.out" \
	2> "$work/top.err" &
top_pid=$!
workload_loop &
loops=$!
commands_loop &
loops="$loops $!"

printf 'seconds\ttune_kb\ttop_kb\n' > "$work/rss.tsv"
fail=0
while [ "$SECONDS" -lt "$deadline" ]; do
	if ! kill -0 "$tune_pid" 2> /dev/null; then
		echo "FAIL: tune exited early"
		fail=1
		break
	fi
	printf '%s\t%s\t%s\n' $((SECONDS - start)) "$(rss_kb "$tune_pid")" \
		"$(rss_kb "$top_pid")" >> "$work/rss.tsv"
	sleep 10 &
	wait $!
done

# --- stop and judge -------------------------------------------------------------
touch "$work/stop"
kill -TERM "$tune_pid" 2> /dev/null
wait "$tune_pid"
tune_rc=$?
# top ends by itself after its frames; give it a minute more at most
for _ in $(seq 60); do
	kill -0 "$top_pid" 2> /dev/null || break
	sleep 1
done
kill -TERM "$top_pid" 2> /dev/null
wait "$top_pid"
top_rc=$?
# shellcheck disable=SC2086
wait $loops
tune_pid='' top_pid='' loops=''

check() {	# check WHAT OK-EXPR-RESULT DETAIL
	if [ "$2" = 0 ]; then
		echo "ok: $1${3:+: $3}"
	else
		echo "FAIL: $1${3:+: $3}"
		fail=1
	fi
}

errors='cannot |failed|[Ee]rror|refused|left changed|state unknown|Sanitizer|runtime error|FAILED|corrupt'
nsan=$(find "$work/san" -type f | wc -l)
check "sanitizers" "$nsan" "$nsan report files"
for f in tune.err top.err commands.err mapper.err workload.err; do
	n=0
	[ -f "$work/$f" ] && n=$(grep -cE "$errors" "$work/$f")
	check "no error in $f" "$n" "$n lines"
	[ "$n" != 0 ] && grep -E "$errors" "$work/$f" | sort | uniq -c | sort -rn | head -5
done
check "tune exit status" "$tune_rc" "$tune_rc, $(grep -c 'tune: ' "$work/tune.err") log lines"
check "top exit status" "$top_rc" "$top_rc, $(grep -c '^--- frame' "$work/top.out") frames"
ncmd=$(wc -l < "$work/commands.log")
nbad=$(grep -vc '^0 ' "$work/commands.log")
check "concurrent commands exit 0" "$nbad" "$ncmd run, $nbad failed"
nproc=$(wc -l < "$work/workload.log")
nbad=$(grep -vc 'exit 0$' "$work/workload.log")
nverify=$(grep -c 'verify ok' "$work/mapper.out")
check "workload bytes verified" "$nbad" "$nproc processes, $nbad not verified; $nverify midway verifications"
[ "$nverify" -gt 0 ] || check "midway verifications" 1

# memory flat: over the second half (the first is warm-up: ASan's
# quarantine and allocator caches fill), the least-squares trend of the
# RSS may add at most max(1 MiB, 5%) across that half
flat() {	# flat COLUMN NAME
	awk -F'\t' -v col="$1" -v name="$2" 'NR > 1 && $col != "" { t[n] = $1; v[n++] = $col }
		END {
			if (n < 6) { print name ": too few samples"; exit 1 }
			h = int(n / 2); m = n - h; st = sv = 0; peak = 0
			for (i = h; i < n; i++) { st += t[i]; sv += v[i]; if (v[i] > peak) peak = v[i] }
			mt = st / m; mv = sv / m; num = den = 0
			for (i = h; i < n; i++) { num += (t[i] - mt) * (v[i] - mv); den += (t[i] - mt) ^ 2 }
			slope = den ? num / den : 0
			trend = slope * (t[n - 1] - t[h])
			limit = mv * 0.05; if (limit < 1024) limit = 1024
			printf "%s RSS %d KiB at %ds, %d KiB at %ds (mean %d, peak %d KiB over %ds-%ds), trend %+d KiB\n",
				name, v[h], t[h], v[n - 1], t[n - 1], mv, peak, t[h], t[n - 1], trend
			exit (trend > limit)
		}' "$work/rss.tsv"
}
out=$(flat 2 tune)
check "memory flat: $out" $?
out=$(flat 3 top)
check "memory flat: $out" $?

# the knobs: what the concurrent commands left (tune put back its own),
# then lib.sh's restore, which says RESTORE FAILED for any it cannot
left=()
for k in "${KSM__ORDER[@]}"; do
	now=$(ksm_read "$k")
	[ "$now" != "${KSM__SAVED[$k]}" ] && left+=("$k ${KSM__SAVED[$k]} -> $now")
done
echo "info: left changed by the concurrent set/start commands: ${#left[@]}${left[*]:+ (${left[*]})}"
ksm_wait_ksmd_forget 5 || true
ksm_restore_knobs
check "knobs restored" $? "${#KSM__ORDER[@]} writable knobs read as before the soak"
echo "soak: $(((SECONDS - start) / 60)) min"
[ "$fail" = 0 ] || exit 1
exit 0
