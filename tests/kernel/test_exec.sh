#!/bin/bash
# Real kernel: `ksmctl exec` gives a command process-wide merging.
#
# ksm-mapper --mode none fills identical pages and registers nothing
# itself.  Run through `ksmctl exec`, it must be the same process (ksmctl
# became it), the kernel must report ksm_merge_any: yes for it (6.15+),
# `ksmctl ps` must show MERGE_ANY, and its pages must merge; the same
# mapper started without ksmctl must not merge at all.  --verify must
# say "ksm_merge_any: yes" and end as the command ends (status and
# signal).  Every knob is saved and restored.
#
#   tests/kernel/test_exec.sh [KSMCTL]
#
# Exit: 0 pass, 1 fail, 77 skip.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
ksmctl=$(realpath "${1:-$top/build/ksmctl}")
mapper=$top/build/helpers/ksm-mapper
# shellcheck source=tests/kernel/lib.sh
. "$here/lib.sh"


ksm_require_root_and_ksm
[[ -x $ksmctl ]] || ksm_skip "$ksmctl not built"
[[ -x $mapper ]] || ksm_skip "$mapper not built (make tests-built)"
[[ -r /proc/self/ksm_stat ]] || ksm_skip "no /proc/PID/ksm_stat (needs Linux 6.1)"

# The kernel must know the prctl, and register exec'd processes (6.10).
release=$(uname -r)
IFS=. read -r major minor _ <<< "$release"
rc=0
"$ksmctl" exec true 2> /dev/null || rc=$?
if (( rc )); then
	if (( rc == 3 )); then
		out=$("$ksmctl" exec true 2>&1)
		[[ $out == *"PR_SET_MEMORY_MERGE"* ]] ||
			ksm_fail "exit 3 without naming the prctl: $out"
		(( KSM_FAILURES )) && exit 1
		ksm_skip "prctl(PR_SET_MEMORY_MERGE) not available on $release"
	fi
	echo "FAIL: ksmctl exec true exited $rc"
	exit 1
fi
if (( major < 6 || (major == 6 && minor < 10) )); then
	out=$("$ksmctl" exec true 2>&1)
	[[ $out == *"only from Linux 6.10"* ]] ||
		ksm_fail "Linux $release: no warning about exec before 6.10: '$out'"
	(( KSM_FAILURES )) && exit 1
	ksm_skip "Linux $release does not merge exec'd processes (6.10)"
fi

pages=512

ksm_save_knobs || exit 1
if [[ -e $KSM_DIR/advisor_mode ]]; then
	ksm_write advisor_mode none || exit 1
fi
ksm_write pages_to_scan 5000 || exit 1
ksm_write sleep_millisecs 10 || exit 1
ksm_write run 1 || exit 1

# The control: the same pages, nothing registered.
KSM_MAPPER=$mapper ksm_start_mapper --pages "$pages" --mode none \
	--pattern same --seed 11 ||
	{ echo "FAIL: cannot start the control mapper"; exit 1; }
pid_control=$KSM_MAPPER_PID

# ksm_start_mapper runs "$KSM_MAPPER" ARGS: make that ksmctl exec.
ksm__tmpdir
wrapper=$KSM__TMP/exec-mapper
printf '#!/bin/sh\nexec "%s" exec -- "%s" "$@"\n' "$ksmctl" "$mapper" > "$wrapper"
chmod +x "$wrapper"
KSM_MAPPER=$wrapper ksm_start_mapper --pages "$pages" --mode none \
	--pattern same --seed 11 ||
	{ echo "FAIL: cannot start ksm-mapper through ksmctl exec"; exit 1; }
pid=$KSM_MAPPER_PID

