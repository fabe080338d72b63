#!/bin/bash
# Simulation test of `ksmctl tune`: the daemon runs with a 0.1 s interval
# against a copy of a fixture sysroot whose proc/meminfo and proc/PID/*
# this script changes, and the knob files it writes are checked step by
# step; then SIGUSR1 (and --retune), SIGHUP with a good and a bad
# configuration, the lock shared with `ksmctl set`, sd_notify, and the
# restore on SIGTERM.
#
#   tests/tune/run.sh [KSMCTL]
#
# Every wait polls with a deadline (no fixed sleeps that flake on a loaded
# machine).  Prints "tune: N passed, N failed" last.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
ksmctl=$(realpath -m "${1:-$top/build/ksmctl}")
listen=$top/build/helpers/notify-listen
work=$(mktemp -d "${TMPDIR:-/tmp}/ksmctl-tune.XXXXXX")
TIMEOUT=${TUNE_TEST_TIMEOUT:-20}	# seconds, per wait

passed=0
failed=0
daemon_pid=
listen_pid=

cleanup() {
	[ -n "$daemon_pid" ] && kill -KILL "$daemon_pid" 2>/dev/null
	[ -n "$listen_pid" ] && kill -TERM "$listen_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for f in "$ksmctl" "$listen"; do
	if ! [ -x "$f" ]; then
		# each check would wait its deadline for a daemon that never starts
		echo "FAIL: $f: not an executable (run 'make all tests-built' first)"
		echo "tune: 0 passed, 1 failed, 0 skipped"
		exit 1
	fi
done

ok() {
	passed=$((passed + 1))
	[ "${VERBOSE:-0}" = 1 ] && echo "ok: $1"
	return 0
}

not_ok() {
	failed=$((failed + 1))
	echo "FAIL: $1"
	if [ -n "${log:-}" ] && [ -f "$log" ]; then
		echo "    --- daemon stderr (last 15 lines)"
		tail -n 15 "$log" | sed 's/^/    /'
	fi
	return 0
}

# check NAME COMMAND...: one assertion
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

not_grep() { ! grep -q "$@"; }

# wait_until COMMAND...: poll every 50 ms for at most $TIMEOUT seconds
wait_until() {
	local deadline=$((SECONDS + TIMEOUT))
	until "$@"; do
		((SECONDS >= deadline)) && return 1
		sleep 0.05
	done
}

# ---- the simulated system ------------------------------------------------

knob() {
	local v
	v=$(cat "$root/sys/kernel/mm/ksm/$1")
	# a choice file the fixture still shows as "none [scan-time]"
	if [[ $v =~ \[([^]]*)\] ]]; then v=${BASH_REMATCH[1]}; fi
	printf '%s\n' "$v"
}

knob_is() {
	[ "$(knob "$1")" = "$2" ]
}

