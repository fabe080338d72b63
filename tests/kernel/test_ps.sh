#!/bin/bash
# Real kernel: `ksmctl ps` and `ksmctl export` show what the kernel says.
#
# Two ksm-mapper processes fill the same pages, one registered with
# madvise(MADV_MERGEABLE), one with prctl(PR_SET_MEMORY_MERGE); once ksmd
# merged them, `ksmctl ps -p PID1 PID2 -J` must carry exactly the figures
# of their /proc/PID/ksm_stat, MERGE_ANY only on the prctl one.  Run as
# nobody, ksmctl must skip them and say how many it could not read (a
# real EACCES).  `ksmctl export` must be valid Prometheus text
# (promtool check metrics when installed, a strict parser here
# otherwise), also when written with --output.
#
#   tests/kernel/test_ps.sh [KSMCTL]
#
# Exit: 0 pass, 1 fail, 77 skip.  Every knob is saved and restored.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
ksmctl=$(realpath "${1:-$top/build/ksmctl}")
: "${KSM_MAPPER:=$top/build/helpers/ksm-mapper}"
# shellcheck source=tests/kernel/lib.sh
. "$here/lib.sh"


ksm_require_root_and_ksm
[[ -r /proc/self/ksm_stat ]] ||
	ksm_skip "no /proc/PID/ksm_stat (needs Linux 6.1)"
command -v jq >/dev/null || ksm_skip "needs jq"
[[ -x $ksmctl ]] || ksm_skip "$ksmctl not built"
[[ -x $KSM_MAPPER ]] || ksm_skip "$KSM_MAPPER not built (make tests-built)"

page=$(getconf PAGESIZE)
pages=512

ksm_save_knobs || exit 1
# Let ksmd work fast; the advisor would own pages_to_scan.
if [[ -e $KSM_DIR/advisor_mode ]]; then
	ksm_write advisor_mode none || exit 1
fi
ksm_write pages_to_scan 5000 || exit 1
ksm_write sleep_millisecs 10 || exit 1
ksm_write run 1 || exit 1

ksm_start_mapper --pages "$pages" --mode madvise --pattern same --seed 7 ||
	{ echo "FAIL: cannot start the madvise mapper"; exit 1; }
pid_madvise=$KSM_MAPPER_PID
rc=0
ksm_start_mapper --pages "$pages" --mode prctl --pattern same --seed 7 || rc=$?
if (( rc == 3 )); then
	ksm_skip "prctl(PR_SET_MEMORY_MERGE) not supported (needs Linux 6.4)"
elif (( rc )); then
	echo "FAIL: cannot start the prctl mapper"
	exit 1
fi
pid_prctl=$KSM_MAPPER_PID

# Merged when every page of both maps a KSM page.
merged() {
	local pid n
	for pid in "$pid_madvise" "$pid_prctl"; do
		n=$(<"/proc/$pid/ksm_merging_pages") || return 1
		(( n >= pages )) || return 1
	done
}
for (( i = 0; i < 300; i++ )); do
	merged && break
	sleep 0.1
done
if ! merged; then
	ksm_fail "pages not merged after 30 s: $(cat "/proc/$pid_madvise/ksm_merging_pages") and $(cat "/proc/$pid_prctl/ksm_merging_pages") of $pages"
	exit 1
fi

# The value of FIELD in a ksm_stat text ("" when absent).
field() {
	sed -n "s/^$2:\\{0,1\\} \\(.*\\)$/\\1/p" <<< "$1"
}

# ksmd may still move a figure: read ksm_stat before and after ksmctl and
# keep a round where nothing changed.
for (( i = 0; i < 20; i++ )); do
	s1=$(<"/proc/$pid_madvise/ksm_stat")
	s2=$(<"/proc/$pid_prctl/ksm_stat")
	# every column: the default ones are chosen for 80 columns
	json=$("$ksmctl" ps -p "$pid_madvise" "$pid_prctl" -J --output-all) ||
		ksm_fail "ksmctl ps -p exited $?"
	[[ $s1 == "$(<"/proc/$pid_madvise/ksm_stat")" &&
	   $s2 == "$(<"/proc/$pid_prctl/ksm_stat")" ]] && break
	sleep 0.2
done

# check PID STAT MERGE_ANY: the JSON row of PID against its ksm_stat
check() {
	local pid=$1 stat=$2 want_any=$3 got want name
	local -A key=( [ksm_rmap_items]=rmap [ksm_merging_pages]=merging
		       [ksm_zero_pages]=zero [ksm_process_profit]=profit )
	local -A scale=( [ksm_rmap_items]=1 [ksm_merging_pages]=$page
			 [ksm_zero_pages]=$page [ksm_process_profit]=1 )

	for name in ksm_rmap_items ksm_merging_pages ksm_zero_pages ksm_process_profit; do
		want=$(field "$stat" "$name")
		[[ -n $want ]] || continue
		want=$(( want * ${scale[$name]} ))
		got=$(jq -r --argjson p "$pid" \
			".processes[] | select(.pid == \$p) | .${key[$name]}" <<< "$json")
		[[ $got == "$want" ]] ||
			ksm_fail "pid $pid: ${key[$name]} is '$got', ksm_stat says $want"
	done
	got=$(jq -r --argjson p "$pid" '.processes[] | select(.pid == $p) | .comm' <<< "$json")
	[[ $got == ksm-mapper ]] || ksm_fail "pid $pid: comm is '$got'"
	if [[ -n $(field "$stat" ksm_merge_any) ]]; then
		got=$(jq -r --argjson p "$pid" \
			'.processes[] | select(.pid == $p) | .merge_any' <<< "$json")
		[[ $got == "$want_any" ]] ||
			ksm_fail "pid $pid: merge_any is '$got', want $want_any"
		got=$(jq -r --argjson p "$pid" \
			'.processes[] | select(.pid == $p) | .mergeable' <<< "$json")
		[[ $got == true ]] || ksm_fail "pid $pid: mergeable is '$got', want true"
	else
		echo "note: this kernel has no ksm_merge_any (6.15): not compared"
	fi
}