# ksmctl became the command: same pid, the mapper's name
comm=$(< "/proc/$pid/comm")
[[ $comm == ksm-mapper ]] || ksm_fail "pid $pid is '$comm', not ksm-mapper"
stat=$(< "/proc/$pid/ksm_stat")
if [[ $stat == *ksm_merge_any* ]]; then
	[[ $stat == *"ksm_merge_any: yes"* ]] ||
		ksm_fail "ksm_stat of pid $pid: $(tr '\n' ' ' <<< "$stat")"
	json=$("$ksmctl" ps -p "$pid" -J --output-all) || ksm_fail "ksmctl ps -p $pid exited $?"
	any=$(jq -r --argjson p "$pid" \
		'.processes[] | select(.pid == $p) | .merge_any' <<< "$json" 2>/dev/null)
	[[ $any == true ]] || ksm_fail "ksmctl ps: MERGE_ANY of pid $pid is '$any'"
	"$ksmctl" ps -p "$pid" -o PID,MERGE_ANY -n | grep -q "$pid.*yes" ||
		ksm_fail "ksmctl ps -o PID,MERGE_ANY: $("$ksmctl" ps -p "$pid" -o PID,MERGE_ANY -n)"
else
	echo "note: no ksm_merge_any in ksm_stat (6.15): merging is checked instead"
fi

merged() {
	local n
	n=$(< "/proc/$pid/ksm_merging_pages") || return 1
	(( n >= pages ))
}
for (( i = 0; i < 300; i++ )); do
	merged && break
	sleep 0.1
done
merged || ksm_fail "pages of pid $pid not merged after 30 s: $(< "/proc/$pid/ksm_merging_pages") of $pages"
n=$(< "/proc/$pid_control/ksm_merging_pages")
(( n == 0 )) || ksm_fail "the control mapper (no ksmctl exec) has $n merged pages"
rmap=$(sed -n 's/^ksm_rmap_items //p' "/proc/$pid_control/ksm_stat")
(( ${rmap:-0} == 0 )) || ksm_fail "the control mapper has $rmap rmap items: registered?"

# not in $(...): a subshell cannot wait for the mapper
rc=0
ksm_stop_mapper "$pid" > "$KSM__TMP/stop.out" 2>&1 || rc=$?
out=$(< "$KSM__TMP/stop.out")
(( rc == 0 )) || ksm_fail "ksm-mapper under ksmctl exec exited $rc: $out"
[[ $out == *"verify ok"* ]] || ksm_fail "ksm-mapper did not verify its pages: $out"

# --verify: the report, and the command's own ending
err=$("$ksmctl" exec --verify -- "$mapper" --pages 64 --mode none --hold 1 2>&1 >/dev/null)
rc=$?
(( rc == 0 )) || ksm_fail "exec --verify ksm-mapper exited $rc: $err"
if [[ $stat == *ksm_merge_any* ]]; then
	[[ $err == *"ksm_merge_any: yes"* ]] || ksm_fail "exec --verify said: $err"
else
	[[ $err == *"cannot verify"* ]] || ksm_fail "exec --verify said: $err"
fi
"$ksmctl" exec --verify -- sh -c 'sleep 0.2; exit 7' 2>/dev/null
rc=$?
(( rc == 7 )) || ksm_fail "exec --verify: exit 7 came back as $rc"
"$ksmctl" exec -- sh -c 'exit 9'
rc=$?
(( rc == 9 )) || ksm_fail "exec: exit 9 came back as $rc"
# killed by a signal: ksmctl dies of the same one (the shell sees 128+N)
bash -c '"$1" exec --verify -- sh -c "sleep 0.2; kill -USR1 \$\$" 2>/dev/null; echo $? > "$2"' \
	_ "$ksmctl" "$KSM__TMP/sig" 2>/dev/null
rc=$(< "$KSM__TMP/sig")
(( rc == 128 + 10 )) || ksm_fail "exec --verify: SIGUSR1 came back as $rc"
# a signal to ksmctl reaches the command
"$ksmctl" exec --verify -- sleep 30 2>/dev/null &
wpid=$!
sleep 0.3
kill -TERM "$wpid"
wait "$wpid"
rc=$?
(( rc == 128 + 15 )) || ksm_fail "exec --verify: SIGTERM to ksmctl came back as $rc"
"$ksmctl" exec -- /nonexistent/cmd 2>/dev/null
rc=$?
(( rc == 127 )) || ksm_fail "exec of a missing command exited $rc, want 127"

ksm_stop_mapper "$pid_control" > /dev/null || ksm_fail "control mapper failed"
if (( KSM_FAILURES )); then
	exit 1
fi
echo "PASS: ${0##*/}: ksmctl exec merged $pages pages of a process that registered nothing"
exit 0