knobs_are() {
	while [ $# -ge 2 ]; do
		knob_is "$1" "$2" || return 1
		shift 2
	done
}

set_knob() {
	printf '%s' "$2" > "$root/sys/kernel/mm/ksm/$1"
}

# Replace a file in one rename, so the daemon never reads half of it.
put() {
	printf '%b' "$2" > "$1.new" && mv -f "$1.new" "$1"
}

# set_mem TOTAL_KIB AVAILABLE_KIB [FREE_KIB]
set_mem() {
	put "$root/proc/meminfo" "MemTotal:       $1 kB\nMemFree:        ${3:-1000} kB\nMemAvailable:   $2 kB\nBuffers:        0 kB\nCached:         0 kB\n"
}

# add_proc PID COMM PSS_KIB: a process appears (its directory in one rename)
add_proc() {
	local d=$work/newproc
	rm -rf "$d"
	mkdir -p "$d"
	printf '%s\n' "$2" > "$d/comm"
	printf 'Rss: %s kB\nPss: %s kB\nPss_Anon: 1 kB\n' "$3" "$3" > "$d/smaps_rollup"
	printf 'Name:\t%s\nVmRSS:\t%s kB\n' "$2" "$3" > "$d/status"
	mv "$d" "$root/proc/$1"
}

del_proc() {
	mv "$root/proc/$1" "$work/gone.$1" && rm -rf "$work/gone.$1"
}

new_root() {
	root=$work/root.$1
	rm -rf "$root"
	mkdir -p "$root"
	cp -r "$top/tests/fixtures/$2/." "$root/"
	mkdir -p "$root/etc"
}

# ---- the daemon ------------------------------------------------------------

# start_daemon ARGS...: ksmctl tune in the background; stderr in $log
start_daemon() {
	log=$work/daemon.$((++daemon_runs)).err
	: > "$log"	# before the background shell opens it
	"$ksmctl" --sysroot "$root" tune "$@" > "$work/daemon.out" 2> "$log" &
	daemon_pid=$!
}
daemon_runs=0

# stop_daemon SIGNAL: signal it and collect its exit status in $daemon_rc
stop_daemon() {
	local i
	kill "-$1" "$daemon_pid" 2>/dev/null
	for ((i = 0; i < TIMEOUT * 20; i++)); do
		kill -0 "$daemon_pid" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$daemon_pid" 2>/dev/null; then
		kill -KILL "$daemon_pid"
		daemon_rc=timeout
	else
		wait "$daemon_pid"
		daemon_rc=$?
	fi
	daemon_pid=
}

# log_has REGEX: the daemon said it (stderr)
log_has() {
	grep -Eq -- "$1" "$log"
}

log_count() {
	grep -Ec -- "$1" "$log"
}

alive() {
	kill -0 "$daemon_pid" 2>/dev/null
}

# history KNOB: the values the daemon gave KNOB, from its change lines
history() {
	grep -o "$1 [0-9]* -> [0-9]*" "$log" | awk '{ printf "%s ", $4 }'
}

# history_has KNOB "V1 V2 ...": those values, one after the other
history_has() {
	[[ " $(history "$1")" == *" $2 "* ]]
}

start_listener() {
	notify_log=$work/notify.log
	: > "$notify_log"
	"$listen" "$1" "$notify_log" > "$work/listen.out" &
	listen_pid=$!
	wait_until grep -q ready "$work/listen.out"
}

stop_listener() {
	kill -TERM "$listen_pid" 2>/dev/null
	wait "$listen_pid" 2>/dev/null
	listen_pid=
}

notified() {
	grep -q -- "$1" "$notify_log"
}

# ============================================================================
# 1. The algorithm, step by step, with a 0.1 s interval (6.12: no advisor)
# ============================================================================
new_root main 6.12
set_knob run 1			# as ksm.service leaves it
set_knob pages_to_scan 100
set_knob sleep_millisecs 20
set_mem 16777216 12582912	# 16 GiB, 12 GiB available, no qemu
add_proc 1 systemd 20000
add_proc 77 bash 5000
cat > "$root/etc/ksmtuned.conf" <<EOF
# ksmtuned.conf as an administrator wrote it
KSM_NPAGES_BOOST=300
KSM_NPAGES_DECAY="-50"
KSM_NPAGES_MIN=64   # the default
KSM_NPAGES_MAX='1250'
LOGFILE=$work/ksmtuned.log
EOF

start_listener "$work/notify.sock"
NOTIFY_SOCKET=$work/notify.sock start_daemon --interval 0.1
check "daemon: READY=1 after the first adjustment" wait_until notified '^READY=1$'
check "daemon: the pid file holds its pid" \
	wait_until grep -qx "$daemon_pid" "$root/run/ksmctl-tune.pid"
check "no qemu at all: KSM stopped" wait_until knob_is run 0
check "no qemu: pages_to_scan untouched" knobs_are pages_to_scan 100 sleep_millisecs 20
check "the change is logged with its reason" \
	log_has 'tune: run 1 -> 0: KSM not needed: committed 0B \+ threshold 3.2G < total 16G and free 12G \(MemAvailable\) > threshold'
check "STATUS= says why" wait_until notified '^STATUS=ksmd stopped: not needed'

# a 14 GiB guest starts: committed + threshold >= total, free is plenty
add_proc 4242 qemu-system-x86 14680064
check "guest starts: KSM started at the minimum rate" \
	wait_until knobs_are run 1 pages_to_scan 64 sleep_millisecs 10
check "the start is one logged decision" \
	log_has 'tune: pages_to_scan 100 -> 64, sleep_millisecs 20 -> 10, run 0 -> 1: KSM needed: committed 14G \+ threshold 3.2G >= total 16G; free 12G \(MemAvailable\) >= threshold 3.2G: decay -50 -> 64 pages \(clamped to KSM_NPAGES_MIN\); 1 process counted'

# memory runs short: nothing is known of ksmd's work yet (the fixture's
# counters stand still), so the full pace at once, not ksmtuned's +300 ramp
set_mem 16777216 1048576
check "memory short: boost to the maximum" wait_until knob_is pages_to_scan 1250
check "boost went 64, 1250 in one step" \
	[ "$(history pages_to_scan)" = "64 1250 " ]
check "the boost says why" \
	log_has 'tune: pages_to_scan 64 -> 1250: KSM needed: .*< threshold 3.2G: boost: nothing known of ksmd.s work yet, merging pays: full pace -> 1250 pages \(KSM_NPAGES_MAX\)' 
check "run and sleep_millisecs left alone while boosting" knobs_are run 1 sleep_millisecs 10

# merged enough: free is back above the threshold, decay
set_mem 16777216 5242880
check "memory recovered: decay" wait_until knob_is pages_to_scan 1100
check "decay went 1200, 1150, 1100" history_has pages_to_scan "1250 1200 1150 1100"

# a second guest, owned by another user in real life: its PSS adds up
add_proc 4243 qemu-kvm 1048576
check "the second guest is counted" wait_until log_has '2 processes counted'

# the guests go away: stop, and keep npages for next time
del_proc 4242
del_proc 4243
check "guests gone: KSM stopped" wait_until knob_is run 0
check "guests gone: pages_to_scan kept" bash -c "v=\$(cat '$root/sys/kernel/mm/ksm/pages_to_scan'); ((v < 1100 && v >= 64))"
pages_before=$(knob pages_to_scan)
add_proc 4244 qemu-system-x86 14680064
# the log has every step: a busy machine may run two cycles between polls
check "a guest again: resumes from the last rate (decay)" \
	wait_until log_has "pages_to_scan $pages_before -> $((pages_before - 50 < 64 ? 64 : pages_before - 50)).*run 0 -> 1|run 0 -> 1.*pages_to_scan $pages_before -> $((pages_before - 50 < 64 ? 64 : pages_before - 50))"
check "a guest again: ksmd runs" wait_until knob_is run 1

# a process vanishing between readdir and read: the symlink points nowhere
ln -s "$work/does-not-exist" "$root/proc/999"
set_mem 16777216 1048576
check "a vanishing process is noted, the daemon goes on" \
	wait_until log_has 'boost.* 1 process counted, 1 exited while read'
rm -f "$root/proc/999"

check "LOGFILE gets the decisions, stamped" \
	grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}[-+][0-9]{4} ksmctl tune\[[0-9]+\]: tune: run 1 -> 0: KSM not needed' "$work/ksmtuned.log"
