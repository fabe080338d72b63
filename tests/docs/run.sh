#!/bin/bash
# Docs test: the man page and both shell completions cover everything in
# ksmctl's own tables (ksmctl __list ...), every command answers --help,
# the man page formats cleanly, and every shell script passes shellcheck;
# and the test runner, tests/run-all.sh, fails a suite that proves nothing.
#
#   tests/docs/run.sh [KSMCTL]
#
# Prints one line per failed check, naming what is missing where, and
# ends with "docs: N passed, N failed[, N skipped]".  Exit 0 when nothing
# failed.  DOCS_MAN, DOCS_BASH and DOCS_ZSH point the test at other
# copies of man/ksmctl.8, completions/ksmctl.bash and completions/_ksmctl
# (to check that it fails when something is missing); DOCS_KEEP=1 keeps
# the scratch directory and names it.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
ksmctl=$(realpath "${1:-$top/build/ksmctl}")
man=${DOCS_MAN:-$top/man/ksmctl.8}
bashcomp=${DOCS_BASH:-$top/completions/ksmctl.bash}
zshcomp=${DOCS_ZSH:-$top/completions/_ksmctl}
man_name=${man#"$top"/}
bash_name=${bashcomp#"$top"/}
zsh_name=${zshcomp#"$top"/}

work=$(mktemp -d)
# DOCS_KEEP=1 keeps the scratch files (zsh transcripts ...) for a look
[ -n "${DOCS_KEEP:-}" ] || trap 'rm -rf "$work"' EXIT INT TERM

passed=0
failed=0
skipped=0

# While recording (a file name), completion checks only note the lines
# they would complete, so zsh can complete them all in one session.
recording=""

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); printf 'FAIL: %s\n' "$*"; }
skip() { skipped=$((skipped + 1)); printf 'SKIP: %s\n' "$*"; }
# check DESCRIPTION COMMAND...: one check, passed when COMMAND succeeds
check() {
	local what=$1
	shift
	[ -z "$recording" ] || return 0
	if "$@"; then pass; else fail "$what"; fi
}

# has_word FILE WORD: WORD occurs in FILE, not as part of a longer name
# ("-n" is not found in "--noheadings", "--output" not in "--output-all").
has_word() {
	local re
	re=$(printf '%s' "$2" | sed 's/[][\.*^$+?(){}|/]/\\&/g')
	grep -Eq -- "(^|[^-[:alnum:]_])$re([^-[:alnum:]_]|$)" "$1"
}

# excerpt FILE: the start of FILE on one line, for a failure message
excerpt() {
	head -c 300 "$1" | tr '\n' ' '
}

# not COMMAND...: COMMAND fails
not() {
	! "$@"
}

# in_list WORD LIST...: WORD is one of LIST
in_list() {
	local w=$1 x
	shift
	for x in "$@"; do [ "$x" = "$w" ] && return 0; done
	return 1
}

# --- the binary's tables ----------------------------------------------
if ! [ -x "$ksmctl" ]; then
	fail "$ksmctl: not an executable (run 'make' first)"
	echo "docs: $passed passed, $failed failed"
	exit 1
fi
# list WHAT...: ksmctl __list WHAT... into $work/list, one word a line;
# a failure (a crash would silently list nothing) is a failed check
list() {
	local rc
	"$ksmctl" __list "$@" > "$work/list" 2> "$work/list.err"
	rc=$?
	check "ksmctl __list $*: exit $rc: $(excerpt "$work/list.err")" [ "$rc" = 0 ]
}
list commands
mapfile -t commands < "$work/list"
list global-options
mapfile -t global_opts < "$work/list"
list knobs
mapfile -t knobs < "$work/list"
list writable-knobs
mapfile -t writable < "$work/list"
check "ksmctl __list commands: lists no command" [ ${#commands[@]} -gt 0 ]
check "ksmctl __list knobs: lists no knob" [ ${#knobs[@]} -gt 0 ]
declare -A opts values columns
for c in "${commands[@]}"; do
	list options "$c"
	opts[$c]=$(tr '\n' ' ' < "$work/list")
	# a command with a column table names its columns in --help
	columns[$c]=$("$ksmctl" --sysroot "$work" "$c" --help 2>/dev/null |
		sed -n 's/^Columns: *\([^(]*\).*/\1/p')
done
for k in "${knobs[@]}"; do
	list values "$k"
	values[$k]=$(tr '\n' ' ' < "$work/list")
done
mapfile -t advisor_knobs < <(printf '%s\n' "${knobs[@]}" | grep '^advisor_')
# The completions ask the ksmctl they complete (named "ksmctl" on the
# line, found in PATH) what the kernel of --sysroot has.  The checks use
# fixtures: F has every knob a mainline kernel with the ksmctl patches
# has; the others less.
mkdir -p "$work/bin"
ln -s "$ksmctl" "$work/bin/ksmctl"
export PATH="$work/bin:$PATH"
fixtures=$top/tests/fixtures
F=$fixtures/6.12-cpuadvisor
# here FIXTURE WHAT [KNOB]: ksmctl --sysroot FIXTURE __list WHAT [KNOB]
here() {
	local root=$1 rc
	shift
	"$ksmctl" --sysroot "$root" __list "$@" > "$work/list" 2> "$work/list.err"
	rc=$?
	check "ksmctl --sysroot ${root#"$top"/} __list $*: exit $rc: $(excerpt "$work/list.err")" \
		[ "$rc" = 0 ]
}
declare -A values_here
here "$F" knobs-here
mapfile -t knobs_here < "$work/list"
here "$F" writable-knobs-here
mapfile -t writable_here < "$work/list"
for k in "${writable_here[@]}"; do
	here "$F" values-here "$k"
	values_here[$k]=$(tr '\n' ' ' < "$work/list")
done
mapfile -t advisor_writable_here < <(printf '%s\n' "${writable_here[@]}" | grep '^advisor_')
check "__list knobs-here on 6.12-cpuadvisor: no advisor_target_cpu" \
	in_list advisor_target_cpu "${knobs_here[@]}"
check "__list writable-knobs-here on 6.12-cpuadvisor: run is not first" \
	[ "${writable_here[0]:-}" = run ]
for k in "${writable_here[@]}"; do
	check "__list writable-knobs-here: $k is not in __list writable-knobs" \
		in_list "$k" "${writable[@]}"
done
here "$fixtures/6.1" writable-knobs-here
mapfile -t writable_61 < "$work/list"
here "$fixtures/uksm" knobs-here
mapfile -t knobs_uksm < "$work/list"
here / knobs-here
mapfile -t knobs_live < "$work/list"
here / writable-knobs-here
mapfile -t writable_live < "$work/list"
# --- help ---------------------------------------------------------------
help_checks() {
	local c=$1 rc1 rc2
	"$ksmctl" --sysroot "$work" "$c" --help > "$work/h1" 2> "$work/e1"
	rc1=$?
	"$ksmctl" --sysroot "$work" help "$c" > "$work/h2" 2> "$work/e2"
	rc2=$?
	check "ksmctl $c --help: exit $rc1, not 0" [ "$rc1" = 0 ]
	check "ksmctl $c --help: wrote to stderr: $(excerpt "$work/e1")" \
		[ ! -s "$work/e1" ]
	check "ksmctl $c --help: printed nothing" [ -s "$work/h1" ]
	check "ksmctl help $c: exit $rc2, not 0" [ "$rc2" = 0 ]
	check "ksmctl help $c: wrote to stderr: $(excerpt "$work/e2")" \
		[ ! -s "$work/e2" ]
	check "ksmctl help $c: differs from 'ksmctl $c --help'" \
		cmp -s "$work/h1" "$work/h2"
	for o in ${opts[$c]}; do
		check "ksmctl $c --help: does not mention $o" has_word "$work/h1" "$o"
	done
}
for c in "${commands[@]}"; do
	help_checks "$c"
done
for o in --help --version; do
	"$ksmctl" "$o" > "$work/out" 2> "$work/err"
	rc=$?
	check "ksmctl $o: exit $rc, not 0" [ "$rc" = 0 ]
	check "ksmctl $o: wrote to stderr" [ ! -s "$work/err" ]
done

# --- usage errors: exit 2, one message, then the "Try" line ------------------
# Every command: an unknown option, and a malformed value for each option
# that takes one (but a file name, which only opening it can judge).
# They are refused before anything is read or written: a fixture copy
# stands in for the kernel all the same.
mkdir -p "$work/usage-root"
cp -r "$top/tests/fixtures/6.12/." "$work/usage-root/"
# usage_check CMD ARGS...: exit 2, stderr ends with the "Try" line
usage_check() {
	local c=$1 rc last
	shift
	"$ksmctl" --sysroot "$work/usage-root" "$c" "$@" > /dev/null 2> "$work/usage.err" < /dev/null
	rc=$?
	last=$(tail -n 1 "$work/usage.err")
	check "ksmctl $c $*: exit $rc, not 2 (a usage error): $(excerpt "$work/usage.err")" \
		[ "$rc" = 2 ]
	check "ksmctl $c $*: does not end with the 'Try' line: $(excerpt "$work/usage.err")" \
		[ "$last" = "Try 'ksmctl $c --help' for more information." ]
}
declare -A arg_opts
for c in "${commands[@]}"; do
	list arg-options "$c"
	arg_opts[$c]=$(tr '\n' ' ' < "$work/list")
	usage_check "$c" --frobnicate
	for o in ${arg_opts[$c]}; do
		case "$c $o" in
		*" --config" | *" -c" | *" --pidfile" | "export --output" | "export -o")
			continue ;;	# a file name
		esac
		usage_check "$c" "$o" '@bad@'
	done
done

# --- man page -------------------------------------------------------------
# Plain text of the roff source: no font changes, "\-" as "-".
man_text() {
	sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\f(..//g' -e 's/\\&//g' \
		-e 's/\\(aq/'"'"'/g' -e 's/\\(dq/"/g' -e 's/\\(en/-/g' "$1"
}
# section FILE START-RE: lines from the one matching START-RE to the next
# heading of the same or a higher level (.SS ends at .SS or .SH)
section() {
	awk -v start="$2" '
		found && /^\.SH/ { exit }
		found && sub_level && /^\.SS/ { exit }
		$0 ~ start { found = 1; sub_level = ($0 ~ /^\.SS/) }
		found { print }' "$1"
}

if ! [ -f "$man" ]; then
	fail "$man_name: missing"
else
	man_text "$man" > "$work/man"
	for s in NAME SYNOPSIS DESCRIPTION OPTIONS COMMANDS KNOBS "JSON OUTPUT" \
		"DERIVED FIGURES" "EXIT STATUS" ENVIRONMENT FILES EXAMPLES \
		"MIGRATING FROM KSMTUNED" "SEE ALSO"; do
		check "$man_name: no section $s" grep -Eq "^\.SH \"?$s\"?\$" "$work/man"
	done
	section "$work/man" '^\.SH OPTIONS' > "$work/man-options"
	for o in "${global_opts[@]}"; do
		check "$man_name: global option $o is not under OPTIONS" \
			has_word "$work/man-options" "$o"
	done
	for c in "${commands[@]}"; do
		re="^\\.SS \"?ksmctl $c([ \"]|\$)"
		section "$work/man" "$re" > "$work/man-cmd"
		if ! grep -Eq "$re" "$work/man"; then
			fail "$man_name: no subsection '.SS \"ksmctl $c ...\"' for command $c"
		else
			pass
		fi
		for o in ${opts[$c]}; do
			check "$man_name: option $o of $c is not in its subsection" \
				has_word "$work/man-cmd" "$o"
		done
		for col in ${columns[$c]}; do
			check "$man_name: column $col of $c is not in its subsection" \
				has_word "$work/man-cmd" "$col"
		done
	done
	# EXIT STATUS says what the commands do (checked above): an unknown
	# name and a malformed option value are usage errors, 2, for every
	# command
	section "$work/man" '^\.SH EXIT STATUS' |
		awk '/^\.TP/ { getline; st = $2; next } st != "" { print st ": " $0 }' \
		> "$work/man-exit"
	check "$man_name: EXIT STATUS 1 names an unknown name or option" \
		not grep -Eq '^1: .*(unknown|malformed)' "$work/man-exit"
	check "$man_name: EXIT STATUS 2 does not name an unknown knob given to get" \
		grep -Eq '^2: .*unknown name: a knob given to$' "$work/man-exit"
	check "$man_name: EXIT STATUS 2 does not name a malformed option value" \
		grep -Eq "^2: .*option's value that is$" "$work/man-exit"
	# EXAMPLES: each command used at least once ("ksmctl CMD ...")
	section "$work/man" '^\.SH EXAMPLES' > "$work/man-examples"
	for c in "${commands[@]}"; do
		check "$man_name: EXAMPLES has no example of ksmctl $c" \
			grep -Eq "^ksmctl( --sysroot [^ ]+)? $c( |\$)" "$work/man-examples"
	done
	# MIGRATING FROM KSMTUNED: the units, the file and each of ksmtuned's
	# keys, which tune must know (--show-config lists what it reads)
	section "$work/man" '^\.SH "MIGRATING FROM KSMTUNED"' > "$work/man-migrating"
	"$ksmctl" --sysroot "$work" tune --show-config > "$work/tune-keys" 2>&1
	for w in ksm.service ksmtuned.service ksmctl-tune.service /etc/ksmtuned.conf \
		/etc/ksmctl.conf KSM_MONITOR_INTERVAL KSM_SLEEP_MSEC KSM_NPAGES_BOOST \
		KSM_NPAGES_DECAY KSM_NPAGES_MIN KSM_NPAGES_MAX KSM_THRES_COEF \
		KSM_THRES_CONST LOGFILE DEBUG; do
		check "$man_name: MIGRATING FROM KSMTUNED does not name $w" \
			has_word "$work/man-migrating" "$w"
		case $w in
		[A-Z]*) check "ksmctl tune --show-config: no ksmtuned key $w" \
				grep -q "^$w=" "$work/tune-keys" ;;
		esac
	done
	# status: watching it is watch(1)'s job, the live view top's
	section "$work/man" '^\.SS "?ksmctl status' > "$work/man-status"
	check "$man_name: ksmctl status does not say how to watch it" \
		grep -q 'watch -d ksmctl status' "$work/man-status"
	# the config file's format is ksmctl.conf(5)
	check "$man_name: no reference to ksmctl.conf(5)" grep -q 'ksmctl\.conf (5)' "$work/man"
	# no subsection for a command the binary does not have
	while read -r c; do
		in_list "$c" "${commands[@]}" ||
			fail "$man_name: subsection for '$c', which is not a command"
	done < <(sed -n 's/^\.SS "\{0,1\}ksmctl \([a-z-]*\).*/\1/p' "$work/man")
	# knob entries under KNOBS: ".TP" then ".B name" or ".BR name ..."
	section "$work/man" '^\.SH KNOBS' > "$work/man-knobs"
	mkdir -p "$work/knob"
	awk -v dir="$work/knob" '
		/^\.(TP|SS|SH)/ { out = ""; tp = ($0 ~ /^\.TP/); next }
		tp && /^\.BR? / { out = dir "/" $2; tp = 0 }
		{ tp = 0 }
		out != "" { print > out }' "$work/man-knobs"
	for k in "${knobs[@]}"; do
		if ! [ -s "$work/knob/$k" ]; then
			fail "$man_name: no entry (.TP/.B $k) for knob $k under KNOBS"
			continue
		fi
		pass
		for v in ${values[$k]}; do
			check "$man_name: value $v of knob $k is not in its entry" \
				has_word "$work/knob/$k" "$v"
		done
	done
	for f in "$work"/knob/*; do
		[ -e "$f" ] || continue
		in_list "${f##*/}" "${knobs[@]}" ||
			fail "$man_name: entry for '${f##*/}', which is not a knob"
	done
	if command -v groff > /dev/null; then
		groff -man -ww -z "$man" > "$work/groff" 2>&1
		rc=$?
		check "groff -man -ww -z $man_name: exit $rc: $(excerpt "$work/groff")" \
			test "$rc" = 0 -a ! -s "$work/groff"
	else
		fail "groff: not installed (make deps installs groff-base)"
	fi
fi

# --- ksmctl.conf(5) -----------------------------------------------------------
conf5=${DOCS_CONF5:-$top/man/ksmctl.conf.5}
conf5_name=${conf5#"$top"/}
if ! [ -f "$conf5" ]; then
	fail "$conf5_name: missing (the format of /etc/ksmctl.conf)"
else
	man_text "$conf5" > "$work/conf5"
	for s in NAME SYNOPSIS DESCRIPTION FORMAT EXAMPLES FILES "SEE ALSO"; do
		check "$conf5_name: no section $s" grep -Eq "^\.SH \"?$s\"?\$" "$work/conf5"
	done
	if command -v groff > /dev/null; then
		groff -man -ww -z "$conf5" > "$work/groff" 2>&1
		rc=$?
		check "groff -man -ww -z $conf5_name: exit $rc: $(excerpt "$work/groff")" \
			test "$rc" = 0 -a ! -s "$work/groff"
	fi
	# each example file is one apply takes (on a 6.12 kernel)
	awk -v dir="$work" '/^\.EX/ { n++; f = 1; next } /^\.EE/ { f = 0 }
		f { print > (dir "/conf5-example." n) }' "$work/conf5"
	n=0
	for f in "$work"/conf5-example.*; do
		grep -q ' = ' "$f" || continue	# commands, not a file
		n=$((n + 1))
		"$ksmctl" --sysroot "$top/tests/fixtures/6.12" apply --dry-run --config "$f" \
			> /dev/null 2> "$work/apply.err"
		rc=$?
		check "$conf5_name: example ${f##*.}: apply --dry-run exit $rc: $(excerpt "$work/apply.err")" \
			test "$rc" = 0 -a ! -s "$work/apply.err"
	done
	check "$conf5_name: no example file" [ "$n" -gt 0 ]
	check "Makefile: install and uninstall do not both name man5/ksmctl.conf.5" \
		[ "$(grep -c 'man5/ksmctl\.conf\.5' "$top/Makefile")" -ge 2 ]
fi

# --- one directory for node_exporter's textfile collector -----------------------
# README, the man pages, the units, the benchmarks and the completions all
# name the same one
grep -rhoE '/var/lib/[^ "]*node[-_]exporter[^ "]*' "$top/README.md" "$top/man" \
	"$top/systemd" "$top/bench" "$top/completions" 2> /dev/null |
	sed -e 's/\\-/-/g' -e 's|/ksm\.prom.*||' -e 's|[.,;:)]*$||' | sort -u > "$work/textfile-dirs"
check "node_exporter's textfile directory: not one: $(tr '\n' ' ' < "$work/textfile-dirs")" \
	[ "$(wc -l < "$work/textfile-dirs")" = 1 ]

# --- every script a document tells a reader to run runs that way --------
# A command line in a document that starts with a script of this tree
# ("sudo bench/ps-bench.sh ...", "kernel-patch/harness/run.sh ...") is
# run as a program: the file must exist and be executable, or the reader
# gets "Permission denied".
documented_scripts() {
	local doc
	for doc in "$top"/README.md "$top"/*/README.md "$top"/*/*/README.md "$top"/man/*.[0-9]; do
		[ -f "$doc" ] || continue
		sed -e 's/\\-/-/g' "$doc" |
			grep -oE '^[[:space:]]*(\$ |# )?(sudo )?(\./)?[a-z][a-z0-9_-]*/[A-Za-z0-9_./-]+' |
			sed -E 's/^[[:space:]]*(\$ |# )?(sudo )?(\.\/)?//' |
			while read -r path; do
				case $path in
				*.sh | */run) printf '%s %s\n' "${doc#"$top"/}" "$path" ;;
				esac
			done
	done | sort -u
}
n=0
while read -r doc path; do
	n=$((n + 1))
	check "$doc tells to run $path, which is not an executable file here" [ -x "$top/$path" ]
done < <(documented_scripts)
check "documents: found no script they tell to run" [ "$n" -gt 0 ]

# --- completions: the words are in the files ----------------------------
static_checks() {
	local file=$1 name=$2 c o k v col
	if ! [ -f "$file" ]; then
		fail "$name: missing"
		return
	fi
	for c in "${commands[@]}"; do
		check "$name: command $c missing" has_word "$file" "$c"
		for o in ${opts[$c]}; do
			check "$name: option $o of $c missing" has_word "$file" "$o"
		done
		for col in ${columns[$c]}; do
			check "$name: column $col of $c missing" has_word "$file" "$col"
		done
	done
	for o in "${global_opts[@]}"; do
		check "$name: global option $o missing" has_word "$file" "$o"
	done
	for k in "${knobs[@]}"; do
		check "$name: knob $k missing" has_word "$file" "$k"
		for v in ${values[$k]}; do
			check "$name: value $v of knob $k missing" has_word "$file" "$v"
		done
	done
}
static_checks "$bashcomp" "$bash_name"
static_checks "$zshcomp" "$zsh_name"

# --- bash completion, for real ----------------------------------------------
# bcomp LINE: what completing at the end of LINE offers, one per line.
# COMP_WORDS is split as bash splits it: at spaces, and "a=b" into
# "a" "=" "b" ('=' is in COMP_WORDBREAKS); nounset catches sloppy code.
bcomp() {
	bash --norc --noprofile -c '
		set -u
		source "$1" || exit 1
		# bash-completion'"'"'s, which completes the command at word $1
		_command_offset() { COMPREPLY=("offset:$1:${COMP_WORDS[$1]}"); }
		line=$2
		read -ra words <<< "$line"
		COMP_WORDS=()
		for w in "${words[@]}"; do
			if [[ $w == ?*=* ]]; then
				COMP_WORDS+=("${w%%=*}" "=")
				[[ -n ${w#*=} ]] && COMP_WORDS+=("${w#*=}")
			else
				COMP_WORDS+=("$w")
			fi
		done
		[[ $line == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE=$line
		COMP_POINT=${#line}
		_ksmctl ksmctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"
	' bcomp "$bashcomp" "$1" 2>> "$work/bcomp.err"
}

# offers TOOL LINE WORD...: completing LINE offers every WORD
# offers_exactly TOOL LINE WORD...: and nothing else
# offers_not TOOL LINE WORD...: none of the WORDs
completion_of() {
	local tool=$1 line=$2
	if [ -n "$recording" ]; then
		printf '%s\n' "$line" >> "$recording"
	elif [ "$tool" = bash ]; then
		bcomp "$line" | sort	# a word offered twice is a failure
	else
		zcomp_result "$line"
	fi
}
offers() {
	local tool=$1 line=$2 got w missing=()
	shift 2
	got=$(completion_of "$tool" "$line")
	for w in "$@"; do
		grep -qxF -- "$w" <<< "$got" || missing+=("$w")
	done
	check "$tool completion: '$line<TAB>' does not offer ${missing[*]:-} (offers: ${got//$'\n'/ })" \
		[ ${#missing[@]} = 0 ]
}
offers_exactly() {
	local tool=$1 line=$2 got want
	shift 2
	got=$(completion_of "$tool" "$line")
	want=$(printf '%s\n' "$@" | sort -u)
	check "$tool completion: '$line<TAB>' offers '${got//$'\n'/ }', not '${want//$'\n'/ }'" \
		[ "$got" = "$want" ]
}
offers_not() {
	local tool=$1 line=$2 got w extra=()
	shift 2
	got=$(completion_of "$tool" "$line")
	for w in "$@"; do
		grep -qxF -- "$w" <<< "$got" && extra+=("$w")
	done
	check "$tool completion: '$line<TAB>' offers ${extra[*]:-}" [ ${#extra[@]} = 0 ]
}

# The behaviour both completions must have, for every table entry.
completion_checks() {
	local t=$1 c k col
	local -a cmd_opts
	offers_exactly "$t" "ksmctl " "${commands[@]}"
	offers "$t" "ksmctl -" "${global_opts[@]}"
	for c in "${commands[@]}"; do
		read -ra cmd_opts <<< "${opts[$c]}"
		offers_exactly "$t" "ksmctl $c -" "${cmd_opts[@]}"
		offers "$t" "ksmctl --sysroot /tmp $c -" "${cmd_opts[@]}"
	done
	# knobs and values: this kernel's (F's), each knob once
	offers_exactly "$t" "ksmctl --sysroot $F get " "${knobs_here[@]}"
	offers_exactly "$t" "ksmctl --sysroot $F set " "${writable_here[@]}"
	offers_exactly "$t" "ksmctl --sysroot $F set -n run 1 " "${writable_here[@]:1}"
	for k in "${writable_here[@]}"; do
		[ -n "${values_here[$k]// /}" ] || continue
		# shellcheck disable=SC2086 # the values are plain words
		offers_exactly "$t" "ksmctl --sysroot $F set $k " ${values_here[$k]}
	done
	offers_exactly "$t" "ksmctl help " "${commands[@]}"
	# what a user types, spelled out
	offers_exactly "$t" "ksmctl se" set
	offers_exactly "$t" "ksmctl --sysroot $F set adv" "${advisor_writable_here[@]}"
	offers_exactly "$t" "ksmctl --sysroot $F set advisor_mode " cpu none scan-time
	offers_not "$t" "ksmctl set pages" pages_shared pages_sharing pages_unshared
	offers_exactly "$t" "ksmctl --sysroot $F set use_zero_pages 1 advisor_mode " cpu none scan-time
	# only what this kernel has: no cpu advisor on a stock kernel, no UKSM
	# knob on a mainline one, nothing without KSM; the live kernel's too
	offers_exactly "$t" "ksmctl --sysroot $fixtures/6.12 set advisor_mode " none scan-time
	offers_not "$t" "ksmctl --sysroot $fixtures/6.12 set " advisor_target_cpu cpu_governor
	offers_exactly "$t" "ksmctl --sysroot $fixtures/6.1 set " "${writable_61[@]}"
	offers_exactly "$t" "ksmctl --sysroot $fixtures/uksm get " "${knobs_uksm[@]}"
	offers_exactly "$t" "ksmctl --sysroot $fixtures/uksm set cpu_governor " full medium low quiet
	offers_exactly "$t" "ksmctl --sysroot $fixtures/noksm get "
	offers_exactly "$t" "ksmctl get " "${knobs_live[@]}"
	offers_exactly "$t" "ksmctl set " "${writable_live[@]}"
	# not a value set refuses, not a knob twice
	offers_exactly "$t" "ksmctl --sysroot $F set run " 0 1
	offers_not "$t" "ksmctl --sysroot $F get run pages_to_scan " run pages_to_scan
	offers_not "$t" "ksmctl --sysroot $F set run 1 sleep_millisecs 5 " run sleep_millisecs
	offers_not "$t" "ksmctl --sysroot $F set run=1 " run
	offers_exactly "$t" "ksmctl --sysroot $F set run 1 r"
	# exec: a command after it, as sudo completes one
	offers "$t" "ksmctl exec l" ls
	offers "$t" "ksmctl exec --verify l" ls
	offers "$t" "ksmctl --sysroot /tmp exec -- l" ls
	offers_exactly "$t" "ksmctl help st" status start stop
	for c in "${commands[@]}"; do
		for col in ${columns[$c]}; do
			offers "$t" "ksmctl $c -o " "$col"
		done
	done
}

if ! [ -f "$bashcomp" ]; then
	:	# reported above
elif ! bash -n "$bashcomp" 2> "$work/err"; then
	fail "$bash_name: syntax error: $(excerpt "$work/err")"
else
	pass
	# shellcheck disable=SC2016 # $1 is the inner shell's
	check "$bash_name: does not register _ksmctl for ksmctl" \
		bash --norc -c 'source "$1" && complete -p ksmctl | grep -q -- "-F _ksmctl ksmctl$"' \
		bcomp "$bashcomp"
	completion_checks bash
	# "KNOB=VALUE" words, "--opt=ARG", and what only bash does this way
	offers_exactly bash "ksmctl --sysroot $F set run=" 0 1
	offers_exactly bash "ksmctl --sysroot=$fixtures/6.12 set advisor_mode=" none scan-time
	offers_exactly bash "ksmctl --sysroot $F set advisor_mode=sc" scan-time
	offers_exactly bash "ksmctl --sysroot $F set smart_scan=1 adv" "${advisor_writable_here[@]}"
	mkdir -p "$work/root/etc" "$work/root/sys"
	offers_exactly bash "ksmctl --sysroot $work/root/" "$work/root/etc" "$work/root/sys"
	offers_exactly bash "ksmctl --sysroot=$work/root/e" "$work/root/etc"
	# a kernel ksmctl cannot look at: the table's lists stand in
	offers_exactly bash "ksmctl --sysroot $work/nonexistent get adv" "${advisor_knobs[@]}"
	offers_exactly bash "ksmctl get -o NAME,VA" NAME,VALUE
	# a comma list: not a column it has already
	offers_exactly bash "ksmctl get -o NAME,VALUE," NAME,VALUE,ACCESS NAME,VALUE,SINCE \
		NAME,VALUE,DESCRIPTION
	offers_not bash "ksmctl ps -o PID,COMM," PID,COMM,PID PID,COMM,COMM
	# process ids of the kernel's /proc after -p, and as ps's and top's words
	fixture_pids=()
	for p in "$fixtures"/ps-6.15/proc/[1-9]*; do
		p=${p##*/}
		[[ $p == *[!0-9]* ]] || fixture_pids+=("$p")
	done
	offers_exactly bash "ksmctl --sysroot $fixtures/ps-6.15 ps -p " "${fixture_pids[@]}"
	offers_exactly bash "ksmctl --sysroot $fixtures/ps-6.15 top --pid 5000,51" 5000,5100
	offers_exactly bash "ksmctl --sysroot $fixtures/ps-6.15 ps 71" 7100
	offers_exactly bash "ksmctl --sysroot $fixtures/ps-6.15 top 2" 2 2101 2202
	# exec: the command's own completion (bash-completion's _command_offset)
	offers_exactly bash "ksmctl exec ls -" "offset:2:ls"
	offers_exactly bash "ksmctl exec --verify qemu-img " "offset:3:qemu-img"
	offers_exactly bash "ksmctl --sysroot /tmp exec -- ls " "offset:5:ls"
	offers_exactly bash "ksmctl get --output=+SI" +SINCE
	offers_exactly bash "ksmctl start --pages-to-scan "
	check "bash completion: errors (under 'set -u'): $(excerpt "$work/bcomp.err")" \
		[ ! -s "$work/bcomp.err" ]
fi

# --- zsh completion, for real ---------------------------------------------
# A zsh on a pseudo-terminal (zpty) loads the completion with compinit and
# "types" each line and a TAB; compadd is wrapped to print what it adds,
# and TAB prints a mark when completion is over (no typeahead: zsh cuts
# completion short when keys are waiting).
cat > "$work/zsetup.zsh" <<'EOF'
PS1='' RPS1=''
fpath=("$ZCOMP_DIR" $fpath)
autoload -Uz compinit && compinit -u -D
unsetopt beep auto_list list_ambiguous
compadd() {
	if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
		builtin compadd "$@"
		return
	fi
	local -a __hits
	builtin compadd -A __hits "$@"
	local ret=$? __h
	for __h in $__hits; do print -r -- "HIT:$IPREFIX$__h"; done
	builtin compadd "$@"
	return ret
}
tab-and-mark() {
	zle complete-word
	print -r -- $'\nEND''MARK'
	BUFFER=''
}
zle -N tab-and-mark
bindkey '^I' tab-and-mark
print -r -- RE''ADY
EOF
cat > "$work/zdrive.zsh" <<'EOF'
zmodload zsh/zpty || exit 2
setopt extended_glob
zpty z ZCOMP_DIR="$1" zsh -f -i
zpty -w z "source ${(q)2}"
zpty -r z out '*READY*' || exit 3
shift 2
for l in "$@"; do
	print -r -- "LINE:$l"
	zpty -w -n z "$l"$'\t'
	while zpty -r z out $'*\n'; do
		out=${${out//$'\r'/}//$'\e'\[[0-9;?]#[a-zA-Z]/}
		[[ $out == ENDMARK* ]] && break
		[[ $out == *HIT:* ]] && print -r -- "HIT:${${out#*HIT:}%%$'\n'}"
		# an error message of the completion functions
		[[ $out == *_ksmctl*:[0-9]*:* ]] && print -r -- "ERR:${out%%$'\n'}"
	done
done
zpty -d z
EOF

# zcomp_result LINE: the matches for LINE from the batch run below
zcomp_result() {
	awk -v line="LINE:$1" '
		$0 == line { on = 1; next }
		/^LINE:/ { on = 0 }
		on && sub(/^HIT:/, "") { print }' "$work/zcomp.out" | sort -u
}

if ! [ -f "$zshcomp" ]; then
	:	# reported above
elif ! command -v zsh > /dev/null; then
	skip "zsh is not installed: $zsh_name was checked as text only"
elif ! zsh -n "$zshcomp" 2> "$work/err"; then
	fail "$zsh_name: syntax error: $(excerpt "$work/err")"
else
	pass
	check "$zsh_name: first line is not '#compdef ksmctl'" \
		[ "$(head -n 1 "$zshcomp")" = "#compdef ksmctl" ]
	recording=$work/zlines
	: > "$recording"
	completion_checks zsh
	recording=""
	mkdir -p "$work/zfpath" "$work/root/etc" "$work/root/sys"
	cp "$zshcomp" "$work/zfpath/_ksmctl"
	extra=("ksmctl --sysroot $F set run=" "ksmctl --sysroot $F set advisor_mode=sc"
		"ksmctl ps -p " "ksmctl top -p " "ksmctl exec ls --al" "ksmctl exec sudo l"
		"ksmctl --sysroot $work/root/" "ksmctl get -o NAME,VA"
		"ksmctl get --output=+SI")
	mapfile -t zlines < <(sort -u "$work/zlines")
	(cd "$work" && timeout 120 zsh -f "$work/zdrive.zsh" "$work/zfpath" \
		"$work/zsetup.zsh" "${zlines[@]}" "${extra[@]}" \
		> "$work/zcomp.out" 2> "$work/zcomp.err")
	rc=$?
	if [ "$rc" != 0 ]; then
		fail "zsh completion: the zpty driver failed (exit $rc): $(excerpt "$work/zcomp.err")"
	else
		completion_checks zsh
		offers_exactly zsh "ksmctl --sysroot $F set run=" run=0 run=1
		offers_exactly zsh "ksmctl --sysroot $F set advisor_mode=sc" advisor_mode=scan-time
		check "zsh completion: 'ksmctl ps -p <TAB>' offers no process id" \
			grep -Eq '^[0-9]+$' <(zcomp_result "ksmctl ps -p ")
		check "zsh completion: 'ksmctl top -p <TAB>' offers no process id" \
			grep -Eq '^[0-9]+$' <(zcomp_result "ksmctl top -p ")
		offers zsh "ksmctl exec ls --al" --all
		offers_not zsh "ksmctl exec ls --al" --verify
		offers zsh "ksmctl exec sudo l" ls
		offers_exactly zsh "ksmctl --sysroot $work/root/" etc sys
		offers_exactly zsh "ksmctl get -o NAME,VA" NAME,VALUE
		offers_exactly zsh "ksmctl get --output=+SI" --output=+SINCE
		check "zsh completion: errors: $(grep -m 3 '^ERR:' "$work/zcomp.out" | tr '\n' ' ')" \
			not grep -q '^ERR:' "$work/zcomp.out"
	fi
fi

# --- shellcheck -----------------------------------------------------------
scripts=()
while IFS= read -r -d '' f; do
	scripts+=("$f")
done < <(cd "$top" && find tests tools -name '*.sh' -type f -print0 2> /dev/null)
[ -f "$top/.ci/run" ] && scripts+=(.ci/run)
check "shellcheck: no shell script found below tests/ and tools/" [ ${#scripts[@]} -gt 0 ]
if command -v shellcheck > /dev/null; then
	for f in "${scripts[@]}"; do
		(cd "$top" && shellcheck -x -P SCRIPTDIR "$f") > "$work/sc" 2>&1
		check "shellcheck $f: $(grep -m 3 -E '^In |SC[0-9]+' "$work/sc" | tr '\n' ' ')" \
			[ ! -s "$work/sc" ]
	done
	if [ -f "$bashcomp" ]; then
		shellcheck -s bash "$bashcomp" > "$work/sc" 2>&1
		check "shellcheck -s bash $bash_name: $(grep -m 3 -E 'SC[0-9]+' "$work/sc" | tr '\n' ' ')" \
			[ ! -s "$work/sc" ]
	fi
else
	fail "shellcheck: not installed (make deps installs it)"
fi

# --- the test runner ---------------------------------------------------------
# run-all.sh in a scratch tree of stand-ins: a suite that ran nothing or
# stopped without its summary fails, one that only skipped is a skip.
runner=$work/runner
mkdir -p "$runner/tests/unit" "$runner/tests/cli" "$runner/tests/docs" \
	"$runner/tests/kernel" "$runner/build/tests"
cp "$top/tests/run-all.sh" "$runner/tests/"
: > "$runner/tests/unit/test_nothing.c"	# and no build/tests/test_nothing
printf '#!/bin/sh\necho "cli: 0 passed, 0 failed"\n' > "$runner/tests/cli/run.sh"
printf '#!/bin/sh\necho "FAIL: a crash"\nexit 1\n' > "$runner/tests/docs/run.sh"
printf 'echo "SKIP: not here"\nexit 77\n' > "$runner/tests/kernel/test_skip.sh"
printf '#!/bin/sh\n' > "$runner/build/ksmctl"
chmod +x "$runner/tests/cli/run.sh" "$runner/tests/docs/run.sh" "$runner/build/ksmctl"
# run_all WANT-EXIT LINE SUITE...: run-all.sh SUITE... exits WANT-EXIT, says LINE
run_all() {
	local want=$1 line=$2 rc
	shift 2
	"$runner/tests/run-all.sh" "$@" > "$work/runner.out" 2>&1
	rc=$?
	check "run-all.sh $*: exit $rc, not $want: $(excerpt "$work/runner.out")" [ "$rc" = "$want" ]
	check "run-all.sh $*: does not say '$line': $(excerpt "$work/runner.out")" \
		grep -qxF "$line" "$work/runner.out"
}
run_all 1 "FAIL: unit: no test binaries in build/tests: run 'make tests-built'" unit
run_all 1 "run-all: cli: ran no test" cli
run_all 1 "run-all: docs: no \"N passed, N failed\" summary at the end: it stopped early (exit 1)" docs
run_all 0 "skipped suites: kernel" kernel

[ -z "${DOCS_KEEP:-}" ] || echo "scratch files kept in $work"
if [ "$skipped" -gt 0 ]; then
	echo "docs: $passed passed, $failed failed, $skipped skipped"
else
	echo "docs: $passed passed, $failed failed"
fi
[ "$failed" = 0 ]
