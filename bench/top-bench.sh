#!/bin/bash
# How much CPU does `ksmctl top` itself use on a busy machine?
#
# Starts PROCS processes (default 10,000: sleep(1), plus a few ksm-mapper
# processes registered with KSM, so the table has rows) and measures, in
# the same run, the CPU time (user + system, /usr/bin/time) of:
#   batch    ksmctl top -b -d DELAY -n N      (default -d 2 -n 30: a minute)
#   first    ksmctl top -b -n 1               (start-up and the first refresh,
#            which reads every process)
#   screen   ksmctl top -d DELAY -n N on an 80x24 tmux window (the curses
#            path too), when tmux is installed
#   ps       ksmctl ps                        (one full scan, for reference:
#            what every refresh would cost without the live scan)
# Target: batch and screen below 1% of one CPU (CPU time / wall time).
# Also reported: the cost of one later refresh, (batch - first) / (N - 1).
#
#   bench/top-bench.sh [--procs N] [--merged M] [--delay S] [--iterations N] [KSMCTL]
#
# Nothing here writes /sys/kernel/mm/ksm.  The mappers only register their
# pages (they merge if the host runs ksmd), so the run holds the
# real-kernel tests' lock (/run/ksmctl-tests.lock) while they live.
# Every process started here is stopped on exit.  Not part of
# `make check`: it takes a minute and wants a quiet machine.
# Exit: 0 target met, 1 missed, 2 usage or set-up failure.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
procs=10000
merged=10
delay=2
iterations=30
ksmctl=$top/build/ksmctl
while (( $# )); do
	case $1 in
	--procs) procs=$2; shift 2 ;;
	--merged) merged=$2; shift 2 ;;
	--delay) delay=$2; shift 2 ;;
	--iterations) iterations=$2; shift 2 ;;
	-h|--help) sed -n '2,27p' "$0"; exit 0 ;;
	-*) echo "top-bench: unknown option $1" >&2; exit 2 ;;
	*) ksmctl=$1; shift ;;
	esac
done
ksmctl=$(realpath "$ksmctl")
: "${KSM_MAPPER:=$top/build/helpers/ksm-mapper}"
[[ -x $ksmctl ]] || { echo "top-bench: $ksmctl not built" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "top-bench: needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
(( iterations >= 2 )) || { echo "top-bench: --iterations must be at least 2" >&2; exit 2; }

# shellcheck source=tests/kernel/lib.sh
. "$top/tests/kernel/lib.sh"

declare -a sleepers=()
work=$(mktemp -d)
sock=$work/tmux.sock

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
	[[ -S $sock ]] && tmux -S "$sock" kill-server 2>/dev/null
	stop_sleepers
	rm -rf "$work"
}
# lib.sh's exit traps run our cleanup and stop the mappers, also on INT
# and TERM; no knob is saved because none is written.
ksm_on_exit cleanup
ksm__install_traps

# cpu_of FILE: "wall user sys" from /usr/bin/time -> "cpu wall"
cpu_of() {
	awk '{ printf "%.3f %.3f\n", $2 + $3, $1 }' "$1"
}

# pct CPU WALL: CPU time as a percentage of one CPU over WALL
pct() {
	awk -v c="$1" -v w="$2" 'BEGIN { if (w <= 0) exit 1; printf "%.2f", c * 100 / w }'
}

if (( merged > 0 )); then
	[[ -x $KSM_MAPPER ]] || { echo "top-bench: $KSM_MAPPER not built (make)" >&2; exit 2; }
	ksm__lock_tests || exit 2
	printf 'starting %d mappers...\n' "$merged"
	for (( i = 0; i < merged; i++ )); do
		ksm_start_mapper --pages 256 --mode madvise --pattern same --seed 1 ||
			{ echo "top-bench: cannot start ksm-mapper" >&2; exit 2; }
	done
fi
printf 'starting %d sleepers...\n' "$(( procs - merged ))"
for (( i = merged; i < procs; i++ )); do
	sleep 100000 &
	sleepers+=("$!")