check "without DEBUG, cycles that change nothing are not logged" \
	bash -c "! grep -q 'no change' '$log'"

# ---- SIGHUP: a good configuration ---------------------------------------------
check "boost to the maximum again" wait_until knob_is pages_to_scan 1250
cat >> "$root/etc/ksmtuned.conf" <<'EOF'
KSM_NPAGES_MAX=700
DEBUG=1
EOF
kill -HUP "$daemon_pid"
check "SIGHUP: reloaded" wait_until log_has 'tune: reloaded .*/etc/ksmtuned.conf'
check "SIGHUP: the new KSM_NPAGES_MAX applies" wait_until knob_is pages_to_scan 700
check "SIGHUP: DEBUG=1 logs every cycle" wait_until log_has 'tune: no change: KSM needed'

# ---- SIGHUP: a bad configuration -----------------------------------------------
cp "$root/etc/ksmtuned.conf" "$work/good.conf"
echo 'KSM_NPAGES_MAX=lots' >> "$root/etc/ksmtuned.conf"
kill -HUP "$daemon_pid"
check "bad SIGHUP: says where and why" \
	wait_until log_has "ksmctl: .*/etc/ksmtuned.conf:9: KSM_NPAGES_MAX: invalid value 'lots': expected a whole number from 0 to 4294967295; keeping the running configuration"
check "bad SIGHUP: STATUS= says the reload failed" wait_until notified '^STATUS=reload failed: '
check "bad SIGHUP: still running" alive
set_mem 16777216 5242880
check "bad SIGHUP: still adjusting with the old configuration" \
	wait_until log_has 'pages_to_scan 700 -> 650'
cp "$work/good.conf" "$root/etc/ksmtuned.conf"

# ---- SIGUSR1 is harmless at any time ------------------------------------------
kill -USR1 "$daemon_pid"
check "SIGUSR1: still running" wait_until log_has 'no change'
check "SIGUSR1: still running (2)" alive

# ---- a second daemon is refused ---------------------------------------------------
"$ksmctl" --sysroot "$root" tune --interval 0.1 > /dev/null 2> "$work/second.err"
rc=$?
check "a second daemon exits 1" [ "$rc" = 1 ]
check "a second daemon names the first" \
	grep -q "another ksmctl tune is running (pid $daemon_pid)" "$work/second.err"

# ---- the lock: never write while `ksmctl set` holds it --------------------------
set_mem 16777216 1048576
wait_until knob_is pages_to_scan 700
exec 9> "$root/run/ksmctl.lock"
flock 9
set_mem 16777216 12582912
del_proc 4244
# the daemon keeps trying (DEBUG=1 says so) but writes nothing
check "lock held: the daemon waits for it" \
	wait_until log_has 'another ksmctl \(pid [0-9]+\) is changing KSM settings'
check "lock held: nothing written" knobs_are run 1 pages_to_scan 700
flock -u 9
exec 9>&-
check "lock released: the daemon catches up" wait_until knob_is run 0

# ---- an outside change is not undone at exit ---------------------------------------
"$ksmctl" --sysroot "$root" set -q sleep_millisecs 200
check "ksmctl set works beside the daemon" knob_is sleep_millisecs 200

# ---- SIGTERM: restore what the tuner changed -----------------------------------------
stop_daemon TERM
check "SIGTERM: exit 0" [ "$daemon_rc" = 0 ]
check "SIGTERM: knobs as they were at start" knobs_are run 1 pages_to_scan 100
check "SIGTERM: the outside change is left alone, and said" \
	log_has 'sleep_millisecs left at 200: changed outside the tuner'
check "SIGTERM: the knob outside the tuner stays" knob_is sleep_millisecs 200
check "SIGTERM: the restore is logged" log_has 'tune: restored pages_to_scan [0-9]+ -> 100, run 0 -> 1$'
check "LOGFILE: the same lines as stderr" \
	[ "$(sed 's/^[^ ]* ksmctl tune\[[0-9]*\]: //' "$work/ksmtuned.log")" = "$(sed 's/^ksmctl: //' "$log")" ]
check "SIGTERM: the pid file is removed" [ ! -e "$root/run/ksmctl-tune.pid" ]
check "SIGTERM: STOPPING=1" wait_until notified '^STOPPING=1$'
stop_listener

