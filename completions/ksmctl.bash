# bash completion for ksmctl(8)                         -*- shell-script -*-
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Knob names and values come from the ksmctl being completed, for the
# kernel it would act on (--sysroot on the line, else /): ksmctl
# [--sysroot DIR] __list knobs-here|writable-knobs-here|values-here KNOB,
# so only what this kernel has is offered.  The static lists below stand
# in when that ksmctl cannot be run; tests/docs/run.sh checks them against
# the binary's own table (ksmctl __list ...).
#
# Adding a command is one line in _ksmctl_cmds: the name, then its
# options; an option that takes an argument ends in '='.

_ksmctl_global_opts='--sysroot= --help --version -h -V'

_ksmctl_cmds='
status -J --json -b --bytes -h --help
get -J --json -r --raw -n --noheadings -o= --output= --output-all -h --help
set -n --dry-run -q --quiet --unmerge -f --force --timeout= --no-wait -h --help
start -p= --pages-to-scan= -s= --sleep-millisecs= -n --dry-run -q --quiet --no-wait -h --help
stop --unmerge -f --force -n --dry-run -q --quiet --no-wait -h --help
unmerge-all -f --force -n --dry-run -q --quiet -r --restart --no-wait -h --help
ps -a --all -p= --pid= -u= --user= -g= --group-by= -o= --output= --output-all --sort= -b --bytes -J --json -r --raw -n --noheadings -w= --width= -h --help
export -g= --group-by= -o= --output= -h --help
tune -c= --config= --once -n --dry-run -v --verbose --interval= --pidfile= --retune --no-restore --show-config -h --help
governor --max-cpu= --calibrate --duration= -f --follow -i --interval= -n --dry-run -q --quiet -J --json --no-wait -h --help
apply -c= --config= --strict -n --dry-run -q --quiet --unmerge -f --force --timeout= --no-wait -h --help
save -q --quiet -h --help
exec --verify -h --help
top -d= --delay= -n= --iterations= -b --batch -g= --group-by= --sort= -p= --pid= -h --help
help -h --help
'

_ksmctl_knobs='run pages_to_scan sleep_millisecs merge_across_nodes
max_page_sharing use_zero_pages stable_node_chains_prune_millisecs smart_scan
advisor_mode advisor_max_cpu advisor_min_pages_to_scan advisor_max_pages_to_scan
advisor_target_scan_time advisor_target_cpu max_kernel_pages pages_shared pages_sharing
pages_unshared pages_volatile full_scans stable_node_chains stable_node_dups
general_profit ksm_zero_pages pages_scanned pages_skipped
cpu_governor max_cpu_percentage cpu_ratios eval_intervals abundant_threshold
thrash_threshold ema_per_page_time hash_strength sleep_times'

_ksmctl_writable_knobs='run pages_to_scan sleep_millisecs merge_across_nodes
max_page_sharing use_zero_pages stable_node_chains_prune_millisecs smart_scan
advisor_mode advisor_max_cpu advisor_min_pages_to_scan advisor_max_pages_to_scan
advisor_target_scan_time advisor_target_cpu max_kernel_pages
cpu_governor max_cpu_percentage cpu_ratios eval_intervals abundant_threshold
thrash_threshold'

# One line per knob with named values: the knob, then the values set
# takes (not run 2: unmerge-all does that, checking memory first).
_ksmctl_knob_values='
run 0 1
merge_across_nodes 0 1
use_zero_pages 0 1
smart_scan 0 1
advisor_mode none scan-time cpu
cpu_governor full medium low quiet
'

# The presets of 'governor'.
_ksmctl_presets='full medium low quiet'

# Columns of 'get -o'.
_ksmctl_get_columns='NAME VALUE ACCESS SINCE DESCRIPTION'
# Columns of 'ps -o' and 'ps --sort'; keys of 'ps/export --group-by'.
_ksmctl_ps_columns='PID USER UID COMM PROCS MERGING ZERO RMAP PROFIT SHARE VERDICT
MERGE_ANY MERGEABLE COW UNIT VM CGROUP'
_ksmctl_group_keys='cgroup unit vm user comm'
# Columns of 'top --sort' (grouped: the key, PROCS and the figures).
_ksmctl_top_columns='PID USER COMM PROCS MERGING ZERO RMAP PROFIT SHARE VERDICT
UNIT CGROUP VM'