[[ $(jq '.processes | length' <<< "$json") == 2 ]] ||
	ksm_fail "ksmctl ps -p shows $(jq '.processes | length' <<< "$json") processes, want 2"
check "$pid_madvise" "$s1" false
check "$pid_prctl" "$s2" true
(( $(field "$s1" ksm_merging_pages) >= pages )) ||
	ksm_fail "madvise mapper merged only $(field "$s1" ksm_merging_pages) pages"

# Without -p both are listed, and grouped by command they add up.
"$ksmctl" ps -o PID -r -n > /dev/null || ksm_fail "ksmctl ps exited $?"
all=$("$ksmctl" ps -J -o PID,COMM)
for pid in "$pid_madvise" "$pid_prctl"; do
	jq -e --argjson p "$pid" 'any(.processes[]; .pid == $p)' <<< "$all" >/dev/null ||
		ksm_fail "ksmctl ps does not list pid $pid"
done
procs=$("$ksmctl" ps -g comm -J |
	jq '.groups[] | select(.comm == "ksm-mapper") | .procs')
(( ${procs:-0} >= 2 )) || ksm_fail "ksmctl ps -g comm: ksm-mapper has '${procs}' processes"

# As nobody, root's processes are unreadable: a real EACCES.
if command -v setpriv >/dev/null; then
	bindir=$(mktemp -d)
	ksm_on_exit "rm -rf '$bindir'"
	chmod 755 "$bindir"
	cp "$ksmctl" "$bindir/ksmctl"
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups -- \
		"$bindir/ksmctl" ps -J 2> "$bindir/err") ||
		ksm_fail "ksmctl ps as nobody exited $?"
	n=$(jq '.unreadable' <<< "$out")
	(( ${n:-0} >= 2 )) || ksm_fail "as nobody: unreadable is '$n', want >= 2"
	jq -e --argjson a "$pid_madvise" --argjson b "$pid_prctl" \
		'any(.processes[]; .pid == $a or .pid == $b) | not' <<< "$out" >/dev/null ||
		ksm_fail "as nobody: root's mappers are listed"
	grep -q "processes could not be read: permission denied" "$bindir/err" ||
		ksm_fail "as nobody: no 'could not be read' line: $(cat "$bindir/err")"
else
	echo "note: no setpriv: the unprivileged run is not tested"
fi

# Prometheus text: promtool when installed, else this parser, which
# refuses what the format refuses (names, escapes, families split or
# without TYPE, duplicate series, bad numbers).
check_prom() {
	if command -v promtool >/dev/null; then
		promtool check metrics < "$1" && return 0
		return 1
	fi
	LC_ALL=C awk '
	function bad(why) { printf "line %d: %s: %s\n", NR, why, $0; err = 1 }
	/^# HELP / { if ($3 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*$/) bad("help name");
		     if (help[$3]++) bad("second HELP"); next }
	/^# TYPE / { if ($4 !~ /^(counter|gauge|untyped|summary|histogram)$/) bad("type");
		     if (type[$3]) bad("second TYPE"); type[$3] = $4;
		     if (done[$3]) bad("TYPE after samples"); next }
	/^#/ { next }
	{
		line = $0
		if (!match(line, /^[a-zA-Z_:][a-zA-Z0-9_:]*/)) { bad("name"); next }
		name = substr(line, 1, RLENGTH); rest = substr(line, RLENGTH + 1)
		if (!type[name]) bad("no TYPE before sample")
		if (last != name && done[name]) bad("family split")
		last = name; done[name] = 1
		series = name
		if (substr(rest, 1, 1) == "{") {
			lab = "^\\{([a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\n]|\\\\[\\\\\"n])*\",?)*\\}"
			if (!match(rest, lab)) { bad("labels"); next }
			series = series substr(rest, 1, RLENGTH)
			rest = substr(rest, RLENGTH + 1)
		}
		if (rest !~ /^ ([-+]?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?|[-+]Inf|NaN)$/)
			bad("value")
		if (seen[series]++) bad("duplicate series")
	}
	END { exit err }' "$1"
}

out=$(mktemp -d)
ksm_on_exit "rm -rf '$out'"
"$ksmctl" export -g comm,unit > "$out/stdout.prom" || ksm_fail "ksmctl export exited $?"
check_prom "$out/stdout.prom" || ksm_fail "ksmctl export: not valid Prometheus text"
grep -q '^ksm_comm_processes{comm="ksm-mapper"} [2-9]' "$out/stdout.prom" ||
	ksm_fail "ksmctl export: no ksm_comm_processes for the mappers"
"$ksmctl" export --output "$out/ksm.prom" || ksm_fail "ksmctl export --output exited $?"
check_prom "$out/ksm.prom" || ksm_fail "ksmctl export --output: not valid Prometheus text"
[[ $(stat -c %a "$out/ksm.prom") == 644 ]] ||
	ksm_fail "export --output: mode $(stat -c %a "$out/ksm.prom"), want 644"
leftover=$(find "$out" -name '.ksm.prom.*')
[[ -z $leftover ]] || ksm_fail "export --output left $leftover"

ksm_stop_mapper "$pid_madvise" >/dev/null || ksm_fail "madvise mapper: pages changed (exit $?)"
ksm_stop_mapper "$pid_prctl" >/dev/null || ksm_fail "prctl mapper: pages changed (exit $?)"

if (( KSM_FAILURES )); then
	exit 1
fi
echo "PASS: ${0##*/}"
exit 0