# ============================================================================
# 1b. Nothing left to merge: idle, and back to work
# ============================================================================
# ksmd's counters are the fixture's files: full scans that go by without
# pages_sharing, ksm_zero_pages or cow_ksm growing make the tuner idle.
# There is no ksmd thread here, so the cost per page is the default 5 us:
# 64 pages cost 320 us, 0.5 % of a CPU with a 64 ms sleep.
new_root idle 6.12
set_knob run 1
set_knob pages_to_scan 100
set_knob sleep_millisecs 20
set_mem 16777216 1048576
add_proc 4242 qemu-system-x86 14680064
put "$root/proc/vmstat" "nr_free_pages 1000\ncow_ksm 7\nthp_fault_alloc 0\n"
: > "$root/etc/ksmtuned.conf"
start_daemon --interval 0.1 -v
check "idle: starts at the full pace" wait_until knobs_are pages_to_scan 1250 sleep_millisecs 10
check "idle: nothing known yet, as the counters stand still" \
	wait_until log_has 'no change: .*boost: nothing known of ksmd.s work yet'
# ksmd merges: the pace stays full
set_knob pages_sharing 5000
check "idle: a merge seen: merging" wait_until log_has 'no change: .*boost: ksmd is merging, merging pays'
# one full scan without a merge: still full pace
set_knob full_scans 1
lines=$(log_count ' counted')
wait_until [ "$(log_count ' counted')" -gt "$((lines + 2))" ]
check "idle: one quiet full scan is not enough" knobs_are pages_to_scan 1250 sleep_millisecs 10
# the second: idle
set_knob full_scans 2
check "idle: two quiet full scans: the least pages, a long sleep" \
	wait_until knobs_are pages_to_scan 64 sleep_millisecs 64 run 1
check "idle: the change says why" \
	log_has 'tune: pages_to_scan 1250 -> 64, sleep_millisecs 10 -> 64: KSM needed: .*: idle: nothing merged in 2 full scans: pages_to_scan 64, sleep_millisecs 64 \(ksmd near 0.5% of a CPU at 5000 ns a page, the default\)'
set_knob full_scans 5
lines=$(log_count ' counted')
wait_until [ "$(log_count ' counted')" -gt "$((lines + 2))" ]
check "idle: stays idle while nothing merges" knobs_are pages_to_scan 64 sleep_millisecs 64
# a merged page written to (cow_ksm) means something merged meanwhile
put "$root/proc/vmstat" "nr_free_pages 1000\ncow_ksm 8\nthp_fault_alloc 0\n"
check "idle: cow_ksm grew: the full pace again" \
	wait_until knobs_are pages_to_scan 1250 sleep_millisecs 10
check "idle: the way back says why" \
	log_has 'tune: pages_to_scan 64 -> 1250, sleep_millisecs 64 -> 10: .*boost: ksmd is merging'
set_knob full_scans 7
check "idle: quiet again" wait_until knobs_are pages_to_scan 64 sleep_millisecs 64
set_knob pages_sharing 5001
check "idle: pages_sharing grew: the full pace again" \
	wait_until knobs_are pages_to_scan 1250 sleep_millisecs 10
set_knob full_scans 9
check "idle: quiet once more" wait_until knobs_are pages_to_scan 64 sleep_millisecs 64
# a new guest: its memory is counted before ksmd finds anything in it
add_proc 4243 qemu-system-x86 1048576
check "idle: a new guest (1G more committed): the full pace" \
	wait_until knobs_are pages_to_scan 1250 sleep_millisecs 10
check "idle: the new guest is the reason" \
	log_has 'boost: the committed memory grew by 1G \(a new guest\?\)'
# free memory plentiful while idle: the idle pace all the same
set_knob full_scans 11
wait_until knobs_are pages_to_scan 64 sleep_millisecs 64
set_mem 16777216 12582912
lines=$(log_count ' counted')
wait_until [ "$(log_count ' counted')" -gt "$((lines + 2))" ]
check "idle: decay or boost, idle is idle" knobs_are pages_to_scan 64 sleep_millisecs 64
check "idle: ... and logged as such" log_has 'no change: .*>= threshold 3.2G: idle: nothing merged in'
stop_daemon TERM
check "idle: SIGTERM restores" knobs_are pages_to_scan 100 sleep_millisecs 20 run 1

# With a long interval the daemon still looks at ksmd's counters every
# second while it works, and adjusts as soon as ksmd has nothing left to
# merge, not an interval later.
set_mem 16777216 1048576
start_daemon --interval 3600 -v
check "idle, long interval: the full pace first" wait_until knobs_are pages_to_scan 1250 sleep_millisecs 10
set_knob pages_sharing 6000
went_idle() {
	local i scans
	scans=$(knob full_scans)
	for ((i = 0; i < TIMEOUT; i++)); do
		sleep 1.1
		knob_is pages_to_scan 64 && return 0
		scans=$((scans + 1))
		set_knob full_scans "$scans"
	done
	return 1
}
check "idle, long interval: idle within seconds of the last merge" went_idle
check "idle, long interval: said why it adjusted early" \
	log_has "tune: ksmd's work changed: adjusting now"
stop_daemon TERM