# _ksmctl_field LIST NAME: the words after NAME on NAME's line of LIST.
_ksmctl_field()
{
	local line
	while read -r line; do
		case $line in
		"$2" | "$2 "*) printf '%s\n' "${line#"$2"}"; return 0 ;;
		esac
	done <<<"$1"
	return 1
}

# _ksmctl_add WORDS...: add the words that start with $cur to COMPREPLY.
_ksmctl_add()
{
	local w
	for w in "$@"; do
		[[ $w == "$cur"* ]] && COMPREPLY+=("$w")
	done
}

# _ksmctl_add_new WORDS...: the same, but not a word the command line has
# already (after the command): a knob is named once.
_ksmctl_add_new()
{
	local w j seen
	for w in "$@"; do
		[[ $w == "$cur"* ]] || continue
		seen=""
		for ((j = cmdi + 1; j < COMP_CWORD; j++)); do
			[[ ${COMP_WORDS[j]} == "$w" ]] && { seen=1; break; }
		done
		[[ -z $seen ]] && COMPREPLY+=("$w")
	done
}

# _ksmctl_here WHAT [KNOB]: the ksmctl being completed says what the
# kernel it acts on has: knobs-here, writable-knobs-here, values-here
# KNOB.  Fails when that ksmctl cannot be run (the static lists stand in).
_ksmctl_here()
{
	local prog=${_ksmctl_prog:-ksmctl} root=${_ksmctl_root:-/}
	[[ $prog == \~/* ]] && prog=$HOME/${prog#\~/}
	[[ $root == \~/* ]] && root=$HOME/${root#\~/}
	"$prog" --sysroot "$root" __list "$@" 2> /dev/null
}

# This kernel's knobs (or the writable ones: "writable-"), else the table's.
_ksmctl_knobs_here()
{
	local list
	if list=$(_ksmctl_here "${1-}knobs-here"); then
		printf '%s\n' "$list"
	elif [[ -n ${1-} ]]; then
		printf '%s\n' "$_ksmctl_writable_knobs"
	else
		printf '%s\n' "$_ksmctl_knobs"
	fi
}

# The values of knob $1 that set takes on this kernel, else the table's.
_ksmctl_values_here()
{
	_ksmctl_here values-here "$1" || _ksmctl_field "$_ksmctl_knob_values" "$1"
}

# Options of a command, or the global ones: '=' marks an argument, which
# the user may attach with '=' (long options) or give as the next word.
_ksmctl_options()
{
	local o
	for o in $1; do
		_ksmctl_add "${o%=}"
	done
}

# Does option $2 take an argument, per the option list $1?
_ksmctl_takes_arg()
{
	[[ " $1 " == *" $2= "* ]]
}

_ksmctl_get_columns_complete()
{
	# "NAME,VA" or "+SINCE": complete the last column of the list
	_ksmctl_list_complete "$_ksmctl_get_columns"
}

# _ksmctl_list_complete WORDS: complete the last word of a comma list
# ("PID,CO", "+UNIT", "unit,v"), not with a word the list has already.
_ksmctl_list_complete()
{
	local prefix=${cur%"${cur##*[,+]}"} w
	local have=",${prefix//+/,}"
	for w in $1; do
		[[ $have == *",$w,"* ]] && continue
		[[ $prefix$w == "$cur"* ]] && COMPREPLY+=("$prefix$w")
	done
	compopt -o nospace 2>/dev/null
}

# Process ids of the kernel ksmctl acts on (--sysroot's /proc), as a comma
# list: "-p 12,3<TAB>".
_ksmctl_pids_complete()
{
	local root=${_ksmctl_root:-/} d pids=()
	[[ $root == \~/* ]] && root=$HOME/${root#\~/}
	for d in "${root%/}"/proc/[1-9]*; do
		d=${d##*/}
		[[ $d == *[!0-9]* ]] || pids+=("$d")
	done
	_ksmctl_list_complete "${pids[*]}"
}

# The argument of option $1 of command $2 ("" for the global ones).
_ksmctl_option_arg()
{
	case $1 in
	--sysroot)
		compopt -o filenames 2>/dev/null
		local IFS=$'\n'
		# shellcheck disable=SC2207 # one directory per line
		COMPREPLY+=($(compgen -d -- "$cur"))
		;;
	-o | --output)
		case $2 in
		get) _ksmctl_get_columns_complete ;;
		ps) _ksmctl_list_complete "$_ksmctl_ps_columns" ;;
		export)
			compopt -o filenames 2>/dev/null
			local IFS=$'\n'
			# shellcheck disable=SC2207 # one file per line
			COMPREPLY+=($(compgen -f -- "$cur"))
			;;
		esac
		;;
	-c | --config | --pidfile)
		if [[ $2 == tune || $2 == apply ]]; then
			compopt -o filenames 2>/dev/null
			local IFS=$'\n'
			# shellcheck disable=SC2207 # one file per line
			COMPREPLY+=($(compgen -f -- "$cur"))
		fi
		;;
	--sort)
		# shellcheck disable=SC2086
		case $2 in
		ps) _ksmctl_add $_ksmctl_ps_columns ;;
		top) _ksmctl_add $_ksmctl_top_columns ;;
		esac
		;;
	-g | --group-by)
		if [[ $2 == export ]]; then
			_ksmctl_list_complete "$_ksmctl_group_keys"
		elif [[ $2 == ps || $2 == top ]]; then
			# shellcheck disable=SC2086
			_ksmctl_add $_ksmctl_group_keys
		fi
		;;
	-u | --user)
		# shellcheck disable=SC2207 # user names have no spaces
		[[ $2 == ps ]] && COMPREPLY+=($(compgen -u -- "$cur"))
		;;
	-p | --pid)
		[[ $2 == ps || $2 == top ]] && _ksmctl_pids_complete
		;;
	esac
	# numbers (--pages-to-scan, --timeout ...): nothing to offer
}

