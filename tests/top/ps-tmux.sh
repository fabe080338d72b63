#!/bin/bash
# ksmctl ps on a real terminal: tmux runs a shell in an 80x24 window (and
# then a 200x50 one), the shell runs `ksmctl --sysroot FIXTURE ps ...`,
# and the test reads the screen with capture-pane -J (lines the terminal
# wrapped are joined again, so a table wider than the window shows as
# such).  On a terminal the default table fits its width, names cut with
# an ellipsis and cgroup paths from the left; columns the user chose (-o,
# --output-all), -r, -J and a pipe (with or without COLUMNS) keep every
# cell whole, as lsblk does.
#
#   tests/top/ps-tmux.sh [KSMCTL]
#
# Prints one line per failed check and ends with
# "ps-tmux: N passed, N failed, N skipped".
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
ksmctl=$(realpath "${1:-$top/build/ksmctl}")
root=$top/tests/fixtures/ps-6.15

name="ps-tmux"
# shellcheck source=tests/top/checks.sh
. "$here/checks.sh"

work=$(mktemp -d)
windows=0
sock=$work/tmux.0.sock
cleanup() {
	local s
	for s in "$work"/tmux.*.sock; do
		[ -S "$s" ] && tmux -S "$s" kill-server 2>/dev/null
	done
	# a server going away may still write its socket: once more
	rm -rf "$work" 2>/dev/null || { sleep 0.5; rm -rf "$work"; }
}
trap cleanup EXIT
trap 'exit 130' INT TERM

T() { tmux -S "$sock" "$@"; }

# A shell in a window of $1 x $2 (a server of its own: one that is still
# going away must not be mistaken for it).
window() {
	T kill-server 2>/dev/null
	windows=$((windows + 1))
	sock=$work/tmux.$windows.sock
	T -f /dev/null new-session -d -s ps -x "$1" -y "$2" \
		"env -i PATH=/usr/bin:/bin HOME=$work TERM=screen-256color LANG=C.UTF-8 PS1='$ ' bash --norc --noprofile"
	T set-option -g window-size manual > /dev/null 2>&1
	T resize-window -t ps -x "$1" -y "$2" > /dev/null 2>&1
	T set-option -g status off > /dev/null
	width=$1
}

runs=0
# show CMD: run it in the window (stderr dropped), and put what it
# printed, its wrapped lines joined, into $work/out
show() {
	local i
	runs=$((runs + 1))
	# tmux keeps what clear wipes: drop it, so only this run is read
	T send-keys -t ps "clear" Enter
	sleep 0.3
	T clear-history -t ps
	T send-keys -t ps "{ $1; } 2> /dev/null; echo END-$runs" Enter
	for (( i = 0; i < 100; i++ )); do
		T capture-pane -p -J -t ps -S -100 > "$work/screen"
		grep -q "^END-$runs\$" "$work/screen" && break
		sleep 0.1
	done
	sed -n "/^END-$runs\$/q;p" "$work/screen" | sed '/^\$ /d;/^$/d' > "$work/out"
}

dump() { sed 's/^/    | /' "$work/out"; }

# check DESCRIPTION COMMAND...
check() {
	local what=$1
	shift
	if "$@"; then pass; else fail "$what"; dump; fi
}

# no line of the output is wider than $1 (the window) terminal columns
fits() {
	[ "$(LC_ALL=C.UTF-8 wc -L < "$work/out")" -le "${1:-$width}" ]
}
has() { grep -q -- "$1" "$work/out"; }
lacks() { ! grep -q -- "$1" "$work/out"; }
lines() { [ "$(wc -l < "$work/out")" = "$1" ]; }

ps="'$ksmctl' --sysroot '$root' ps"
unit2='machine-qemu\\x2d2\\x2ddb\\x2d02\.scope'
cgroup1='/machine\.slice/machine-qemu\\x2d1\\x2dweb01\.scope/libvirt/emulator'

window 80 24
show "$ps"
check "80 columns: no line of ps is wider than the terminal" fits
check "80 columns: a line per process, two totals, the heading" lines 14
check "80 columns: the default columns" \
	has '^    PID USER     COMM            MERGING  PROFIT  SHARE VERDICT UNIT$'
check "80 columns: a long unit cut with an ellipsis" has ' machine-qemu\\x2…$'
check "80 columns: a short one whole" has ' session-3\.scope$'
show "$ps -g cgroup"
check "-g cgroup: fits" fits
check "-g cgroup: paths cut from the left" has '^…/app\.slice/app-gnome-code-1234\.scope '
check "-g cgroup: short paths whole" has '^/system\.slice/app\.service '
show "$ps -o PID,CGROUP"
check "-o: columns the user chose are whole" has "^   2101 $cgroup1\$"
show "$ps --output-all"
check "--output-all: whole" has " $cgroup1\$"
check "--output-all: no ellipsis" lacks '…'
show "$ps -r"
check "-r: never cut" has "machine-qemu\\\\x5cx2d2\\\\x5cx2ddb\\\\x5cx2d02\.scope\$"
show "$ps -J"
check "-J: never cut" has '"unit": "machine-qemu\\\\x2d2\\\\x2ddb\\\\x2d02\.scope"'
show "$ps | cat"
check "piped: full width" has " $unit2\$"
show "COLUMNS=80 $ps | cat"
check "piped with COLUMNS=80: full width, as lsblk" has " $unit2\$"
show "$ps -w 60 | cat"
check "piped with --width 60: fits 60" fits 60

window 200 50
show "$ps"
check "200 columns: every unit whole" has " $unit2\$"
check "200 columns: no ellipsis" lacks '…'

summary
[ "$failed" = 0 ]