# ============================================================================
# 2. SIGUSR1 with a long interval, --retune, abstract notify socket, SIGINT
# ============================================================================
new_root usr1 6.12
set_knob run 0
set_mem 16777216 12582912
cat > "$root/etc/ksmtuned.conf" <<'EOF'
KSM_MONITOR_INTERVAL=3600
EOF
sock="@ksmctl-tune-test-$$"
start_listener "$sock"
NOTIFY_SOCKET=$sock start_daemon --pidfile "$work/tune.pid"
check "abstract notify socket: READY=1" wait_until notified '^READY=1$'
check "--pidfile: written" wait_until grep -qx "$daemon_pid" "$work/tune.pid"
add_proc 4242 qemu-kvm 14680064
# With an hour's interval only a signal makes it look again.
check "--retune: exit 0" "$ksmctl" --sysroot "$root" tune --pidfile "$work/tune.pid" --retune
check "--retune: adjusted at once" wait_until knobs_are run 1 pages_to_scan 64
set_mem 16777216 1048576
kill -USR1 "$daemon_pid"
check "SIGUSR1: adjusted at once" wait_until knob_is pages_to_scan 1250
set_mem 16777216 12582912
kill -USR1 "$daemon_pid"
check "SIGUSR1 again: decay" wait_until knob_is pages_to_scan 1200
set_mem 16777216 1048576
check "--retune without the pid file: exit 1" \
	bash -c "! '$ksmctl' --sysroot '$root' tune --retune 2>/dev/null"
stop_daemon INT
check "SIGINT: exit 0" [ "$daemon_rc" = 0 ]
check "SIGINT: knobs as they were" knobs_are run 0 pages_to_scan 100 sleep_millisecs 20
check "--retune after the daemon stopped: exit 1" \
	bash -c "! '$ksmctl' --sysroot '$root' tune --pidfile '$work/tune.pid' --retune 2>/dev/null"
stop_listener

# --no-restore, and KSM_RESTORE_ON_EXIT=no
start_daemon --interval 0.1 --no-restore
check "--no-restore: adjusting" wait_until knobs_are run 1 pages_to_scan 1250
stop_daemon TERM
check "--no-restore: left as tuned" knobs_are run 1 pages_to_scan 1250
set_knob run 0
echo 'KSM_RESTORE_ON_EXIT=no' > "$root/etc/ksmtuned.conf"
start_daemon --interval 0.1
check "KSM_RESTORE_ON_EXIT=no: adjusting" wait_until knobs_are run 1 pages_to_scan 1250
stop_daemon TERM
check "KSM_RESTORE_ON_EXIT=no: left as tuned" knobs_are run 1

# ============================================================================
# 3. An advisor kernel (6.18): advisor_max_cpu instead of pages_to_scan
# ============================================================================
new_root advisor 6.18-busy
set_knob advisor_mode none
set_knob run 0
set_mem 16777216 1048576
add_proc 4242 qemu-system-x86 14680064
cat > "$root/etc/ksmtuned.conf" <<'EOF'
KSM_USE_ADVISOR=yes
KSM_GOVERNOR=medium
EOF
start_daemon --interval 0.1
check "advisor: switched on, CPU capped by the governor's budget" \
	wait_until knobs_are advisor_mode scan-time advisor_max_cpu 50 run 1
check "advisor: a boost is the whole budget at once" \
	[ "$(history advisor_max_cpu)" = "50 " ]
check "advisor: pages_to_scan never written" knob_is pages_to_scan 2400
stop_daemon TERM
check "advisor: restored on exit" \
	knobs_are advisor_mode none advisor_max_cpu 30 run 0 sleep_millisecs 20 pages_to_scan 2400

# KSM_USE_ADVISOR=yes on a kernel without the advisor: refused, exit 3
new_root old 6.1
echo 'KSM_USE_ADVISOR=yes' > "$root/etc/ksmtuned.conf"
"$ksmctl" --sysroot "$root" tune --once > /dev/null 2> "$work/old.err"
rc=$?
check "no advisor on 6.1: exit 3" [ "$rc" = 3 ]
check "no advisor on 6.1: says why" \
	grep -q 'etc/ksmtuned.conf: KSM_USE_ADVISOR=yes: needs the kernel.s scan-time advisor (advisor_mode, Linux 6.8)' "$work/old.err"

# A UKSM kernel paces itself: nothing for the tuner to do, exit 3
new_root uksm uksm
"$ksmctl" --sysroot "$root" tune --once > /dev/null 2> "$work/uksm.err"
rc=$?
check "UKSM: exit 3" [ "$rc" = 3 ]
check "UKSM: says why" grep -q 'UKSM kernel scans all memory and paces itself' "$work/uksm.err"
check "UKSM: nothing written" [ "$(cat "$root/sys/kernel/mm/uksm/run")" = 1 ]

# ============================================================================
# 4. --once, --dry-run, a bad configuration at start, --show-config
# ============================================================================
new_root once 6.12
set_knob run 0
set_mem 16777216 1048576
add_proc 4242 qemu-kvm 14680064
"$ksmctl" --sysroot "$root" tune --once --dry-run > "$work/once.out" 2>&1
rc=$?
check "--once --dry-run: exit 0" [ "$rc" = 0 ]
check "--once --dry-run: prints the decision" \
	grep -q "^KSM needed: committed 14G + threshold 3.2G >= total 16G; free 1G (MemAvailable) < threshold 3.2G: boost: nothing known of ksmd's work yet, merging pays: full pace -> 1250 pages (KSM_NPAGES_MAX); 1 process counted$" "$work/once.out"
