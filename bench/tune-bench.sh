#!/bin/bash
# What does one adjustment cycle of `ksmctl tune` cost, against one cycle
# of Debian's ksmtuned (the real script from the ksmtuned package)?
#
# In the same run, with QEMU fake guests running (copies of sleep(1)
# named qemu-system-x86_64, "-enable-kvm" on their command line, so both
# Debian's `pgrep -f '^qemu-system.*-enable-kvm'` and ksmctl's default
# KSM_PROCESS_REGEX find them), for two scenarios:
#   idle     the default thresholds: KSM not needed (run=0)
#   needed   KSM_THRES_COEF=100: KSM needed, boost (pages_to_scan, run=1)
# measure, ROUNDS times, interleaved:
#   ksmtuned  its loop body, CYCLES times: `sleep $KSM_MONITOR_INTERVAL &
#             wait $!; adjust` (free_memory, committed_memory: pgrep, ps,
#             awk; increase_npages; KSMCTL) with an interval of 0, run by
#             a harness that sources the script's body (its writes to
#             /sys/kernel/mm/ksm/ go to a scratch directory), minus the
#             same harness with 0 cycles (bash start, sourcing, the
#             MemTotal awk ksmtuned runs once at start)
#   once      CYCLES runs of `ksmctl tune --once --dry-run`, each a new
#             process: exec, dynamic linking, reading the configuration
#             and one cycle
#   start     CYCLES runs of `ksmctl --version`: the process start alone
#   cycle     once - start: the adjustment cycle itself, without the
#             process start, as ksmtuned's figure is without its own
# CPU time is user + system of the processes and all their children
# (getrusage, via bash's `times`).  Per cycle = total / CYCLES; the
# figures reported are medians over the rounds.  Then the daemon itself:
# `ksmctl tune --dry-run -v` with a 5 ms interval for 3 s, its CPU time
# from /proc/PID/schedstat (ns) over the cycles it logged.
# Target: the daemon's cycle at least 20x cheaper than ksmtuned's (both
# without their start); the --once figures are reported beside it.
#
#   bench/tune-bench.sh [--rounds R] [--cycles N] [--qemu K] [KSMCTL]
#
# ksmtuned: /usr/sbin/ksmtuned when installed, $KSMTUNED if set, else
# `apt-get download ksmtuned` unpacked here (its maintainer scripts are
# not run: installing the package would start a ksmtuned that changes
# the host's KSM knobs).  Nothing here writes /sys/kernel/mm/ksm: ksmctl
# runs with --dry-run, ksmtuned writes to the scratch directory.
# Not part of `make check`.  Exit: 0 target met, 1 missed, 2 usage.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
rounds=7
cycles=40
nqemu=4
ksmctl=$top/build/ksmctl
while (($#)); do
	case $1 in
	--rounds) rounds=$2; shift 2 ;;
	--cycles) cycles=$2; shift 2 ;;
	--qemu) nqemu=$2; shift 2 ;;
	-h | --help) sed -n '2,36p' "$0"; exit 0 ;;
	-*) echo "tune-bench: unknown option $1" >&2; exit 2 ;;
	*) ksmctl=$1; shift ;;
	esac
