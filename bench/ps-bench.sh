#!/bin/bash
# How much does `ksmctl ps` cost on a busy machine?
#
# Starts PROCS processes (default 10,000: sleep(1), plus a few ksm-mapper
# processes whose pages KSM merges) and times, in the same run:
#   baseline   cat /proc/[0-9]*/ksm_stat   (read every file once; processes
#              that exit meanwhile make cat complain: ignored)
#   ps         ksmctl ps > /dev/null
# plus ps -a, ps -J and export for reference.  Target: ps costs at most
# twice the baseline.  Memory: the peak RSS of ps and ps -a with 1,000
# and with PROCS processes (ps must stay flat; ps -a holds one row per
# process), and valgrind's leak check on ps -a when installed.
#
#   bench/ps-bench.sh [--procs N] [--merged M] [--runs R] [KSMCTL]
#
# Uses hyperfine when installed (apt-get install hyperfine), else a loop
# of R runs and the median.  Root makes the mappers' pages merge (run=1,
# knobs restored on exit, as the kernel tests do); without root they are
# only registered.  Every process started here is stopped on exit.
# Not part of `make check`: it needs a quiet machine and a minute.
# Exit: 0 target met, 1 missed, 2 usage.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
procs=10000
merged=10
runs=20
ksmctl=$top/build/ksmctl
while (( $# )); do
	case $1 in
	--procs) procs=$2; shift 2 ;;
	--merged) merged=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	-h|--help) sed -n '2,22p' "$0"; exit 0 ;;
	-*) echo "ps-bench: unknown option $1" >&2; exit 2 ;;
	*) ksmctl=$1; shift ;;
	esac
done
ksmctl=$(realpath "$ksmctl")
: "${KSM_MAPPER:=$top/build/helpers/ksm-mapper}"
[[ -x $ksmctl ]] || { echo "ps-bench: $ksmctl not built" >&2; exit 2; }
[[ -x $KSM_MAPPER ]] || { echo "ps-bench: $KSM_MAPPER not built" >&2; exit 2; }

# shellcheck source=tests/kernel/lib.sh
. "$top/tests/kernel/lib.sh"

declare -a sleepers=()
work=$(mktemp -d)