check "--once --dry-run: prints the changes" grep -qx 'pages_to_scan: 100 -> 1250 (dry run)' "$work/once.out"
check "--once --dry-run: writes nothing" knobs_are run 0 pages_to_scan 100 sleep_millisecs 20
check "--once --dry-run: no pid file" [ ! -e "$root/run/ksmctl-tune.pid" ]
"$ksmctl" --sysroot "$root" tune --once > "$work/once.out" 2>&1
rc=$?
check "--once: exit 0" [ "$rc" = 0 ]
check "--once: writes" knobs_are run 1 pages_to_scan 1250 sleep_millisecs 10
check "--once: says what it wrote" grep -qx 'run: 0 -> 1' "$work/once.out"
set_mem 16777216 12582912
start_daemon --interval 0.1 --dry-run
check "--dry-run daemon: logs the decision" wait_until log_has 'tune: pages_to_scan 1250 -> 64 \(dry run\)'
stop_daemon TERM
check "--dry-run daemon: wrote nothing" knobs_are run 1 pages_to_scan 1250

printf 'KSM_NPAGES_BOOST=300\nKSM_THRES_COEF=120\n' > "$root/etc/ksmtuned.conf"
"$ksmctl" --sysroot "$root" tune --interval 0.1 > /dev/null 2> "$work/bad.err"
rc=$?
check "bad configuration at start: exit 1" [ "$rc" = 1 ]
check "bad configuration at start: file:line" \
	grep -qx "ksmctl: $root/etc/ksmtuned.conf:2: KSM_THRES_COEF: invalid value '120': expected a whole number from 0 to 100" "$work/bad.err"
check "bad configuration at start: no pid file left" [ ! -e "$root/run/ksmctl-tune.pid" ]
"$ksmctl" --sysroot "$root" tune --config "$work/missing.conf" --once > /dev/null 2>&1
check "a missing --config: exit 1" [ $? = 1 ]
printf 'KSM_PROCESS_REGEX=%s\nKSM_COMMITTED=rss\n' "'^(qemu|kvm)'" > "$work/given.conf"
"$ksmctl" --sysroot "$root" tune --config "$work/given.conf" --show-config > "$work/show.out"
check "--show-config: the file's values" grep -qx "KSM_PROCESS_REGEX='^(qemu|kvm)'" "$work/show.out"
check "--show-config: defaults marked" grep -qx 'KSM_NPAGES_MAX=1250  # default' "$work/show.out"
check "--show-config: every key" [ "$(grep -c '=' "$work/show.out")" = 18 ]
"$ksmctl" --sysroot "$root" tune --once --interval 1 > /dev/null 2>&1
check "--once --interval: usage error" [ $? = 2 ]

# ============================================================================
# 4b. The journal: each line carries its syslog priority ("<N>") when
# stderr is the journal's stream (JOURNAL_STREAM is its device:inode), so
# `journalctl -p warning` works; elsewhere no line does
# ============================================================================
new_root journal 6.12
set_knob run 1
set_knob pages_to_scan 100
set_knob sleep_millisecs 20
set_mem 16777216 1048576	# memory short, a guest: boost
add_proc 4242 qemu-kvm 14680064
: > "$root/etc/ksmtuned.conf"
log=$work/journal.err
: > "$log"
# stat's %d is st_dev in decimal, as the journal writes it
stream=$(stat -L -c '%d:%i' "$log")
JOURNAL_STREAM=$stream "$ksmctl" --sysroot "$root" tune --interval 0.1 > /dev/null 2> "$log" &
daemon_pid=$!
check "journal: the start is a notice (<5>)" wait_until log_has '^<5>ksmctl: tune: started '
check "journal: a decision that changes knobs is a notice (<5>)" \
	wait_until log_has '^<5>ksmctl: tune: .*pages_to_scan 100 -> 1250'
# the guest gone: ksmd stopped, and its sleep is the tuner's no more
set_mem 16777216 12582912
del_proc 4242
check "journal: the stop is a notice too" \
	wait_until log_has '^<5>ksmctl: tune: run 1 -> 0: '
"$ksmctl" --sysroot "$root" set -q sleep_millisecs 200
printf 'KSM_THRES_COEF=120\n' > "$root/etc/ksmtuned.conf"
kill -HUP "$daemon_pid"
check "journal: a refused reload is an error (<3>)" \
	wait_until log_has '^<3>ksmctl: .*KSM_THRES_COEF: .*keeping the running configuration$'
stop_daemon TERM
check "journal: SIGTERM: exit 0" [ "$daemon_rc" = 0 ]
check "journal: the stop is a notice (<5>)" log_has '^<5>ksmctl: tune: SIGTERM: stopping$'
check "journal: a knob left as someone set it is a warning (<4>)" \
	log_has '^<4>ksmctl: tune: sleep_millisecs left at 200: changed outside the tuner'
check "journal: the restore is a notice (<5>)" log_has '^<5>ksmctl: tune: restored '
check "journal: every line has a priority: $(grep -m 2 -v '^<[0-7]>' "$log" | tr '\n' ' ')" \
	not_grep -v '^<[0-7]>' "$log"
# the same daemon, its stderr not the journal's (another file's inode)
new_root nojournal 6.12
set_knob run 1
set_mem 16777216 1048576
add_proc 4242 qemu-kvm 14680064
: > "$root/etc/ksmtuned.conf"
log=$work/nojournal.err
: > "$log"
stream=$(stat -L -c '%d:%i' "$root/etc/ksmtuned.conf")
JOURNAL_STREAM=$stream "$ksmctl" --sysroot "$root" tune --interval 0.1 > /dev/null 2> "$log" &
daemon_pid=$!
check "not the journal: the decision is logged" \
	wait_until log_has '^ksmctl: tune: .*pages_to_scan 100 -> 1250'