done
ksmctl=$(realpath "$ksmctl")
[[ -x $ksmctl ]] || { echo "tune-bench: $ksmctl not built" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/tune-bench.XXXXXX")
declare -a guests=()
daemon=
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	[[ -n $daemon ]] && kill "$daemon" 2>/dev/null
	((${#guests[@]})) && kill "${guests[@]}" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- the real ksmtuned ----------------------------------------------------
ksmtuned=${KSMTUNED:-}
if [[ -z $ksmtuned && -x /usr/sbin/ksmtuned ]]; then
	ksmtuned=/usr/sbin/ksmtuned
fi
if [[ -z $ksmtuned ]]; then
	(cd "$work" && apt-get download ksmtuned > /dev/null 2>&1) || {
		echo "tune-bench: cannot download Debian's ksmtuned package (apt-get download ksmtuned)" >&2
		exit 2
	}
	dpkg-deb -x "$work"/ksmtuned_*.deb "$work/pkg"
	ksmtuned=$work/pkg/usr/sbin/ksmtuned
	ksmtuned_version=$(dpkg-deb -f "$work"/ksmtuned_*.deb Version)
else
	ksmtuned_version=$(dpkg-query -W -f '${Version}' ksmtuned 2>/dev/null || echo "?")
fi
grep -q '^adjust ()' "$ksmtuned" || {
	echo "tune-bench: $ksmtuned has no adjust (): not the ksmtuned this was written for" >&2
	exit 2
}

# Its body: everything before the daemon starts its loop, with the sysfs
# writes going to a scratch directory.
scratch=$work/sys
mkdir -p "$scratch"
sed -e "s|/sys/kernel/mm/ksm/|$scratch/|g" -e '/^PIDFILE=/,$d' \
	"$ksmtuned" > "$work/ksmtuned-body.sh"
cat > "$work/harness.sh" <<EOF
# usage: harness.sh CYCLES: source ksmtuned's body, then adjust CYCLES times
. "$work/ksmtuned-body.sh"
KSM_MONITOR_INTERVAL=0
for ((c = 0; c < \$1; c++)); do
	# loop()'s body: the interval's sleep, then the adjustment
	sleep \$KSM_MONITOR_INTERVAL &
	wait \$!
	adjust
done
EOF

# ---- fake guests -------------------------------------------------------------
cp "$(command -v sleep)" "$work/qemu-system-x86_64"
for ((i = 0; i < nqemu; i++)); do
	(exec -a "qemu-system-x86_64 -enable-kvm -m 1024 -name guest$i" \
		"$work/qemu-system-x86_64" 3600) &
	guests+=($!)
done

# ---- measuring -----------------------------------------------------------------
# cpu_us COMMAND...: user + system CPU of COMMAND and its children, in µs
cpu_us() {
	local t
	t=$( { "$@" > /dev/null 2>&1; times; } )
	awk '{ for (i = 1; i <= NF; i++) { split($i, a, /[ms]/); s += a[1] * 60 + a[2] } }
	     END { printf "%d\n", s * 1000000 }' <<< "$t"
}

# shellcheck disable=SC2317 # called by cpu_us
ksmctl_loop() {	# ksmctl_loop ARGS...
	local i
	for ((i = 0; i < cycles; i++)); do
		"$ksmctl" "$@"
	done
}

median() {
	sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

# scenario NAME COEF: prints "NAME ksmtuned_us once_us start_us cycle_us"
scenario() {
	local name=$1 coef=$2 r base full once start conf=$work/$1.conf
	local -a kt=() ko=() ks=() kc=()

	printf 'KSM_THRES_COEF=%s\n' "$coef" > "$conf"
	# Both must take the same branch: check once.
	rm -f "$scratch"/*
	KSM_THRES_COEF=$coef bash "$work/harness.sh" 1 > /dev/null 2>&1
	"$ksmctl" tune --config "$conf" --once --dry-run > "$work/$name.decision" 2>&1
	if [[ $coef == 100 ]]; then
		grep -q '^KSM needed' "$work/$name.decision" && [[ $(cat "$scratch/run" 2>/dev/null) == 1 ]]
	else
		grep -q '^KSM not needed' "$work/$name.decision" && [[ $(cat "$scratch/run" 2>/dev/null) == 0 ]]
	fi || {
		echo "tune-bench: $name: ksmtuned and ksmctl decide differently:" >&2
		cat "$work/$name.decision" >&2
		echo "ksmtuned wrote run=$(cat "$scratch/run" 2>/dev/null)" >&2
		exit 1
	}
	grep -q "; $nqemu processes counted" "$work/$name.decision" || {
		echo "tune-bench: ksmctl did not count the $nqemu fake guests:" >&2
		cat "$work/$name.decision" >&2
		exit 1
	}
	for ((r = 0; r < rounds; r++)); do
		full=$(KSM_THRES_COEF=$coef cpu_us bash "$work/harness.sh" "$cycles")
		base=$(KSM_THRES_COEF=$coef cpu_us bash "$work/harness.sh" 0)
		once=$(cpu_us ksmctl_loop tune --config "$conf" --once --dry-run)
		start=$(cpu_us ksmctl_loop --version)
		kt+=($(((full - base) / cycles)))
		ko+=($((once / cycles)))
		ks+=($((start / cycles)))
		kc+=($(((once - start) / cycles)))
	done
	echo "$name $(printf '%s\n' "${kt[@]}" | median) $(printf '%s\n' "${ko[@]}" | median)" \
		"$(printf '%s\n' "${ks[@]}" | median) $(printf '%s\n' "${kc[@]}" | median)"
	echo "  $name rounds, µs: ksmtuned ${kt[*]}; once ${ko[*]}; start ${ks[*]}; cycle ${kc[*]}" >&2
}

lines() {
	grep -c 'tune: \(no change\|.* -> \)' "$work/daemon.log"
}

# daemon_us SCENARIO: the daemon's own CPU per cycle, after its start
daemon_us() {
	local conf=$work/$1.conf ns0 ns1 c0 c1
	"$ksmctl" tune --config "$conf" --dry-run -v --interval 0.005 \
		--pidfile "$work/pid" 2> "$work/daemon.log" &
	daemon=$!
	sleep 0.5
	read -r ns0 _ < "/proc/$daemon/schedstat"
	c0=$(lines)
	sleep 3
	read -r ns1 _ < "/proc/$daemon/schedstat"
	c1=$(lines)
	kill -TERM "$daemon"
	wait "$daemon" 2>/dev/null
	daemon=
	echo "$(((ns1 - ns0) / 1000 / (c1 > c0 ? c1 - c0 : 1))) $((c1 - c0))"
}

nproc_now=$(find /proc -maxdepth 1 -name "[0-9]*" 2> /dev/null | wc -l)
echo "tune-bench: $(uname -r), $(nproc) CPUs, $nproc_now processes, $nqemu fake guests;" \
	"ksmtuned $ksmtuned_version; $rounds rounds x $cycles cycles" >&2
status=0
printf '%-8s %10s %10s %7s %10s %7s %10s %7s\n' scenario ksmtuned daemon ratio \
	"once" ratio "once-start" ratio
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", (b > 0 ? a / b : 0) }'
}
for s in "idle 20" "needed 100"; do
	read -r name kt ko ks kc <<< "$(scenario "${s% *}" "${s#* }")"
	read -r kd dcycles <<< "$(daemon_us "$name")"
	echo "  $name daemon: $dcycles cycles measured" >&2
	printf '%-8s %10s %10s %7s %10s %7s %10s %7s\n' "$name" "$kt" \
		"$kd" "$(ratio "$kt" "$kd")" "$ko" "$(ratio "$kt" "$ko")" \
		"$kc" "$(ratio "$kt" "$kc")"
	awk -v a="$kt" -v b="$kd" 'BEGIN { exit !(b > 0 && a / b >= 20) }' || status=1
	: "$ks"
done
echo "(CPU µs per cycle, medians; once = a whole 'ksmctl tune --once --dry-run'" \
	"process, once-start = the same minus 'ksmctl --version')"
echo "target: the daemon's cycle >= 20x cheaper than ksmtuned's: $([ $status = 0 ] && echo met || echo MISSED)"
exit $status
