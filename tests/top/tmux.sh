#!/bin/bash
# ksmctl top on a real terminal: tmux runs a shell in an 80x24 window,
# the shell runs `ksmctl --sysroot FIXTURE top`, and the test reads the
# screen with capture-pane after each key: sort (s < >), grouping (g),
# selection, help (h ?), the filter (/ Esc), a process in detail (Enter),
# the key bar, resizing to 120x40, 200x50 and back, the admin keys on
# the fixture's files (r, +, u, with the lock held by someone else),
# delay and pause, quitting; then the ways out that are not q (SIGINT,
# SIGTERM, SIGHUP, a crash) leave a sane tty behind; NO_COLOR, a
# monochrome terminal, a dumb one, and a locale without UTF-8.
#
#   tests/top/tmux.sh [KSMCTL]
#   TOP_TMUX_ONLY=basic tests/top/tmux.sh build-san/ksmctl   (the ASan run)
#
# Prints one line per failed check and ends with
# "tmux: N passed, N failed, N skipped".
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
ksmctl=$(realpath "${1:-$top/build/ksmctl}")
only=${TOP_TMUX_ONLY:-all}
name=tmux
case $ksmctl in */build-san/*) name="tmux (ASan)" ;; esac
# shellcheck source=tests/top/checks.sh
. "$here/checks.sh"

work=$(mktemp -d)
# one tmux server per run of top (a server that is still going away must
# not be mistaken for the next one)
runs=0
sock=$work/tmux.0.sock
lock_pid=
cleanup() {
	local s
	[ -n "$lock_pid" ] && kill "$lock_pid" 2>/dev/null
	for s in "$work"/tmux.*.sock; do
		[ -S "$s" ] && tmux -S "$s" kill-server 2>/dev/null
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

T() { tmux -S "$sock" "$@"; }
# an SGR sequence setting attribute N: "${sgr}7$sgr_end" (tmux may join them)
sgr=$'\e\\[([0-9]+;)*'
sgr_end='(;[0-9]+)*m'
sgr_any=$'\e\\[[0-9;]*m'
screen() { T capture-pane -p -t top "$@"; }

# wait_for PATTERN [SECONDS]: the screen shows PATTERN (grep -E)
wait_for() {
	local i
	for (( i = 0; i < ${2:-10} * 10; i++ )); do
		screen | grep -Eq -- "$1" && return 0
		sleep 0.1
	done
	return 1
}

# wait_gone PATTERN [SECONDS]: the screen no longer shows PATTERN
wait_gone() {
	local i
	for (( i = 0; i < ${2:-10} * 10; i++ )); do
		screen | grep -Eq -- "$1" || return 0
		sleep 0.1
	done
	return 1
}

# wait_attr ROW SGR: the screen line matching ROW (grep -E) carries the
# attribute SGR (an extended regex of tmux's escape sequences)
wait_attr() {
	local i
	for (( i = 0; i < 100; i++ )); do
		screen -e | grep -E -- "$1" | grep -Eq -- "$2" && return 0
		sleep 0.1
	done
	return 1
}

dump() {
	screen | sed 's/^/    | /'
}

# expect DESCRIPTION PATTERN: the screen shows it (within 10 s)
expect() {
	if wait_for "$2"; then
		pass
	else
		fail "$1 (no /$2/ on the screen)"
		dump
	fi
}

# expect_gone DESCRIPTION PATTERN
expect_gone() {
	if wait_gone "$2"; then
		pass
	else
		fail "$1 (/$2/ still on the screen)"
		dump
	fi
}

# check DESCRIPTION COMMAND...
check() {
	local what=$1
	shift
	if "$@"; then pass; else fail "$what"; fi
}

# the text of a fixture file
knob() { tr -d '\n' < "$root/sys/kernel/mm/ksm/$1"; }

# A copy of the 6.15 fixture, with a ksmd kernel thread (pid 45).
new_root() {
	root=$work/root-$1
	mkdir -p "$root/proc/45"
	cp -r "$top/tests/fixtures/ps-6.15/." "$root/"
	echo "45 (ksmd) S 2 0 0 0 -1 2129984 0 0 0 0 0 100 0 0 25 5 1 0 30 0 0" \
		> "$root/proc/45/stat"
	echo "1000000000 0 0" > "$root/proc/45/schedstat"
	: > "$root/proc/45/ksm_stat"
}

# A fresh 80x24 window with a plain shell, and in it: top ARGS, its
# exit status, and whether the tty modes are sane again afterwards.
# Extra environment for top in TOP_ENV.
start() {
	local args=$1 env=${TOP_ENV:-} cmd
	T kill-server 2>/dev/null
	runs=$((runs + 1))
	sock=$work/tmux.$runs.sock
	rm -f "$work/stderr"
	T -f /dev/null new-session -d -s top -x 80 -y 24 \
		"env -i PATH=/usr/bin:/bin HOME=$work TERM=${TOP_TERM:-screen-256color} LANG=${TOP_LANG:-C.UTF-8} PS1='$ ' bash --norc --noprofile"
	T set-option -g window-size manual > /dev/null 2>&1
	T resize-window -t top -x 80 -y 24 > /dev/null 2>&1
	T set-option -g status off > /dev/null
	cmd="clear; env $env ASAN_OPTIONS=detect_leaks=1:abort_on_error=1"
	cmd+=" UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1"
	cmd+=" '$ksmctl' --sysroot '$root' top $args 2> '$work/stderr'; echo TOP-EXIT=\$?;"
	cmd+=" stty -a | grep -Eq -- '(^| )-(icanon|echo|icrnl)( |;|\$)' && echo TTY-BROKEN || echo TTY-SANE"
	T send-keys -t top "$cmd" Enter
}

# The pid of top: the child of the window's shell.
top_pid() {
	local shell
	shell=$(T display-message -p -t top '#{pane_pid}')
	ps -o pid= --ppid "$shell" | head -n 1 | tr -d ' '
}

# After top ended: its status, a sane tty, the shell back, nothing on stderr.
expect_exit() {
	local what=$1 status=$2
	# without an alternate screen the rest of the status line stays
	expect "$what: exit status $status" "^TOP-EXIT=$status([^0-9]|$)"
	expect "$what: tty modes restored" '^TTY-SANE$'
	if [ "$status" = 0 ]; then
		check "$what: nothing on stderr: $(head -c 400 "$work/stderr")" \
			[ ! -s "$work/stderr" ]
	fi
}

# --- the main run --------------------------------------------------------
new_root main
start "-d 0.5"
expect "header: state and kernel" '^KSM 6\.15\.4-amd64: running \(run 1\)'
expect "header: scan settings" '^scan   2400 pages/20ms'
expect "header: memory saved with its history" '^saved  3\.3G +5\.3% of RAM +[▁▂▃▄▅▆▇█]+$'
expect "header: ksmd's CPU once two samples are in" 'ksmd 0\.0% CPU'
expect "header: rates" '^rates \(pages/s\)  merged \+0  scanned 0  full scans'
expect "sorted by profit, marked: ps's default columns" '^ +PID USER +COMM +MERGING PROFIT▼ +SHARE VERDICT +UNIT$'
expect "the largest profit first" '^   2101 4242     qemu-system-x86'
expect "hostile names escaped" '^   5200 nobody   \\x1b\[2J '
expect "the key bar on the last line, as much as 80 columns take" \
	'^Enter detail  / filter  s sort  g group  r run  u unmerge  h help  q quit$'
expect "80 columns: a long unit cut with an ellipsis" '^   2101 .* machine-qemu\\…$'
check "80 columns: no line wider than the screen" \
	bash -c "[ \$(tmux -S '$sock' capture-pane -p -t top | LC_ALL=C.UTF-8 wc -L) -le 80 ]"

T send-keys -t top s
expect "s: sort by the next column" ' SHARE▼ '
expect_gone "s: the old marker is gone" 'PROFIT▼'
T send-keys -t top '>'
expect "> : the next one" ' VERDICT▼'
T send-keys -t top '<' '<'
expect "< < : back to profit" ' PROFIT▼ '
T send-keys -t top Down Down
if wait_attr "^($sgr_any)*   3300 " "$sgr(7|46)$sgr_end"; then
	pass
else
	fail "Down Down: the third row is highlighted"
	screen -e | grep ' 3300 ' | cat -v | sed 's/^/    | /'
fi

T send-keys -t top g
expect "g: by cgroup" '^CGROUP +PROCS +MERGING'
expect "g: the summary counts cgroups" '^11 of 17 processes use KSM \(1 unreadable\), 9 cgroups: merging'
expect "g: a long cgroup cut from the left" '^…/app\.slice/app-gnome-code-1234\.scope +1 '
expect "g: the key bar says what Enter does on a group" '^Enter processes  / filter'
T send-keys -t top g
expect "g g: by unit" '^UNIT +PROCS +MERGING'
T send-keys -t top g
expect "g g g: by VM" '^VM +PROCS +MERGING'
expect "by VM: the guest's name" '^web01 '
T send-keys -t top g
expect "g x4: by user" '^USER +PROCS +MERGING'
T send-keys -t top g
expect "g x5: by command" '^COMM +PROCS +MERGING'
T send-keys -t top g
expect "g x6: back to processes" '^ +PID USER +COMM'

T send-keys -t top h
expect "h: the help screen" '^ksmctl top: a live view of Kernel Samepage Merging'
expect "help: the admin keys" 'u +unmerge every page'
expect "help: all of it fits in 80x24" '^Press any key to return\.$'
T send-keys -t top x
expect "any key leaves the help" ' PROFIT▼ '
T send-keys -t top '?'
expect "?: the help screen" '^ksmctl top: a live view'
T send-keys -t top q
expect "q in the help returns to the table" ' PROFIT▼ '
check "q in the help does not quit" bash -c "! tmux -S '$sock' capture-pane -p -t top | grep -q TOP-EXIT"

T resize-window -t top -x 120 -y 40
expect "120x40: ZERO and RMAP join" ' MERGING +ZERO +RMAP PROFIT▼ +SHARE VERDICT +UNIT$'
expect "120x40: units whole" 'machine-qemu\\x2d1\\x2dweb01\.scope$'
if wait_for '^Enter detail' && [ "$(screen | grep -n '^Enter detail' | cut -d: -f1)" = 40 ]; then
	pass
else
	fail "120x40: the key bar on line 40"
	dump
fi
expect "120x40: every key on the bar" '^Enter detail  / filter  s sort  g group  p pause  d delay  r run  \+- pages  u unmerge  h help  q quit$'
T resize-window -t top -x 200 -y 50
expect "200x50: VM and CGROUP join" ' UNIT +VM +CGROUP$'
expect "200x50: cgroups whole where the room allows" ' /machine\.slice/machine-qemu\\x2d1\\x2dweb01\.scope/libvirt/emulator$'
expect "200x50: the longest cut from the left" ' …/user-4242\.slice/user@4242\.service/app\.slice/app-gnome-code-1234\.scope$'
T send-keys -t top g
expect "200x50 by cgroup" '^CGROUP +PROCS +MERGING +ZERO +RMAP PROFIT▼'
# the key column as wide as the widest cgroup (81), not stretched to fill 200
check "200x50 by cgroup: PROCS right after the widest cgroup" \
	bash -c "tmux -S '$sock' capture-pane -p -t top | awk '/^CGROUP/ { p = index(\$0, \"PROCS\") } END { exit !(p > 82 && p < 90) }'"
T send-keys -t top g g g g g
expect "back to processes" '^ +PID USER +COMM'
T resize-window -t top -x 80 -y 24
expect_gone "back to 80x24: ZERO goes" ' ZERO '
expect "back to 80x24: the key bar on the last line" '^Enter detail'

# / filters by name, as it is typed; Enter keeps it, Esc clears it
T send-keys -t top /
expect "/: asks for the filter" '^Filter by name \(Enter to keep, Esc to clear\):$'
T send-keys -t top j a v a
expect "/java: the prompt shows it" '^Filter by name .*: java$'
expect "/java: java's processes" '^   4101 nobody   java '
expect_gone "/java: no others" '^   2101 '
T send-keys -t top Enter
expect "/java Enter: the summary says what is filtered" '^2 of 11 processes match /java: merging 175\.8M, profit 169\.7M$'
expect "/java Enter: the key bar offers Esc" '  Esc unfilter  '
T send-keys -t top Escape
expect "Esc: the filter is gone" '^   2101 4242 '
expect "Esc: the summary too" '^11 of 17 processes use KSM'
T send-keys -t top / W E B 0 1 Enter
expect "/WEB01: a VM's name, any case" '^1 of 11 processes match /WEB01:'
T send-keys -t top Escape

# Enter: the selected process in detail, read from its files
T send-keys -t top Home Enter
expect "Enter: the process" '^process 2101  qemu-system-x86  user 4242 \(uid 4242\)$'
expect "Enter: its unit" '^unit     machine-qemu\\x2d1\\x2dweb01\.scope$'
expect "Enter: its VM" '^VM       web01$'
expect "Enter: its cgroup, whole" '^cgroup   /machine\.slice/machine-qemu\\x2d1\\x2dweb01\.scope/libvirt/emulator$'
expect "Enter: its verdict" '^verdict  ok: 1\.3 rmap items per merged page; over 64 is waste'
expect "Enter: its ksm_stat" '^  ksm_merging_pages +450000  1\.7G$'
expect "Enter: its mergeable areas" '^mergeable areas \(smaps, VmFlags mg\): 3 of 6, 2G, resident 1\.8G, KSM 1\.7G$'
expect "Enter: an area with its KSM pages" '^  7f0000000000-7f0080000000 rw-p +2G +1\.8G +1\.7G \[anon\]$'
expect "Enter: a hostile area name escaped, cut from the left" ' …1mevil\\\\name \(deleted\)$'
expect "Enter: the key bar" '^Esc back  Up Down PgUp PgDn scroll  q quit$'
T send-keys -t top Escape
expect "Esc: back to the table" ' PROFIT▼ '
# on a group: its processes
T send-keys -t top g g Home Enter
expect "Enter on a unit: its processes" '^1 of 11 processes match /machine-qemu\\x2d1\\x2dweb01\.scope:'
expect "Enter on a unit: the process view" '^ +PID USER +COMM'
T send-keys -t top Escape
expect "Esc: every process again" '^11 of 17 processes use KSM'

# admin keys, on the fixture's files
T send-keys -t top r
expect "r: asks first" 'Stop ksmd \(run 1 -> 0\)\? Merged pages stay merged\.'
T send-keys -t top n
expect "r n: cancelled" '^cancelled: nothing changed'
check "r n: run untouched" [ "$(knob run)" = 1 ]
T send-keys -t top r
expect "r again: asks" 'Stop ksmd'
T send-keys -t top y
expect "r y: says what it wrote" '^run: 1 -> 0'
expect "r y: the header follows" 'stopped \(run 0\)'
check "r y: run written through the transaction" [ "$(knob run)" = 0 ]
T send-keys -t top r
expect "r on a stopped ksmd: start it" 'Start ksmd \(run 0 -> 1\)\?'
T send-keys -t top y
expect "r y: started" '^run: 0 -> 1'
check "r y: run is 1 again" [ "$(knob run)" = 1 ]

T send-keys -t top +
expect "+ with the advisor on: refused with the planner's reason" \
	'^pages_to_scan: refused while advisor_mode is scan-time'
check "+: pages_to_scan untouched" [ "$(knob pages_to_scan)" = 2400 ]

# another ksmctl holds the writers' lock: the key says so, writes nothing
mkdir -p "$root/run"
# (the subshell becomes the sleep, which holds the lock: killing it frees it)
(exec 9> "$root/run/ksmctl.lock"; flock -x 9; exec sleep 30) &
lock_pid=$!
for _ in $(seq 50); do
	flock -n "$root/run/ksmctl.lock" true || break
	sleep 0.1
done
T send-keys -t top r
expect "r with the lock taken: asks" 'Stop ksmd'
T send-keys -t top y
expect "r y with the lock taken: busy, nothing written" \
	'^busy: another ksmctl .*is changing KSM settings; nothing written'
check "busy: run untouched" [ "$(knob run)" = 1 ]
kill "$lock_pid" 2>/dev/null
wait "$lock_pid" 2>/dev/null
lock_pid=

T send-keys -t top u
expect "u: the memory estimate, then the question" \
	'^Unmerge every KSM page \(run 2\)\? It needs about 3\.3G, MemAvailable is 19\.1G'
T send-keys -t top y
# the fixture's counters do not fall: the unmerge "leaves" them merged
# (a message longer than the line takes up to three lines)
expect "u y: the result" '^unmerged 0 pages \(0B\) in [0-9.]+s; ksmd is stopped \(run reads 2\); 874900 pages$'
expect "u y: the result, its second line" '^still merged$'
check "u y: run=2 written by the child" [ "$(knob run)" = 2 ]
expect "u y: the header follows" 'unmerged \(run 2\)'

T send-keys -t top d
expect "d: asks for the delay" '^Delay in seconds \(now 0\.5'
T send-keys -t top 1 . 5 Enter
expect "d 1.5: the header says so" 'every 1\.5s'
T send-keys -t top p
expect "p: paused" '\[paused\]'
T send-keys -t top p
expect_gone "p p: running again" '\[paused\]'

# a new process: looked for every 10 s, and at once on space
cp -r "$root/proc/5000" "$work/p9000"
echo newcomer > "$work/p9000/comm"
mv "$work/p9000" "$root/proc/9000"
T send-keys -t top ' '
expect "space: a new process shows at once" '^   9000 4343     newcomer '

T send-keys -t top q
expect_exit "q" 0
expect_gone "q: top's screen is gone (the alternate screen left)" '^KSM 6\.15'

if [ "$only" = basic ]; then
	summary
	[ "$failed" = 0 ]
	exit
fi

# --- the other ways out --------------------------------------------------
new_root signals
start "-d 0.5"
expect "C-c: running" '^KSM 6\.15'
T send-keys -t top C-c
expect_exit "SIGINT" 0
for sig in TERM HUP; do
	start "-d 0.5"
	expect "SIG$sig: running" '^KSM 6\.15'
	pid=$(top_pid)
	if [ -n "$pid" ] && kill -"$sig" "$pid"; then
		expect_exit "SIG$sig" 0
	else
		fail "SIG$sig: cannot find top's pid"
	fi
done
# a crash (here a SIGSEGV sent by kill): the tty is restored first
start "-d 0.5"
expect "SIGSEGV: running" '^KSM 6\.15'
pid=$(top_pid)
if [ -n "$pid" ] && kill -SEGV "$pid"; then
	expect_exit "SIGSEGV" 139
	expect_gone "SIGSEGV: top's screen is gone" '^KSM 6\.15'
else
	fail "SIGSEGV: cannot find top's pid"
fi
# a refresh that fails (the KSM directory went away): the terminal is
# given back first, then the reason is printed
new_root fatal
start "-d 0.3"
expect "fatal: running" '^KSM 6\.15'
mv "$root/sys/kernel/mm/ksm" "$root/sys/kernel/mm/ksm.gone"
expect "fatal: exit 3 (no KSM)" '^TOP-EXIT=3$'
expect "fatal: tty modes restored" '^TTY-SANE$'
check "fatal: the reason on stderr: $(head -c 300 "$work/stderr")" \
	grep -q '^ksmctl: sys/kernel/mm/ksm: cannot read: ' "$work/stderr"
new_root signals
# Ctrl-Z gives the terminal back; fg takes it again
start "-d 0.5"
expect "C-z: running" '^KSM 6\.15'
T send-keys -t top C-z
expect "C-z: stopped, the shell is back" 'Stopped'
T send-keys -t top 'fg' Enter
expect "fg: the screen again" '^KSM 6\.15'
T send-keys -t top q
# (the shell ran its "echo TOP-EXIT" at the stop already)
expect_gone "q after fg: top's screen is gone" '^KSM 6\.15'
T send-keys -t top "stty -a | grep -Eq -- '(^| )-(icanon|echo|icrnl)( |;|\$)' && echo TTY-BROKEN || echo TTY-SANE-AFTER-FG" Enter
expect "q after fg: tty modes restored" '^TTY-SANE-AFTER-FG$'

# --iterations ends it by itself
start "-d 0.2 -n 3"
expect_exit "-n 3" 0

# --- colours, monochrome, dumb, ASCII -------------------------------------
# a colour terminal gets colours (the control for the next checks)
start "-d 0.5"
expect "colour: running" '^KSM 6\.15'
if screen -e | grep -Eq "$sgr(3[0-7]|4[0-7])$sgr_end"; then pass; else fail "colour terminal: colours used"; fi
T send-keys -t top q
expect_exit "colour" 0

TOP_ENV="NO_COLOR=1" start "-d 0.5"
expect "NO_COLOR: running" '^KSM 6\.15'
if screen -e | grep -Eq "$sgr(3[0-7]|4[0-7])$sgr_end"; then fail "NO_COLOR: no colours"; else pass; fi
expect "NO_COLOR: still shows the sort column" ' PROFIT▼ '
T send-keys -t top q
expect_exit "NO_COLOR" 0

TOP_TERM=vt100 start "-d 0.5"
expect "vt100 (monochrome): running" '^KSM 6\.15'
if screen -e | grep -Eq "$sgr(3[0-7]|4[0-7])$sgr_end"; then fail "vt100: no colours"; else pass; fi
T send-keys -t top Down
if wait_attr "^($sgr_any)*   2202 " "${sgr}7$sgr_end"; then
	pass
else
	fail "vt100: the selection in reverse video"
fi
T send-keys -t top q
expect_exit "vt100" 0

TOP_TERM=dumb start "-d 0.2 -n 2"
expect "dumb terminal: exit 0" '^TOP-EXIT=0$'
if screen -S -200 | grep -q '^--- frame 2 ---$'; then
	pass
else
	fail "dumb terminal: plain frames"
	screen -S -200 | head -20 | sed 's/^/    | /'
fi
check "dumb terminal: says why on stderr" \
	grep -q 'cannot place the cursor: printing plain frames' "$work/stderr"

TOP_LANG=C start "-d 0.5"
expect "LANG=C: ASCII sort marker" ' PROFIT\* '
expect "LANG=C: ASCII sparkline" '^saved  3\.3G +5\.3% of RAM +[ .:=+*#-]+$'
T send-keys -t top q
expect_exit "LANG=C" 0

summary
[ "$failed" = 0 ]