stop_daemon TERM
check "not the journal: no line has a priority" not_grep '^<[0-9]>' "$log"
# a usage error in the journal: the message and its "Try" line are errors
log=$work/usage.err
: > "$log"
stream=$(stat -L -c '%d:%i' "$log")
JOURNAL_STREAM=$stream "$ksmctl" --sysroot "$root" tune --interval soon 2> "$log"
check "journal: a usage error: exit 2" [ $? = 2 ]
check "journal: a usage error: both lines are errors (<3>): $(tr '\n' ' ' < "$log")" \
	[ "$(grep -c '^<3>' "$log")" = 2 ]
# governor --follow, the other daemon, on a fake ksmd (a kernel thread
# whose CPU time stands still)
new_root follow 6.12
set_knob run 1
mkdir -p "$root/proc/45"
echo "45 (ksmd) S 2 0 0 0 -1 2129984 0 0 0 0 0 100 0 0 25 5 1 0 30 0 0" > "$root/proc/45/stat"
echo "1000000000 0 0" > "$root/proc/45/schedstat"
echo ksmd > "$root/proc/45/comm"
log=$work/follow.err
: > "$log"
stream=$(stat -L -c '%d:%i' "$log")
JOURNAL_STREAM=$stream "$ksmctl" --sysroot "$root" governor --follow --interval 0.1 low \
	> /dev/null 2> "$log" &
daemon_pid=$!
check "journal: governor --follow: its start is information (<6>)" \
	wait_until log_has '^<6>ksmctl: governor: following low '
stop_daemon TERM
check "journal: governor --follow: SIGTERM: exit 0" [ "$daemon_rc" = 0 ]
check "journal: governor --follow: the restore is a notice (<5>)" \
	log_has '^<5>ksmctl: governor: --follow: restored '
check "journal: governor --follow: every line has a priority: $(grep -m 2 -v '^<[0-7]>' "$log" | tr '\n' ' ')" \
	not_grep -v '^<[0-7]>' "$log"

# ============================================================================
# 5. The units (systemd-analyze verify, when systemd is here)
# ============================================================================
if command -v systemd-analyze > /dev/null 2>&1; then
	units=$work/units
	mkdir -p "$units"
	for u in ksm.service ksmctl-tune.service; do
		sed "s|@SBINDIR@|$(dirname "$ksmctl")|g" "$top/systemd/$u" > "$units/$u"
	done
	if out=$(cd "$units" && systemd-analyze verify --man=no ./ksm.service ./ksmctl-tune.service 2>&1); then
		ok "systemd-analyze verify"
	else
		not_ok "systemd-analyze verify: $out"
	fi
	check "the unit's CapabilityBoundingSet is what the daemon keeps" \
		grep -qx 'CapabilityBoundingSet=CAP_SYS_PTRACE CAP_DAC_READ_SEARCH' "$top/systemd/ksmctl-tune.service"
	# Each unit hardened: the exposure systemd-analyze security gives it
	# (0 to 10; --threshold is in tenths) stays at most its limit: 2.0 for
	# ksm.service (9.6 unhardened), 5.0 for the others.
	if systemd-analyze security --help 2>&1 | grep -q -- '--offline'; then
		for u in "$top"/systemd/*.service; do
			u=${u##*/}
			limit=50
			[ "$u" = ksm.service ] && limit=20
			sed "s|@SBINDIR@|$(dirname "$ksmctl")|g" "$top/systemd/$u" > "$units/$u"
			out=$(cd "$units" && systemd-analyze security --offline=true \
				--threshold="$limit" "./$u" 2>&1)
			rc=$?
			check "systemd-analyze security $u: exposure above $((limit / 10)).$((limit % 10)): $(tail -n 1 <<< "$out")" \
				[ "$rc" = 0 ]
		done
	else
		echo "SKIP: systemd-analyze security has no --offline: exposure not checked"
	fi
else
	echo "SKIP: systemd-analyze not installed: units not verified"
fi