stop_sleepers() {
	local i
	# by pid, in batches: only what this script started
	for (( i = 0; i < ${#sleepers[@]}; i += 500 )); do
		kill "${sleepers[@]:i:500}" 2>/dev/null
	done
	wait "${sleepers[@]}" 2>/dev/null
	sleepers=()
}
cleanup() {
	stop_sleepers
	rm -rf "$work"
}

# lib.sh's exit traps run our cleanup, stop the mappers and restore the
# knobs (when saved), also on INT and TERM.
ksm_on_exit cleanup
if (( EUID == 0 )) && [[ -w $KSM_DIR/run ]]; then
	ksm_save_knobs || exit 2
	ksm_write run 1 || exit 2
else
	echo "note: not root (or /sys read-only): mapper pages are registered, not merged"
	ksm__install_traps
fi

# start N sleepers
start_sleepers() {
	local n=$1 i
	for (( i = 0; i < n; i++ )); do
		sleep 100000 &
		sleepers+=("$!")
	done
}

rss_kb() {
	if ! [[ -x /usr/bin/time ]]; then
		echo "n/a (apt-get install time)"
		return
	fi
	/usr/bin/time -f %M -o "$work/rss" "$@" > /dev/null 2>&1
	cat "$work/rss"
}

printf 'starting %d mappers and 1000 sleepers...\n' "$merged"
mappers=()
for (( i = 0; i < merged; i++ )); do
	ksm_start_mapper --pages 256 --mode madvise --pattern same --seed 1 ||
		{ echo "ps-bench: cannot start ksm-mapper" >&2; exit 2; }
	mappers+=("$KSM_MAPPER_PID")
done
start_sleepers $(( 1000 - merged ))
sleep 1
rss_ps_1k=$(rss_kb "$ksmctl" ps)
rss_all_1k=$(rss_kb "$ksmctl" ps -a)

printf 'starting %d more sleepers...\n' $(( procs - 1000 ))
start_sleepers $(( procs - 1000 ))
total=$(find /proc -maxdepth 1 -name '[0-9]*' 2>/dev/null | wc -l)
printf '%d processes on the machine, %d of them ours\n' "$total" \
	$(( ${#sleepers[@]} + merged ))
# with run=1, wait (20 s at most) until every mapper has merged pages
if (( KSM__HAVE_SAVED )); then
	for (( i = 0; i < 100; i++ )); do
		n=0
		for pid in "${mappers[@]}"; do
			(( $(<"/proc/$pid/ksm_merging_pages") > 0 )) && n=$(( n + 1 ))
		done
		(( n == merged )) && break
		sleep 0.2
	done
fi
"$ksmctl" ps -g comm -o COMM,PROCS,MERGING,PROFIT | sed -n '1,4p'
rss_ps_10k=$(rss_kb "$ksmctl" ps)
rss_all_10k=$(rss_kb "$ksmctl" ps -a)

leaks=skipped
if command -v valgrind >/dev/null; then
	if valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
		--error-exitcode=9 "$ksmctl" ps -a > /dev/null 2> "$work/vg"; then
		leaks="none (valgrind --leak-check=full, ps -a)"
	else
		leaks="FOUND: $(head -5 "$work/vg")"
	fi
fi

# name -> median seconds
declare -A median=()
cmds=(
	"baseline|cat /proc/[0-9]*/ksm_stat > /dev/null 2>&1 || true"
	"ps|$ksmctl ps > /dev/null"
	"ps -a|$ksmctl ps -a > /dev/null"
	"ps -J|$ksmctl ps -J > /dev/null"
	"export|$ksmctl export > /dev/null"
)
if command -v hyperfine >/dev/null; then
	tool="hyperfine --warmup 3 --runs $runs"
	args=()
	for c in "${cmds[@]}"; do
		args+=(--command-name "${c%%|*}" "${c#*|}")
	done
	hyperfine --warmup 3 --runs "$runs" --style basic \
		--export-json "$work/h.json" "${args[@]}" ||
		{ echo "ps-bench: hyperfine failed" >&2; exit 2; }
	while IFS=$'\t' read -r name value; do
		median[$name]=$value
	done < <(jq -r '.results[] | [.command, .median] | @tsv' "$work/h.json")
else
	tool="shell loop, $runs runs"
	for c in "${cmds[@]}"; do
		name=${c%%|*}
		for (( i = 0; i < runs; i++ )); do
			s=$(date +%s%N)
			sh -c "${c#*|}"
			e=$(date +%s%N)
			echo $(( e - s ))
		done | sort -n | awk '{ v[NR] = $1 } END { printf "%.6f\n", v[int((NR + 1) / 2)] / 1e9 }' \
			> "$work/m"
		median[$name]=$(<"$work/m")
	done
fi

ratio=$(awk -v a="${median[ps]}" -v b="${median[baseline]}" 'BEGIN { printf "%.2f", a / b }')
cat <<EOF

ksmctl ps benchmark: $total processes ($merged with merged pages), $(uname -r), $(nproc) CPUs
timing: $tool; medians
  cat /proc/[0-9]*/ksm_stat   $(printf '%8.1f ms' "$(awk -v v="${median[baseline]}" 'BEGIN{print v*1000}')")
  ksmctl ps                   $(printf '%8.1f ms' "$(awk -v v="${median[ps]}" 'BEGIN{print v*1000}')")   ${ratio}x the baseline (target <= 2x)
  ksmctl ps -a                $(printf '%8.1f ms' "$(awk -v v="${median[ps -a]}" 'BEGIN{print v*1000}')")
  ksmctl ps -J                $(printf '%8.1f ms' "$(awk -v v="${median[ps -J]}" 'BEGIN{print v*1000}')")
  ksmctl export               $(printf '%8.1f ms' "$(awk -v v="${median[export]}" 'BEGIN{print v*1000}')")
peak RSS (KiB)          1,000 procs   $total procs
  ksmctl ps             $(printf '%11s   %s' "$rss_ps_1k" "$rss_ps_10k")
  ksmctl ps -a          $(printf '%11s   %s' "$rss_all_1k" "$rss_all_10k")
leaks: $leaks
EOF
awk -v r="$ratio" 'BEGIN { exit !(r <= 2.0) }'