# set: a knob name, or the value after one, in both forms: "KNOB VALUE"
# and "KNOB=VALUE" (which bash splits into KNOB, "=" and VALUE, as '=' is
# in COMP_WORDBREAKS).
_ksmctl_set_word()
{
	local knob_eq=""

	if [[ $cur == "=" ]]; then
		# "run=<TAB>": bash made "=" the current word
		knob_eq=$prev
		cur=""
	elif [[ $prev == "=" ]]; then
		# "run=sc<TAB>"
		knob_eq=${COMP_WORDS[COMP_CWORD - 2]}
	elif [[ $cur == *=* ]]; then
		# '=' not in COMP_WORDBREAKS: complete "run=..." whole
		local k=${cur%%=*} v
		cur=${cur#*=}
		for v in $(_ksmctl_values_here "$k"); do
			[[ $v == "$cur"* ]] && COMPREPLY+=("$k=$v")
		done
		return
	fi
	if [[ -n $knob_eq ]]; then
		# shellcheck disable=SC2046 # the values are plain words
		_ksmctl_add $(_ksmctl_values_here "$knob_eq")
		return
	fi
	# After a writable knob name comes its value; otherwise a name.
	if [[ " ${_ksmctl_writable_knobs//$'\n'/ } " == *" $prev "* ]] &&
	   [[ ${COMP_WORDS[COMP_CWORD - 2]} != "=" ]]; then
		# shellcheck disable=SC2046
		_ksmctl_add $(_ksmctl_values_here "$prev")
		return
	fi
	# shellcheck disable=SC2046 # knob names are plain words
	_ksmctl_add_new $(_ksmctl_knobs_here writable-)
}

_ksmctl()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=""
	local i cmd="" cmdi=0 opts w
	# the ksmctl being completed, and the --sysroot it will act on
	local _ksmctl_prog=${COMP_WORDS[0]} _ksmctl_root=/
	COMPREPLY=()
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}

	# Find the command: the first word that is not a global option or
	# the argument of one.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		--sysroot)
			# "--sysroot DIR" or "--sysroot = DIR"
			[[ ${COMP_WORDS[i + 1]} == "=" ]] && ((i++))
			((i++))
			((i < COMP_CWORD)) && _ksmctl_root=${COMP_WORDS[i]}
			;;
		-*) ;;
		*)
			cmd=$w
			cmdi=$i
			break
			;;
		esac
	done

	if [[ -z $cmd ]]; then
		if [[ $cur == "=" && $prev == --sysroot ]]; then
			cur=""
			_ksmctl_option_arg --sysroot ""
		elif [[ $prev == "=" && ${COMP_WORDS[COMP_CWORD - 2]} == --sysroot ]] ||
		     [[ $prev == --sysroot ]]; then
			_ksmctl_option_arg --sysroot ""
		elif [[ $cur == -* ]]; then
			_ksmctl_options "$_ksmctl_global_opts"
		else
			local line
			while read -r line; do
				[[ -n $line ]] && _ksmctl_add "${line%% *}"
			done <<<"$_ksmctl_cmds"
		fi
		return 0
	fi

	opts=$(_ksmctl_field "$_ksmctl_cmds" "$cmd") || return 0

	# The argument of an option: "-o LIST", "--output=LIST".
	if [[ $cur == "=" ]] && _ksmctl_takes_arg "$opts" "$prev"; then
		cur=""
		_ksmctl_option_arg "$prev" "$cmd"
		return 0
	fi
	if [[ $prev == "=" ]] && ((COMP_CWORD - 2 > cmdi)) &&
	   _ksmctl_takes_arg "$opts" "${COMP_WORDS[COMP_CWORD - 2]}"; then
		_ksmctl_option_arg "${COMP_WORDS[COMP_CWORD - 2]}" "$cmd"
		return 0
	fi
	if ((COMP_CWORD - 1 > cmdi)) && _ksmctl_takes_arg "$opts" "$prev"; then
		_ksmctl_option_arg "$prev" "$cmd"
		return 0
	fi
	# exec: once its command is there, the words are the command's
	if [[ $cmd == exec ]]; then
		for ((i = cmdi + 1; i < COMP_CWORD; i++)); do
			w=${COMP_WORDS[i]}
			[[ $w == -- ]] && { ((i++)); break; }
			[[ $w != -* ]] && break
		done
		if ((i < COMP_CWORD)); then
			if declare -F _command_offset > /dev/null; then
				_command_offset "$i"
			else
				compopt -o default 2>/dev/null
			fi
			return 0
		fi
		if [[ $cur != -* || $prev == -- ]]; then
			# shellcheck disable=SC2207 # command names have no spaces
			COMPREPLY+=($(compgen -c -- "$cur"))
			return 0
		fi
	fi
	if [[ $cur == -* ]]; then
		_ksmctl_options "$opts"
		return 0
	fi

	case $cmd in
	get)
		# shellcheck disable=SC2046 # knob names are plain words
		_ksmctl_add_new $(_ksmctl_knobs_here)
		;;
	ps | top)
		_ksmctl_pids_complete
		;;
	set)
		_ksmctl_set_word
		;;
	governor)
		# shellcheck disable=SC2086
		_ksmctl_add $_ksmctl_presets
		;;
	save)
		compopt -o filenames 2>/dev/null
		local IFS=$'\n'
		# shellcheck disable=SC2207 # one file per line
		COMPREPLY+=($(compgen -f -- "$cur"))
		;;
	help)
		if ((COMP_CWORD == cmdi + 1)); then
			local line
			while read -r line; do
				[[ -n $line ]] && _ksmctl_add "${line%% *}"
			done <<<"$_ksmctl_cmds"
		fi
		;;
	esac
	return 0
} &&
	complete -F _ksmctl ksmctl

# ksmtop is 'ksmctl top' ("ksmtop [--sysroot DIR] OPTIONS"): complete the
# words as that line.
_ksmtop()
{
	local n=1
	# "--sysroot DIR" (or "--sysroot = DIR") first stays first
	if [[ ${COMP_WORDS[1]-} == --sysroot ]]; then
		n=3
		[[ ${COMP_WORDS[2]-} == "=" ]] && n=4
	fi
	if ((COMP_CWORD < n)); then
		_ksmctl "$@"	# the directory of --sysroot
		return
	fi
	COMP_WORDS=(ksmctl "${COMP_WORDS[@]:1:n-1}" top "${COMP_WORDS[@]:n}")
	((COMP_CWORD++))
	_ksmctl "$@"
	if ((n == 1 && COMP_CWORD == 2)) && [[ ${COMP_WORDS[2]} == -* ]]; then
		local cur=${COMP_WORDS[2]}
		_ksmctl_add --sysroot
	fi
} &&
	complete -F _ksmtop ksmtop

# ex: filetype=sh