# ============================================================================
# 6. The same decisions as ksmtuned itself, step by step
# ============================================================================
# Debian's ksmtuned script, when installed (or named by $KSMTUNED), is run
# against the same /proc/meminfo and configuration as the daemon, with
# ksmctl's fixes turned off (KSM_FREE_METRIC=ksmtuned, KSM_COMMITTED=rss)
# and its committed_memory() answering the RSS of our fake guest: the
# knobs must come out the same after every step.  ksmctl boosts to
# KSM_NPAGES_MAX at once while ksmd may be merging (the fixture's counters
# stand still, so it never looks idle), where ksmtuned adds KSM_NPAGES_BOOST:
# the configurations give ksmtuned a boost that reaches the maximum in one
# step, so that the stop rule, the decay, the clamps and the sleep are
# compared exactly.
# `make deps` fetches it into build/ref (tools/fetch-ksmtuned.sh)
ksmtuned=${KSMTUNED:-$top/build/ref/ksmtuned}
[ -n "${KSMTUNED:-}" ] || [ -r "$ksmtuned" ] || ksmtuned=/usr/sbin/ksmtuned
# same_as_ksmtuned NAME MEMTOTAL CONFIG-LINES STEPS...: each step is
# "MEMFREE BUFFERS CACHED COMMITTED" in KiB
same_as_ksmtuned() {
	local name=$1 total=$2 conf_lines=$3 step i=0 want got lines
	shift 3
	new_root "diff-$name" 6.1
	set_knob run 0
	set_knob pages_to_scan 100
	set_knob sleep_millisecs 20
	printf '%b' "$conf_lines" > "$root/etc/ksmtuned.conf"
	printf 'KSM_FREE_METRIC=ksmtuned\nKSM_COMMITTED=rss\n' >> "$root/etc/ksmtuned.conf"
	local scratch=$work/ksmtuned-$name
	mkdir -p "$scratch"
	printf 0 > "$scratch/run"
	printf 100 > "$scratch/pages_to_scan"
	printf 20 > "$scratch/sleep_millisecs"
	sed -e "s|/sys/kernel/mm/ksm/|$scratch/|g" \
		-e "s|/proc/meminfo|$root/proc/meminfo|g" \
		-e "s|/etc/ksmtuned.conf|$root/etc/ksmtuned.conf|g" \
		-e '/^PIDFILE=/,$d' "$ksmtuned" > "$work/ksmtuned-$name.sh"
	# ksmtuned reads MemTotal once, when it starts: the first step's
	read -r mf bu ca co <<< "$1"
	set_mem_full "$total" "$mf" "$bu" "$ca"
	add_proc_rss 4242 qemu-kvm "$co"
	start_daemon --interval 3600 -v
	{
		printf '. "%s"\n' "$work/ksmtuned-$name.sh"
		echo "committed_memory() { cat '$work/committed'; }"
	} > "$work/harness-$name.sh"
	coproc KSMTUNED { bash -c ". '$work/harness-$name.sh'; while read -r _; do adjust > /dev/null; echo done; done" 2>&1; }
	for step in "$@"; do
		i=$((i + 1))
		read -r mf bu ca co <<< "$step"
		set_mem_full "$total" "$mf" "$bu" "$ca"
		add_proc_rss 4242 qemu-kvm "$co"
		printf '%s' "$co" > "$work/committed"
		# ksmtuned adjusts...
		echo go >&"${KSMTUNED[1]}"
		read -r _ <&"${KSMTUNED[0]}"
		want="$(cat "$scratch/run") $(cat "$scratch/pages_to_scan") $(cat "$scratch/sleep_millisecs")"
		# ...and so does the daemon (at start, then on SIGUSR1)
		# (every decision line ends with the count of processes)
		if ((i > 1)); then
			lines=$(log_count ' counted')
			kill -USR1 "$daemon_pid"
			wait_until [ "$(log_count ' counted')" -gt "$lines" ]
		else
			wait_until log_has ' counted'
		fi
		got="$(knob run) $(knob pages_to_scan) $(knob sleep_millisecs)"
		check "same as ksmtuned: $name step $i ($step): run pages sleep = $want (ksmctl: $got)" \
			[ "$want" = "$got" ]
	done
	eval "exec ${KSMTUNED[1]}>&-"
	wait "$KSMTUNED_PID" 2> /dev/null
	stop_daemon TERM
}

set_mem_full() {	# set_mem_full TOTAL FREE BUFFERS CACHED (KiB)
	put "$root/proc/meminfo" "MemTotal:       $1 kB\nMemFree:        $2 kB\nMemAvailable:   $2 kB\nBuffers:        $3 kB\nCached:         $4 kB\n"
}

add_proc_rss() {	# add_proc_rss PID COMM RSS_KIB
	local d=$root/proc/$1
	mkdir -p "$d"
	printf '%s\n' "$2" > "$d/comm"
	put "$d/status" "Name:\t$2\nVmRSS:\t$3 kB\n"
}

skipped=0
if [ -r "$ksmtuned" ] && grep -q '^adjust ()' "$ksmtuned"; then
	# 16 GiB: threshold 3.2 GiB, sleep 10 ms
	same_as_ksmtuned big 16777216 "KSM_NPAGES_BOOST=1250\n" \
		"12000000 0 0 0" \
		"8000000 500000 500000 14000000" \
		"1000000 500000 500000 15000000" \
		"500000 0 0 15500000" \
		"500000 0 0 15500000" \
		"500000 0 0 15500000" \
		"500000 0 0 15500000" \
		"3000000 300000 55443 15000000" \
		"3000000 300000 55444 15000000" \
		"6000000 0 0 14000000" \
		"12000000 0 0 1000000" \
		"2000000 0 0 15000000"
	# 2 GiB with a site's own settings: the floor, a longer sleep, clamps
	same_as_ksmtuned small 2097152 \
		"KSM_THRES_CONST=600000\nKSM_NPAGES_BOOST=2500\nKSM_NPAGES_DECAY=-300\nKSM_NPAGES_MIN=100\nKSM_NPAGES_MAX=2500\nKSM_SLEEP_MSEC=25\n" \
		"1500000 0 0 0" \
		"100000 0 0 1800000" \
		"100000 0 0 1800000" \
		"100000 0 0 1800000" \
		"700000 0 0 1800000" \
		"599999 0 0 1000000" \
		"600001 0 0 1400000" \
		"600001 0 0 1500000"
else
	echo "SKIP: no ksmtuned script ('make deps' fetches it into build/ref, or KSMTUNED=path): decisions not compared with it"
	skipped=1
fi

echo "tune: $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