done
sleep 1
total=$(find /proc -maxdepth 1 -name '[0-9]*' 2>/dev/null | wc -l)
printf '%d processes on the machine, %d of them ours\n' "$total" \
	$(( ${#sleepers[@]} + merged ))

"$ksmctl" top -b -n 1 | sed -n '/^[0-9]* process/,+4p'

/usr/bin/time -o "$work/first" -f '%e %U %S' "$ksmctl" top -b -n 1 > /dev/null ||
	{ echo "top-bench: ksmctl top -b -n 1 failed" >&2; exit 2; }
/usr/bin/time -o "$work/ps" -f '%e %U %S' "$ksmctl" ps > /dev/null ||
	{ echo "top-bench: ksmctl ps failed" >&2; exit 2; }
printf 'measuring ksmctl top -b -d %s -n %d...\n' "$delay" "$iterations"
/usr/bin/time -o "$work/batch" -f '%e %U %S' \
	"$ksmctl" top -b -d "$delay" -n "$iterations" > /dev/null ||
	{ echo "top-bench: ksmctl top -b failed" >&2; exit 2; }

screen=skipped
if command -v tmux > /dev/null; then
	printf 'measuring ksmctl top -d %s -n %d on an 80x24 terminal...\n' "$delay" "$iterations"
	tmux -S "$sock" -f /dev/null new-session -d -x 80 -y 24 \
		"/usr/bin/time -o '$work/screen' -f '%e %U %S' '$ksmctl' top -d '$delay' -n '$iterations'; touch '$work/screen.done'"
	while [[ ! -e $work/screen.done ]]; do
		sleep 1 & wait $!
	done
	[[ -s $work/screen ]] && screen=measured
fi

read -r first_cpu _ < <(cpu_of "$work/first")
read -r ps_cpu _ < <(cpu_of "$work/ps")
read -r batch_cpu batch_wall < <(cpu_of "$work/batch")
batch_pct=$(pct "$batch_cpu" "$batch_wall")
per_refresh=$(awk -v b="$batch_cpu" -v f="$first_cpu" -v n="$iterations" \
	'BEGIN { printf "%.1f", (b - f) * 1000 / (n - 1) }')
steady_pct=$(awk -v r="$per_refresh" -v d="$delay" 'BEGIN { printf "%.2f", r / 10 / d }')
screen_line="(tmux not installed)"
screen_pct=0
if [[ $screen == measured ]]; then
	read -r screen_cpu screen_wall < <(cpu_of "$work/screen")
	screen_pct=$(pct "$screen_cpu" "$screen_wall")
	screen_line=$(printf '%6.0f ms over %5.1f s = %s%% of a CPU' \
		"$(awk -v c="$screen_cpu" 'BEGIN { print c * 1000 }')" "$screen_wall" "$screen_pct")
fi

cat <<EOF

ksmctl top benchmark: $total processes ($merged registered with KSM), $(uname -r), $(nproc) CPUs
CPU time (user + system), /usr/bin/time:
  top -b -d $delay -n $iterations     $(printf '%6.0f ms over %5.1f s = %s%% of a CPU' "$(awk -v c="$batch_cpu" 'BEGIN { print c * 1000 }')" "$batch_wall" "$batch_pct")   (target < 1%)
  top -d $delay -n $iterations (80x24) $screen_line
  top -b -n 1 (start, first refresh) $(printf '%6.0f ms' "$(awk -v c="$first_cpu" 'BEGIN { print c * 1000 }')")
  one later refresh          $(printf '%6s ms' "$per_refresh") = $steady_pct% of a CPU at -d $delay
  ps (one full scan)         $(printf '%6.0f ms' "$(awk -v c="$ps_cpu" 'BEGIN { print c * 1000 }')")   (every refresh, without the live scan)
EOF
# a figure that could not be computed is a failure, not a pass
awk -v b="$batch_pct" -v s="$screen_pct" \
	'BEGIN { exit !(b != "" && s != "" && b + 0 < 1.0 && s + 0 < 1.0) }'
